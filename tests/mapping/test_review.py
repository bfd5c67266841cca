"""After mapping: Odoo's totals against the document's, the per-rate tax correction for rounding,
and the chatter note."""

from __future__ import annotations

import pytest

import mapping_fixtures as F

R = F.review


def gold(stem: str) -> dict:
    return F.load_gold(next(p for p in F.corpus() if p.stem == stem))


def mapped(stem: str):
    doc = gold(stem)
    cat = F.gold_catalog(doc)
    return doc, cat, F.mapping.map_document(doc, cat, "vendor_bill")


def test_rounding_per_line_is_corrected_to_the_document_tax():
    # Miete: six 19 % lines; Odoo rounding each line's tax gives 54.45, the document 54.44.
    doc, cat, result = mapped("fx_EN16931_Miete")
    totals, tax_lines = F.odoo_compute(result, cat)
    assert totals == {"amount_untaxed": 286.52, "amount_tax": 54.45, "amount_total": 340.97}
    problems = R.compare_totals(doc, totals)
    assert {p.field for p in problems} == {"amount_tax", "amount_total"} and all(p.serious for p in problems)
    (adjustment,) = R.tax_adjustments(doc, tax_lines)
    assert (adjustment.tax_id, adjustment.rate, adjustment.base) == (F.tax_id("purchase", 19.0), 19.0, 286.52)
    assert (adjustment.odoo_amount, adjustment.document_amount, adjustment.delta) == (54.45, 54.44, -0.01)
    assert R.compare_totals(doc, F.apply_tax_adjustments(totals, tax_lines, [adjustment])) == []


def test_rounding_globally_needs_no_correction():
    doc, cat, result = mapped("fx_EN16931_Miete")
    totals, tax_lines = F.odoo_compute(result, cat, per_line_rounding=False)
    assert R.tax_adjustments(doc, tax_lines) == []
    assert R.compare_totals(doc, totals) == []


def test_header_allowances_rabatte():
    # Rabatte: lines 202.70, tax basis 193.77 (document-level discounts and charges per rate).
    doc, cat, result = mapped("fx_EN16931_Rabatte")
    allowance_lines = result.lines[4:]
    assert sorted((line["price_unit"], F.tax_rate_of(cat, F.x2many_ids(line["tax_ids"]))[0])
                  for line in allowance_lines) == [(-7.93, 7.0), (-1.0, 19.0)]
    totals, tax_lines = F.odoo_compute(result, cat)
    assert totals == {"amount_untaxed": 193.77, "amount_tax": 21.3, "amount_total": 215.07}
    assert R.tax_adjustments(doc, tax_lines) == []
    assert R.compare_totals(doc, totals) == []

    # Without the allowance lines, the bill is 8.93 off and that is reported, not patched by taxes.
    bare = F.mapping.map_document(doc, cat, "vendor_bill", options={"header_adjustment_lines": False})
    totals, tax_lines = F.odoo_compute(bare, cat)
    assert totals["amount_untaxed"] == 202.7
    assert R.tax_adjustments(doc, tax_lines) == []  # bases differ: not a rounding matter
    untaxed = next(p for p in R.compare_totals(doc, totals) if p.field == "amount_untaxed")
    assert "202.70" in untaxed.message and "193.77" in untaxed.message and "+8.93" in untaxed.message


def test_tolerance_accepts_small_differences():
    doc = gold("fx_EN16931_Miete")
    totals = {"amount_untaxed": 286.52, "amount_tax": 54.45, "amount_total": 340.97}
    assert R.compare_totals(doc, totals, tolerance=0.01) == []
    assert len(R.compare_totals(doc, totals, tolerance=0.0)) == 2


def test_refund_totals_may_come_signed():
    doc = gold("fx_EN16931_Rechnungskorrektur")
    assert R.compare_totals(doc, {"amount_untaxed": -7.67, "amount_tax": -1.12, "amount_total": -8.79}) == []


def test_document_without_totals_cannot_be_checked():
    (note,) = R.compare_totals({"document_type": "invoice"}, {"amount_total": 10.0})
    assert note.code == "totals_unchecked" and not note.serious


