r"""Receipts → expenses (issue #35), measured end to end on the sidecar's words path: each receipt's words (the PDF's
text layer, or the sidecar's OCR of a scan or photo) → the words reader (``ocr_sidecar.reader.read_layers``) → the
Odoo addon's pure mapping for the ``expense`` target (``odoo_addons/document_digitize/lib``, imported without
Odoo) → the expense's date, total, currency and tax, each compared with what the same mapping makes of the gold.

    python benchmarks/receipts_expenses.py [--sets corpus,generated,generated-long] [--seed 35] [--count 60]
        [--long-count 12] [--detection-side 960] [--flat-detection] [--write DIR] [--time-ocr N]
        [--documents DIR] [--no-cache] [--show-misses 10] [--json-out FILE]

Sets:
- ``corpus``: the receipts of ../shared/data/documents (files whose gold says ``document_type: receipt``), for
  evaluation only: nothing here is tuned on them.
- ``generated``: ``ocr_sidecar.reader.synth.receipts.receipts(seed, count)`` — restaurants, taxis, fuel, hotels,
  shops in six languages and six currencies, as PDFs, scans and photos (``receipts.py`` says what varies). The
  words reader was never trained on these (its training set is ``synth.samples``).
- ``generated-long``: ``receipts.long_receipts(seed, long_count)``: shop receipts of 250 mm of paper and more
  (many items, a customer copy, terms), whose photos and scans the OCR's detection sees at 960 px on the long
  side (``ocr.DETECTION_SIDE``).

The company an expense is booked in is in the receipt's country (the gold seller's country, else the currency's),
in its currency, with that country's VAT (or sales tax, GST) rates as purchase taxes and a rate for every other
currency; options: a default expense category, no "today" (the date checks are not measured here). Per field:
- date: the expense's ``date`` equals the gold's (scored where the gold has an issue date);
- total: ``total_amount_currency`` equals the gold's to the cent;
- currency: the expense's currency (mapped, else the company's) is the receipt's (scored where the gold prints
  one);
- tax: the mapped outcome equals the gold's: the same ``tax_ids``, or the same serious review on the tax (two
  rates on one receipt, a rate the company lacks) — scored where the gold prints a tax (a rate or an amount);
  beside it, what the reader read: the rates (as a set) and the tax amount, against the gold's; and whether the
  gold total is among the reader's first three total candidates (a candidate scored below the reader's threshold
  is proposed but not put in its document, so the expense gets no total).
Overall: a receipt whose every scored field is right. For generated images, the share of the printed words the OCR
read exactly (as a multiset: what the reader had to work with). Time: ``read_layers`` per receipt (median, p90; the model
loaded by an untimed first call) and, apart, the OCR per image (cached in ``benchmarks/.cache/receipts/``, keyed
like ``words_reader.py``'s cache by the file's bytes and the OCR's source).

What the words reader proposes for receipts: date, total, currency, tax rows and total tax (all in its
``HEADER_PATHS``); a receipt's time and payment method are not fields of the canonical schema (the VLM's prompt
is told how to tell them from the date and the total), so neither reader proposes them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from words_reader_sets import DOCUMENTS, image_kinds, ocr_layers, pdf_layers  # noqa: E402

from ocr_sidecar import reader as words_reader  # noqa: E402
from ocr_sidecar.reader.synth import receipts as synth_receipts  # noqa: E402
from ocr_sidecar.reader.synth import world as W  # noqa: E402

from conftest import load_mapping_lib  # noqa: E402  (the addon's lib without Odoo)

CACHE = ROOT / "benchmarks" / ".cache" / "receipts"
FIELDS = ("date", "total", "currency", "tax")
READ = ("total in the top 3", "tax rates read", "tax amount read")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
COUNTRY_OF_CURRENCY = {"USD": "US", "GBP": "GB", "CHF": "CH", "INR": "IN", "SEK": "SE", "EUR": "DE"}
TAX_RATES = {"IN": (0.0, 5.0, 12.0, 18.0, 28.0), "SE": (0.0, 6.0, 12.0, 25.0)}
GENERAL = 50
TAX_CODES = {"several_tax_rates", "tax_not_found", "tax_unknown"}

lib = load_mapping_lib()
C = lib.catalog
map_document = lib.mapping.map_document


# --- the company an expense is booked in ------------------------------------------------------------------------


def country_rates(country: str) -> tuple[float, ...]:
    rates = set(TAX_RATES.get(country, W.VAT_RATES.get(country, ()))) | {0.0}
    for trade in synth_receipts.RATES.values():
        rates |= set(trade.get(country) or ())
    return tuple(sorted(rates))


def company_catalog(country: str, currency: str):
    currencies = sorted(set(COUNTRY_OF_CURRENCY) | {currency})
    taxes = [C.TaxCandidate(1000 + int(round(rate * 1000)), f"{rate:g} %", rate, price_include=True, sequence=10)
             for rate in country_rates(country)]
    cat = C.InMemoryCatalog(
        C.CompanyInfo(id=1, name="Employer", partner_id=1, currency_code=currency, country_code=country),
        taxes=taxes, products=[C.ProductCandidate(GENERAL, "Expenses")],
        currencies=[C.CurrencyCandidate(k + 1, code) for k, code in enumerate(currencies)])
    cat.rates.update(k + 1 for k in range(len(currencies)))
    return cat, {k + 1: code for k, code in enumerate(currencies)}


def expense(document: dict, country: str, currency: str) -> dict:
    """The expense's date, total, currency and tax outcome as the addon's mapping makes them of ``document``."""
    cat, codes = company_catalog(country, currency)
    result = map_document(document, cat, "expense", {}, {"fallback_product_id": GENERAL})
    header = result.header
    tax = tuple(header["tax_ids"][0][2]) if "tax_ids" in header else tuple(
        sorted(item.code for item in result.review if item.code in TAX_CODES)) or ("category's taxes",)
    return {"date": header.get("date"), "total": header.get("total_amount_currency"),
            "currency": codes.get(header.get("currency_id"), currency), "tax": tax}


# --- the receipts of each set -------------------------------------------------------------------------------


class Receipt:
    def __init__(self, name: str, set_: str, capture: str, layers: list, gold: dict, ocr_ms: Optional[float],
                 info: Optional[dict] = None, printed: Optional[list[str]] = None):
        self.name, self.set, self.capture, self.layers, self.gold = name, set_, capture, layers, gold
        self.ocr_ms, self.info, self.printed = ocr_ms, info or {}, printed


def word_recall(printed: list[str], layers: list) -> tuple[int, int]:
    """(printed words the OCR read exactly, printed words): the words as a multiset, order aside."""
    read = Counter(w.text for layer in layers if layer is not None for w in layer.words)
    want = Counter(printed)
    return sum((want & read).values()), sum(want.values())


def words_of(content: bytes, filename: str, cache: Optional[Path]) -> tuple[list, Optional[float]]:
    if filename.lower().endswith(".pdf"):
        return pdf_layers(content, filename), None
    return ocr_layers(content, filename, cache)


def corpus_receipts(documents: Path, cache: Optional[Path]) -> Iterator[Receipt]:
    kinds = image_kinds(documents)
    for gold_path in sorted(documents.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text())
        if gold.get("document_type") != "receipt":
            continue
        stem = gold_path.name[:-len(".gold.json")]
        files = [p for p in documents.glob(stem + ".*") if p.suffix.lower() in IMAGE_SUFFIXES | {".pdf"}]
        for path in files:
            layers, ms = words_of(path.read_bytes(), path.name, cache)
            capture = "pdf" if path.suffix.lower() == ".pdf" else kinds.get(path.name, "scan")
            yield Receipt(path.name, "corpus", capture, layers, gold, ms)


def generated_receipts(seed: int, count: int, cache: Optional[Path], long: bool = False,
                       write: Optional[Path] = None) -> Iterator[Receipt]:
    samples = synth_receipts.long_receipts(seed, count) if long else synth_receipts.receipts(seed, count)
    for sample in samples:
        if write is not None:  # the file and its gold, as the corpus keeps them (for `ocr-sidecar eval DIR`)
            write.mkdir(parents=True, exist_ok=True)
            (write / sample.filename).write_bytes(sample.content)
            (write / f"{sample.name}.gold.json").write_text(json.dumps(sample.gold, indent=1, ensure_ascii=False))
        layers, ms = words_of(sample.content, sample.filename, cache)
        yield Receipt(sample.filename, "generated-long" if long else "generated", sample.capture, layers,
                      sample.gold, ms, sample.info, sample.printed)


def time_ocr(seed: int, count: int) -> None:
    """The OCR's cost of the long-page detection side: the first ``count`` long receipts' images read by the
    sidecar's OCR (no cache) at the side every page had before (960) and at ``ocr.detection_side``, one after the
    other per image so that both see the same load of a shared machine."""
    from ocr_sidecar import ocr
    from ocr_sidecar.inputs import Limits, open_words

    limits = Limits(max_bytes=64 << 20, max_pages=5, max_pixels=80_000_000, max_tiles=12, words="auto")
    long_page, times = ocr.LONG_PAGE, {"960 (before)": [], "detection_side": []}
    images = (s for s in synth_receipts.long_receipts(seed, count * 3) if s.capture != "pdf")
    for sample, _ in zip(images, range(count)):
        for label, flat in (("960 (before)", True), ("detection_side", False)):
            ocr.LONG_PAGE = float("inf") if flat else long_page
            started = time.perf_counter()
            open_words(sample.content, "", sample.filename, limits, read_einvoice=False)
            times[label].append((time.perf_counter() - started) * 1000)
    ocr.LONG_PAGE = long_page
    for label, ms in times.items():
        print(f"OCR of {len(ms)} long receipt images, {label}: median {statistics.median(ms):.0f} ms, "
              f"total {sum(ms) / 1000:.1f} s")


def company_of(gold: dict) -> tuple[str, str]:
    currency = gold.get("currency") or "EUR"
    country = ((gold.get("seller") or {}).get("address") or {}).get("country_code")
    if not country and (gold.get("seller") or {}).get("vat"):
        vat = gold["seller"]["vat"]
        country = vat[:2] if vat[:2].isalpha() else None
    return country or COUNTRY_OF_CURRENCY.get(currency, "DE"), currency


# --- scoring ------------------------------------------------------------------------------------------------


def _rates(document: dict) -> set:
    return {round(float(t["rate"]), 3) for t in document.get("taxes") or [] if t.get("rate") is not None}


def score(receipt: Receipt, reading: dict, company: tuple[str, str]) -> dict[str, Optional[bool]]:
    """Right (True), wrong (False) or not scored (None) per field, and the reader's own tax values."""
    gold = receipt.gold
    want, got = expense(gold, *company), expense(reading, *company)
    out: dict[str, Optional[bool]] = {
        "date": want["date"] == got["date"] if gold.get("issue_date") else None,
        "total": (got["total"] is not None and abs(got["total"] - want["total"]) < 0.005)
        if gold.get("total") is not None else None,
        "currency": want["currency"] == got["currency"] if gold.get("currency") else None,
        "tax": want["tax"] == got["tax"] if (gold.get("taxes") or gold.get("total_tax") is not None) else None,
    }
    out["tax rates read"] = _rates(reading) == _rates(gold) if _rates(gold) else None
    out["tax amount read"] = (reading.get("total_tax") is not None
                              and abs(float(reading["total_tax"]) - gold["total_tax"]) < 0.005) \
        if gold.get("total_tax") is not None else None
    scored = [out[f] for f in FIELDS if out[f] is not None]
    out["overall"] = all(scored) if scored else None
    out["_want"], out["_got"] = want, got  # type: ignore[assignment]
    return out


