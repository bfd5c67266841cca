"""A vendor's learned layout (lib/layout/), without Odoo: learned from one confirmed document's words, used to
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


# --- orders whose lines take three rows (Order-X samples: one generator, two profiles) ------------------

ORDER_BASIC, ORDER_FULL = "ox_ORDER-X_EX03_ORDER_BASIC_DATA-COMFORT", "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT"
# The vendor's next order, printed by the same software: another number and date, line 3 at 27.50 instead
# of 25.00, the totals that follow (lines 325.00, charges 21.00, allowances 31.00).
NEXT_ORDER = {1: {"PO123456789": "PO123457012", "31/03/2020": "28/04/2020", "310,00": "325,00",
                  "300,00": "315,00", "60,00": "63,00", "360,00": "378,00"},
              2: {"PO123456789": "PO123457012", "25,00": "27,50", "150,00": "165,00"}}


def reprinted(pages, changes):
    """``pages`` with the words ``changes`` names printed otherwise ({page: {old: new}})."""
    for page in pages:
        for word in page.words:
            word.text = changes.get(page.number, {}).get(word.text, word.text)
    return pages


def order_lines(document):
    return [(line.get("product_code"), line.get("quantity"), line.get("unit_price"), line["amount"])
            for line in document["lines"]]


def test_an_orders_lines_printed_on_three_rows_each_are_read_from_the_next_order():
    layout = L.learn(words(ORDER_BASIC), gold(ORDER_BASIC), "purchase_order")
    bands = layout["table"]["bands"]
    assert (bands["description"][2], bands["product_code"][2], bands["quantity"][2], bands["amount"][2]) == \
        (0, 1, 2, 2), "description, then the seller's code, then the numbers"
    reading = L.read(reprinted(words(ORDER_BASIC), NEXT_ORDER), layout)
    doc = reading.document
    assert (doc["document_number"], doc["issue_date"]) == ("PO123457012", "2020-04-28")
    assert (doc["subtotal"], doc["total_tax"], doc["total"]) == (315.0, 63.0, 378.0)
    # line 2 prints its price per 2 units (20.00): read as printed, the mapping derives 10.00 from the amount
    assert order_lines(doc) == [("987654321", 6.0, 10.0, 60.0), ("598632147", 10.0, 20.0, 100.0),
                                ("698325417", 6.0, 27.5, 165.0)]
    assert [line["description"] for line in doc["lines"]] == ["Product Name"] * 3
    assert reading.evidence["lines[2].unit_price"]["text"] == "27,50"
    assert L.check(reading, layout, L.Identity(L.Candidate("seller"), "vat", {}, {})) == []


def test_the_same_softwares_fuller_profile_is_read_with_the_layout():
    layout = L.learn(words(ORDER_BASIC), gold(ORDER_BASIC), "purchase_order")
    reading = L.read(words(ORDER_FULL), layout)  # more rows per line, blocks further apart, totals lower
    expected = gold(ORDER_FULL)
    assert order_lines(reading.document) == [("987654321", 6.0, 10.0, 60.0), ("598632147", 10.0, 20.0, 100.0),
                                             ("698325417", 6.0, 25.0, 150.0)]
    for name in ("document_number", "issue_date", "subtotal", "total_tax", "total"):
        assert reading.document[name] == expected[name], name
    assert L.check(reading, layout, L.Identity(L.Candidate("seller"), "vat", {}, {})) == []


def test_a_number_is_learned_in_the_column_most_lines_print_it_in():
    # line 2 of the full profile prints its price "20,00" in the unit-price column and its VAT "20,00%" at the
    # right: the tax rate is learned from the column where every line prints it
    layout = L.learn(words(ORDER_FULL), gold(ORDER_FULL), "purchase_order")
    bands = layout["table"]["bands"]
    assert bands["tax_rate"][0] > bands["amount"][1] > bands["unit_price"][1]
    assert layout["table"]["required"] == ["amount", "quantity", "tax_rate"]


def test_a_profile_that_stops_printing_a_column_every_line_had_is_refused():
    layout = L.learn(words(ORDER_FULL), gold(ORDER_FULL), "purchase_order")
    reading = L.read(words(ORDER_BASIC), layout)  # no VAT column on the basic profile's lines
    problems = L.check(reading, layout, L.Identity(L.Candidate("seller"), "vat", {}, {}))
    assert [item.code for item in problems] == ["layout_missing"] and reading.missing == ["lines"]


def test_lines_a_person_added_do_not_make_the_printed_lines_disagree_with_the_subtotal():
    # as an order confirmed in Odoo: the mapping added a line for the document-level discount (lines 310.00,
    # subtotal 300.00), and the taxes of the order's lines (20 %, printed nowhere on the lines)
    confirmed = gold(ORDER_BASIC)
    confirmed["lines"] = [dict(line, tax_rate=20.0) for line in confirmed["lines"]] + [
        {"description": "Document-level discount (20 % tax)", "quantity": 1.0, "unit_price": -10.0, "amount": -10.0}]
    confirmed["taxes"] = [{"rate": 20.0, "base": 300.0, "amount": 60.0}]
    layout = L.learn(words(ORDER_BASIC), confirmed, "purchase_order")
    assert layout["lines_differ_from_subtotal"], "the printed lines add up to 310.00, not 300.00"
    assert "tax_rate" not in layout["table"]["bands"], "one line's 20.00 in the price column is no rate column"
    assert not [path for path in layout["fields"] if path.startswith("taxes")], "no rate printed: no tax row"
    reading = L.read(reprinted(words(ORDER_BASIC), NEXT_ORDER), layout)
    assert L.check(reading, layout, L.Identity(L.Candidate("seller"), "vat", {}, {})) == []
    assert "taxes" not in reading.document


def scan_words(name):
    """A scan's word layer as the sidecar gives it: RapidOCR on the page (skipped where OCR is not installed)."""
    pytest.importorskip("rapidocr")
    from PIL import Image

    from ocr_sidecar.ocr import read_words

    layer = read_words(Image.open(DOCUMENTS_DIR / name).convert("RGB"))
    data = [{"page": 1, "source": "ocr", "words": [[w.text, *w.box, w.line] for w in layer.words]}]
    return L.pages_from_json(json.loads(json.dumps(data)))


