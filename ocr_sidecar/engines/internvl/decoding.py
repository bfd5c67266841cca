"""One document's decoding under its grammar: jump-forward over forced runs, prompt-lookup drafts checked in
the same pass, the KV cache of the prompt's fixed prefix kept across documents; or transformers' generate."""

from __future__ import annotations

import threading
from typing import Optional

from ...lookup import PromptLookup

PREFIX_CACHE_ENTRIES = 8  # prompt prefixes (document type x language hint) whose KV cache is kept


class SingleDecoding:
    """The one-document decoders of ``InternVLEngine`` (a mixin: they use its model, tokenizer and caches)."""

    def _generate_hf(self, inputs: dict, grammar, budget: int, cancel_criteria, prompt_len: int):
        """transformers' generate with xgrammar's logits processor: one forward pass per token."""
        import torch
        import xgrammar as xgr
        from transformers import StoppingCriteriaList

        out = self.model.generate(
            **inputs, max_new_tokens=budget, do_sample=False,
            logits_processor=[xgr.contrib.hf.LogitsProcessor(grammar)],  # fresh per call: it is stateful
            stopping_criteria=StoppingCriteriaList([cancel_criteria]), eos_token_id=self.stop_ids,
            pad_token_id=self.tokenizer.pad_token_id or self.stop_ids[0],
            output_scores=True, return_dict_in_generate=True)
        new_ids = out.sequences[0, prompt_len:].tolist()
        probs = [float(torch.softmax(score[0].float(), dim=-1)[tok]) for score, tok in zip(out.scores, new_ids)]
        self.last_forwards = len(new_ids)
        return new_ids, probs

    def _generate_jump(self, inputs: dict, grammar, budget: int, cancel: Optional[threading.Event],
                       lookup: Optional[PromptLookup] = None):
        """Greedy decoding under the grammar with jump-forward and, given ``lookup``, prompt-lookup drafts.

        - Jump-forward: where the grammar allows exactly one continuation (every key, comma and brace of the
          canonical skeleton), its tokens are appended at once and the model reads them in one forward pass
          instead of one pass per token. Forced tokens have probability 1 (they carry no field value).
        - Drafts: after each token the model chooses, the tokens that followed the same words in the prompt
          (the PDF text layer) are sent with it, trimmed to what the grammar accepts; the one forward pass
          gives the model's greedy choice at every drafted position, and the drafts are kept up to the first
          one it would not have chosen. The rest are cut from the KV cache.

        Either way the text is the one greedy decoding under the grammar writes; only the number of forward
        passes changes."""
        import torch
        import xgrammar as xgr

        model = self.model
        matcher = xgr.GrammarMatcher(grammar)
        bitmask = xgr.allocate_token_bitmask(1, self._tokenizer_info.vocab_size)
        out = self._prefill(inputs)
        cache, logits = out.cache, out.logits[:, -1, :].float()
        forwards = 1
        new_ids: list[int] = []
        probs: list[float] = []

        def choose(row) -> tuple[int, float]:
            matcher.fill_next_token_bitmask(bitmask)
            xgr.apply_token_bitmask_inplace(row, bitmask.to(row.device))
            token = int(torch.argmax(row[0]))
            return token, float(torch.softmax(row[0], dim=-1)[token])

        while len(new_ids) < budget and not matcher.is_terminated():
            if cancel is not None and cancel.is_set():
                break
            drafts: list[int] = []
            step = self._forced_tokens(matcher, budget - len(new_ids))
            forced = bool(step)
            probs.extend([1.0] * len(step))
            if not step:
                token, p = choose(logits)
                if not matcher.accept_token(token):
                    raise RuntimeError("the grammar refused the token it allowed")
                probs.append(p)
                step = [token]
            new_ids.extend(step)
            if lookup is not None:
                lookup.extend(step)
            if matcher.is_terminated() or len(new_ids) >= budget:
                break
            if lookup is not None and not forced:
                drafts = self._grammatical_drafts(matcher, lookup.draft(budget - len(new_ids)))
            out = model(input_ids=torch.tensor([step + drafts], device=logits.device), cache=cache, use_cache=True,
                        logits_to_keep=len(drafts) + 1)
            cache, rows = out.cache, out.logits[0].float()
            forwards += 1
            kept = 0
            for draft in drafts:  # rows[kept] = the model's logits after step + drafts[:kept]
                if matcher.is_terminated() or matcher.find_jump_forward_string():
                    break  # the grammar forces text here: the main loop appends it as it would without drafts
                token, p = choose(rows[kept:kept + 1])
                if token != draft:
                    break
                matcher.accept_token(token)
                probs.append(p)
                kept += 1
            if drafts:
                new_ids.extend(drafts[:kept])
                lookup.extend(drafts[:kept])
                lookup.record(len(drafts), kept)
                if kept < len(drafts):
                    cache.crop(kept - len(drafts))  # a negative length: drop that many positions
            logits = rows[kept:kept + 1]
        self.last_forwards = forwards
        return new_ids, probs

    def _forced_tokens(self, matcher, limit: int) -> list[int]:
        """The tokens of the text the grammar forces next (at most ``limit``), accepted by ``matcher``."""
        forced = matcher.find_jump_forward_string()
        step: list[int] = []
        if forced:
            for token in self.tokenizer.encode(forced, add_special_tokens=False)[:limit]:
                if not matcher.accept_token(token):  # a tokenization the grammar does not take: decode it
                    break
                step.append(token)
        return step

    @staticmethod
    def _step_inputs(steps: dict[int, list[int]], rows: int, next_pos, pad_id: int):
        """One pass's inputs for ``rows`` rows continuing their caches: each row's step ``steps[i]`` aligned
        to the right end (padding first), so that every row's last token is the last column and the pass
        keeps the logits of that column only (``logits_to_keep=1``: rows × vocabulary, not rows × width ×
        vocabulary). Returns (ids, mask of the real tokens, position ids, lengths); a row without a step is
        all padding. The padding's positions are never attended to (the mask hides them)."""
        import torch

        device = next_pos.device
        width = max(len(step) for step in steps.values())
        ids = torch.full((rows, width), pad_id, dtype=torch.long, device=device)
        mask = torch.zeros((rows, width), dtype=torch.bool, device=device)
        lengths = torch.zeros(rows, dtype=torch.long, device=device)
        for i, step in steps.items():
            ids[i, width - len(step):] = torch.tensor(step, device=device)
            mask[i, width - len(step):] = True
            lengths[i] = len(step)
        offsets = (torch.arange(width, device=device)[None, :] - (width - lengths)[:, None]).clamp(min=0)
        return ids, mask, next_pos[:, None] + offsets, lengths

    @staticmethod
    def _choose(logits, bitmask, matchers, choosing: list[int]) -> list[tuple[int, int, float]]:
        """Greedy choice under the grammar for the rows ``choosing`` of ``logits`` (rows × vocabulary, masked
        in place by ``bitmask``, which the matchers filled): (row, token, probability) per row, each token
        accepted by its row's matcher — one transfer and one argmax for all the rows."""
        import torch
        import xgrammar as xgr

        xgr.apply_token_bitmask_inplace(logits, bitmask.to(logits.device), indices=choosing)
        chosen = logits[choosing].argmax(dim=-1)
        chosen_p = torch.softmax(logits[choosing], dim=-1).gather(1, chosen[:, None])[:, 0]
        out = []
        for i, token, p in zip(choosing, chosen.tolist(), chosen_p.tolist()):
            if not matchers[i].accept_token(token):
                raise RuntimeError("the grammar refused the token it allowed")
            out.append((i, token, p))
        return out

    def _prefill(self, inputs: dict):
        """The prompt's forward pass, reusing the KV cache of its fixed prefix — everything before the first
        page image: the chat template's head and the instruction for this document type — which is computed
        once per distinct prefix (a few per deployment) and copied for each document."""
        import copy

        ids = inputs["input_ids"]
        starts = (ids[0] == self.tokenizer.convert_tokens_to_ids(self.start_image)).nonzero()
        cut = int(starts[0]) if len(starts) else 0
        self.last_prefix_reused = 0
        if not self.prefix_cache or cut < 8:
            return self.model(**inputs, use_cache=True, logits_to_keep=1)
        key = tuple(ids[0, :cut].tolist())
        kept = self._prefixes.pop(key, None)
        if kept is not None:
            self.last_prefix_reused = cut
        else:
            kept = self.model(input_ids=ids[:, :cut], use_cache=True, logits_to_keep=1).cache
        self._prefixes[key] = kept  # most recently used last
        while len(self._prefixes) > PREFIX_CACHE_ENTRIES:
            self._prefixes.pop(next(iter(self._prefixes)))
        rest = dict(inputs, input_ids=ids[:, cut:])  # the attention mask still covers the whole prompt
        return self.model(**rest, cache=copy.deepcopy(kept), use_cache=True, logits_to_keep=1)

    @staticmethod
    def _grammatical_drafts(matcher, drafts: list[int]) -> list[int]:
        """The longest prefix of ``drafts`` the grammar accepts without forcing text in between (a forced
        run is appended by jump-forward anyway)."""
        if not drafts:
            return []
        probe = matcher.fork()
        kept = []
        for token in drafts:
            if probe.find_jump_forward_string() or not probe.accept_token(token):
                break
            kept.append(token)
            if probe.is_terminated():
                break
        return kept

    def _decode_with_offsets(self, ids: list[int]) -> tuple[str, list[int]]:
        """Decoded text and, per token, the character offset where it ends."""
        ends, text = [], ""
        # Incremental decoding of a byte-level BPE: decode growing prefixes (outputs are ~1k tokens).
        for i in range(len(ids)):
            text = self.tokenizer.decode(ids[: i + 1], skip_special_tokens=True)
            ends.append(len(text))
        return text, ends

