r"""How InternVL's tiling treats narrow and long receipts (issue #35): tiles spent and the text's height after the
resize, for the sidecar's current choice and for an aspect-aware one, on generated receipts.

    python benchmarks/receipt_tiling.py [--seed 35] [--count 60] [--long] [--max-tiles 12] [--policy layout|fixed]
        [--no-cache]

The sidecar's current choice (``engines/internvl``): the page's share of ``OCR_MAX_TILES`` (``split_tile_budget``),
capped by ``page_tile_cap`` (two tiles where the page's words are good enough for the prompt to carry them; else as
many as keep the median word ``LEGIBLE_TEXT_PX`` tall), then the processor's grid (``get_optimal_tiled_canvas``
of transformers' GotOcr2 processor: the grid whose aspect ratio is closest to the image's, more tiles on a tie) to
which the image is resized, squeezed or stretched, plus a thumbnail of the whole page when there is more than one
tile. The alternative, aspect-aware: among the grids of at most the same number of tiles, the one that keeps the
most pixels per millimetre with the image's aspect kept (padded to the grid, not stretched), the fewest tiles on a
tie — given at most as many grid tiles as the processor's grid has (a gain must cost no tile). ``--policy fixed``
measures ``OCR_TILE_POLICY=fixed`` (the budget, no cap), which is also what a page without words gets.

Each receipt is opened as the sidecar opens it (``inputs.open_document``: a PDF rendered at the sidecar's scale,
an image as sent), its words as the engine gets them (a PDF's text layer; the sidecar's OCR for images, cached in
``benchmarks/.cache/receipts/`` with ``receipts_expenses.py``). The generator knows the body text's size in mm
(``info["text_mm"]``), hence its height in the image's pixels; after the resize it is that times the grid's
vertical scale (never more than the image has: upscaling adds no detail). Printed per group (narrow: 58 mm rolls;
long: at least 250 mm of paper; by capture; by the cap the words set): tiles per receipt (thumbnail included),
the text's height in pixels after the resize (median), the share at least ``LEGIBLE_TEXT_PX`` tall, and how much
the grid stretches the text sideways (the width scale over the height scale, median).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from receipts_expenses import CACHE  # noqa: E402
from words_reader_sets import ocr_layers  # noqa: E402

from ocr_sidecar.engines.internvl.tiling import LEGIBLE_TEXT_PX, page_tile_cap, split_tile_budget  # noqa: E402
from ocr_sidecar.inputs import Limits, open_document  # noqa: E402
from ocr_sidecar.reader.synth import receipts as synth_receipts  # noqa: E402

TILE = 448


def processor_grid(width: int, height: int, max_tiles: int) -> tuple[int, int]:
    """(columns, rows) as the engine's image processor picks them (transformers' own function)."""
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import get_optimal_tiled_canvas

    if max_tiles <= 1:
        return 1, 1
    return tuple(get_optimal_tiled_canvas((height, width), (TILE, TILE), 1, max_tiles))


def aspect_grid(width: int, height: int, max_tiles: int) -> tuple[int, int]:
    """(columns, rows) of at most ``max_tiles`` that keep the most pixels per mm with the aspect kept (padded),
    no more than the image has; the fewest tiles on a tie."""
    best, key = (1, 1), None
    for columns in range(1, max_tiles + 1):
        for rows in range(1, max_tiles // columns + 1):
            scale = min(1.0, columns * TILE / width, rows * TILE / height)
            candidate = (round(scale, 6), -columns * rows)
            if key is None or candidate > key:
                best, key = (columns, rows), candidate
    return best


def outcome(grid: tuple[int, int], width: int, height: int, text_px: float, padded: bool) -> dict:
    columns, rows = grid
    sx, sy = columns * TILE / width, rows * TILE / height
    if padded:
        sx = sy = min(sx, sy)
    tiles = columns * rows + (1 if columns * rows > 1 else 0)
    return {"tiles": tiles, "text_px": text_px * min(1.0, sy), "stretch": sx / sy}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=35)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--max-tiles", type=int, default=12, help="OCR_MAX_TILES (the sidecar's default: 12)")
    parser.add_argument("--policy", choices=("layout", "fixed"), default="layout",
                        help="OCR_TILE_POLICY: layout (the default: capped by the page's words) or fixed (the budget; "
                             "also what a page without words gets)")
    parser.add_argument("--long", action="store_true", help="long receipts only (receipts.long_receipts: ≥ 250 mm)")
    parser.add_argument("--no-cache", action="store_true")
    ns = parser.parse_args(argv)
    cache = None if ns.no_cache else CACHE
    limits = Limits(max_bytes=64 << 20, max_pages=50, max_pixels=80_000_000, max_tiles=ns.max_tiles, words="pdf")
    rows: list[dict] = []
    started = time.perf_counter()
    samples = (synth_receipts.long_receipts(ns.seed, ns.count) if ns.long
               else synth_receipts.receipts(ns.seed, ns.count))
    for sample in samples:
        opened = open_document(sample.content, "", sample.filename, limits, read_einvoice=False)
        page = opened.pages[0]
        image = page.image
        if sample.capture == "pdf":
            words = page.words
            text_px = sample.info["text_mm"] * image.width / sample.info["width_mm"]
        else:
            words = ocr_layers(sample.content, sample.filename, cache)[0][0]
            text_px = sample.info["text_px"]
        share = split_tile_budget(ns.max_tiles, 1)[0]
        cap = page_tile_cap(image.width, image.height, words, TILE) if ns.policy == "layout" else None
        budget = share if cap is None else max(1, min(share, cap))
        grid = processor_grid(image.width, image.height, budget)
        current = outcome(grid, image.width, image.height, text_px, False)
        # at no more tiles than the processor's grid: the same budget of grid tiles
        aware = outcome(aspect_grid(image.width, image.height, grid[0] * grid[1]), image.width, image.height,
                        text_px, True)
        rows.append({"capture": sample.capture, "narrow": sample.info["width_mm"] < 60,
                     "long": sample.info["height_mm"] >= 250, "aspect": image.height / image.width,
                     "cap": ("cap: text in the prompt (2 tiles)" if cap == 2 else "cap: legibility" if cap
                             else "no cap"),
                     "text_px": text_px, "current": current, "aware": aware})
    groups = [("all", rows), ("narrow (58 mm)", [r for r in rows if r["narrow"]]),
              ("80 mm and wider", [r for r in rows if not r["narrow"]]), ("long (≥ 250 mm)", [r for r in rows if r["long"]])]
    groups += [(f"capture {c}", [r for r in rows if r["capture"] == c]) for c in ("pdf", "scan", "photo")]
    groups += [(cap, [r for r in rows if r["cap"] == cap]) for cap in sorted({r["cap"] for r in rows})]
    print(f"# Receipt tiling (seed {ns.seed}, {len(rows)} {'long ' if ns.long else ''}receipts, OCR_MAX_TILES {ns.max_tiles}, OCR_TILE_POLICY "
          f"{ns.policy}, legible from "
          f"{LEGIBLE_TEXT_PX} px)\n")
    print("| group | receipts | height/width (median) | text px in the image (median) | tiles: current / aware "
          "(mean) | text px after resize: current / aware (median) | ≥ legible: current / aware | sideways stretch "
          "current (median) | aware better / worse (text px, ≥ 5 %) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, group in groups:
        if not group:
            continue

        def med(key: str, policy: Optional[str] = None, group: list = group) -> float:
            return statistics.median(r[policy][key] if policy else r[key] for r in group)

        def mean_tiles(policy: str, group: list = group) -> float:
            return statistics.mean(r[policy]["tiles"] for r in group)

        def legible(policy: str, group: list = group) -> str:
            k = sum(r[policy]["text_px"] >= LEGIBLE_TEXT_PX for r in group)
            return f"{k}/{len(group)}"

        better = sum(r["aware"]["text_px"] > r["current"]["text_px"] * 1.05 for r in group)
        worse = sum(r["aware"]["text_px"] < r["current"]["text_px"] * 0.95 for r in group)
        print(f"| {name} | {len(group)} | {med('aspect'):.1f} | {med('text_px'):.1f} | "
              f"{mean_tiles('current'):.1f} / {mean_tiles('aware'):.1f} | "
              f"{med('text_px', 'current'):.1f} / {med('text_px', 'aware'):.1f} | "
              f"{legible('current')} / {legible('aware')} | {med('stretch', 'current'):.2f} | {better} / {worse} |")
    print(f"\n{len(rows)} receipts in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
