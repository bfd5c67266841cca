"""InternVL3-1B through Hugging Face transformers, with grammar-constrained decoding (xgrammar).

- ``engine``: the engine — loading, page inputs (tiles + prompt), one extraction;
- ``tiling``: tiles per page; ``loading``: checkpoint dtype, CPU widening / int8;
- ``decoding``: one document's decoders (jump-forward, prompt-lookup drafts, prefix cache, transformers);
- ``batch``: several documents at once, halved on out-of-memory.

The answer is read by ``ocr_sidecar.answer`` (shared with the other engines).
"""

from .engine import InternVLEngine
from .loading import (
           checkpoint_dtype,
           checkpoint_mappings,
           release_file_pages,
           widen_and_quantize,
)
from .tiling import TEXT_LAYER_CHARS, TEXT_PAGE_TILES, page_tile_cap, split_tile_budget

__all__ = ["InternVLEngine", "checkpoint_dtype", "checkpoint_mappings", "release_file_pages", "widen_and_quantize",
           "TEXT_LAYER_CHARS", "TEXT_PAGE_TILES", "page_tile_cap", "split_tile_budget"]
