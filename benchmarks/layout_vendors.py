#!/usr/bin/env python3
"""Learned layouts on vendors made here: each vendor prints every document the same way, what it says changes.

The corpus has few repeat vendors and no repeat vendor whose scan follows a born-digital document. This script
makes its own (issue #31): ``--vendors`` vendors, each a *style* of ``page_structure.generate`` (language and its
number and date formats, the issuer's blocks, the header as label-value rows, number and date on one row, or a
grid of labels over values; the table's columns in their order with units in the quantity cell or not; one or two
VAT rates; a total tax printed or not), and ``--documents`` documents per vendor with their own number, dates and
2-9 lines (the table grows and shrinks, and the totals move with it). The first document is learned as a person
confirmed it (its gold), born-digital; the others are read born-digital and as scans (turned 0.4-2° either way,
word boxes the upright box around each turned word, jittered), and a scan is also learned and read as a scan.
The word layer is built as the sidecar builds it (rows along the page's angle, the table's columns from its
header row) and passed as the sidecar's response carries it to the addon (``lib/client``), identified among
*all* vendors' layouts, read and checked (``lib/layout``) as the addon does.

    .venv/bin/python benchmarks/layout_vendors.py [--vendors 60] [--documents 4] [--seed 211] [--json-out FILE]

Prints, per kind of pair (learned from → read): readings accepted by the checks, fields exact on the accepted
readings (lines paired as ``ocr-sidecar eval`` pairs them), cross-reads (a document taken for another vendor's
layout: must be 0) and wrong readings accepted, and the fields most often wrong.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from layout_reuse import L, candidate, score  # noqa: E402
from page_structure import generate, turned  # noqa: E402

from ocr_sidecar.proto import document_service_pb2 as pb  # noqa: E402
from ocr_sidecar.server import page_words  # noqa: E402
from ocr_sidecar.words import WordLayer, assign_lines  # noqa: E402

client = sys.modules["document_digitize_lib"].client  # the addon's client: the response as the addon stores it

PAIRS = (("born-digital", "born-digital"), ("born-digital", "scan"), ("scan", "scan"))


def pages_of(printed, kind: str, rng: random.Random) -> list:
    """The layout lib's pages of one printed page, through the sidecar's word layer and the addon's client."""
    degrees = rng.uniform(0.4, 2.0) * rng.choice([-1, 1]) if kind == "scan" else 0.0
    words = turned(printed, degrees, rng)
    layer = WordLayer("ocr" if kind == "scan" else "pdf", assign_lines(words))
    response = pb.ExtractResponse(page_words=page_words([layer]))
    return L.pages_from_json(client._page_words(response))


def field_group(line: str) -> str:
    path = line.split(":", 1)[0]
    if path.startswith("lines["):
        return "lines." + path.split(".", 1)[1] if "." in path else "lines (extra)"
    if path.startswith("taxes["):
        return "taxes." + path.split(".", 1)[1]
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendors", type=int, default=60)
    parser.add_argument("--documents", type=int, default=4, help="documents per vendor (the first is learned)")
    parser.add_argument("--seed", type=int, default=211)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--show", type=int, default=0, help="print the differences of this many readings")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vendors = []
    for index in range(args.vendors):
        style_seed = args.seed * 10_000 + index
        docs = []
        for _ in range(args.documents):
            printed, gold = generate(rng, random.Random(style_seed))
            docs.append({"gold": gold, "pages": {kind: pages_of(printed, kind, rng)
                                                 for kind in ("born-digital", "scan")}})
        vendors.append(docs)
    keys = [f"v{index}" for index in range(len(vendors))]
    totals: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    wrong_fields: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    why: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    rows, times, shown = [], [], 0
    for learned_kind, read_kind in PAIRS:
        pair = (learned_kind, read_kind)
        layouts, candidates = {}, []
        for key, docs in zip(keys, vendors):
            try:
                layouts[key] = L.learn(docs[0]["pages"][learned_kind], docs[0]["gold"], "vendor_bill")
            except L.LayoutError:
                totals[pair]["not_learned"] += 1
                continue
            candidates.append(candidate(key, docs[0]["gold"]))
        for key, docs in zip(keys, vendors):
            if key not in layouts:
                continue
            for number, doc in enumerate(docs[1:], start=1):
                pages = doc["pages"][read_kind]
                started = time.perf_counter()
                identity = L.identify(pages, candidates)
                reading, problems = None, ["vendor not identified"]
                if identity is not None:
                    layout = layouts[identity.candidate.key]
                    reading = L.read(pages, layout)
                    L.with_identity(reading, identity, "vendor_bill")
                    problems = [p.message for p in L.check(reading, layout, identity)]
                times.append(time.perf_counter() - started)
                exact, scored, _out, wrong = score(reading.document if reading else {}, doc["gold"], "seller",
                                                   paired=True)
                cross = identity is not None and identity.candidate.key != key
                accepted = not problems
                totals[pair].update(read=1, accepted=int(accepted), cross=int(cross), exact=exact, scored=scored)
                if accepted:
                    totals[pair].update(exact_accepted=exact, scored_accepted=scored, wrong_accepted=int(bool(wrong)))
                    wrong_fields[pair].update(field_group(w) for w in wrong)
                else:
                    why[pair].update(p.split(":")[0][:60] for p in problems)
                if (wrong or problems) and shown < args.show:
                    shown += 1
                    print(f"--- {key} doc {number} {pair}: {'accepted' if accepted else 'refused'}", file=sys.stderr)
                    for line in problems + wrong:
                        print(f"    {line}", file=sys.stderr)
                rows.append({"vendor": key, "document": number, "learned": learned_kind, "read": read_kind,
                             "accepted": accepted, "cross": cross, "exact": exact, "scored": scored,
                             "problems": problems, "wrong": wrong})
    print(f"{args.vendors} generated vendors, {args.documents} documents each, seed {args.seed}")
    print("| learned from → read | readings | accepted | fields exact, accepted readings | accepted with a wrong "
          "value | fields exact, all readings | cross-reads |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for pair in PAIRS:
        t = totals[pair]
        n = max(t["read"], 1)
        print(f"| {pair[0]} → {pair[1]} | {t['read']} | {t['accepted']}/{t['read']} = {t['accepted'] / n:.1%} | "
              f"{t['exact_accepted']}/{t['scored_accepted']} = {t['exact_accepted'] / max(t['scored_accepted'], 1):.1%}"
              f" | {t['wrong_accepted']} | {t['exact']}/{t['scored']} = {t['exact'] / max(t['scored'], 1):.1%} | "
              f"{t['cross']} |")
    for pair in PAIRS:
        if wrong_fields[pair]:
            print(f"{pair[0]} → {pair[1]}, wrong on accepted readings: "
                  + ", ".join(f"{k} {v}" for k, v in wrong_fields[pair].most_common(8)))
        if why[pair]:
            print(f"{pair[0]} → {pair[1]}, why refused: " + "; ".join(f"{k} ({v})" for k, v in why[pair].most_common(6)))
    print(f"read + identify + check: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
    if args.json_out:
        args.json_out.write_text(json.dumps({"rows": rows, "totals": {" → ".join(k): v for k, v in totals.items()}},
                                            indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