def share(k: int, n: int) -> str:
    return f"{k}/{n} = {k / n:.1%}" if n else "—"


def measure(receipts: Iterator[Receipt], tallies: dict, misses: list, show: int, warm: list) -> None:
    for receipt in receipts:
        if not warm:
            words_reader.read_layers(receipt.layers)  # loads the model: not timed
            warm.append(True)
        started = time.perf_counter()
        try:
            read = words_reader.read_layers(receipt.layers)
        except Exception as exc:  # noqa: BLE001 - a reader that fails proposes nothing
            print(f"{receipt.name}: the reader raised {type(exc).__name__}: {exc}", file=sys.stderr)
            read = words_reader.Reading(document={}, candidates={})
        ms = (time.perf_counter() - started) * 1000
        reading = read.document
        outcome = score(receipt, reading, company_of(receipt.gold))
        if receipt.gold.get("total") is not None:  # proposed, if not put in the document (scored below KEEP)
            outcome["total in the top 3"] = any(abs(float(c.value) - receipt.gold["total"]) < 0.005
                                                for c in read.candidates.get("total", [])[:3])
        for key in (receipt.set, f"{receipt.set}/{receipt.capture}"):
            tally = tallies.setdefault(key, {"n": 0, "ms": [], "ocr_ms": [], "fields": defaultdict(lambda: [0, 0]),
                                             "recall": [0, 0]})
            tally["n"] += 1
            if receipt.printed and receipt.capture != "pdf":
                tally["recall"] = [a + b for a, b in zip(tally["recall"], word_recall(receipt.printed,
                                                                                      receipt.layers))]
            tally["ms"].append(ms)
            if receipt.ocr_ms is not None:
                tally["ocr_ms"].append(receipt.ocr_ms)
            for name in FIELDS + READ + ("overall",):
                if outcome[name] is not None:
                    tally["fields"][name][0] += 1
                    tally["fields"][name][1] += bool(outcome[name])
        wrong = [f for f in FIELDS if outcome[f] is False]
        if wrong and len(misses) < show:
            want, got = outcome["_want"], outcome["_got"]
            misses.append(f"{receipt.name} ({receipt.capture}, {receipt.info.get('trade', 'corpus')}, "
                          f"{receipt.info.get('lang', '')} {receipt.info.get('country', '')}): "
                          + "; ".join(f"{f} gold {want[f]!r} read {got[f]!r}" for f in wrong))


