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
from typing import Any, Callable, Optional

from ... import errors
from ...answer import read_answer, token_budget
from ...batching import MicroBatcher
from ...prompts import document_prompt
from ...random_model import RANDOM_MARKER
from ...schema import MAX_LINES
from ...types import DocumentInput, EngineResult
from ..base import BaseEngine
from ..weights import model_files_missing
from .decoder import Decoder, Tokens
from .hf import HfDecoder
from .jump import JumpDecoder
from .kit import DecodeKit
from .loading import checkpoint_dtype, widen_and_quantize
from .parallel import ParallelDecoder
from .stats import DecodeStats
from .tiling import (
    IMAGE_MEAN,
    IMAGE_STD,
    TOKENS_PER_TILE,
    page_tile_cap,
    split_tile_budget,
)

log = logging.getLogger("ocr_sidecar.internvl")

DECODERS: dict[str, type[Decoder]] = {"jump": JumpDecoder, "hf": HfDecoder, "parallel": ParallelDecoder}


def choose_decoder(name: str, kit: DecodeKit, stats: DecodeStats, *, lookup_draft: int) -> Decoder:
    """The decoder ``OCR_DECODER`` names, with its settings (drafts: the decoders that jump)."""
    cls = DECODERS[name]
    return cls(kit, stats, lookup_draft=lookup_draft) if issubclass(cls, JumpDecoder) else cls(kit, stats)