def test_a_customers_scanned_order_form_is_read_from_the_layout_of_its_last_one():
    """The sales flow: a customer's PO (a scan, words from OCR) learned for the customer, the buyer; the
    customer's next form, other values in the same form, is read exactly and names the customer."""
    first, second = gold("img_heroltd_po_Form_1"), gold("img_heroltd_po_Form_2")
    layout = L.learn(scan_words("img_heroltd_po_Form_1.jpg"), first, "sale_order")
    assert layout["target"] == "sale_order" and layout["table"]
    pages = scan_words("img_heroltd_po_Form_2.jpg")
    hero = L.Candidate("hero", name=first["buyer"]["name"])
    other = L.Candidate("other", name="Contoso")
    identity = L.identify(pages, [other, hero])
    assert identity is not None and identity.candidate.key == "hero"
    reading = L.read(pages, layout)
    L.with_identity(reading, identity, "sale_order")
    doc = reading.document
    for name in ("document_number", "issue_date", "subtotal", "total"):
        assert doc.get(name) == second.get(name), name
    assert [(line.get("description"), line.get("quantity"), line.get("unit_price"), line.get("amount"))
            for line in doc["lines"]] == [(line.get("description"), line.get("quantity"), line.get("unit_price"),
                                           line.get("amount")) for line in second["lines"]]
    assert doc["buyer"]["name"] == "Hero Limited" and "seller" not in doc
    assert L.check(reading, layout, identity) == []


def test_a_name_with_an_ampersand_tells_two_partners_apart():
    """Two partners share a VAT id; the one whose name is printed is the one, "&" and all ("Peeters & Zonen" is
    printed as three words, the name's key has two)."""
    page = L.pages_from_json([{"page": 1, "source": "ocr", "words": [
        ["Peeters", 0.55, 0.10, 0.62, 0.115, 0], ["&", 0.625, 0.10, 0.635, 0.115, 0], ["Zonen", 0.64, 0.10, 0.70, 0.115, 0],
        ["BTW", 0.55, 0.12, 0.59, 0.135, 1], ["BE0123456749", 0.60, 0.12, 0.72, 0.135, 1]]}])
    other = L.Candidate("other", vats=("BE0123456749",), name="Janssens NV")
    peeters = L.Candidate("peeters", vats=("BE0123456749",), name="Peeters & Zonen")
    identity = L.identify(page, [other, peeters])
    assert identity is not None and identity.candidate.key == "peeters"
