"""How well evidence tells a read value from an invented one, over the corpus (issue: evidence for every value).

For every document of ../shared/data/documents with pages (PDF or image): its word layer is built as the
sidecar builds it (the PDF's text layer, else OCR), the gold JSON is given as the answer, and we count

- located: gold values found on the page (goal ≥ 95 % on born-digital pages, ≥ 85 % on images); the
  rest are false ``value_not_on_page`` flags on a correct answer (goal ≤ 2 % ... of the printable values);
- flagged: with one digit changed in every number and one character in every identifier of the gold,
  the share of those changed values that are *not* found (goal ≥ 95 %).

    python benchmarks/evidence_recall.py [--documents DIR] [--glob 'i2d_*'] [--limit N] [--json-out FILE]

Prints one row per document and the totals by kind; nothing is timed (OCR costs ~2 s a page).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ocr_sidecar.eval import DOCUMENT_SUFFIXES  # noqa: E402
from ocr_sidecar.evidence import with_derived  # noqa: E402
from ocr_sidecar.inputs import Limits, open_document  # noqa: E402
from ocr_sidecar.locate import CODE_FIELDS, locate, printed_paths, value_at  # noqa: E402


def mutate(document: dict) -> tuple[dict, list[str]]:
    """The document with one digit changed in every number and one character in every identifier."""
    changed = copy.deepcopy(document)
    paths = []
    for path in printed_paths(document):
        name = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
        value = value_at(document, path)
        new = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = f"{value:.2f}" if isinstance(value, float) and value != int(value) else str(int(value))
            digits = [i for i, ch in enumerate(text) if ch.isdigit()]
            i = digits[0]  # the leading digit: the change a misread or invented value makes to the amount
            new_text = text[:i] + str((int(text[i]) + 1) % 10 or 1) + text[i + 1:]
            new = float(new_text) if "." in new_text else int(new_text)
        elif name in CODE_FIELDS and isinstance(value, str) and any(ch.isalnum() for ch in value):
            i = max(i for i, ch in enumerate(value) if ch.isalnum())
            ch = value[i]
            new = value[:i] + ("0" if ch == "9" else "A" if ch == "Z" else "a" if ch == "z" else chr(ord(ch) + 1)
                               if ch.isalnum() else ch) + value[i + 1:]
        if new is None:
            continue
        node = changed
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        for part in parts[:-1]:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        last = parts[-1]
        node[int(last[1:-1]) if last.startswith("[") else last] = new
        paths.append(path)
    return changed, paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=Path, default=ROOT.parent / "shared" / "data" / "documents")
    parser.add_argument("--glob", default="*")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json-out", type=Path, help="write every document's row and the totals here")
    ns = parser.parse_args()
    limits = Limits(max_bytes=32 << 20, max_pages=10, max_pixels=40_000_000, max_tiles=12, words="auto")
    docs = sorted(p for p in ns.documents.glob(ns.glob) if p.suffix.lower() in DOCUMENT_SUFFIXES
                  and p.suffix.lower() != ".xml" and p.with_name(p.stem + ".gold.json").is_file())
    if ns.limit:
        docs = docs[:ns.limit]
    totals: dict[str, list[int]] = {}
    rows: list[dict] = []
    started = time.perf_counter()
    print("| document | words from | located | false flags | changed values flagged |")
    print("|---|---|---:|---:|---:|")
    for path in docs:
        gold = json.loads(path.with_name(path.stem + ".gold.json").read_text())
        opened = open_document(path.read_bytes(), "", path.name, limits, read_einvoice=False)
        layers = [page.words for page in opened.pages]
        sources = sorted({layer.source for layer in layers if layer is not None})
        if not sources:
            print(f"| {path.name} | (no words) | — | — | — |")
            continue
        kind = "born-digital" if sources == ["pdf"] else "image / scan"
        printable = printed_paths(gold)
        # once per document, not once per value; a total the page implies by its printed parts counts as found,
        # as the sidecar shows it (evidence.derived)
        found = with_derived(gold, locate(gold, layers), printable)
        located = sum(p in found for p in printable)
        changed, changed_paths = mutate(gold)
        found_changed = with_derived(changed, locate(changed, layers), printed_paths(changed))
        flagged = sum(p not in found_changed for p in changed_paths)
        row = totals.setdefault(kind, [0, 0, 0, 0])
        row[0] += located
        row[1] += len(printable)
        row[2] += flagged
        row[3] += len(changed_paths)
        print(f"| {path.name} | {'+'.join(sources)} | {located}/{len(printable)} | {len(printable) - located} | "
              f"{flagged}/{len(changed_paths)} |")
        rows.append({"document": path.name, "kind": kind, "located": located, "printable": len(printable),
                     "flagged": flagged, "changed": len(changed_paths),
                     "not_located": [p for p in printable if p not in found],
                     "not_flagged": {p: value_at(changed, p) for p in changed_paths if p in found_changed}})
    print()
    print("| kind | located (goal ≥ 95 % / ≥ 85 %) | false flags (goal ≤ 2 %) | changed values flagged (goal ≥ 95 %) |")
    print("|---|---:|---:|---:|")
    for kind, (located, printable, flagged, changed) in sorted(totals.items()):
        print(f"| {kind} | {located}/{printable} = {located / printable:.1%} | {1 - located / printable:.1%} | "
              f"{flagged}/{changed} = {flagged / max(changed, 1):.1%} |")
    print(f"\n{len(docs)} documents in {time.perf_counter() - started:.0f} s")
    if ns.json_out:
        ns.json_out.write_text(json.dumps({"rows": rows, "totals": totals}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
