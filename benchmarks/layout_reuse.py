#!/usr/bin/env python3
"""Repeat vendors read from their learned layout: how exact, how fast, how often the model is still needed.

For every partner of the corpus (shared/data/documents) with at least two documents that carry a word layer
(born-digital PDFs: their text layer; scans and photos: the sidecar's OCR when it is installed, as in the
project's venv), the layout is
learned from the first document (its gold JSON standing in for the values a person confirmed) and the others
are read with it, as the Odoo addon does: identify the vendor from the page (VAT id, IBAN or name, among
*all* vendors that have a layout), read, check (lib/layout/ ``check``). A reading the checks refuse is a
fallback (the addon then asks the model). Every other vendor's documents are also read with each layout's
vendor list, to count cross-reads (a document taken for another vendor's: must be 0). The partner is the
issuer (a vendor's bill or order confirmation), or for a purchase order that names only its buyer, that
customer (the sales flow: a customer's PO read into a quotation, learned for the customer).

Fields scored: every key of the gold file the layout reads (document number, references, dates, totals,
taxes, line fields; the issuer's VAT id, IBAN and name from the page); party addresses and the other party
are the model's (listed apart, "out of scope"). Lines are compared by position, and again paired as
``ocr-sidecar eval`` pairs them (the assignment that matches most fields: one extra line read is one miss,
not a shift of every line after it); both figures are printed.

    .venv/bin/python benchmarks/layout_reuse.py [--documents DIR] [--json-out FILE]

Factur-X/ZUGFeRD PDFs are read here from their printed text layer, as if they carried no XML: in production
the sidecar answers them from the XML before any layout is used.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import load_mapping_lib  # noqa: E402  (the addon's lib/ without Odoo)

load_mapping_lib()
from document_digitize_lib import layout as L  # noqa: E402

from ocr_sidecar.eval import hungarian_max  # noqa: E402
from ocr_sidecar.inputs import Limits, open_words  # noqa: E402
from ocr_sidecar.proto import document_service_pb2 as pb  # noqa: E402
from ocr_sidecar.server import page_words  # noqa: E402

IN_SCOPE_HEADER = ("document_number", "order_reference", "payment_reference", "issue_date", "due_date", "subtotal",
                   "total_tax", "total", "amount_due", "currency", "document_type")
LINE_FIELDS = (*L.LINE_TEXTS, *L.LINE_NUMBERS)


def word_layer(path: Path, ocr: bool):
    """(pages, seconds) of the sidecar's words-only opening, without the e-invoice path."""
    started = time.perf_counter()
    opened = open_words(path.read_bytes(), "", path.name, Limits(max_bytes=64 << 20, max_pages=20,
                                                                 max_pixels=40_000_000, words="auto" if ocr else "pdf"),
                        read_einvoice=False)
    seconds = time.perf_counter() - started
    # as the sidecar answers (each word's table column, the header row) and the addon stores it
    response = pb.ExtractResponse(page_words=page_words([p.words for p in opened.pages]))
    return L.pages_from_json(sys.modules["document_digitize_lib"].client._page_words(response)), seconds


def same(a, b) -> bool:
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return isinstance(a, (int, float)) and abs(a - b) < 0.005
    if isinstance(b, str):
        return isinstance(a, str) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return a == b


