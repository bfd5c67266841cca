"""InternVL3-1B through Hugging Face transformers, with grammar-constrained decoding (xgrammar).

- ``engine``: the engine — loading, page inputs (tiles + prompt), one extraction, batches of documents;
- ``tiling``: tiles per page; ``loading``: checkpoint dtype, CPU widening / int8;
- ``decoder``: the decoder interface; ``stats``: ``DecodeStats``, what decoding cost (``InternVLEngine.stats``);
- ``kit``: what every decoder uses (model, tokenizer, grammars, the prompt prefix's KV cache);
- the decoders, one chosen at load (``OCR_DECODER``): ``jump`` (jump-forward, prompt-lookup drafts), ``hf``
  (transformers' generate), ``parallel`` (a document's values as rows of one batch).

The answer is read by ``ocr_sidecar.answer`` (shared with the other engines).
"""

from .engine import InternVLEngine
from .loading import (
           checkpoint_dtype,
           checkpoint_mappings,
           release_file_pages,
           widen_and_quantize,
)
from .stats import DecodeStats
from .tiling import TEXT_LAYER_CHARS, TEXT_PAGE_TILES, page_tile_cap, split_tile_budget

__all__ = ["DecodeStats", "InternVLEngine", "checkpoint_dtype", "checkpoint_mappings", "release_file_pages",
           "widen_and_quantize",
           "TEXT_LAYER_CHARS", "TEXT_PAGE_TILES", "page_tile_cap", "split_tile_budget"]
