"""The parallel decoder (``OCR_DECODER=parallel``): a document's values decoded as rows of one batch.

On a CPU a decode pass costs about the same for one row as for dozens — it reads the language model's
weights once, and memory, not arithmetic, bounds it — so what an answer costs after the prefill is the
number of sequential passes. The sequential decoders write the whole answer as one sequence; this one
writes every value as its own row, all rows sharing the prompt's KV cache, so the passes grow with the
longest value, not with the whole answer:

- stage 1, one batch: every header leaf (``document_number``, ``seller.vat``, ``seller.address.city``,
  ``total`` …) is a row prompted with the answer's JSON up to its key (``{"seller":{"vat":``) and
  decoded under a grammar for that value alone; one row writes the lines' descriptions
  (``[{"description":…},…]``, which fixes how many lines there are) and one the taxes array;
- stage 2: every other field of every line (``quantity``, ``unit_price``, ``amount`` …) is a row prompted
  with ``{"lines":[{"description":"<that line's description>","quantity":`` and decoded under that
  field's grammar, in batches of at most ``MAX_ROWS`` rows.

The rows' values are assembled into the canonical document in the schema's key order, which is then
read and validated exactly as the sequential answer is; the document is valid by construction because
every value was written under that value's part of the decoding schema.

The prompt's KV cache is not copied per row: ``SharedPrefixLayer`` keeps the prompt's keys and values
once (batch 1) beside each row's own, and ``shared_prefix_attention`` attends to both (the prompt part
as one matrix product for all rows). Memory and the bytes read per pass stay those of one prompt.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Optional

from ...answer import field_confidence, read_answer
from ...schema import MAX_LINES, decoding_json_schema
from .jump import JumpDecoder

PARTIES = ("seller", "buyer")
STAGE1_SHARE = 0.5  # of the token budget, at most, for stage 1: the rest is kept for the lines (stage 2)
MAX_ROWS = 48  # rows per batch: beyond a few dozen a CPU pass is bound by arithmetic, not by reading weights


# --- attention over a shared prompt ------------------------------------------------------------------


class SplitKV:
    """A layer's keys (or values) as the prompt's part, shared by all rows, and the rows' own part."""

    __slots__ = ("prefix", "own", "own_mask")

    def __init__(self, prefix, own, own_mask):
        self.prefix, self.own, self.own_mask = prefix, own, own_mask


def _make_layer_class():
    from transformers.cache_utils import DynamicLayer

    class SharedPrefixLayer(DynamicLayer):
        """The prompt's keys/values once (1, kv heads, T, dim); each row's own tokens after them."""

        is_croppable = False

        def __init__(self, prefix_keys, prefix_values, owner):
            super().__init__()
            self.prefix_keys, self.prefix_values, self.owner = prefix_keys, prefix_values, owner
            self.prefix_len = prefix_keys.shape[-2]

        def update(self, key_states, value_states, *args, **kwargs):
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
            import torch

            self.keys = torch.cat([self.keys, key_states], dim=-2)
            self.values = torch.cat([self.values, value_states], dim=-2)
            mask = self.owner.own_mask
            return SplitKV(self.prefix_keys, self.keys, mask), SplitKV(self.prefix_values, self.values, mask)

        def get_seq_length(self) -> int:
            own = self.keys.shape[-2] if self.is_initialized and self.keys.numel() else 0
            return self.prefix_len + own

    return SharedPrefixLayer


def shared_prefix_cache(prompt_cache, rows: int):
    """A cache for ``rows`` rows continuing ``prompt_cache`` (batch 1), which it reads but never changes."""
    from transformers.cache_utils import Cache

    layer_class = _make_layer_class()
    cache = Cache(layers=[])
    cache.own_mask = None  # (rows, own length) bool: the rows' real tokens (their padding is False)
    for layer in prompt_cache.layers:
        cache.layers.append(layer_class(layer.keys, layer.values, cache))
    cache.rows = rows
    return cache


