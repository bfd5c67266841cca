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

from .. import errors
from ..batching import MicroBatcher
from ..lookup import PromptLookup
from ..prompts import document_prompt
from ..random_model import RANDOM_MARKER
from ..schema import MAX_LINES, decoding_json_schema
from .base import DocumentInput, EngineResult, Warning

log = logging.getLogger("ocr_sidecar.internvl")

TOKENS_PER_TILE = 256
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)


PREFIX_CACHE_ENTRIES = 8  # prompt prefixes (document type x language hint) whose KV cache is kept
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
    except ValueError:  # not JSON, or a number Python will not convert
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


def checkpoint_dtype(path: Path) -> str:
    """The dtype the weights were saved in, from config.json (InternVL3-1B-hf: bfloat16)."""
    try:
        config = json.loads((Path(path) / "config.json").read_text())
    except (OSError, ValueError):
        return "float32"
    text = config.get("text_config") or {}
    stored = config.get("dtype") or config.get("torch_dtype") or text.get("dtype") or text.get("torch_dtype")
    return stored if stored in ("bfloat16", "float16", "float32") else "float32"


def checkpoint_mappings() -> list[tuple[int, int]]:
    """Address ranges of this process mapped from *.safetensors files (transformers maps checkpoints)."""
    ranges = []
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) >= 6 and fields[-1].endswith(".safetensors"):
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    ranges.append((start, end))
    except OSError:
        pass
    return ranges


def release_file_pages(tensor, mapped: list[tuple[int, int]]) -> None:
    """Drop from this process's memory the checkpoint pages a no longer needed tensor was read from.

    transformers maps the safetensors file and the model's bf16 tensors point into it; once a layer has
    its fp32/int8 copy, the pages it was read from would stay resident until the whole file is unmapped,
    which the bf16 embedding table (kept) prevents. MADV_DONTNEED on whole pages inside a read-only file
    mapping only forgets them (the kernel would read them again from the file). Anything else — anonymous
    memory, pages shared with a neighbour — is left alone."""
    if tensor is None or not mapped:
        return
    import ctypes
    import mmap

    start = tensor.data_ptr()
    end = start + tensor.untyped_storage().nbytes() if tensor.storage_offset() == 0 else start + tensor.nbytes
    page = mmap.PAGESIZE
    first, last = -(-start // page) * page, end // page * page
    if last <= first or not any(lo <= first and last <= hi for lo, hi in mapped):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), 4)  # MADV_DONTNEED


def widen_and_quantize(model, int8: bool = False, per_channel: bool = True) -> None:
    """Make a model loaded in bf16 (the checkpoint's dtype) compute in fp32 on the CPU, one layer at a time.

    - With ``int8``, every ``nn.Linear`` (vision encoder, projector, language model, head) becomes a dynamic
      int8 linear — weights int8 with one scale per output channel, activations fp32 — the weights are read
      4x faster than fp32 and take a quarter of its memory.
    - Without it, each linear layer is widened to fp32 (exact: every bf16 value is an fp32 value).
    - The token embedding table stays in bf16 and widens only the rows it looks up, which is exact too
      and keeps 151k x 896 fp32 values (0.5 GB) out of memory.

    Each layer is replaced as soon as its fp32 (or int8) copy exists, so peak memory is the bf16 model
    plus one layer, not the fp32 model beside the bf16 one.
    """
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

    class WideningEmbedding(torch.nn.Embedding):
        """A bf16 embedding table whose looked-up rows come out in fp32 (exact widening)."""

        def forward(self, input_ids):
            return super().forward(input_ids).float()

    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    embedding = model.get_input_embeddings()
    keep = {id(embedding.weight)}
    mapped = checkpoint_mappings()
    # Names, not modules: a list of the modules would keep every replaced bf16 layer alive to the end.
    names = [name for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) or module is embedding]
    del embedding
    for name in names:
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        child = getattr(parent, attr)
        if isinstance(child, torch.nn.Embedding):
            narrow = WideningEmbedding(child.num_embeddings, child.embedding_dim, padding_idx=child.padding_idx,
                                       _weight=child.weight, _freeze=True)
            keep.add(id(narrow.weight))
            setattr(parent, attr, narrow)
            continue
        # A fresh fp32 module from copies: the head may share its weight with the embedding table.
        wide = torch.nn.Linear(child.in_features, child.out_features, bias=child.bias is not None, device="meta")
        wide.weight = torch.nn.Parameter(child.weight.detach().float(), requires_grad=False)
        if child.bias is not None:
            wide.bias = torch.nn.Parameter(child.bias.detach().float(), requires_grad=False)
        if int8:
            wide.qconfig = qconfig
            wide = DynamicLinear.from_float(wide)
        setattr(parent, attr, wide)
        if id(child.weight) not in keep:
            for tensor in (child.weight, child.bias):
                release_file_pages(tensor, mapped)
        del child, wide
    for tensor in list(model.parameters()) + list(model.buffers()):
        if id(tensor) not in keep and tensor.is_floating_point() and tensor.dtype != torch.float32:
            narrow = tensor.data
            tensor.data = narrow.float()
            release_file_pages(narrow, mapped)
    model.config.dtype = torch.float32  # what the model computes in (transformers reads it for masks etc.)


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