def report(tallies: dict) -> None:
    order = ("corpus", "generated", "generated-long")
    keys = sorted(tallies, key=lambda k: (order.index(k.split("/")[0]), "/" in k, k))
    print("| set | receipts | " + " | ".join(FIELDS) + " | **overall** | " + " | ".join(READ)
          + " | read ms (median / p90) | OCR ms per image (median) | OCR words read exactly |")
    print("|---|---:|" + "---:|" * (len(FIELDS) + 1 + len(READ)) + "---:|---:|---:|")
    for key in keys:
        t = tallies[key]
        cells = [share(t["fields"][f][1], t["fields"][f][0]) for f in FIELDS]
        cells.append(f"**{share(t['fields']['overall'][1], t['fields']['overall'][0])}**")
        cells += [share(t["fields"][f][1], t["fields"][f][0]) for f in READ]
        ms = sorted(t["ms"])
        p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
        ocr = f"{statistics.median(t['ocr_ms']):.0f}" if t["ocr_ms"] else "— (text layer)"
        recall = share(*t["recall"]) if t["recall"][1] else "—"
        print(f"| {key} | {t['n']} | " + " | ".join(cells) + f" | {statistics.median(ms):.0f} / {p90:.0f} | {ocr} "
              f"| {recall} |")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="corpus,generated,generated-long")
    parser.add_argument("--documents", type=Path, default=DOCUMENTS)
    parser.add_argument("--seed", type=int, default=35)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--long-count", type=int, default=12)
    parser.add_argument("--cache-dir", type=Path, default=CACHE)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--show-misses", type=int, default=10)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--write", type=Path, help="also write each generated receipt and its .gold.json here (the "
                                                  "corpus's layout: `ocr-sidecar eval DIR` reads them)")
    parser.add_argument("--detection-side", type=int, default=0,
                        help="an experiment: the OCR's detection side (ocr.DETECTION_SIDE, 960) for this run; its OCR "
                             "is cached apart (a folder of its own under --cache-dir)")
    parser.add_argument("--flat-detection", action="store_true",
                        help="an experiment: every page detected at --detection-side (960), long ones too (the OCR "
                             "before issue #35; cached apart)")
    parser.add_argument("--time-ocr", type=int, default=0, metavar="N",
                        help="only time the OCR of N long receipt images at 960 and at detection_side, then exit")
    ns = parser.parse_args(argv)
    if ns.time_ocr:
        from ocr_sidecar import ocr

        ocr.read_words(synth_receipts.render(synth_receipts.draw(random.Random(0))[0], 4).convert("RGB"))  # load
        time_ocr(ns.seed, ns.time_ocr)
        return 0
    if ns.detection_side or ns.flat_detection:
        from ocr_sidecar import ocr

        ocr.DETECTION_SIDE = ns.detection_side or ocr.DETECTION_SIDE  # read when the engine is loaded, below
        if ns.flat_detection:
            ocr.LONG_PAGE = float("inf")
        ns.cache_dir = ns.cache_dir / f"detection-{ocr.DETECTION_SIDE}{'-flat' if ns.flat_detection else ''}"
    sets = [s.strip() for s in ns.sets.split(",") if s.strip()]
    cache = None if ns.no_cache else ns.cache_dir
    tallies: dict = {}
    misses: list = []
    warm: list = []
    started = time.perf_counter()
    for name in sets:
        if name == "corpus":
            if not ns.documents.is_dir():
                print(f"corpus: no corpus at {ns.documents}; left out", file=sys.stderr)
                continue
            measure(corpus_receipts(ns.documents, cache), tallies, misses, ns.show_misses, warm)
        elif name == "generated":
            measure(generated_receipts(ns.seed, ns.count, cache, write=ns.write), tallies, misses, ns.show_misses, warm)
        elif name == "generated-long":
            measure(generated_receipts(ns.seed, ns.long_count, cache, long=True, write=ns.write), tallies, misses,
                    ns.show_misses, warm)
        else:
            parser.error(f"unknown set {name!r} (corpus, generated, generated-long)")
    print(f"# Receipts → expenses ({dt.date.today().isoformat()}; generated: seed {ns.seed}, {ns.count} receipts, "
          f"{ns.long_count} long)\n")
    report(tallies)
    if misses:
        print("\nWrong fields (first receipts):")
        for line in misses:
            print(f"- {line}")
    print(f"\n{sum(t['n'] for k, t in tallies.items() if '/' not in k)} receipts in "
          f"{time.perf_counter() - started:.0f} s")
    if ns.json_out:
        ns.json_out.write_text(json.dumps({key: {"n": t["n"], "ocr_words_read": t["recall"], "fields": {f: dict(zip(("n", "right"), v))
                                                                         for f, v in t["fields"].items()},
                                                 "ms_median": statistics.median(t["ms"]),
                                                 "ocr_ms_median": statistics.median(t["ocr_ms"]) if t["ocr_ms"]
                                                 else None} for key, t in tallies.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
