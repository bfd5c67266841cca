"""How many 448² tiles each page gets: the tile budget split over the pages, capped by each page's layout."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ...words import WordLayer

TOKENS_PER_TILE = 256
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)

TEXT_LAYER_CHARS = 200  # a page whose word layer has at least this much text carries its words in the prompt
TEXT_PAGE_TILES = 2  # ... so its picture is needed for layout only: a thumbnail and one tile
GOOD_OCR_CONFIDENCE = 0.75  # mean OCR confidence from which a scan's words are trusted like a text layer
LEGIBLE_TEXT_PX = 14  # text this tall in a 448² tile is legible to the model (9-pt print at ~150 dpi: ~19 px)


def good_word_layer(words: Optional[WordLayer]) -> bool:
    """Enough words, read well enough, for the prompt to carry the text and the pixels only the layout."""
    if words is None or words.chars < TEXT_LAYER_CHARS:
        return False
    if words.source == "pdf":
        return True
    return sum(w.confidence * len(w.text) for w in words.words) / words.chars >= GOOD_OCR_CONFIDENCE


def page_tile_cap(width: int, height: int, words: Optional[WordLayer], tile: int = 448,
                  text_page_tiles: int = TEXT_PAGE_TILES) -> Optional[int]:
    """Most tiles worth spending on one page (None: no cap, the budget and the processor's aspect-ratio grid
    decide, as for the seed). A page with a good word layer needs few (the prompt carries its words); a page
    with some words needs as many as keep its text legible: its median word height, scaled to the tile grid,
    at least ``LEGIBLE_TEXT_PX`` — large print needs fewer tiles than small print, whatever the raw pixels."""
    if good_word_layer(words):
        return text_page_tiles
    heights = sorted(w.box[3] - w.box[1] for w in (words.words if words else ()) if w.box[3] > w.box[1])
    if len(heights) < 5:
        return None
    text_height = heights[len(heights) // 2]  # share of the page's height
    rows = max(1, math.ceil(LEGIBLE_TEXT_PX / (text_height * tile)))
    columns = max(1, round(rows * width / max(height, 1)))
    return rows * columns


def split_tile_budget(max_tiles: int, pages: int) -> list[int]:
    """Tiles per page: an equal share, the remainder to the first pages (page 1 carries the header)."""
    if pages <= 0:
        return []
    share, extra = divmod(max(max_tiles, pages), pages)
    return [share + (1 if i < extra else 0) for i in range(pages)]