def score(read: dict, gold: dict, party: str = "seller", paired: bool = False) -> tuple[int, int, int, list[str]]:
    """(exact, scored, out of scope, the paths that differ) over the gold file's keys. Lines are compared by
    position, or ``paired`` as ``ocr-sidecar eval`` pairs them (one line read that the gold does not list is
    then one miss, not a shift of every line after it); a line read that no gold line pairs with is a miss."""
    exact = scored = out = 0
    wrong = []

    def one(path, a, b):
        nonlocal exact, scored
        scored += 1
        if same(a, b):
            exact += 1
        else:
            wrong.append(f"{path}: {a!r} ≠ {b!r}")

    for key, value in gold.items():
        if key in IN_SCOPE_HEADER:
            one(key, read.get(key), value)
        elif key == "taxes":
            for i, tax in enumerate(value or []):
                got = (read.get("taxes") or [])[i] if i < len(read.get("taxes") or []) else {}
                for name, v in tax.items():
                    one(f"taxes[{i}].{name}", got.get(name), v)
        elif key == "lines":
            got_lines = read.get("lines") or []
            gold_lines = value or []
            if paired:  # as `ocr-sidecar eval` pairs them: the assignment that matches most fields
                weights = [[float(sum(1 for name, v in line.items() if name in LINE_FIELDS and same(got.get(name), v)))
                            for got in got_lines] for line in gold_lines]
                partner = dict(hungarian_max(weights)) if gold_lines and got_lines else {}
            else:  # by position
                partner = {i: i for i in range(min(len(gold_lines), len(got_lines)))}
            for i, line in enumerate(gold_lines):
                got = got_lines[partner[i]] if i in partner else {}
                for name, v in line.items():
                    if name in LINE_FIELDS:
                        one(f"lines[{i}].{name}", got.get(name), v)
            for j in sorted(set(range(len(got_lines))) - set(partner.values())):
                scored += 1
                wrong.append(f"lines[{j}]: read, not in gold")
        elif key == party:
            for name, v in (value or {}).items():
                if name in ("vat", "iban", "name"):
                    one(f"{party}.{name}", (read.get(party) or {}).get(name), v)
                else:
                    out += 1
        elif isinstance(value, dict):
            out += sum(1 for _ in _leaves(value))
    return exact, scored, out, wrong


