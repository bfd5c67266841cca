#!/usr/bin/env python3
"""Pages turned without EXIF (a scan fed sideways, a photo whose EXIF was stripped): does the sidecar find
the turn from the OCR's own lines, and what does the word layer recall then?

Every raster document of the corpus (../shared/data/documents/img_*) is turned 0/90/180/270° clockwise and
read with ``ocr_sidecar.ocr.read_page`` as the sidecar reads a page. Printed per page and turn: the angle
found (right when it undoes the turn), seconds, and the recall of the gold values in the word layer
(numbers and dates normalised, as ``ocr-sidecar eval`` counts them).

    python benchmarks/page_orientation.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from PIL import Image

from ocr_sidecar.locate import locate, printed_paths
from ocr_sidecar.ocr import read_page

DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "documents"
TURNS = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--limit", type=int, default=0, help="first N images only")
    args = parser.parse_args()
    images = sorted(p for p in args.docs.glob("img_*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    images = images[: args.limit] if args.limit else images
    print("| page | turned | angle found | right | s | recall |")
    print("|---|---|---|---|---|---|")
    right = total = 0
    found_total = paths_total = 0
    for path in images:
        gold = json.loads(path.with_name(path.stem + ".gold.json").read_text())
        paths = printed_paths(gold)
        base = Image.open(path).convert("RGB")
        for turn, transpose in TURNS.items():
            image = base.transpose(transpose) if transpose is not None else base
            started = time.perf_counter()
            layer, _upright = read_page(image)
            seconds = time.perf_counter() - started
            ok = (turn + layer.angle) % 360 == 0
            found = sum(p in locate(gold, [layer]) for p in paths)
            right, total = right + ok, total + 1
            found_total, paths_total = found_total + found, paths_total + len(paths)
            print(f"| {path.name} | {turn}° | {layer.angle}° | {'yes' if ok else 'NO'} | {seconds:.1f} | "
                  f"{found}/{len(paths)} |")
    print(f"\nturn undone: {right}/{total}; recall over all turns {found_total}/{paths_total} = "
          f"{found_total / max(paths_total, 1):.1%}")


if __name__ == "__main__":
    main()
