"""Learned layouts on the page's structure (issue #31): vendors generated here (benchmarks/page_structure.py's
styles: six languages, headers as rows, one row or a grid, columns in any order, units in the quantity cell,
wrapped descriptions, one or two VAT rates, no printed total tax) learned from one document and read on the next,
born-digital and as tilted scans, through the sidecar's word layer with its table columns."""

from __future__ import annotations

import random
import sys

from conftest import ROOT, load_mapping_lib

load_mapping_lib()
from document_digitize_lib import layout as L  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import layout_vendors as V  # noqa: E402


def vendor_documents(index: int, count: int = 3, seed: int = 5):
    rng = random.Random(seed * 100 + index)
    return [V.generate(rng, random.Random(seed * 10_000 + index)) for _ in range(count)]


def test_a_vendors_next_documents_and_their_scans_are_read_exactly_from_its_layout():
    rng = random.Random(3)
    accepted = {"born-digital": 0, "scan": 0}
    readings = 0
    vendors = [vendor_documents(i) for i in range(12)]
    candidates = [V.candidate(f"v{i}", docs[0][1]) for i, docs in enumerate(vendors)]
    for index, docs in enumerate(vendors):
        layout = L.learn(V.pages_of(docs[0][0], "born-digital", rng), docs[0][1])
        for printed, gold in docs[1:]:
            readings += 1
            for kind in accepted:
                pages = V.pages_of(printed, kind, rng)
                identity = L.identify(pages, candidates)
                assert identity is not None and identity.candidate.key == f"v{index}", "never another vendor's"
                reading = L.read(pages, layout)
                L.with_identity(reading, identity)
                if L.check(reading, layout, identity):
                    continue
                accepted[kind] += 1
                exact, scored, _out, wrong = V.score(reading.document, gold, "seller", paired=True)
                assert not wrong, f"v{index} {kind}: an accepted reading is exact ({wrong})"
    assert accepted["born-digital"] >= 0.8 * readings and accepted["scan"] >= 0.8 * readings, (accepted, readings)


def page(rows, columns=None, header=-1):
    """Pages from rows of (text, x0) at successive heights; ``columns``: per row, each word's column."""
    words = []
    for line, row in enumerate(rows):
        for i, (text, x0) in enumerate(row):
            column = columns[line][i] if columns and columns.get(line) else ""
            words.append([text, x0, 0.1 + 0.02 * line, x0 + 0.008 * len(text), 0.11 + 0.02 * line, line,
                          *([column] if column else [])])
    return L.pages_from_json([{"page": 1, "source": "pdf", "table_header_line": header, "words": words}])


def test_the_word_layer_keeps_columns_and_reads_layers_stored_before_them():
    pages = page([[("Qty", 0.5), ("Amount", 0.7)], [("3", 0.5), ("pcs", 0.52), ("9.00", 0.7)]],
                 {1: ["qty", "qty", "amount"]}, header=0)
    assert pages[0].table_line == 0 and [w.column for w in pages[0].words] == ["", "", "qty", "qty", "amount"]
    again = L.pages_from_json(L.words_to_json(pages))
    assert [(w.text, w.column) for w in again[0].words] == [(w.text, w.column) for w in pages[0].words]
    old = L.pages_from_json([{"page": 1, "source": "pdf", "words": [["Total", 0.1, 0.1, 0.2, 0.11, 0]]}])
    assert old[0].table_line == -1 and old[0].words[0].column == ""


def test_an_anchor_is_a_label_never_the_value_printed_before_it():
    first = page([[("Invoice", 0.1), ("no.", 0.16), ("INV-7", 0.2), ("Date", 0.5), ("01.02.2024", 0.6)],
                  [("Total", 0.1), ("42.00", 0.6)]])
    layout = L.learn(first, {"document_number": "INV-7", "issue_date": "2024-02-01", "total": 42.0})
    assert layout["fields"]["issue_date"]["anchor"]["keys"] == ["date"]
    second = page([[("Invoice", 0.1), ("no.", 0.16), ("INV-8", 0.2), ("Date", 0.5), ("03.04.2024", 0.6)],
                   [("Total", 0.1), ("17.50", 0.6)]])
    assert L.read(second, layout).document["issue_date"] == "2024-04-03"


