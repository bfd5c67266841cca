"""Evidence on the record (odoo_addons/document_digitize/lib/evidence.py), without Odoo.

Given what the sidecar answers — per JSON path the page and the boxes of the words that print the value, and a
``value_not_on_page`` warning for a value no page prints — which field of the bill, order or quotation shows each
value, and what the needs-review banner says about the values found nowhere. The last tests take the answers
from a real sidecar on loopback (replay engine: the gold JSON through the real pipeline, whose locate step
finds the values on the pages): a two-page PDF and a phone photo (OCR).
"""

from __future__ import annotations

import copy
import json

import pytest

from conftest import DOCUMENTS_DIR, load_mapping_lib

lib = load_mapping_lib()
from document_digitize_lib import client  # noqa: E402  (registered by load_mapping_lib)
from document_digitize_lib import evidence as E  # noqa: E402
from document_digitize_lib.text import ReviewItem  # noqa: E402

TWO_PAGES = DOCUMENTS_DIR / "i2d_QualityHosting.pdf"
PHOTO = DOCUMENTS_DIR / "img_contoso_receipt_photo1.png"

BOX = [0.70, 0.52, 0.78, 0.54]
DOCUMENT = {"document_type": "invoice", "document_number": "INV-7", "issue_date": "2024-03-01", "currency": "EUR",
            "seller": {"name": "Acme GmbH", "vat": "DE123456789", "iban": "DE30507500940000048567",
                       "address": {"city": "Berlin", "country_code": "DE"}},
            "buyer": {"name": "Us Ltd"},
            "lines": [{"description": "Widget", "quantity": 2.0, "unit_price": 617.28, "amount": 1234.56}],
            "subtotal": 1234.56, "total_tax": 0.0, "total": 1234.56, "paid": True}


def ev(path, page=1, boxes=(BOX,), source="pdf", text="x"):
    return {"path": path, "page": page, "boxes": [list(b) for b in boxes], "text": text, "source": source}


@pytest.mark.parametrize("path, target, field", [
    ("document_number", "vendor_bill", "ref"), ("document_number", "purchase_order", "partner_ref"),
    ("document_number", "sale_order", "client_order_ref"), ("issue_date", "vendor_bill", "invoice_date"),
    ("due_date", "vendor_bill", "invoice_date_due"), ("issue_date", "purchase_order", "date_order"),
    ("seller.vat", "vendor_bill", "partner_id"), ("seller.address.city", "purchase_order", "partner_id"),
    ("seller.iban", "vendor_bill", "partner_bank_id"), ("buyer.name", "sale_order", "partner_id"),
    ("buyer.name", "vendor_bill", None), ("seller.name", "sale_order", None),
    ("total", "vendor_bill", "tax_totals"), ("taxes[0].amount", "sale_order", "tax_totals"),
    ("lines[3].unit_price", "vendor_bill", "price_unit"), ("lines[0].quantity", "purchase_order", "product_qty"),
    ("lines[0].quantity", "sale_order", "product_uom_qty"), ("lines[1].tax_rate", "vendor_bill", "tax_ids"),
    ("lines[2]", "sale_order", "order_line"), ("total", "unknown_target", None),
])
def test_each_value_is_shown_by_a_field_of_the_record_or_of_its_line(path, target, field):
    assert E.record_field(path, target) == field


def test_a_value_the_sidecar_found_nowhere_is_listed_with_the_value_read():
    warnings = [{"code": "value_not_on_page", "field": "total", "serious": True, "message": "total: 1234.56 ..."}]
    evidence = [ev(p) for p in ("document_number", "subtotal")]
    paths = E.missing_paths(DOCUMENT, evidence, warnings, word_layer=False)
    assert paths == ["total"], "without a word layer only what the sidecar flagged"
    (item,) = E.missing_items(DOCUMENT, paths, "vendor_bill", warnings)
    assert item == ReviewItem("value_not_on_page", "Total 1,234.56 — not found on the page: check it against the "
                              "document.", "total", serious=True, value="1,234.56")


