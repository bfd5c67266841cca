"""Correcting on the page (odoo_addons/document_digitize/lib/correct.py), without Odoo: the value a clicked word
or a picked candidate gives a field, read in the document's own format, and what the viewer is given to click."""

from __future__ import annotations

import pytest

from conftest import load_mapping_lib

load_mapping_lib()
from document_digitize_lib import evidence  # noqa: E402  (registered by load_mapping_lib)
from document_digitize_lib.correct import (  # noqa: E402
    CorrectionError,
    PageFormat,
    page_format,
    read_candidate,
    read_printed,
    stored_candidates,
    viewer_words,
)

GERMAN = {"total": 1234.56, "issue_date": "2024-04-03", "due_date": "2024-05-03"}
GERMAN_ITEMS = [{"path": "total", "text": "1.234,56"}, {"path": "issue_date", "text": "03.04.2024"},
                {"path": "due_date", "text": "3.5.24"}, {"path": "taxes[0].rate", "text": "19,00 %"}]


def test_the_documents_format_is_learned_from_the_values_it_prints():
    assert page_format(GERMAN, GERMAN_ITEMS) == PageFormat(",", "dmy")
    us = {"total": 1234.56, "issue_date": "2024-04-03"}
    assert page_format(us, [{"path": "total", "text": "$1,234.56"}, {"path": "issue_date", "text": "04/03/2024"}]) \
        == PageFormat(".", "mdy")
    assert page_format({}, []) == PageFormat(None, None)


@pytest.mark.parametrize("text, fmt, value", [
    ("1.234,56", PageFormat(","), 1234.56), ("1,234.56", PageFormat("."), 1234.56), ("34,73", PageFormat(), 34.73),
    ("€ 12,00", PageFormat(","), 12.0), ("-5,00", PageFormat(","), -5.0), ("(5.00)", PageFormat("."), -5.0),
    ("1.234", PageFormat(","), 1234.0), ("1.234", PageFormat("."), 1.234),
])
def test_a_clicked_amount_is_read_as_the_document_prints_it(text, fmt, value):
    assert read_printed("number", text, fmt) == pytest.approx(value)


def test_a_clicked_date_is_read_in_the_documents_order_and_an_ambiguous_one_is_refused():
    assert read_printed("date", "03/04/2024", PageFormat(date_order="dmy")) == "2024-04-03"
    assert read_printed("date", "03/04/2024", PageFormat(date_order="mdy")) == "2024-03-04"
    assert read_printed("date", "21.05.14") == "2014-05-21"  # one reading only: no format needed
    assert read_printed("date", "7. Mai 2014") == "2014-05-07"
    with pytest.raises(CorrectionError, match="can be read as"):
        read_printed("date", "03/04/2024")
    with pytest.raises(CorrectionError, match="not a date"):
        read_printed("date", "Gelnhausen")


def test_readable_refusals_and_text_without_its_label_punctuation():
    with pytest.raises(CorrectionError, match="several numbers"):
        read_printed("number", "12,00 34,73", PageFormat(","))
    with pytest.raises(CorrectionError, match="not a number"):
        read_printed("number", "Total")
    with pytest.raises(CorrectionError, match="two ways"):
        read_printed("number", "1.234")  # a decimal or a thousands separator, and the document does not say
    with pytest.raises(CorrectionError, match="Nothing"):
        read_printed("text", "  ")
    assert read_printed("text", "INV-2024-07:") == "INV-2024-07"
    assert read_printed("text", "#30064443") == "30064443"


def test_a_picked_candidate_gives_the_value_its_reader_took_from_a_wider_text():
    period = {"value": "2014-05-31", "text": "01.05.14-31.05.14"}
    assert read_candidate("date", period) == "2014-05-31"
    assert read_candidate("date", {"value": "2014-05-21", "text": "21.05.14"}) == "2014-05-21"
    with pytest.raises(CorrectionError):
        read_candidate("date", {"value": "2019-01-01", "text": "01.05.14-31.05.14"}), "a value the text cannot give"
    assert read_candidate("number", {"value": 34.73, "text": "EUR 12,00 34,73"}) == 34.73


def test_candidates_are_kept_few_and_offered_where_a_field_shows_them():
    raw = {"due_date": [{"value": "2014-05-31", "score": 0.61234, "page": 1, "boxes": [[0.1, 0.2, 0.3, 0.25]],
                         "text": "31.05.14"},
                        {"value": "2014-05-21", "score": 0.3, "page": 2, "boxes": [], "text": "21.05.14"},
                        {"value": None, "score": 0.1}],
           "lines[0].amount": [{"value": 3.0, "score": 0.5, "page": 1, "boxes": [], "text": "3,00"}],
           "total": [{"value": 34.73, "score": 0.9, "page": 2, "boxes": [[0.8, 0.5, 0.9, 0.52]], "text": "34,73"}]}
    kept = stored_candidates(raw, keep=5)
    assert [c["value"] for c in kept["due_date"]] == ["2014-05-31", "2014-05-21"], "a candidate of no value is left"
    assert kept["due_date"][0]["score"] == 0.612
    assert len(stored_candidates({"x": [{"value": i} for i in range(9)]}, keep=3)["x"]) == 3
    offered = evidence.viewer_candidates({"candidates": kept}, "vendor_bill")
    assert [(c["path"], c["field"], c["rank"]) for c in offered] == [
        ("due_date", "invoice_date_due", 0), ("due_date", "invoice_date_due", 1), ("total", "tax_totals", 0)]
    assert offered[0]["label"] == "Due date" and offered[2]["shown"] == "34.73"


def test_the_viewer_gets_each_words_text_and_box_and_skips_what_is_malformed():
    stored = [{"page": 1, "source": "pdf", "table_header_line": 3,
               "words": [["Total", 0.1, 0.2, 0.15, 0.21, 4], ["34,73", 0.8, 0.2, 0.85, 0.21, 4, "amount"], ["x"],
                         ["  ", 0.1, 0.1, 0.2, 0.2, 0]]},
              "junk", {"page": 2, "words": []}]
    assert viewer_words(stored) == [{"page": 1, "words": [["Total", 0.1, 0.2, 0.15, 0.21],
                                                          ["34,73", 0.8, 0.2, 0.85, 0.21]]}]
    assert viewer_words(None) == [] and viewer_words("[]") == []


def test_a_fields_document_path_is_the_inverse_of_where_a_path_lands():
    for target in ("vendor_bill", "purchase_order", "sale_order", "expense"):
        for path in ("document_number", "issue_date", "due_date", "currency", "payment_reference"):
            field = evidence.record_field(path, target)
            if field and field != "tax_totals":
                assert evidence.path_of(field, target) == path, (target, path)
    assert evidence.path_of("partner_id", "vendor_bill") == "seller.name"
    assert evidence.path_of("partner_id", "sale_order") == "buyer.name", "a quotation's partner is the buyer"
    assert evidence.path_of("tax_totals", "vendor_bill") is None, "the totals widget shows several paths"
    assert evidence.path_of("journal_id", "vendor_bill") is None
    assert evidence.line_key_of("price_unit", "vendor_bill") == "unit_price"
    assert evidence.line_key_of("product_qty", "purchase_order") == "quantity"
    assert evidence.line_key_of("name", "sale_order") == "description"
