"""The transformers decoder (``OCR_DECODER=hf``): ``generate`` with xgrammar's logits processor, one forward pass per
token; for a batch, one grammar matcher per row (``BatchGrammar``)."""

from __future__ import annotations

import threading
from typing import Any, Optional

from .decoder import Decoder, Tokens


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


class HfDecoder(Decoder):
    name = "hf"

    def generate(self, inputs: dict, grammar: Any, budget: int, cancel: Optional[threading.Event]) -> Tokens:
        """transformers' generate with xgrammar's logits processor: one forward pass per token."""
        import torch
        import xgrammar as xgr
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Cancel(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                stop = cancel is not None and cancel.is_set()
                return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)

        kit = self.kit
        prompt_len = inputs["input_ids"].shape[1]
        out = kit.model.generate(
            **inputs, max_new_tokens=budget, do_sample=False,
            logits_processor=[xgr.contrib.hf.LogitsProcessor(grammar)],  # fresh per call: it is stateful
            stopping_criteria=StoppingCriteriaList([Cancel()]), eos_token_id=kit.stop_ids,
            pad_token_id=kit.tokenizer.pad_token_id or kit.stop_ids[0],
            output_scores=True, return_dict_in_generate=True)
        new_ids = out.sequences[0, prompt_len:].tolist()
        probs = [float(torch.softmax(score[0].float(), dim=-1)[tok]) for score, tok in zip(out.scores, new_ids)]
        self.stats.forwards = len(new_ids)
        self.stats.lookup = None
        return new_ids, probs

    def generate_batch(self, batch: dict, requests: list[tuple]) -> list[Tokens]:
        import torch

        kit = self.kit
        rows = BatchGrammar([r[1] for r in requests], [r[2] for r in requests], [r[3] for r in requests],
                            kit.stop_ids[0], kit.vocab_size)
        out = kit.model.generate(
            **batch, max_new_tokens=max(r[2] for r in requests) + 1, do_sample=False, logits_processor=[rows],
            eos_token_id=kit.stop_ids, pad_token_id=kit.pad_id, output_scores=True, return_dict_in_generate=True)
        self.stats.forwards = len(out.scores)
        longest = batch["input_ids"].shape[1]
        answers = []
        for row, taken in enumerate(rows.taken):
            new_ids = out.sequences[row, longest:longest + taken].tolist()
            probs = [float(torch.softmax(score[row].float(), dim=-1)[tok]) for score, tok in zip(out.scores, new_ids)]
            answers.append((new_ids, probs))
        return answers