def test_on_pages_with_words_every_printed_value_without_evidence_is_missing_never_dropped():
    # a learned layout read these values: no sidecar warned about the rest, the pages' words are there
    located = ["document_number", "issue_date", "seller.vat", "seller.iban", "seller.address.city", "buyer.name",
               "lines[0].description", "lines[0].quantity", "lines[0].unit_price", "lines[0].amount", "subtotal"]
    paths = E.missing_paths(DOCUMENT, [ev(p) for p in located], [], word_layer=True)
    # currency and country codes name a value, they are not how it prints; a flag is no printed value; a zero tax
    # that no page prints is no tax (a zero-VAT bill prints none), not a value to check against the page
    assert paths == ["seller.name", "total"]
    items = E.missing_items(DOCUMENT, paths, "vendor_bill")
    assert [(i.message.split(" — ")[0], i.serious) for i in items] == [
        ("Vendor “Acme GmbH”", False), ("Total 1,234.56", True)]


def test_a_flagged_path_outside_the_printed_values_is_still_listed_and_a_null_is_not():
    warnings = [{"code": "value_not_on_page", "field": "currency", "serious": False},
                {"code": "value_not_on_page", "field": "due_date", "serious": True}]
    assert E.missing_paths(DOCUMENT, [], warnings) == ["currency"]


def test_an_einvoice_has_no_page_to_check_against():
    assert not E.has_word_layer([], [ev("total", page=0, boxes=(), source="xml")])
    assert E.missing_paths(DOCUMENT, [ev("total", page=0, boxes=(), source="xml")], [], word_layer=False) == []
    assert E.has_word_layer([{"page": 1, "source": "ocr", "words": [["x", 0, 0, 1, 1, 0]]}])
    assert E.has_word_layer([], [ev("total")])
    # the sidecar sends an e-invoice PDF's words too: its values came from the XML, the page does not judge them
    words = [{"page": 1, "source": "pdf", "words": [["INV-7", 0.1, 0.1, 0.2, 0.12, 0]]}]
    assert E.has_word_layer(words, engine="replay") and not E.has_word_layer(words, engine="einvoice")


def test_the_banner_says_a_value_not_on_the_page_once():
    missing = E.missing_items(DOCUMENT, ["total"], "vendor_bill")
    items = [ReviewItem("low_confidence", "Total read as “1234.56” with 40% confidence", "total", serious=True),
             ReviewItem("low_confidence", "Bill date read as ...", "issue_date", serious=True),
             ReviewItem("total_mismatch", "Total: Odoo computes ...", "amount_total", serious=True)]
    merged = E.merge_items(items, missing)
    assert [(i.code, i.field) for i in merged] == [("low_confidence", "issue_date"),
                                                    ("total_mismatch", "amount_total"), ("value_not_on_page", "total")]
    warnings = [{"code": "value_not_on_page", "field": "total"}, {"code": "invalid_vat", "field": "seller.vat"}]
    assert E.without_not_on_page(warnings) == [{"code": "invalid_vat", "field": "seller.vat"}]


def test_values_are_shown_as_read():
    assert E.shown("total", 1234.5) == "1,234.50"
    assert E.shown("lines[0].quantity", 2.0) == "2"
    assert E.shown("taxes[0].rate", 19.5) == "19.5"
    assert E.shown("document_number", "INV-7") == "“INV-7”"
    assert E.field_label("lines[2].unit_price", "vendor_bill") == "Line 3 unit price"
    assert E.field_label("document_number", "purchase_order") == "Vendor reference"


def test_the_viewer_gets_every_box_of_a_value_printed_twice_and_each_lines_record():
    twice = [[0.7, 0.5, 0.8, 0.52], [0.7, 0.6, 0.8, 0.62]]
    evidence = [ev("subtotal", 2, twice), ev("total", 2, twice), ev("document_number", 1),
                ev("lines[0].unit_price", 1), ev("buyer.name", 1)]
    data = E.stored(evidence, ["total_tax", "lines[0].amount"], {0: 41}, word_layer=True)
    assert json.loads(json.dumps(data)) == data, "stored as JSON"
    view = E.viewer_data(data, DOCUMENT, "vendor_bill")
    by_path = {item["path"]: item for item in view["evidence"]}
    assert by_path["subtotal"]["boxes"] == by_path["total"]["boxes"] == twice
    assert by_path["total"]["field"] == "tax_totals" and by_path["total"]["page"] == 2
    assert by_path["document_number"]["field"] == "ref"
    assert (by_path["lines[0].unit_price"]["line_id"], by_path["lines[0].unit_price"]["line_field"]) == (41, "price_unit")
    assert by_path["buyer.name"]["field"] is None, "the buyer of a bill is the company: drawn, shown by no field"
    assert view["missing"] == [
        {"path": "total_tax", "label": "Taxes", "value": "0.00", "field": "tax_totals", "line_id": None,
         "line_field": None},
        {"path": "lines[0].amount", "label": "Line 1 amount", "value": "1,234.56", "field": None, "line_id": 41,
         "line_field": "price_subtotal"}]
    assert E.viewer_data(None, DOCUMENT, "vendor_bill") == {"evidence": [], "missing": [], "word_layer": False}