def shared_prefix_attention(module, query, key: SplitKV, value: SplitKV, scaling: float):
    """Attention of the rows' new tokens to the whole prompt and to their own earlier tokens.

    query (rows, heads, q, dim); key.prefix (1, kv heads, T, dim); key.own (rows, kv heads, L, dim), whose
    last q positions are this step's tokens. A row's token sees the prompt, and its row's real tokens up
    to itself (``own_mask`` hides the padding of shorter steps). Returns (rows, q, heads, dim)."""
    import torch

    rows, heads, q, dim = query.shape
    kv_heads = key.prefix.shape[1]
    groups = heads // kv_heads
    own_len = key.own.shape[-2]
    qg = query.reshape(rows, kv_heads, groups, q, dim)
    # prompt part: one (kv heads) batched product for all rows, the prompt's keys read once
    flat_q = qg.permute(1, 0, 2, 3, 4).reshape(kv_heads, rows * groups * q, dim)
    prompt_scores = torch.bmm(flat_q, key.prefix[0].transpose(1, 2))  # (kv heads, rows·groups·q, T)
    prompt_scores = prompt_scores.view(kv_heads, rows, groups, q, -1).permute(1, 0, 2, 3, 4)
    own_scores = torch.matmul(qg, key.own.unsqueeze(2).transpose(-1, -2))  # (rows, kv, groups, q, L)
    causal = (torch.arange(own_len, device=query.device)[None, :]
              <= (own_len - q + torch.arange(q, device=query.device))[:, None])
    allowed = key.own_mask[:, None, :] & causal[None]  # (rows, q, L)
    own_scores = own_scores.masked_fill(~allowed[:, None, None], float("-inf"))
    weights = (torch.cat([prompt_scores, own_scores], dim=-1).float() * scaling).softmax(-1).to(query.dtype)
    prompt_len = key.prefix.shape[-2]
    pw, ow = weights[..., :prompt_len], weights[..., prompt_len:]
    flat_w = pw.permute(1, 0, 2, 3, 4).reshape(kv_heads, rows * groups * q, prompt_len)
    out = torch.bmm(flat_w, value.prefix[0]).view(kv_heads, rows, groups, q, dim).permute(1, 0, 2, 3, 4)
    out = out + torch.matmul(ow, value.own.unsqueeze(2))
    return out.reshape(rows, heads, q, dim).transpose(1, 2).contiguous()


_INSTALLED: set[str] = set()
_INSTALL_LOCK = threading.Lock()


def install_attention(implementation: str) -> None:
    """Make the model's attention function ``implementation`` also take ``SplitKV`` keys (the parallel
    decoder's); every other call goes to the original function unchanged."""
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS

    with _INSTALL_LOCK:
        if implementation in _INSTALLED:
            return
        try:
            original = ALL_ATTENTION_FUNCTIONS[implementation]
        except KeyError:
            from transformers.integrations.sdpa_attention import sdpa_attention_forward as original
        if getattr(original, "shares_prefix", False):
            _INSTALLED.add(implementation)
            return

        def attention(module, query, key, value, attention_mask, *args, scaling=None, **kwargs):
            if isinstance(key, SplitKV):
                scale = scaling if scaling is not None else query.shape[-1] ** -0.5
                return shared_prefix_attention(module, query, key, value, scale), None
            return original(module, query, key, value, attention_mask, *args, scaling=scaling, **kwargs)

        attention.shares_prefix = True
        ALL_ATTENTION_FUNCTIONS[implementation] = attention
        _INSTALLED.add(implementation)


# --- which rows ----------------------------------------------------------------------------------------


