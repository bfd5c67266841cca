"""A vendor's learned layout (lib/layout.py), without Odoo: learned from one confirmed document's words, used to
read the vendor's next document; refused when the template changed; never crossing vendors' identities."""

from __future__ import annotations

import json

import pytest

from conftest import DOCUMENTS_DIR, load_mapping_lib

load_mapping_lib()
from document_digitize_lib import layout as L  # noqa: E402

pdfium = pytest.importorskip("pypdfium2")
from ocr_sidecar.words import pdf_words  # noqa: E402  (the sidecar's word layer, as words_only returns it)

COOLBLUE_1, COOLBLUE_2 = "i2d_coolblue1", "i2d_coolblue2"
EINFACH, GUTSCHRIFT = "fx_EN16931_Einfach", "fx_EN16931_Gutschrift"


def words(stem):
    pdf = pdfium.PdfDocument(str(DOCUMENTS_DIR / f"{stem}.pdf"))
    data = []
    for index in range(len(pdf)):
        layer = pdf_words(pdf[index])
        data.append({"page": index + 1, "source": "pdf", "words": [[w.text, *w.box, w.line] for w in layer.words]})
    return L.pages_from_json(json.loads(json.dumps(data)))  # as stored on the record


def gold(stem):
    return json.loads((DOCUMENTS_DIR / f"{stem}.gold.json").read_text())


def coolblue():
    return L.Candidate("coolblue", vats=("NL810433941B01",), ibans=("NL50INGB0683251309",), name="Coolblue B.V.")


def test_next_months_bill_is_read_from_the_layout_learned_on_the_first():
    layout = L.learn(words(COOLBLUE_1), gold(COOLBLUE_1))
    assert layout["fields"]["document_number"]["anchor"]["keys"] == ["factuurnummer"]
    assert layout["decimal"] == ","
    pages = words(COOLBLUE_2)
    identity = L.identify(pages, [coolblue()])
    reading = L.read(pages, layout)
    L.with_identity(reading, identity)
    expected = gold(COOLBLUE_2)
    doc = reading.document
    for name in ("document_number", "order_reference", "issue_date", "subtotal", "total_tax", "total"):
        assert doc[name] == expected[name], name
    assert doc["issue_date"] == "2014-03-29", "“29 maart 2014”: a Dutch month name"
    assert doc["taxes"] == expected["taxes"]
    assert doc["seller"]["vat"] == "NL810433941B01" and doc["seller"]["iban"] == "NL50INGB0683251309"
    described = [line["description"] for line in doc["lines"]]
    for line in expected["lines"]:
        assert line["description"] in described
    assert doc["lines"][1] == {"description": "Apple MacBook Pro Retina 13,3'' + Apple Magic Mouse", "quantity": 1.0,
                               "tax_rate": 21.0}
    assert L.check(reading, layout, identity) == []
    assert reading.evidence["total"]["text"] == "4.904,94" and reading.evidence["total"]["page"] == 1


def test_a_table_on_page_two_with_lines_on_two_rows():
    layout = L.learn(words(EINFACH), gold(EINFACH))
    assert layout["table"]["page"] == 2 and layout["table"]["bands"]["amount"][2] == 1, "amount on the second row"
    pages = words(GUTSCHRIFT)
    reading = L.read(pages, layout)
    expected = gold(GUTSCHRIFT)
    assert reading.document["lines"] == [{k: v for k, v in line.items()} for line in expected["lines"]]
    assert reading.document["taxes"] == expected["taxes"]
    assert reading.document["issue_date"] == "2018-03-05", "the invoice's own “vom”, not the order's"


def test_a_new_template_is_refused_by_the_checks():
    layout = L.learn(words(COOLBLUE_1), gold(COOLBLUE_1))
    pages = words(EINFACH)  # another vendor's template, claimed by Coolblue's identity
    reading = L.read(pages, layout)
    problems = L.check(reading, layout, identity=L.Identity(coolblue(), "vat", {}, {}))
    assert any(item.code == "layout_missing" and item.serious for item in problems)


def test_an_amount_that_does_not_add_up_is_refused():
    layout = L.learn(words(COOLBLUE_1), gold(COOLBLUE_1))
    pages = words(COOLBLUE_2)
    for page in pages:  # the total reprinted one euro higher: the template fits, the arithmetic does not
        for word in page.words:
            if word.text == "4.904,94":
                word.text = "4.905,94"
    reading = L.read(pages, layout)
    codes = {item.code for item in L.check(reading, layout, L.identify(pages, [coolblue()]))}
    assert "layout_total" in codes


def test_two_vendors_on_the_same_software_are_told_apart_by_the_page_only():
    pages = words(COOLBLUE_2)
    twin = L.Candidate("twin", vats=("NL999999999B01",), ibans=("NL91ABNA0417164300",), name="Twin Retail B.V.")
    assert L.identify(pages, [twin]) is None, "the twin's identifiers are not on the page"
    identity = L.identify(pages, [twin, coolblue()])
    assert identity.candidate.key == "coolblue" and identity.by == "vat"
    # the twin's layout (learned from the very same template) reads the page: identity fields still come from it
    layout = L.learn(words(COOLBLUE_1), dict(gold(COOLBLUE_1), seller={"name": "Twin Retail B.V.",
                                                                        "vat": "NL999999999B01"}))
    assert "seller" not in json.dumps(layout["fields"]), "no party field is part of a layout"
    reading = L.read(pages, layout)
    L.with_identity(reading, identity)
    assert reading.document["seller"]["vat"] == "NL810433941B01"


def test_one_vat_id_for_two_partners_is_not_guessed():
    a = L.Candidate("a", vats=("NL810433941B01",))
    b = L.Candidate("b", vats=("NL810433941B01",))
    assert L.identify(words(COOLBLUE_2), [a, b]) is None
    named = L.Candidate("c", vats=("NL810433941B01",), name="Coolblue B.V.")
    assert L.identify(words(COOLBLUE_2), [a, named]).candidate.key == "c", "told apart by the name printed"


def test_nothing_to_learn_from_a_page_without_the_values():
    with pytest.raises(L.LayoutError):
        L.learn([L.Page(1, "ocr", [])], gold(COOLBLUE_1))
    other = {"document_number": "NOT-PRINTED-1", "total": 123456.78}
    with pytest.raises(L.LayoutError):
        L.learn(words(COOLBLUE_1), other)
    with pytest.raises(L.LayoutError):
        L.read(words(COOLBLUE_2), {"version": 99})


@pytest.mark.parametrize("text,decimal,expected", [("1.234,56", None, 1234.56), ("1,234.56", None, 1234.56),
                                                   ("€ 4.053,67", ",", 4053.67), ("1.234", ",", 1234.0),
                                                   ("1.234", None, None), ("-9,32", ",", 9.32), ("21%", None, 21.0)])
def test_numbers_are_read_as_the_vendor_prints_them(text, decimal, expected):
    assert L.read_number(text, decimal) == expected


def test_numeric_dates_follow_the_vendors_order():
    assert str(L.read_date("03/04/2024", "dmy")) == "2024-04-03"
    assert str(L.read_date("03/04/2024", "mdy")) == "2024-03-04"
    assert L.read_date("03/04/2024") is None, "ambiguous without the vendor's habit"
    assert str(L.read_date("19 april 2014")) == "2014-04-19"
