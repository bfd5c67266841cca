"""InternVL3-1B through Hugging Face transformers, with grammar-constrained decoding (xgrammar).

Upstream preprocessing is kept (GotOcr2 dynamic tiling + thumbnail, 256 context tokens per 448² tile,
the chat template's image placeholder expanded to ``<img><IMG_CONTEXT>…</img>``); only the tile budget is
ours to choose. ``InternVLProcessor`` is not used because it insists on a torchvision-backed video
processor, which breaks beside the CPU torch build; the expansion it does is three lines here.

torch / transformers / xgrammar are imported when the engine loads, not at import time: the server
and the Odoo test sidecar import this package without them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any, Optional

from .. import errors
from ..prompts import build_prompt
from ..random_model import RANDOM_MARKER
from ..schema import MAX_LINES, decoding_json_schema
from .base import DocumentInput, EngineResult, Warning

log = logging.getLogger("ocr_sidecar.internvl")

TOKENS_PER_TILE = 256
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)


TEXT_LAYER_CHARS = 200  # a PDF page with at least this much text carries its words in the prompt
TEXT_PAGE_TILES = 2  # ... so its picture is needed for layout only: a thumbnail and one tile


def page_tile_cap(width: int, height: int, text_chars: int, tile: int = 448,
                  text_page_tiles: int = TEXT_PAGE_TILES) -> int:
    """Most tiles worth spending on one page, from its layout: a page whose words come from the PDF text
    layer needs few; an image never needs more tiles than it has pixels for (upscaling adds no detail:
    a 600×1200 receipt gets 2×3, not 12)."""
    native = max(1, -(-width // tile)) * max(1, -(-height // tile))
    if text_chars >= TEXT_LAYER_CHARS:
        return max(1, min(native, text_page_tiles))
    return native


def token_budget(pages: int, max_tokens: int) -> int:
    """Tokens to allow for a document: compact canonical JSON is ~460 tokens median, long invoices ~1,800
    (NOTES.md), and lines grow with pages."""
    return min(max_tokens, 700 + 600 * max(0, pages - 1) + 400)


def read_answer(text: str, finished: bool, tokens: int, budget: int, token_ends: list[int],
                probs: list[float]) -> tuple[dict, list[Warning], dict[str, float]]:
    """The model's answer as (document, warnings, field confidence). A cut-off answer is repaired to its
    complete values, flagged serious, and keeps confidences only for what survived."""
    warnings: list[Warning] = []
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if document is None or not finished:
        warnings.append(Warning(
            "output_truncated",
            f"The model's answer was cut off after {tokens} tokens (token budget {budget}); the fields "
            "after that point are empty. Raise MAX_TOKENS or send fewer pages.", serious=True))
        document = repair_truncated_json(text) if document is None else document
    confidence = field_confidence(text, token_ends, probs) if token_ends else {}
    if warnings:
        kept = {path for path, _, _ in _value_spans(json.dumps(document, separators=(",", ":")))}
        confidence = {k: v for k, v in confidence.items() if k in kept}
    return (document if isinstance(document, dict) else {}), warnings, confidence


def split_tile_budget(max_tiles: int, pages: int) -> list[int]:
    """Tiles per page: an equal share, the remainder to the first pages (page 1 carries the header)."""
    if pages <= 0:
        return []
    share, extra = divmod(max(max_tiles, pages), pages)
    return [share + (1 if i < extra else 0) for i in range(pages)]


class InternVLEngine:
    name = "internvl"

    def __init__(self, model_path: str | Path, *, device: str = "auto", dtype: str = "auto", max_tiles: int = 12,
                 max_tokens: int = 1024, threads: Optional[int] = None, seed: Optional[int] = None,
                 tile_policy: str = "layout", quantize: str = "none", decoder: str = "jump"):
        self.model_path = Path(model_path)
        self.requested_device, self.requested_dtype = device, dtype
        self.max_tiles = max_tiles
        self.max_tokens = max_tokens
        self.threads = threads
        self.seed = seed
        if tile_policy not in ("layout", "fixed"):
            raise ValueError("tile_policy must be 'layout' (tiles from each page's size and text layer) or 'fixed'")
        if quantize not in ("none", "int8"):
            raise ValueError("quantize must be 'none' or 'int8'")
        if decoder not in ("jump", "hf"):
            raise ValueError("decoder must be 'jump' (grammar jump-forward) or 'hf' (transformers generate)")
        self.tile_policy, self.quantize, self.decoder = tile_policy, quantize, decoder
        self.last_forwards = 0  # model forward passes of the last generation (benchmarks)
        self.tile_size = 448
        self.device, self.dtype = device, dtype
        self.demo = (self.model_path / RANDOM_MARKER).exists()
        self.model_name = f"InternVL ({self.model_path.name})"
        self._lock = threading.Lock()
        self._grammars: dict[tuple, Any] = {}
        self._loaded = False

    # loading ------------------------------------------------------------------------------------

    def load(self) -> None:
        path = self.model_path
        has_weights = any(path.glob("*.safetensors")) or any(path.glob("*.bin"))
        if not (path / "config.json").is_file() or not has_weights:
            raise errors.ModelNotFound(
                f"No InternVL weights at {path}: run `ocr-sidecar download-model` (needs internet) or put the "
                "InternVL3-1B-hf files there; `ocr-sidecar serve --demo` runs a random demo model.")
        import torch
        import xgrammar as xgr
        from transformers import AutoModelForImageTextToText, AutoTokenizer
        from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil

        from ..device import choose_device, choose_dtype, configure_threads

        self.device = choose_device(self.requested_device)
        self.dtype = choose_dtype(self.requested_dtype, self.device)
        if self.quantize == "int8":
            self.dtype = "bfloat16"  # loaded narrow, widened part by part while quantizing (_quantize_int8)
        if self.device == "cpu":
            configure_threads(self.threads)
        started = time.perf_counter()
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForImageTextToText.from_pretrained(path, dtype=getattr(torch, self.dtype))
        self.model.to(self.device).eval()
        if self.quantize == "int8":
            self._quantize_int8()
        config = self.model.config
        # The real folder's preprocessor asks for the torchvision-backed class; the PIL one does the same
        # tiling (crop_to_patches + thumbnail) without torchvision.
        pre = {}
        pre_path = path / "preprocessor_config.json"
        if pre_path.exists():
            pre = json.loads(pre_path.read_text())
        size = config.vision_config.image_size
        tile = size[0] if isinstance(size, (list, tuple)) else int(size)
        self.tile_size = tile
        self.image_processor = GotOcr2ImageProcessorPil(
            crop_to_patches=True, min_patches=1, max_patches=self.max_tiles, size={"height": tile, "width": tile},
            image_mean=pre.get("image_mean", IMAGE_MEAN), image_std=pre.get("image_std", IMAGE_STD))
        self.tokens_per_tile = int(getattr(config, "image_seq_length", TOKENS_PER_TILE) or TOKENS_PER_TILE)
        tok = self.tokenizer
        self.start_image = getattr(tok, "start_image_token", None) or "<img>"
        self.end_image = getattr(tok, "end_image_token", None) or "</img>"
        self.context_image = getattr(tok, "context_image_token", None) or "<IMG_CONTEXT>"
        self.stop_ids = sorted({i for i in (tok.convert_tokens_to_ids("<|im_end|>"), tok.eos_token_id)
                                if isinstance(i, int) and i >= 0})
        vocab_size = config.text_config.vocab_size
        self._tokenizer_info = xgr.TokenizerInfo.from_huggingface(tok, vocab_size=vocab_size,
                                                                  stop_token_ids=self.stop_ids)
        self._compiler = xgr.GrammarCompiler(self._tokenizer_info)
        self.demo = (path / RANDOM_MARKER).exists()
        name = path.resolve().name
        self.model_name = f"{name} (random weights)" if self.demo else name
        revision = (path / ".revision")
        if revision.exists():
            self.model_name += f"@{revision.read_text().strip()[:12]}"
        if self.quantize == "int8":
            self.model_name += " (int8)"
        self._loaded = True
        log.info("loaded %s on %s/%s in %.1f s", self.model_name, self.device, self.dtype,
                 time.perf_counter() - started)

    def _quantize_int8(self) -> None:
        """Dynamic int8 weights for every linear layer (vision encoder, projector, language model, head), fp32
        activations: the weights are read 4x faster and take a quarter of the memory. The model is loaded in
        bf16 and each part is widened and quantized in turn, so the fp32 model never sits in memory whole."""
        import gc

        import torch

        if self.device != "cpu":
            raise ValueError("OCR_QUANTIZE=int8 is for CPU inference; on GPU use bf16")

        def quantized(module):
            return torch.ao.quantization.quantize_dynamic(module.float(), {torch.nn.Linear}, dtype=torch.qint8,
                                                          inplace=True)

        inner = self.model.model
        for name in ("vision_tower", "multi_modal_projector", "language_model"):
            setattr(inner, name, quantized(getattr(inner, name)))
            gc.collect()
        self.model.lm_head = quantized(torch.nn.Sequential(self.model.lm_head))[0]
        self.dtype = "float32"  # activations (and pixel values) stay fp32

    def _grammar(self, document_type: Optional[str], max_lines: int):
        key = (document_type, max_lines)
        if key not in self._grammars:
            schema = decoding_json_schema(document_type, max_lines)
            self._grammars[key] = self._compiler.compile_json_schema(
                json.dumps(schema), any_whitespace=False, separators=(",", ":"))
        return self._grammars[key]

    # inference ----------------------------------------------------------------------------------

    def prepare(self, doc: DocumentInput) -> tuple[dict, int]:
        """Model inputs for ``doc`` (pixel values, token ids) and the number of tiles used."""
        images = [p.image for p in doc.pages if p.image is not None]
        if not images:
            raise errors.InvalidDocument("The document has no page images to read.")
        budgets = split_tile_budget(self.max_tiles, len(images))
        if self.tile_policy == "layout":
            texts = [len(p.text or "") for p in doc.pages if p.image is not None]
            budgets = [min(b, page_tile_cap(im.width, im.height, n, self.tile_size))
                       for b, im, n in zip(budgets, images, texts)]
        pixel_values, counts = [], []
        for image, budget in zip(images, budgets):
            out = self.image_processor([image], return_tensors="pt", max_patches=budget, crop_to_patches=budget > 1)
            pixel_values.append(out["pixel_values"])
            counts.append(int(out["num_patches"][0]))
        prompt = build_prompt(doc.document_type, [p.text for p in doc.pages], doc.prompt, doc.language_hint)
        content = [{"type": "image"} for _ in images] + [{"type": "text", "text": prompt}]
        text = self.tokenizer.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                                  add_generation_prompt=True)
        pieces = text.split(self.context_image)
        if len(pieces) - 1 != len(images):
            raise RuntimeError("the chat template did not place one image placeholder per page")
        expanded = pieces[0]
        for count, piece in zip(counts, pieces[1:]):
            expanded += self.start_image + self.context_image * (self.tokens_per_tile * count) + self.end_image + piece
        import torch

        encoded = self.tokenizer(expanded, return_tensors="pt", add_special_tokens=False)
        inputs = {"input_ids": encoded["input_ids"].to(self.device),
                  "attention_mask": encoded["attention_mask"].to(self.device),
                  "pixel_values": torch.cat(pixel_values).to(self.device, dtype=getattr(torch, self.dtype))}
        return inputs, sum(counts)

    def token_budget(self, doc: DocumentInput) -> int:
        return token_budget(len(doc.pages), self.max_tokens)

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        if not self._loaded:
            raise errors.NotReady("The model is not loaded yet.")
        import torch
        from transformers import StoppingCriteria

        started = time.perf_counter()
        inputs, tiles = self.prepare(doc)
        prompt_len = inputs["input_ids"].shape[1]
        max_lines = MAX_LINES
        grammar = self._grammar(doc.document_type, max_lines)
        preprocess_ms = int((time.perf_counter() - started) * 1000)

        class Cancel(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                stop = cancel is not None and cancel.is_set()
                return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)

        budget = self.token_budget(doc)
        with self._lock:
            if cancel is not None and cancel.is_set():
                raise errors.Cancelled("The request was cancelled before generation started.")
            generated = time.perf_counter()
            if self.seed is not None:
                torch.manual_seed(self.seed)
            with torch.inference_mode():
                if self.decoder == "jump":
                    new_ids, probs = self._generate_jump(inputs, grammar, budget, cancel)
                else:
                    new_ids, probs = self._generate_hf(inputs, grammar, budget, Cancel(), prompt_len)
            generate_ms = int((time.perf_counter() - generated) * 1000)
        if cancel is not None and cancel.is_set():
            raise errors.Cancelled("The deadline passed; the extraction was stopped.")
        finished = bool(new_ids) and new_ids[-1] in self.stop_ids
        if finished:
            new_ids, probs = new_ids[:-1], probs[:-1]
        text, offsets = self._decode_with_offsets(new_ids)
        document, warnings, confidence = read_answer(text, finished, len(new_ids), budget, offsets, probs)
        log.debug("internvl: %d tiles, %d prompt tokens, %d new tokens", tiles, prompt_len, len(new_ids))
        return EngineResult(document=document, field_confidence=confidence, warnings=warnings,
                            tokens_out=len(new_ids), preprocess_ms=preprocess_ms, generate_ms=generate_ms,
                            engine=self.name, model=self.model_name)

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

    def _generate_jump(self, inputs: dict, grammar, budget: int, cancel: Optional[threading.Event]):
        """Greedy decoding under the grammar with jump-forward: where the grammar allows exactly one
        continuation (every key, comma and brace of the canonical skeleton), its tokens are appended at
        once and the model reads them in one forward pass instead of one pass per token. The text is the
        same the grammar would force token by token; only the model's free choices cost a decode step.
        Forced tokens have probability 1 (they carry no field value, so confidences are unchanged)."""
        import torch
        import xgrammar as xgr

        model = self.model
        matcher = xgr.GrammarMatcher(grammar)
        bitmask = xgr.allocate_token_bitmask(1, self._tokenizer_info.vocab_size)
        out = model(**inputs, use_cache=True, logits_to_keep=1)
        cache, logits = out.cache, out.logits[:, -1, :].float()
        forwards = 1
        new_ids: list[int] = []
        probs: list[float] = []
        while len(new_ids) < budget and not matcher.is_terminated():
            if cancel is not None and cancel.is_set():
                break
            step: list[int] = []
            forced = matcher.find_jump_forward_string()
            if forced:
                for token in self.tokenizer.encode(forced, add_special_tokens=False)[:budget - len(new_ids)]:
                    if not matcher.accept_token(token):  # a tokenization the grammar does not take: decode it
                        break
                    step.append(token)
                probs.extend([1.0] * len(step))
            if not step:
                matcher.fill_next_token_bitmask(bitmask)
                xgr.apply_token_bitmask_inplace(logits, bitmask.to(logits.device))
                token = int(torch.argmax(logits[0]))
                probs.append(float(torch.softmax(logits[0], dim=-1)[token]))
                if not matcher.accept_token(token):
                    raise RuntimeError("the grammar refused the token it allowed")
                step = [token]
            new_ids.extend(step)
            if matcher.is_terminated() or len(new_ids) >= budget:
                break
            out = model(input_ids=torch.tensor([step], device=logits.device), cache=cache, use_cache=True,
                        logits_to_keep=1)
            cache, logits = out.cache, out.logits[:, -1, :].float()
            forwards += 1
        self.last_forwards = forwards
        return new_ids, probs

    def _decode_with_offsets(self, ids: list[int]) -> tuple[str, list[int]]:
        """Decoded text and, per token, the character offset where it ends."""
        ends, text = [], ""
        # Incremental decoding of a byte-level BPE: decode growing prefixes (outputs are ~1k tokens).
        for i in range(len(ids)):
            text = self.tokenizer.decode(ids[: i + 1], skip_special_tokens=True)
            ends.append(len(text))
        return text, ends


# --- confidence -----------------------------------------------------------------------------------


def _value_spans(text: str) -> list[tuple[str, int, int]]:
    """(JSON path, start, end) of every non-null leaf value in compact JSON text (prefix-tolerant)."""
    spans: list[tuple[str, int, int]] = []
    pos = 0
    n = len(text)

    def skip_ws():
        nonlocal pos
        while pos < n and text[pos] in " \n\r\t":
            pos += 1

    def parse_value(path: str):
        nonlocal pos
        skip_ws()
        if pos >= n:
            return
        ch = text[pos]
        if ch == "{":
            pos += 1
            while pos < n:
                skip_ws()
                if pos < n and text[pos] == "}":
                    pos += 1
                    return
                key_start = pos
                parse_string()
                key = text[key_start + 1:pos - 1]
                skip_ws()
                if pos < n and text[pos] == ":":
                    pos += 1
                parse_value(f"{path}.{key}" if path else key)
                skip_ws()
                if pos < n and text[pos] == ",":
                    pos += 1
                elif pos < n and text[pos] == "}":
                    pos += 1
                    return
                else:
                    return
        elif ch == "[":
            pos += 1
            i = 0
            while pos < n:
                skip_ws()
                if pos < n and text[pos] == "]":
                    pos += 1
                    return
                parse_value(f"{path}[{i}]")
                i += 1
                skip_ws()
                if pos < n and text[pos] == ",":
                    pos += 1
                elif pos < n and text[pos] == "]":
                    pos += 1
                    return
                else:
                    return
        else:
            start = pos
            if ch == '"':
                parse_string()
            else:
                while pos < n and text[pos] not in ",}] \n":
                    pos += 1
            if text[start:pos] != "null":
                spans.append((path, start, pos))

    def parse_string():
        nonlocal pos
        pos += 1
        while pos < n and text[pos] != '"':
            pos += 2 if text[pos] == "\\" else 1
        pos += 1

    parse_value("")
    return spans


def field_confidence(text: str, token_ends: list[int], probs: list[float]) -> dict[str, float]:
    """Per leaf value: the lowest probability among the tokens that wrote it.

    ``probs`` are softmax probabilities over the grammar-masked logits, so tokens the grammar forces
    (keys, punctuation) have probability 1 and never lower a value's confidence.
    """
    out: dict[str, float] = {}
    if not token_ends:
        return out
    for path, start, end in _value_spans(text):
        lowest = 1.0
        token_start = 0
        for tok_end, p in zip(token_ends, probs):
            if tok_end > start and token_start < end:
                lowest = min(lowest, p)
            token_start = tok_end
            if token_start >= end:
                break
        out[path] = round(lowest, 4)
    return out


def repair_truncated_json(text: str) -> dict:
    """The longest prefix of a cut-off JSON object that closes into valid JSON, as a dict ({} if none)."""
    stack: list[str] = []
    in_string = escape = False
    best: Optional[tuple[int, list[str]]] = None
    for i, ch in enumerate(text):
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if stack:
                stack.pop()
            best = (i + 1, list(stack))
        elif ch == ",":
            best = (i, list(stack))  # cut before the comma: the previous member is complete
    for end, closers in ([best] if best else []):
        candidate = text[:end] + "".join(reversed(closers))
        try:
            value = json.loads(candidate)
            return value if isinstance(value, dict) else {}
        except json.JSONDecodeError:
            pass
    return {}