class InternVLEngine:
    name = "internvl"

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
        if decoder not in ("jump", "hf"):
            raise ValueError("decoder must be 'jump' (grammar jump-forward) or 'hf' (transformers generate)")
        self.tile_policy, self.quantize, self.decoder = tile_policy, quantize, decoder
        self.requested_quantize = quantize
        self.lookup_draft = lookup_draft  # prompt-lookup draft length per step (jump decoder); 0 = off
        self.last_lookup: Optional[PromptLookup] = None  # drafts proposed / accepted in the last generation
        self.prefix_cache = prefix_cache  # keep the KV cache of the prompt's fixed prefix (jump decoder)
        self._prefixes: dict[tuple, Any] = {}
        self.last_prefix_reused = 0  # prompt tokens the last prefill took from the prefix cache
        self.last_forwards = 0  # model forward passes of the last generation (benchmarks)
        self.batch_passes = 0  # passes so far of the batch running now
        self.last_batch_tokens: list[int] = []  # tokens of each row of the last batch
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

        from ..device import choose_device, choose_dtype, choose_quantize, configure_threads

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
        if self.batch_size > 1:
            if self.device == "cpu":
                log.warning("OCR_BATCH_SIZE=%d on CPU: batching does not raise a CPU's throughput and makes each "
                            "document wait for its batch (benchmarks/README.md); 1 is best there", self.batch_size)
            self._batcher = MicroBatcher(self._generate_batch, self.batch_size, self.batch_wait_ms / 1000,
                                         name="internvl-batcher")
        self._loaded = True
        log.info("loaded %s on %s/%s in %.1f s", self.model_name, self.device, self.dtype,
                 time.perf_counter() - started)

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
        # The fixed instruction first (its KV cache is kept, see _prefill), then the pages, then what belongs
        # to this document: its text layer and the user's instruction.
        head, tail = document_prompt(doc.document_type, [p.text for p in doc.pages], doc.prompt, doc.language_hint)
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
        grammar = self._grammar(doc.document_type, MAX_LINES)
        budget = self.token_budget(doc)
        preprocess_ms = int((time.perf_counter() - started) * 1000)
        try:
            if self._batcher is not None:
                new_ids, probs, generate_ms = self._batcher.submit((inputs, grammar, budget, cancel), cancel)
            else:
                new_ids, probs, generate_ms = self._generate_one(inputs, grammar, budget, cancel)
        except torch.OutOfMemoryError:
            self._free_device_memory()
            raise errors.OutOfMemory(
                f"The document ({tiles} tiles, {prompt_len:,} prompt tokens) needs more {self.device} memory than "
                "is free: send fewer pages, or lower OCR_MAX_TILES / OCR_BATCH_SIZE on the sidecar.") from None
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

    def _generate_one(self, inputs: dict, grammar, budget: int, cancel: Optional[threading.Event]):
        """One document: (new token ids, their probabilities, milliseconds)."""
        import torch
        from transformers import StoppingCriteria

        class Cancel(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                stop = cancel is not None and cancel.is_set()
                return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)

        with self._lock:
            if cancel is not None and cancel.is_set():
                raise errors.Cancelled("The request was cancelled before generation started.")
            started = time.perf_counter()
            if self.seed is not None:
                torch.manual_seed(self.seed)
            with torch.inference_mode():
                if self.decoder == "jump":
                    lookup = None
                    if self.lookup_draft:
                        image_token = self.tokenizer.convert_tokens_to_ids(self.context_image)
                        lookup = PromptLookup(inputs["input_ids"][0].tolist(), max_draft=self.lookup_draft,
                                              ignore=(image_token,))
                    self.last_lookup = lookup
                    new_ids, probs = self._generate_jump(inputs, grammar, budget, cancel, lookup)
                else:
                    new_ids, probs = self._generate_hf(inputs, grammar, budget, Cancel(),
                                                       inputs["input_ids"].shape[1])
            return new_ids, probs, int((time.perf_counter() - started) * 1000)

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

    def _free_device_memory(self) -> None:
        """Hand the cached blocks of a failed allocation back, so that what runs next has them."""
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()

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
                if self.decoder == "jump":
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
            if choosing:
                xgr.apply_token_bitmask_inplace(last, bitmask.to(last.device), indices=choosing)
                chosen = last[choosing].argmax(dim=-1)
                chosen_p = torch.softmax(last[choosing], dim=-1).gather(1, chosen[:, None])[:, 0]
                for i, token, p in zip(choosing, chosen.tolist(), chosen_p.tolist()):
                    if not matchers[i].accept_token(token):
                        raise RuntimeError("the grammar refused the token it allowed")
                    answers[i][1].append(p)
                    steps[i] = [token]
            for i in list(steps):
                answers[i][0].extend(steps[i])
                if matchers[i].is_terminated() or len(answers[i][0]) >= budgets[i]:
                    open_rows.discard(i)  # its answer is complete: it needs no further pass
                    del steps[i]
            if not steps:
                break
            width = max(len(step) for step in steps.values())
            ids = [[self._pad_id] * width for _ in range(rows)]
            step_mask = [[0] * width for _ in range(rows)]
            lengths = [0] * rows
            for i, step in steps.items():
                ids[i][:len(step)], step_mask[i][:len(step)], lengths[i] = step, [1] * len(step), len(step)
            device = mask.device
            mask = torch.cat([mask, torch.tensor(step_mask, dtype=mask.dtype, device=device)], dim=1)
            step_positions = next_pos[:, None] + torch.arange(width, device=device)[None, :]
            out = model(input_ids=torch.tensor(ids, device=device), attention_mask=mask, position_ids=step_positions,
                        cache=cache, use_cache=True, logits_to_keep=width)
            cache, forwards = out.cache, forwards + 1
            self.batch_passes = forwards  # progress of the running batch (tests cancel a row mid-decoding)
            fed = torch.tensor(sorted(steps), device=device)
            ends = torch.tensor([lengths[i] - 1 for i in sorted(steps)], device=device)
            last[fed] = out.logits[fed, ends].float()
            next_pos += torch.tensor(lengths, device=device)
        self.last_forwards = forwards
        self.last_batch_tokens = [len(ids) for ids, _ in answers]  # per row: where each stopped (tests, logs)
        return answers

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
        except ValueError:
            pass
    return {}
