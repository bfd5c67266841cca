"""How many 448² tiles each page gets: the tile budget split over the pages, capped by each page's layout."""

from __future__ import annotations

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


def split_tile_budget(max_tiles: int, pages: int) -> list[int]:
    """Tiles per page: an equal share, the remainder to the first pages (page 1 carries the header)."""
    if pages <= 0:
        return []
    share, extra = divmod(max(max_tiles, pages), pages)
    return [share + (1 if i < extra else 0) for i in range(pages)]
