"""Several documents generated as one batch (GPU throughput): jump-forward across rows, or transformers'
generate with one grammar per row; a batch that runs out of device memory is halved until it fits."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("ocr_sidecar.internvl")


class BatchGrammar:
    """transformers logits processor for a batch: one grammar matcher per row, and a per-row end.

    xgrammar's own HF processor assumes every row ends with a stop token the grammar accepts; a row here may
    also end because its token budget is spent or its caller gave up (deadline). Such a row is made to emit
    the stop token once (transformers then pads it) and its answer is the tokens accepted before; its matcher
    never sees the stop token it did not allow. ``taken[i]`` is how many of row i's generated tokens belong
    to its answer (a natural stop token included)."""

    def __init__(self, grammars: list, budgets: list[int], cancels: list, stop_id: int, vocab_size: int):
        import xgrammar as xgr

        self.matchers = [xgr.GrammarMatcher(g) for g in grammars]
        self.budgets, self.cancels, self.stop_id = budgets, cancels, stop_id
        self.bitmask = xgr.allocate_token_bitmask(len(grammars), vocab_size)
        self.taken = [0] * len(grammars)
        self.open = [True] * len(grammars)
        self.steps = 0

    def __call__(self, input_ids, scores):
        import xgrammar as xgr

        ending = []
        last = input_ids[:, -1].tolist() if self.steps else []  # one device sync per step, not one per row
        for i, matcher in enumerate(self.matchers):
            if not self.open[i]:
                continue
            if self.steps:
                if not matcher.accept_token(last[i]):
                    raise RuntimeError("the grammar refused the token it allowed")
                self.taken[i] += 1
            cancel = self.cancels[i]
            if matcher.is_terminated():
                self.open[i] = False
            elif self.taken[i] >= self.budgets[i] or (cancel is not None and cancel.is_set()):
                self.open[i] = False
                ending.append(i)
            else:
                matcher.fill_next_token_bitmask(self.bitmask, i)
        self.steps += 1
        rows = [i for i, still in enumerate(self.open) if still]
        if rows:
            xgr.apply_token_bitmask_inplace(scores, self.bitmask.to(scores.device), indices=rows)
        for i in ending:
            scores[i].fill_(float("-inf"))
            scores[i, self.stop_id] = 0.0
        return scores


class BatchDecoding:
    """The batch decoders of ``InternVLEngine`` (a mixin: they use its model, tokenizer and grammar info)."""

    def _generate_batch(self, requests: list[tuple]) -> list[tuple[list[int], list[float], int]]:
        """Several documents in one batch: prompts left-padded to one length, the pages' tiles concatenated in
        row order (InternVL fills the image placeholders in that order), one grammar matcher per row. On a
        GPU a forward pass costs about the same for the whole batch as for one row, which is where the
        throughput comes from. The jump decoder keeps jump-forward inside the batch (``_generate_batch_jump``);
        ``hf`` runs transformers' generate with ``BatchGrammar``. A batch of one takes the single-document
        decoder.

        ``requests``: (model inputs, compiled grammar, token budget, cancel event) per document."""
        import torch

        if self.on_batch is not None:
            self.on_batch(len(requests))
        if len(requests) == 1:  # nobody to share with: the single-document decoder (jump-forward, drafts)
            try:
                return [self._generate_one(*requests[0])]
            except torch.OutOfMemoryError as exc:  # too big alone: its caller's error, not its batch-mates'
                self._free_device_memory()
                return [exc]
        try:
            return self._run_batch(requests)
        except torch.OutOfMemoryError:  # too many pages at once for the device: halve the batch, lose nothing
            self._free_device_memory()
            half = len(requests) // 2
            log.warning("out of memory on a batch of %d documents: running it as %d + %d", len(requests), half,
                        len(requests) - half)
            return self._generate_batch(requests[:half]) + self._generate_batch(requests[half:])

    def _run_batch(self, requests: list[tuple]) -> list[tuple[list[int], list[float], int]]:
        import torch

        with self._lock:
            started = time.perf_counter()
            lengths = [r[0]["input_ids"].shape[1] for r in requests]
            longest = max(lengths)
            ids = torch.full((len(requests), longest), self._pad_id, dtype=torch.long, device=self.device)
            mask = torch.zeros((len(requests), longest), dtype=torch.long, device=self.device)
            for row, ((inputs, *_), n) in enumerate(zip(requests, lengths)):
                ids[row, longest - n:] = inputs["input_ids"][0]
                mask[row, longest - n:] = 1
            batch = {"input_ids": ids, "attention_mask": mask,
                     "pixel_values": torch.cat([r[0]["pixel_values"] for r in requests])}
            if self.seed is not None:
                torch.manual_seed(self.seed)
            with torch.inference_mode():
                if self.decoder in ("jump", "parallel"):  # parallel: across documents, jump-forward
                    answers = self._generate_batch_jump(batch, requests)
                else:
                    answers = self._generate_batch_hf(batch, requests)
            elapsed = int((time.perf_counter() - started) * 1000)
            return [(new_ids, probs, elapsed) for new_ids, probs in answers]

    @property
    def _pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return self.stop_ids[0] if pad is None else pad

    def _generate_batch_hf(self, batch: dict, requests: list[tuple]):
        import torch

        rows = BatchGrammar([r[1] for r in requests], [r[2] for r in requests], [r[3] for r in requests],
                            self.stop_ids[0], self._tokenizer_info.vocab_size)
        out = self.model.generate(
            **batch, max_new_tokens=max(r[2] for r in requests) + 1, do_sample=False, logits_processor=[rows],
            eos_token_id=self.stop_ids, pad_token_id=self._pad_id, output_scores=True, return_dict_in_generate=True)
        self.last_forwards = len(out.scores)
        longest = batch["input_ids"].shape[1]
        answers = []
        for row, taken in enumerate(rows.taken):
            new_ids = out.sequences[row, longest:longest + taken].tolist()
            probs = [float(torch.softmax(score[row].float(), dim=-1)[tok]) for score, tok in zip(out.scores, new_ids)]
            answers.append((new_ids, probs))
        return answers

    def _generate_batch_jump(self, batch: dict, requests: list[tuple]):
        """Jump-forward for a batch. Each pass, every unfinished row appends its step — the run of tokens its
        grammar forces, or the one token the model chooses — and the rows' steps, of different lengths, are
        right-padded into one (rows × longest step) input whose padding the attention mask hides (positions
        are given per row, so a row's tokens sit where they would alone). The batch takes as many passes as
        its slowest row, each row's answer is its own greedy answer under its grammar."""
        import torch
        import xgrammar as xgr

        model, rows = self.model, len(requests)
        mask = batch["attention_mask"]
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out = model(**batch, position_ids=positions, use_cache=True, logits_to_keep=1)
        cache, last = out.cache, out.logits[:, -1, :].float()
        forwards = self.batch_passes = 1
        next_pos = positions[:, -1] + 1
        matchers = [xgr.GrammarMatcher(r[1]) for r in requests]
        budgets, cancels = [r[2] for r in requests], [r[3] for r in requests]
        bitmask = xgr.allocate_token_bitmask(rows, self._tokenizer_info.vocab_size)
        answers: list[tuple[list[int], list[float]]] = [([], []) for _ in range(rows)]
        open_rows = set(range(rows))
        while open_rows:
            steps: dict[int, list[int]] = {}
            choosing = []
            for i in sorted(open_rows):
                if cancels[i] is not None and cancels[i].is_set():
                    open_rows.discard(i)
                    continue
                new_ids, probs = answers[i]
                step = self._forced_tokens(matchers[i], budgets[i] - len(new_ids))
                if step:
                    steps[i] = step
                    probs.extend([1.0] * len(step))
                else:  # the model chooses: all such rows at once below (one transfer, one argmax)
                    matchers[i].fill_next_token_bitmask(bitmask, i)
                    choosing.append(i)
            for i, token, p in self._choose(last, bitmask, matchers, choosing) if choosing else ():
                answers[i][1].append(p)
                steps[i] = [token]
            for i in list(steps):
                answers[i][0].extend(steps[i])
                if matchers[i].is_terminated() or len(answers[i][0]) >= budgets[i]:
                    open_rows.discard(i)  # its answer is complete: it needs no further pass
                    del steps[i]
            if not steps:
                break
            ids, step_mask, step_positions, lengths = self._step_inputs(steps, rows, next_pos, self._pad_id)
            mask = torch.cat([mask, step_mask.to(mask.dtype)], dim=1)
            out = model(input_ids=ids, attention_mask=mask, position_ids=step_positions, cache=cache,
                        use_cache=True, logits_to_keep=1)
            cache, forwards = out.cache, forwards + 1
            self.batch_passes = forwards  # progress of the running batch (tests cancel a row mid-decoding)
            fed = torch.tensor(sorted(steps), device=ids.device)
            last[fed] = out.logits[fed, -1].float()
            next_pos = next_pos + lengths
        self.last_forwards = forwards
        self.last_batch_tokens = [len(ids) for ids, _ in answers]  # per row: where each stopped (tests, logs)
        return answers

    def _free_device_memory(self) -> None:
        """Hand the cached blocks of a failed allocation back, so that what runs next has them."""
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()