def _non_null(schema: dict) -> dict:
    return next((o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"), schema)


def header_rows(schema: dict) -> list[tuple[str, str, dict]]:
    """Stage 1 rows: (path, the answer's JSON up to the value, the value's schema), in the schema's order."""
    rows: list[tuple[str, str, dict]] = []
    for key, spec in schema["properties"].items():
        if key in PARTIES:
            party = _non_null(spec)
            for field, sub in party["properties"].items():
                if field == "address":
                    for leaf, leaf_spec in _non_null(sub)["properties"].items():
                        rows.append((f"{key}.address.{leaf}", f'{{"{key}":{{"address":{{"{leaf}":', leaf_spec))
                else:
                    rows.append((f"{key}.{field}", f'{{"{key}":{{"{field}":', sub))
        elif key == "lines":
            item = spec["items"]
            only = {"type": "object", "properties": {"description": item["properties"]["description"]},
                    "required": ["description"], "additionalProperties": False}
            rows.append(("lines", '{"lines":', {"type": "array", "items": only, "maxItems": spec["maxItems"]}))
        else:
            rows.append((key, f'{{"{key}":', spec))
    return rows


def _join(prefix: str, path: str) -> str:
    if not path:
        return prefix
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def _value(text: str, complete: bool) -> Any:
    """A row's value: its JSON, or for a cut-off row what of it is complete (a cut scalar is null)."""
    if complete:
        try:
            return json.loads(text)
        except ValueError:
            return None
    from ...answer import repair_truncated_json

    return repair_truncated_json('{"v":' + text).get("v")


def assemble(schema: dict, values: dict[str, Any], lines: list) -> dict:
    """The canonical document (every key, schema order) from the rows' values."""
    doc: dict[str, Any] = {}
    for key, spec in schema["properties"].items():
        if key in PARTIES:
            party: dict[str, Any] = {}
            for field, sub in _non_null(spec)["properties"].items():
                if field == "address":
                    address = {leaf: values.get(f"{key}.address.{leaf}") for leaf in _non_null(sub)["properties"]}
                    party[field] = address if any(v is not None for v in address.values()) else None
                else:
                    party[field] = values.get(f"{key}.{field}")
            doc[key] = party if any(v is not None for v in party.values()) else None
        elif key == "lines":
            doc[key] = lines
        elif key == "taxes":
            doc[key] = values.get(key) or []
        else:
            doc[key] = values.get(key)
    return doc


# --- the decoder ---------------------------------------------------------------------------------------


class ParallelDecoder(JumpDecoder):
    """A document alone is read as rows (``read_rows``); documents batched together (``OCR_BATCH_SIZE`` > 1) are
    written as the jump decoder writes them, one row each, with jump-forward."""

    name = "parallel"
    reads_rows = True

    def read_rows(self, inputs: dict, document_type: Optional[str], budget: int, cancel: Optional[threading.Event]):
        """(document, warnings, field confidence, tokens written) for one document, decoded in rows."""
        kit, stats = self.kit, self.stats
        schema = decoding_json_schema(document_type, MAX_LINES)
        out = kit.prefill(inputs)
        prompt_cache, prompt_len = out.cache, inputs["input_ids"].shape[1]
        stats.forwards = 1
        stats.stage_passes = []
        stats.lookup = None
        rows = header_rows(schema)
        stage1_budget = max(len(rows), int(budget * STAGE1_SHARE))
        texts, ends, probs, complete, used = self.decode_rows(
            prompt_cache, prompt_len, [(prefix, kit.row_grammar(s)) for _, prefix, s in rows], stage1_budget,
            cancel)
        values, confidence = {}, {}
        cut = False
        for (path, _, _), text, e, p, done in zip(rows, texts, ends, probs, complete):
            values[path] = _value(text, done)
            cut |= not done
            for sub, c in field_confidence(text, e, p).items():
                confidence[_join(path, sub)] = c
        described = values.get("lines") or []
        lines: list = []
        stage1 = {k: v for k, v in confidence.items() if k.startswith("lines[")}
        confidence = {k: v for k, v in confidence.items() if not k.startswith("lines[")}
        if described and not (cancel is not None and cancel.is_set()):
            pinned = [(item or {}).get("description") for item in described]
            item = schema["properties"]["lines"]["items"]["properties"]
            fields = [f for f in item if f != "description"]
            rows2 = [(i, f, '{"lines":[{"description":' + json.dumps(d, ensure_ascii=False) + f',"{f}":',
                      kit.row_grammar(item[f])) for i, d in enumerate(pinned) for f in fields]
            lines = [{"description": d, **{f: None for f in fields}} for d in pinned]
            for i in range(len(pinned)):
                if f"lines[{i}].description" in stage1:
                    confidence[f"lines[{i}].description"] = stage1[f"lines[{i}].description"]
            for start in range(0, len(rows2), MAX_ROWS):  # waves of at most MAX_ROWS rows
                if cancel is not None and cancel.is_set():
                    cut = True
                    break
                wave = rows2[start:start + MAX_ROWS]
                share = max(len(wave), (budget - used) * len(wave) // (len(rows2) - start))
                texts, ends, probs, done2, used2 = self.decode_rows(
                    prompt_cache, prompt_len, [(prefix, g) for _, _, prefix, g in wave], share, cancel)
                used += used2
                for (i, f, _, _), text, e, p, done in zip(wave, texts, ends, probs, done2):
                    lines[i][f] = _value(text, done)
                    cut |= not done
                    for sub, c in field_confidence(text, e, p).items():
                        confidence[_join(f"lines[{i}].{f}", sub)] = c
        document = assemble(schema, values, lines)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        document, warnings, _ = read_answer(text, not cut, used, budget, [], [])
        from ...answer import value_spans

        kept = {path for path, _, _ in value_spans(text)}
        return document, warnings, {k: v for k, v in confidence.items() if k in kept}, used

    def decode_rows(self, prompt_cache, prompt_len: int, rows: list[tuple[str, Any]], budget: int,
                     cancel: Optional[threading.Event]):
        """Greedy decoding of ``rows`` (answer prefix text, compiled grammar) as one batch after the prompt,
        jump-forward inside each row. At most ``budget`` tokens in all (row prefixes not counted); a row
        still open then is cut. Returns per row its text, token end offsets and probabilities, whether it
        is complete, and the tokens written."""
        import torch
        import xgrammar as xgr

        kit, n = self.kit, len(rows)
        model, device = kit.model, kit.device
        install_attention(model.config.text_config._attn_implementation or "sdpa")
        cache = shared_prefix_cache(prompt_cache, n)
        matchers = [xgr.GrammarMatcher(g) for _, g in rows]
        bitmask = xgr.allocate_token_bitmask(n, kit.vocab_size)
        answers: list[list[int]] = [[] for _ in range(n)]
        probs: list[list[float]] = [[] for _ in range(n)]
        done = [False] * n
        used = 0
        # first pass: each row's prefix and the run its grammar forces at the start
        steps: dict[int, list[int]] = {}
        for i, (prefix, _) in enumerate(rows):
            forced = kit.forced_tokens(matchers[i], budget)
            answers[i].extend(forced)
            probs[i].extend([1.0] * len(forced))
            used += len(forced)
            steps[i] = kit.tokenizer.encode(prefix, add_special_tokens=False) + forced
            if matchers[i].is_terminated():
                done[i] = True
        next_pos = torch.full((n,), prompt_len, dtype=torch.long, device=device)
        last = None
        passes = 0
        while steps:
            ids, step_mask, positions, lengths = kit.step_inputs(steps, n, next_pos, kit.pad_id)
            cache.own_mask = step_mask if cache.own_mask is None else torch.cat([cache.own_mask, step_mask], 1)
            # every row's step ends in the last column: only its logits are kept (rows × vocabulary)
            out = model(input_ids=ids, position_ids=positions, cache=cache, use_cache=True, logits_to_keep=1)
            passes += 1
            cache = out.cache
            at = torch.tensor(sorted(steps), device=device)
            row_logits = out.logits[at, -1].float()
            if last is None:
                last = torch.zeros((n, row_logits.shape[-1]), dtype=torch.float32, device=device)
            last[at] = row_logits
            next_pos = next_pos + lengths
            # next steps: the forced run, or the model's choice; within the budget
            steps = {}
            choosing = []
            for i in range(n):
                if done[i] or (cancel is not None and cancel.is_set()):
                    continue
                if used >= budget:
                    break
                step = kit.forced_tokens(matchers[i], budget - used)
                if step:
                    steps[i] = step
                    probs[i].extend([1.0] * len(step))
                    used += len(step)
                else:
                    matchers[i].fill_next_token_bitmask(bitmask, i)
                    choosing.append(i)
                    used += 1
            for i, token, p in kit.choose(last, bitmask, matchers, choosing) if choosing else ():
                probs[i].append(p)
                steps[i] = [token]
            for i in list(steps):
                answers[i].extend(steps[i])
                if matchers[i].is_terminated():
                    done[i] = True
                    del steps[i]  # complete: no further pass for this row
        self.stats.forwards += passes
        self.stats.stage_passes.append((n, passes))
        texts, ends = [], []
        for i in range(n):
            if answers[i] and answers[i][-1] in kit.stop_ids:  # the stop a row's grammar ends on: no value
                answers[i], probs[i] = answers[i][:-1], probs[i][:-1]
            text, e = kit.decode_with_offsets(answers[i])
            texts.append(text)
            ends.append(e)
        return texts, ends, probs, done, used
