"""What every decoder uses, made once when the model loads: the model and its tokenizer, the compiled grammars,
the KV cache of the prompt's fixed prefix, and the steps the decoders share (forced runs, one batched greedy
choice, a pass's inputs for rows of different lengths, decoding with token offsets)."""

from __future__ import annotations

import copy
import json
from typing import Any, Optional

from ...schema import decoding_json_schema
from .stats import DecodeStats

PREFIX_CACHE_ENTRIES = 8  # prompt prefixes (document type x language hint) whose KV cache is kept


class DecodeKit:
    def __init__(self, model, tokenizer, tokenizer_info, compiler, *, stop_ids: list[int], start_image: str,
                 context_image: str, device: str, stats: DecodeStats, prefix_cache: bool = True):
        self.model, self.tokenizer, self.device = model, tokenizer, device
        self.tokenizer_info, self.compiler = tokenizer_info, compiler
        self.stop_ids = stop_ids
        self.start_image, self.context_image = start_image, context_image  # the image tokens of the prompt
        self.stats = stats
        self.prefix_cache = prefix_cache  # keep the KV cache of the prompt's fixed prefix
        self.prefixes: dict[tuple, Any] = {}  # prompt prefix ids -> its KV cache, most recently used last
        self._grammars: dict[tuple, Any] = {}

    @property
    def vocab_size(self) -> int:
        return self.tokenizer_info.vocab_size

    @property
    def pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return self.stop_ids[0] if pad is None else pad

    # grammars, compiled once ----------------------------------------------------------------------------

    def grammar(self, document_type: Optional[str], max_lines: int):
        """The whole answer's grammar for this document type."""
        key = (document_type, max_lines)
        if key not in self._grammars:
            self._grammars[key] = self._compile(decoding_json_schema(document_type, max_lines))
        return self._grammars[key]

    def row_grammar(self, schema: dict):
        """One value's grammar (the parallel decoder's rows)."""
        key = ("row", json.dumps(schema, sort_keys=True))
        if key not in self._grammars:
            self._grammars[key] = self._compile(schema)
        return self._grammars[key]

    def _compile(self, schema: dict):
        return self.compiler.compile_json_schema(json.dumps(schema), any_whitespace=False, separators=(",", ":"))

    # the prompt ------------------------------------------------------------------------------------------

    def prefill(self, inputs: dict):
        """The prompt's forward pass, reusing the KV cache of its fixed prefix — everything before the first
        page image: the chat template's head and the instruction for this document type — which is computed
        once per distinct prefix (a few per deployment) and copied for each document."""
        ids = inputs["input_ids"]
        starts = (ids[0] == self.tokenizer.convert_tokens_to_ids(self.start_image)).nonzero()
        cut = int(starts[0]) if len(starts) else 0
        self.stats.prefix_reused = 0
        if not self.prefix_cache or cut < 8:
            return self.model(**inputs, use_cache=True, logits_to_keep=1)
        key = tuple(ids[0, :cut].tolist())
        kept = self.prefixes.pop(key, None)
        if kept is not None:
            self.stats.prefix_reused = cut
        else:
            kept = self.model(input_ids=ids[:, :cut], use_cache=True, logits_to_keep=1).cache
        self.prefixes[key] = kept  # most recently used last
        while len(self.prefixes) > PREFIX_CACHE_ENTRIES:
            self.prefixes.pop(next(iter(self.prefixes)))
        rest = dict(inputs, input_ids=ids[:, cut:])  # the attention mask still covers the whole prompt
        return self.model(**rest, cache=copy.deepcopy(kept), use_cache=True, logits_to_keep=1)

    # steps the decoders share ----------------------------------------------------------------------------

    def forced_tokens(self, matcher, limit: int) -> list[int]:
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
    def step_inputs(steps: dict[int, list[int]], rows: int, next_pos, pad_id: int):
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
    def choose(logits, bitmask, matchers, choosing: list[int]) -> list[tuple[int, int, float]]:
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

    def decode_with_offsets(self, ids: list[int]) -> tuple[str, list[int]]:
        """Decoded text and, per token, the character offset where it ends."""
        ends, text = [], ""
        # Incremental decoding of a byte-level BPE: decode growing prefixes (outputs are ~1k tokens).
        for i in range(len(ids)):
            text = self.tokenizer.decode(ids[: i + 1], skip_special_tokens=True)
            ends.append(len(text))
        return text, ends
