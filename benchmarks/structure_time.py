"""The page structure's cost beside the OCR's, on the corpus's images (issue #31: ≤ 10 % of the OCR's time).

For every image of ../shared/data/documents: the time the sidecar takes to open it with its OCR (the word layer),
and the median of five builds of the page structure on those words (rows along the page's angle, blocks,
``find_table``'s header and columns).

    python benchmarks/structure_time.py [--documents DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ocr_sidecar.inputs import Limits, open_document  # noqa: E402
from ocr_sidecar.words import Word, WordLayer, assign_lines, find_table  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=Path, default=ROOT.parent / "shared" / "data" / "documents")
    ns = parser.parse_args()
    limits = Limits(max_bytes=32 << 20, max_pages=10, max_pixels=40_000_000, max_tiles=12, words="auto")
    shares = []
    print("| image | OCR, s | structure, ms | share |")
    print("|---|---:|---:|---:|")
    for path in sorted(ns.documents.iterdir()):
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"):
            continue
        started = time.perf_counter()
        opened = open_document(path.read_bytes(), "", path.name, limits, read_einvoice=False)
        ocr_s = time.perf_counter() - started
        for page in opened.pages:
            if page.words is None or not page.words.words:
                continue
            runs = []
            for _ in range(5):
                words = [Word(w.text, w.box, confidence=w.confidence) for w in page.words.words]
                started = time.perf_counter()
                find_table(WordLayer(page.words.source, assign_lines(words)))
                runs.append(time.perf_counter() - started)
            structure_s = statistics.median(runs)
            shares.append(structure_s / ocr_s)
            print(f"| {path.name} | {ocr_s:.2f} | {structure_s * 1000:.1f} | {structure_s / ocr_s:.2%} |")
    if shares:
        print(f"\n{len(shares)} pages: the structure takes at most {max(shares):.2%} of the OCR's time "
              f"(median {statistics.median(shares):.2%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
