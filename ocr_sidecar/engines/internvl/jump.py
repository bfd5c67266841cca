"""The default decoder (``OCR_DECODER=jump``): greedy decoding under the grammar with jump-forward over the runs
it forces and prompt-lookup drafts checked in the same pass; for a batch, jump-forward across its rows."""

from __future__ import annotations

import threading
from typing import Any, Optional

from ...lookup import PromptLookup
from .decoder import Decoder, Tokens
from .kit import DecodeKit
from .stats import DecodeStats


class JumpDecoder(Decoder):
    name = "jump"

    def __init__(self, kit: DecodeKit, stats: DecodeStats, lookup_draft: int = 8):
        super().__init__(kit, stats)
        self.lookup_draft = lookup_draft  # prompt-lookup draft length per step; 0 = off

    def generate(self, inputs: dict, grammar: Any, budget: int, cancel: Optional[threading.Event]) -> Tokens:
        lookup = None
        if self.lookup_draft:
            image_token = self.kit.tokenizer.convert_tokens_to_ids(self.kit.context_image)
            lookup = PromptLookup(inputs["input_ids"][0].tolist(), max_draft=self.lookup_draft, ignore=(image_token,))
        self.stats.lookup = lookup
        return self.jump(inputs, grammar, budget, cancel, lookup)

    def jump(self, inputs: dict, grammar: Any, budget: int, cancel: Optional[threading.Event],
             lookup: Optional[PromptLookup] = None) -> Tokens:
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

        kit = self.kit
        matcher = xgr.GrammarMatcher(grammar)
        bitmask = xgr.allocate_token_bitmask(1, kit.vocab_size)
        out = kit.prefill(inputs)
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
            step = kit.forced_tokens(matcher, budget - len(new_ids))
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
                drafts = self.grammatical_drafts(matcher, lookup.draft(budget - len(new_ids)))
            out = kit.model(input_ids=torch.tensor([step + drafts], device=logits.device), cache=cache,
                            use_cache=True, logits_to_keep=len(drafts) + 1)
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
        self.stats.forwards = forwards
        return new_ids, probs

    @staticmethod
    def grammatical_drafts(matcher, drafts: list[int]) -> list[int]:
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

    def generate_batch(self, batch: dict, requests: list[tuple]) -> list[Tokens]:
        """Jump-forward for a batch. Each pass, every unfinished row appends its step — the run of tokens its
        grammar forces, or the one token the model chooses — and the rows' steps, of different lengths, are
        right-padded into one (rows × longest step) input whose padding the attention mask hides (positions
        are given per row, so a row's tokens sit where they would alone). The batch takes as many passes as
        its slowest row, each row's answer is its own greedy answer under its grammar."""
        import torch
        import xgrammar as xgr

        kit, stats, rows = self.kit, self.stats, len(requests)
        mask = batch["attention_mask"]
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out = kit.model(**batch, position_ids=positions, use_cache=True, logits_to_keep=1)
        cache, last = out.cache, out.logits[:, -1, :].float()
        forwards = stats.batch_passes = 1
        next_pos = positions[:, -1] + 1
        matchers = [xgr.GrammarMatcher(r[1]) for r in requests]
        budgets, cancels = [r[2] for r in requests], [r[3] for r in requests]
        bitmask = xgr.allocate_token_bitmask(rows, kit.vocab_size)
        answers: list[Tokens] = [([], []) for _ in range(rows)]
        open_rows = set(range(rows))
        while open_rows:
            steps: dict[int, list[int]] = {}
            choosing = []
            for i in sorted(open_rows):
                if cancels[i] is not None and cancels[i].is_set():
                    open_rows.discard(i)
                    continue
                new_ids, probs = answers[i]
                step = kit.forced_tokens(matchers[i], budgets[i] - len(new_ids))
                if step:
                    steps[i] = step
                    probs.extend([1.0] * len(step))
                else:  # the model chooses: all such rows at once below (one transfer, one argmax)
                    matchers[i].fill_next_token_bitmask(bitmask, i)
                    choosing.append(i)
            for i, token, p in kit.choose(last, bitmask, matchers, choosing) if choosing else ():
                answers[i][1].append(p)
                steps[i] = [token]
            for i in list(steps):
                answers[i][0].extend(steps[i])
                if matchers[i].is_terminated() or len(answers[i][0]) >= budgets[i]:
                    open_rows.discard(i)  # its answer is complete: it needs no further pass
                    del steps[i]
            if not steps:
                break
            ids, step_mask, step_positions, lengths = kit.step_inputs(steps, rows, next_pos, kit.pad_id)
            mask = torch.cat([mask, step_mask.to(mask.dtype)], dim=1)
            out = kit.model(input_ids=ids, attention_mask=mask, position_ids=step_positions, cache=cache,
                            use_cache=True, logits_to_keep=1)
            cache, forwards = out.cache, forwards + 1
            stats.batch_passes = forwards  # progress of the running batch (tests cancel a row mid-decoding)
            fed = torch.tensor(sorted(steps), device=ids.device)
            last[fed] = out.logits[fed, -1].float()
            next_pos = next_pos + lengths
        stats.forwards = forwards
        stats.batch_tokens = [len(ids) for ids, _ in answers]  # per row: where each stopped (tests, logs)
        return answers