def _leaves(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _leaves(v)
    elif isinstance(node, list):
        for v in node:
            yield from _leaves(v)
    elif node is not None:
        yield node


def party_of(gold: dict) -> tuple[str, str]:
    """(party, target): whose layout the document is. A document whose issuer is named is that issuer's (a
    vendor's bill or order confirmation: the bill / RFQ flows); a purchase order that names only its buyer is
    a customer's order, read into a quotation, so the layout is the customer's (the sales flow)."""
    if (gold.get("seller") or {}).get("name"):
        return "seller", "vendor_bill"
    return "buyer", "sale_order"


def candidate(key, gold: dict) -> L.Candidate:
    party = gold.get(party_of(gold)[0]) or {}
    return L.Candidate(key, vats=tuple(v for v in [party.get("vat")] if v),
                       ibans=tuple(v for v in [party.get("iban")] if v), name=party.get("name") or "")


def owner(gold: dict) -> tuple[str, str, str]:
    party = party_of(gold)[0]
    values = gold.get(party) or {}
    return party, values.get("vat") or "", values["name"].casefold()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=Path, default=ROOT.parent / "shared" / "data" / "documents")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    from ocr_sidecar import ocr as sidecar_ocr

    ocr = sidecar_ocr.available()  # the sidecar's own OCR (rapidocr with its bundled weights)
    docs = {}
    skipped = []
    for gold_path in sorted(args.documents.glob("*.gold.json")):
        stem = gold_path.name[:-len(".gold.json")]
        source = next((p for p in gold_path.parent.glob(stem + ".*") if not p.name.endswith(".json")), None)
        gold = json.loads(gold_path.read_text())
        if source is None or not (gold.get(party_of(gold)[0]) or {}).get("name"):
            continue
        if source.suffix.lower() != ".pdf" and not ocr:
            skipped.append(source.name)
            continue
        pages, seconds = word_layer(source, ocr)
        if not pages:
            skipped.append(source.name)
            continue
        docs[stem] = {"gold": gold, "pages": pages, "words_s": seconds}
    groups = collections.defaultdict(list)
    for stem, doc in docs.items():
        groups[owner(doc["gold"])].append(stem)
    groups = {k: v for k, v in groups.items() if len(v) >= 2}
    layouts = {}
    for key, stems in groups.items():
        first = stems[0]
        try:
            layouts[key] = L.learn(docs[first]["pages"], docs[first]["gold"], party_of(docs[first]["gold"])[1])
        except L.LayoutError as exc:
            print(f"{first}: nothing learned ({exc})", file=sys.stderr)
    candidates = [candidate(key, docs[groups[key][0]]["gold"]) for key in layouts]
    rows, totals = [], collections.Counter()
    read_times, words_times = [], []
    for key, stems in groups.items():
        if key not in layouts:
            continue
        for stem in stems[1:]:
            doc = docs[stem]
            started = time.perf_counter()
            identity = L.identify(doc["pages"], candidates)
            reading = None
            if identity is not None and identity.candidate.key in layouts:
                reading = L.read(doc["pages"], layouts[identity.candidate.key])
                L.with_identity(reading, identity, layouts[identity.candidate.key]["target"])
            problems = (L.check(reading, layouts[identity.candidate.key], identity) if reading is not None
                        else ["vendor not identified"])
            read_times.append(time.perf_counter() - started)
            words_times.append(doc["words_s"])
            read_doc = reading.document if reading else {}
            exact, scored, out, wrong = score(read_doc, doc["gold"], key[0])
            exact_paired, scored_paired, _, wrong_paired = score(read_doc, doc["gold"], key[0], paired=True)
            fallback = bool(problems)
            cross = identity is not None and identity.candidate.key != key
            totals.update(exact=exact, scored=scored, out=out, docs=1, fallback=int(fallback), cross=int(cross))
            if not fallback:
                totals.update(exact_accepted=exact, scored_accepted=scored, exact_accepted_paired=exact_paired,
                              scored_accepted_paired=scored_paired)
            totals.update(exact_paired=exact_paired, scored_paired=scored_paired)
            rows.append({"learned_from": stems[0], "read": stem, "exact": exact, "scored": scored,
                         "exact_paired": exact_paired, "scored_paired": scored_paired, "wrong_paired": wrong_paired,
                         "fallback": fallback, "why": [getattr(p, "message", p) for p in problems], "wrong": wrong,
                         "read_ms": round(read_times[-1] * 1000, 1), "words_ms": round(doc["words_s"] * 1000, 1)})
    # every document of vendors without that layout: never taken for a layout's vendor
    foreign = 0
    for stem, doc in docs.items():
        own = owner(doc["gold"])
        identity = L.identify(doc["pages"], candidates)
        if identity is not None and identity.candidate.key != own:
            foreign += 1
            print(f"cross-read: {stem} taken for {identity.candidate.key}", file=sys.stderr)
    print(f"{'learned from':<40} {'read':<40} {'exact':>9} {'paired':>9} {'fallback':>8} {'read ms':>8} "
          f"{'words ms':>8}")
    for row in rows:
        print(f"{row['learned_from']:<40} {row['read']:<40} {row['exact']:>4}/{row['scored']:<4} "
              f"{row['exact_paired']:>4}/{row['scored_paired']:<4} "
              f"{'yes' if row['fallback'] else 'no':>8} {row['read_ms']:>8} {row['words_ms']:>8}")
        for line in row["why"] + row["wrong"]:
            print(f"    {line}")
    n = totals["docs"]
    print()
    print(f"vendors with a learned layout: {len(layouts)}; documents read: {n}; skipped (no word layer"
          f"{'' if ocr else ', no OCR installed'}): {len(skipped)}")
    if n:
        print(f"fields exact: {totals['exact']}/{totals['scored']} = {100 * totals['exact'] / max(1, totals['scored']):.1f} %"
              f" (all readings); accepted readings: {totals['exact_accepted']}/{totals['scored_accepted']} = "
              f"{100 * totals['exact_accepted'] / max(1, totals['scored_accepted']):.1f} %; out of scope (model's): "
              f"{totals['out']}")
        print(f"lines paired as `ocr-sidecar eval` pairs them: {totals['exact_paired']}/{totals['scored_paired']} = "
              f"{100 * totals['exact_paired'] / max(1, totals['scored_paired']):.1f} % (all readings); accepted "
              f"readings: {totals['exact_accepted_paired']}/{totals['scored_accepted_paired']} = "
              f"{100 * totals['exact_accepted_paired'] / max(1, totals['scored_accepted_paired']):.1f} %")
        print(f"fallback to the model: {totals['fallback']}/{n}; cross-reads: {totals['cross']} of the pairs, "
              f"{foreign} of all {len(docs)} documents")
        print(f"seconds per document: read+identify+check median {statistics.median(read_times):.4f} s, max "
              f"{max(read_times):.4f} s; words-only opening median {statistics.median(words_times):.3f} s, max "
              f"{max(words_times):.3f} s")
    if args.json_out:
        args.json_out.write_text(json.dumps({"rows": rows, "totals": totals, "skipped": skipped,
                                             "foreign": foreign}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