def test_large_tax_difference_is_not_a_rounding_correction():
    doc = gold("fx_EN16931_Miete")
    tax_lines = [{"tax_id": 7, "rate": 19.0, "base": 286.52, "amount": 54.74}]
    assert R.tax_adjustments(doc, tax_lines) == []


def test_two_taxes_at_one_rate_are_left_alone():
    doc = gold("fx_EN16931_Miete")
    tax_lines = [{"tax_id": 7, "rate": 19.0, "base": 200.0, "amount": 38.0},
                 {"tax_id": 8, "rate": 19.0, "base": 86.52, "amount": 16.45}]
    assert R.tax_adjustments(doc, tax_lines) == []


def test_needs_review_only_for_serious_items():
    assert not R.needs_review([R.ReviewItem("kept_value", "kept")])
    assert R.needs_review([R.ReviewItem("kept_value", "kept"), R.ReviewItem("total_mismatch", "off", serious=True)])
    assert not R.needs_review([])


def test_review_note_escapes_and_puts_serious_items_first():
    items = [R.ReviewItem("kept_value", "Kept “<b>x</b>”", "ref"),
             R.ReviewItem("partner_not_found", "No vendor <script>alert(1)</script> & co", "seller", serious=True),
             R.ReviewItem("kept_value", "Kept “<b>x</b>”", "ref")]
    html = R.review_note_html(items)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert html.index("No vendor") < html.index("Kept")
    assert html.count("<li>") == 2  # duplicates once
    assert R.review_note_html([]) == ""


def test_grouped_items_get_their_own_heading_after_the_notes_own():
    items = [R.ReviewItem("order_not_found", "Order PO-7 is not confirmed", "invoice_origin", group="Purchase order"),
             R.ReviewItem("total_mismatch", "Total differs", "amount_total", serious=True),
             R.ReviewItem("order_price", "Price differs from PO-7", "lines", serious=True, group="Purchase order")]
    html = R.review_note_html(items)
    assert html == ("<p><strong>Digitized document: please check</strong></p><ul><li><strong>To check:</strong> "
                    "Total differs</li></ul>"
                    "<p><strong>Purchase order</strong></p><ul><li><strong>To check:</strong> Price differs from "
                    "PO-7</li><li>Order PO-7 is not confirmed</li></ul>")
    only_grouped = R.review_note_html(items[:1])
    assert only_grouped.startswith("<p><strong>Purchase order</strong>") and "please check" not in only_grouped
    assert R.needs_review(items) and not R.needs_review(items[:1])


def test_sidecar_warning_messages_accept_protobuf_like_objects():
    class Warning:  # what ocr.v1.Warning looks like to the mapping
        code, message, field, serious = "invalid_iban", "bad IBAN", "seller.iban", True

    (item,) = R.items_from_warnings([Warning()])
    assert item == R.ReviewItem("invalid_iban", "bad IBAN", "seller.iban", True)


@pytest.mark.parametrize("stem", ["fx_EN16931_Reisekostenabrechnung", "i2d_FlipkartInvoice"])
def test_other_one_cent_roundings_in_the_corpus(stem):
    doc, cat, result = mapped(stem)
    totals, tax_lines = F.odoo_compute(result, cat)
    (adjustment,) = R.tax_adjustments(doc, tax_lines)
    assert abs(adjustment.delta) == 0.01
    assert R.compare_totals(doc, F.apply_tax_adjustments(totals, tax_lines, [adjustment])) == []



def test_low_confidence_marks_the_odoo_fields():
    confidence = {"issue_date": 0.2, "document_number": 0.9, "lines[3].quantity": 0.1, "seller.vat": 0.4,
                  "buyer.name": 0.1}
    assert R.low_confidence_fields(confidence, "vendor_bill") == ["invoice_date", "invoice_line_ids", "partner_id"]
    assert R.low_confidence_fields(confidence, "sale_order") == ["date_order", "order_line", "partner_id"]
    assert R.low_confidence_fields({}, "vendor_bill") == []