def test_tax_rows_are_told_apart_by_their_rate_and_a_total_tax_not_printed_is_their_sum():
    first = page([[("Subtotal", 0.1), ("100.00", 0.5)], [("VAT", 0.1), ("19%", 0.15), ("on", 0.2), ("100.00", 0.3),
                                                          ("19.00", 0.5)], [("Total", 0.1), ("119.00", 0.5)]])
    layout = L.learn(first, {"subtotal": 100.0, "total_tax": 19.0, "total": 119.0,
                             "taxes": [{"rate": 19.0, "base": 100.0, "amount": 19.0}]})
    assert layout.get("total_tax_of_rows") and "total_tax" not in layout["fields"]
    assert layout["fields"]["taxes[0].amount"]["anchor"]["keys"] == ["vat", "19", "on"], "a label, not the base"
    # the next bill charges another rate first, then 19 %: the 19 % row is read, the total tax summed
    second = page([[("Subtotal", 0.1), ("300.00", 0.5)], [("VAT", 0.1), ("7%", 0.15), ("on", 0.2), ("100.00", 0.3),
                                                           ("7.00", 0.5)],
                   [("VAT", 0.1), ("19%", 0.15), ("on", 0.2), ("200.00", 0.3), ("38.00", 0.5)],
                   [("Total", 0.1), ("345.00", 0.5)]])
    reading = L.read(second, layout)
    assert reading.document["taxes"] == [{"rate": 19.0, "base": 200.0, "amount": 38.0}]
    assert reading.document["total_tax"] == 38.0 and reading.evidence["total_tax"]["derived"]
    problems = L.check(reading, layout, L.Identity(L.Candidate("x"), "name", {}, {}))
    assert any("≠ total" in item.message for item in problems), "the 7 % row the layout never saw is not hidden"


def test_a_rate_that_is_no_percentage_refuses_the_reading():
    layout = {"lines_learned": False}
    identity = L.Identity(L.Candidate("x"), "name", {}, {})
    reading = L.Reading({"subtotal": 100.0, "total_tax": 19.0, "total": 119.0,
                         "taxes": [{"rate": 1619.0, "base": 100.0, "amount": 19.0}]})
    assert [item.code for item in L.check(reading, layout, identity)] == ["layout_rate"]
    reading.document["taxes"][0]["rate"] = 19.0
    assert L.check(reading, layout, identity) == []


def test_a_receipt_s_total_at_the_far_margin_is_anchored_by_its_label_not_its_currency():
    """"Grand Total ........ Rs 1939": the currency is no label (it would end the lines table, as the line
    prints it too), and a label far left is the value's own when the row prints nothing else."""
    def receipt(amount, rows):
        header = [[("DESCRIPTION", 0.09), ("RATE", 0.6), ("AMOUNT", 0.84)]]
        lines = [[(name, 0.09), ("Rs", 0.6), (f"{amount}", 0.63), ("Rs", 0.84), (f"{amount}", 0.87)]
                 for name in rows]
        return page(header + lines + [[("Grand", 0.09), ("Total", 0.14), ("Rs", 0.84), (f"{amount * len(rows)}", 0.87)],
                                      [("Registered", 0.09), ("office", 0.2), ("4,", 0.4), ("Level", 0.5), ("7", 0.7),
                                       ("Delhi", 0.75), ("110017", 0.87)]])

    layout = L.learn(receipt(1939, ["Room"]), {"total": 1939.0, "lines": [
        {"description": "Room", "unit_price": 1939.0, "amount": 1939.0}]})
    assert layout["fields"]["total"]["anchor"]["keys"] == ["grand", "total"]
    assert layout["table"]["stops"] == [["grand", "total"]]
    reading = L.read(receipt(250, ["Breakfast", "Parking"]), layout)
    assert reading.document["total"] == 500.0
    assert [line["description"] for line in reading.document["lines"]] == ["Breakfast", "Parking"]
    # beside another number (a tax row's base and rate) a far label stays no anchor: that row's own is looked for
    learn = sys.modules["document_digitize_lib.layout.learn"]
    row = page([[("VAT", 0.09), ("(S)", 0.13), ("275,00", 0.5), ("7", 0.65), ("19,25", 0.87)]])[0].lines()[0]
    assert learn._anchor(row[-1:], row, [row]) is None
    row = page([[("Grand", 0.09), ("Total", 0.14), ("Rs", 0.84), ("1939", 0.87)]])[0].lines()[0]
    assert learn._anchor(row[-1:], row, [row])["keys"] == ["grand", "total"]