class InternVLEngine(BaseEngine):
    """Loads the model, turns a document into model inputs and reads the answer; the decoder chosen at load
    (``DECODERS``, ``OCR_DECODER``) writes it, alone or in a batch (``OCR_BATCH_SIZE``), and counts what that
    cost in ``stats``."""

    name = "internvl"
    reads_words = True

    def __init__(self, model_path: str | Path, *, device: str = "auto", dtype: str = "auto", max_tiles: int = 12,
                 max_tokens: int = 1024, threads: Optional[int] = None, seed: Optional[int] = None,
                 tile_policy: str = "layout", quantize: str = "none", decoder: str = "jump",
                 lookup_draft: int = 8, prefix_cache: bool = True, batch_size: int = 1, batch_wait_ms: int = 10):
        self.model_path = Path(model_path)
        self.requested_device, self.requested_dtype = device, dtype
        self.max_tiles = max_tiles
        self.max_tokens = max_tokens
        self.threads = threads
        self.seed = seed
        if tile_policy not in ("layout", "fixed"):
            raise ValueError("tile_policy must be 'layout' (tiles from each page's size and text layer) or 'fixed'")
        if quantize not in ("none", "int8", "auto"):
            raise ValueError("quantize must be 'none', 'int8' or 'auto' (int8 on CPUs without native bf16)")
        if decoder not in DECODERS:
            raise ValueError("decoder must be 'jump' (grammar jump-forward), 'parallel' (the values as rows of one "
                             "batch) or 'hf' (transformers generate)")
        self.tile_policy, self.quantize, self.decoder_name = tile_policy, quantize, decoder
        self.requested_quantize = quantize
        self.lookup_draft = lookup_draft  # prompt-lookup draft length per step (jump decoder); 0 = off
        self.prefix_cache = prefix_cache  # keep the KV cache of the prompt's fixed prefix
        self.stats = DecodeStats()  # what the decoding cost (benchmarks, tests)
        self.kit: Optional[DecodeKit] = None  # made at load: model, tokenizer, grammars, prefix cache
        self.decoder: Optional[Decoder] = None  # chosen at load
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        # batch_size > 1: concurrent documents are generated together (GPU throughput; see batching.py)
        self.batch_size, self.batch_wait_ms = batch_size, batch_wait_ms
        self._batcher: Optional[MicroBatcher] = None
        self.on_batch: Optional[Callable[[int], None]] = None  # told each batch's size (server metrics)
        self.tile_size = 448
        self.device, self.dtype = device, dtype
        self.demo = (self.model_path / RANDOM_MARKER).exists()
        self.model_name = f"InternVL ({self.model_path.name})"
        self._lock = threading.Lock()
        self._loaded = False

    # loading ------------------------------------------------------------------------------------

    def load(self) -> None:
        path = self.model_path
        missing = model_files_missing(path)
        if missing:
            raise errors.ModelNotFound(
                f"No complete InternVL weights at {path} (missing: {', '.join(missing)}): run `ocr-sidecar "
                "download-model` (needs internet) or put the InternVL3-1B-hf files there; `ocr-sidecar serve --demo` "
                "runs a random demo model.")
        import torch
        import xgrammar as xgr
        from transformers import AutoModelForImageTextToText, AutoTokenizer
        from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import (
            GotOcr2ImageProcessorPil,
        )

        from ...device import (
            choose_device,
            choose_dtype,
            choose_quantize,
            configure_threads,
        )

        self.device = choose_device(self.requested_device)
        self.dtype = choose_dtype(self.requested_dtype, self.device)
        self.quantize = choose_quantize(self.requested_quantize, self.device, self.requested_dtype, self.dtype)
        if self.quantize == "int8" and self.device != "cpu":
            raise ValueError("OCR_QUANTIZE=int8 is for CPU inference; on GPU use bf16")
        if self.device == "cpu":
            configure_threads(self.threads)
        started = time.perf_counter()
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        # Widening on the CPU happens part by part after loading in the checkpoint's own dtype, so the fp32
        # model never sits in memory beside the checkpoint's copy (see widen_and_quantize).
        stored = checkpoint_dtype(path)
        widen = self.device == "cpu" and (self.quantize == "int8" or (self.dtype == "float32" and stored in (
            "bfloat16", "float16")))
        load_dtype = stored if widen else self.dtype
        self.model = AutoModelForImageTextToText.from_pretrained(path, dtype=getattr(torch, load_dtype))
        self.model.to(self.device).eval()
        if widen:
            widen_and_quantize(self.model, int8=self.quantize == "int8")
            self.dtype = "float32"  # activations (and pixel values) are fp32
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
        tokenizer_info = xgr.TokenizerInfo.from_huggingface(tok, vocab_size=vocab_size, stop_token_ids=self.stop_ids)
        self.kit = DecodeKit(self.model, tok, tokenizer_info, xgr.GrammarCompiler(tokenizer_info),
                             stop_ids=self.stop_ids, start_image=self.start_image, context_image=self.context_image,
                             device=self.device, stats=self.stats, prefix_cache=self.prefix_cache)
        self.decoder = choose_decoder(self.decoder_name, self.kit, self.stats, lookup_draft=self.lookup_draft)
        self.demo = (path / RANDOM_MARKER).exists()
        name = path.resolve().name
        self.model_name = f"{name} (random weights)" if self.demo else name
        revision = (path / ".revision")
        if revision.exists():
            self.model_name += f"@{revision.read_text().strip()[:12]}"
        if self.quantize == "int8":
            self.model_name += " (int8)"
        if self.batch_size > 1:
            if self.device == "cpu":
                log.warning("OCR_BATCH_SIZE=%d on CPU: batching does not raise a CPU's throughput and makes each "
                            "document wait for its batch (benchmarks/README.md); 1 is best there", self.batch_size)
            self._batcher = MicroBatcher(self._generate_batch, self.batch_size, self.batch_wait_ms / 1000,
                                         name="internvl-batcher")
        self._loaded = True
        log.info("loaded %s on %s/%s in %.1f s", self.model_name, self.device, self.dtype,
                 time.perf_counter() - started)

    # inference ----------------------------------------------------------------------------------

    def prepare(self, doc: DocumentInput) -> tuple[dict, int]:
        """Model inputs for ``doc`` (pixel values, token ids) and the number of tiles used."""
        images = [p.image for p in doc.pages if p.image is not None]
        if not images:
            raise errors.InvalidDocument("The document has no page images to read.")
        budgets = split_tile_budget(self.max_tiles, len(images))
        if self.tile_policy == "layout":
            layers = [p.words for p in doc.pages if p.image is not None]
            caps = [page_tile_cap(im.width, im.height, words, self.tile_size) for im, words in zip(images, layers)]
            budgets = [b if cap is None else max(1, min(b, cap)) for b, cap in zip(budgets, caps)]
        pixel_values, counts = [], []
        for image, budget in zip(images, budgets):
            out = self.image_processor([image], return_tensors="pt", max_patches=budget, crop_to_patches=budget > 1)
            pixel_values.append(out["pixel_values"])
            counts.append(int(out["num_patches"][0]))
        # The fixed instruction first (its KV cache is kept, see DecodeKit.prefill), then the pages, then what belongs
        # to this document: its text layer and the user's instruction.
        head, tail = document_prompt(doc.document_type, [p.text for p in doc.pages], doc.prompt, doc.language_hint,
                                     sources=[p.words.source if p.words else None for p in doc.pages])
        content = ([{"type": "text", "text": head}] + [{"type": "image"} for _ in images]
                   + [{"type": "text", "text": tail}])
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

        started = time.perf_counter()
        inputs, tiles = self.prepare(doc)
        prompt_len = inputs["input_ids"].shape[1]
        grammar = self.kit.grammar(doc.document_type, MAX_LINES)
        budget = self.token_budget(doc)
        preprocess_ms = int((time.perf_counter() - started) * 1000)
        if self.decoder.reads_rows and self._batcher is None:
            return self._extract_rows(doc, inputs, tiles, budget, cancel, preprocess_ms)
        try:
            if self._batcher is not None:
                new_ids, probs, generate_ms = self._batcher.submit((inputs, grammar, budget, cancel), cancel)
            else:
                new_ids, probs, generate_ms = self._generate_one(inputs, grammar, budget, cancel)
        except torch.OutOfMemoryError:
            raise self._out_of_memory(tiles, prompt_len, "OCR_MAX_TILES / OCR_BATCH_SIZE on the sidecar") from None
        self._stop_if_cancelled(cancel)
        finished = bool(new_ids) and new_ids[-1] in self.stop_ids
        if finished:
            new_ids, probs = new_ids[:-1], probs[:-1]
        text, offsets = self.kit.decode_with_offsets(new_ids)
        document, warnings, confidence = read_answer(text, finished, len(new_ids), budget, offsets, probs)
        log.debug("internvl: %d tiles, %d prompt tokens, %d new tokens", tiles, prompt_len, len(new_ids))
        return self._result(document, confidence, warnings, len(new_ids), preprocess_ms, generate_ms)

    def _extract_rows(self, doc: DocumentInput, inputs: dict, tiles: int, budget: int,
                      cancel: Optional[threading.Event], preprocess_ms: int) -> EngineResult:
        """One document with the parallel decoder (its values as rows of one batch; see parallel.py). With
        OCR_BATCH_SIZE > 1 documents are batched instead, one row each (the GPU's throughput path)."""
        import torch

        try:
            (document, warnings, confidence, tokens), generate_ms = self._alone(
                cancel, lambda: self.decoder.read_rows(inputs, doc.document_type, budget, cancel))
        except torch.OutOfMemoryError:
            raise self._out_of_memory(tiles, inputs["input_ids"].shape[1], "OCR_MAX_TILES") from None
        self._stop_if_cancelled(cancel)
        return self._result(document, confidence, warnings, tokens, preprocess_ms, generate_ms)

    def _generate_one(self, inputs: dict, grammar, budget: int, cancel: Optional[threading.Event]):
        """One document alone: (new token ids, their probabilities, milliseconds)."""
        (new_ids, probs), generate_ms = self._alone(
            cancel, lambda: self.decoder.generate(inputs, grammar, budget, cancel))
        return new_ids, probs, generate_ms

    def _alone(self, cancel: Optional[threading.Event], decode: Callable[[], Any]) -> tuple[Any, int]:
        """``decode()`` with the model to itself (seeded, no autograd): (what it returns, milliseconds)."""
        import torch

        with self._lock:
            if cancel is not None and cancel.is_set():
                raise errors.Cancelled("The request was cancelled before generation started.")
            started = time.perf_counter()
            if self.seed is not None:
                torch.manual_seed(self.seed)
            with torch.inference_mode():
                out = decode()
            return out, int((time.perf_counter() - started) * 1000)

    @staticmethod
    def _stop_if_cancelled(cancel: Optional[threading.Event]) -> None:
        if cancel is not None and cancel.is_set():
            raise errors.Cancelled("The deadline passed; the extraction was stopped.")

    def _out_of_memory(self, tiles: int, prompt_len: int, lower: str) -> errors.OutOfMemory:
        """The error for a document the device cannot hold (its cached blocks handed back first)."""
        self._free_device_memory()
        return errors.OutOfMemory(
            f"The document ({tiles} tiles, {prompt_len:,} prompt tokens) needs more {self.device} memory than "
            f"is free: send fewer pages, or lower {lower}.")

    def _result(self, document: dict, confidence: dict, warnings: list, tokens: int, preprocess_ms: int,
                generate_ms: int) -> EngineResult:
        return EngineResult(document=document, field_confidence=confidence, warnings=warnings, tokens_out=tokens,
                            preprocess_ms=preprocess_ms, generate_ms=generate_ms, engine=self.name,
                            model=self.model_name)

    # several documents at once (OCR_BATCH_SIZE > 1) ---------------------------------------------------------

    def _generate_batch(self, requests: list[tuple]) -> list[tuple[list[int], list[float], int]]:
        """Several documents in one batch (the batcher's call): prompts left-padded to one length, the pages'
        tiles concatenated in row order (InternVL fills the image placeholders in that order), one grammar
        matcher per row. On a GPU a forward pass costs about the same for the whole batch as for one row,
        which is where the throughput comes from. A batch of one takes the single-document decoding; a batch
        that runs out of device memory is halved until it fits.

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
            ids = torch.full((len(requests), longest), self.kit.pad_id, dtype=torch.long, device=self.device)
            mask = torch.zeros((len(requests), longest), dtype=torch.long, device=self.device)
            for row, ((inputs, *_), n) in enumerate(zip(requests, lengths)):
                ids[row, longest - n:] = inputs["input_ids"][0]
                mask[row, longest - n:] = 1
            batch = {"input_ids": ids, "attention_mask": mask,
                     "pixel_values": torch.cat([r[0]["pixel_values"] for r in requests])}
            if self.seed is not None:
                torch.manual_seed(self.seed)
            with torch.inference_mode():
                answers: list[Tokens] = self.decoder.generate_batch(batch, requests)
            elapsed = int((time.perf_counter() - started) * 1000)
            return [(new_ids, probs, elapsed) for new_ids, probs in answers]

    def _free_device_memory(self) -> None:
        """Hand the cached blocks of a failed allocation back, so that what runs next has them."""
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()