def test_a_learned_layouts_evidence_takes_the_sidecars_form():
    reading = {"total": {"page": 2, "boxes": [(0.1, 0.2, 0.3, 0.4)], "text": "34,73"}}
    assert E.from_layout(reading, {1: "pdf", 2: "ocr"}) == [
        {"path": "total", "page": 2, "text": "34,73", "source": "ocr", "boxes": [[0.1, 0.2, 0.3, 0.4]]}]


def test_low_confidence_marks_follow_the_same_fields():
    confidence = {"seller.iban": 0.1, "total": 0.2, "lines[4].unit_price": 0.3, "buyer.vat": 0.1}
    assert lib.low_confidence_fields(confidence, "vendor_bill") == ["invoice_line_ids", "partner_bank_id",
                                                                   "tax_totals"]


# --- answers of a real sidecar (replay engine: gold JSON through the real pipeline and its locate step) ---------

@pytest.fixture(scope="module")
def sidecar():
    from ocr_sidecar.testing import ReplayReadingWords, SidecarThread

    thread = SidecarThread(engine="replay", documents_dir=DOCUMENTS_DIR,
                           engine_instance=ReplayReadingWords(DOCUMENTS_DIR))
    target = thread.start()
    yield thread, client.EndpointSettings.parse(target, timeout=120)
    thread.stop()


@pytest.mark.skipif(not TWO_PAGES.exists(), reason="shared corpus not available")
def test_a_two_page_pdf_has_evidence_on_both_pages_and_an_invented_value_is_flagged(sidecar):
    thread, settings = sidecar
    content = TWO_PAGES.read_bytes()
    answer = client.extract(settings, content, filename=TWO_PAGES.name)
    assert answer.pages == 2 and {e["page"] for e in answer.evidence} == {1, 2}
    by_path = {e["path"]: e for e in answer.evidence}
    # the same amount is the subtotal and the total, printed once ("Total EUR 34,73", no VAT): one box for both
    assert by_path["total"]["page"] == by_path["subtotal"]["page"] == 2
    assert len(by_path["total"]["boxes"]) == 1 and by_path["total"]["boxes"] == by_path["subtotal"]["boxes"]
    assert all(0 <= v <= 1 for e in answer.evidence for box in e["boxes"] for v in box)
    word_layer = E.has_word_layer(answer.page_words, answer.evidence)
    paths = E.missing_paths(answer.document, answer.evidence, answer.warnings, word_layer)
    assert "total_tax" not in paths, "no tax printed and 0.00 read: an absence, not a value to check"
    assert not [w for w in answer.warnings if w["code"] == "value_not_on_page" and w["field"] == "total_tax"]

    # a model that invents the bill's reference: the page does not print it, the banner says which value was read
    invented = copy.deepcopy(answer.document)
    invented["document_number"] = "INV-99999"
    thread.add(content + b"\n%invented", invented)
    answer = client.extract(settings, content + b"\n%invented", filename=TWO_PAGES.name)
    paths = E.missing_paths(answer.document, answer.evidence, answer.warnings,
                            E.has_word_layer(answer.page_words, answer.evidence))
    items = {i.field: i for i in E.missing_items(answer.document, paths, "vendor_bill", answer.warnings)}
    assert items["document_number"].serious
    assert items["document_number"].message.startswith("Bill reference “INV-99999” — not found on the page")


@pytest.mark.skipif(not PHOTO.exists(), reason="shared corpus not available")
def test_a_phone_photo_gets_its_evidence_from_ocr(sidecar):
    pytest.importorskip("rapidocr")
    _thread, settings = sidecar
    answer = client.extract(settings, PHOTO.read_bytes(), filename=PHOTO.name)
    by_path = {e["path"]: e for e in answer.evidence}
    assert by_path["total"]["source"] == "ocr" and by_path["total"]["boxes"]
    view = E.viewer_data(E.stored(answer.evidence, [], {}, True), answer.document, "vendor_bill")
    assert {item["field"] for item in view["evidence"] if item["path"] in ("total", "subtotal")} == {"tax_totals"}
