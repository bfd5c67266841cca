"""What a clerk reads in the needs-review banner and the chatter (lib/review.py ``review_note_html``): one bullet
per problem, the lines with the same problem together, in the form's words — never a JSON path or a field name —
and each place a link the form follows to the field or the line (``#digitize?field=…&line=…&column=…``)."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

import mapping_fixtures as F

R = F.review
E = F.lib.evidence
Item = R.ReviewItem

# What must never reach a person: a JSON path, a field name, an empty list printed as such.
RAW = [re.compile(r"\w+\[\d+\]\.\w+"), re.compile(r"\w+\[\d*\]"), re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
       re.compile(r"\((?:seller|buyer|lines|taxes|total|subtotal|currency)\b[^)]*\)")]


def text_of(note: str) -> str:
    """The note as read: inline tags gone, one space between blocks."""
    inline = re.sub(r"</?(?:a|strong)\b[^>]*>", "", note)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def assert_plain(note: str) -> None:
    text = text_of(note)
    for pattern in RAW:
        assert not pattern.search(text), f"{pattern.pattern!r} in: {text}"


def links(note: str) -> list[tuple[str, str]]:
    return [(html.unescape(href), text) for href, text in
            re.findall(r'<a class="o_digitize_review_link" href="([^"]*)">(.*?)</a>', note)]


def test_lines_with_the_same_problem_are_one_bullet_and_each_line_a_link():
    items = [Item("fallback_product", f"Line {n} (“Item {n}”): no product matches; Unlisted purchase was used — "
                  "replace it if a real product exists.", f"lines[{n - 1}]") for n in (1, 3, 7)]
    note = R.review_note_html(items, target="purchase_order", line_ids={0: 41, 2: 43, 6: 47})
    assert note.count("<li>") == 1
    assert text_of(note).split("please check", 1)[1].strip() == (
        "Lines 1, 3 and 7: no product matches; Unlisted purchase was used — replace it if a real product exists.")
    assert links(note) == [("#digitize?field=order_line&line=41", "1"), ("#digitize?field=order_line&line=43", "3"),
                           ("#digitize?field=order_line&line=47", "7")]


def test_a_line_alone_keeps_its_own_words_and_its_link_names_it():
    (item,) = [Item("unit_unknown", "Line 2: unit “box” is unknown; the product's unit is used.",
                    "lines[1].unit")]
    note = R.review_note_html([item], target="vendor_bill", line_ids={1: 52})
    assert links(note) == [("#digitize?field=invoice_line_ids&line=52&column=product_uom_id", "Line 2")]
    assert "Line 2: unit “box” is unknown" in text_of(note)


def test_values_not_found_on_the_page_are_one_bullet_lines_grouped_by_what_they_miss():
    doc = {"document_number": "INV-7", "total_tax": 0.0, "seller": {"address": {"zip": "63571"}},
           "lines": [{"amount": 999.0, "unit_price": 4.0}, {"amount": 1.0}, {"amount": 12.0, "unit_price": 2.5}]}
    paths = ["total_tax", "seller.address.zip", "lines[0].amount", "lines[2].amount", "lines[2].unit_price"]
    items = E.missing_items(doc, paths, "vendor_bill")
    note = R.review_note_html(items, target="vendor_bill", line_ids={0: 11, 1: 12, 2: 13})
    assert note.count("<li>") == 1 and "<strong>To check:</strong>" in note, "the missing taxes are serious"
    assert text_of(note).endswith(
        "Not found on the page — compare with the document: Taxes 0.00; Vendor's ZIP code “63571”; amount of "
        "lines 1 and 3 (999.00 and 12.00); unit price of line 3 (2.50).")
    assert links(note) == [
        ("#digitize?field=tax_totals", "Taxes"), ("#digitize?field=partner_id", "Vendor's ZIP code"),
        ("#digitize?field=invoice_line_ids&line=11&column=price_subtotal", "1"),
        ("#digitize?field=invoice_line_ids&line=13&column=price_subtotal", "3"),
        ("#digitize?field=invoice_line_ids&line=13&column=price_unit", "3")]


def test_a_header_item_leads_to_its_field_under_the_name_it_gives_itself_or_the_forms():
    items = [Item("total_mismatch", "Untaxed amount: Odoo computes 240.00, the document says 140.00.",
                  "amount_untaxed", serious=True),
             Item("partner_not_found", "No customer found for “Hero Limited”: select or create it.", "buyer",
                  serious=True),
             Item("fallback_product_missing", "The fallback product in the settings no longer exists.",
                  "fallback_product_id", serious=True)]
    note = R.review_note_html(items, target="sale_order")
    assert links(note) == [("#digitize?field=tax_totals", "Untaxed amount"), ("#digitize?field=partner_id", "Customer")]
    assert "Customer — No customer found" in text_of(note)
    assert_plain(note)


def test_the_chatter_gets_the_same_text_without_links():
    items = [Item("value_not_on_page", "Taxes 0.00 — not found", "total_tax", serious=True, value="0.00"),
             Item("remembered", "Line 1: product, account and taxes as chosen last time for this vendor "
                  "(digitization memory).", "lines[0]"),
             Item("remembered", "Line 2: product, account and taxes as chosen last time for this vendor "
                  "(digitization memory).", "lines[1]")]
    note = R.review_note_html(items, target="vendor_bill", line_ids={0: 5, 1: 6})
    chatter = R.without_links(note)
    assert "<a" not in chatter and links(note)
    assert text_of(chatter) == text_of(note)
    assert "Lines 1 and 2: product, account and taxes as chosen last time" in chatter


def test_paths_inside_the_sidecars_messages_are_said_in_words():
    warnings = [{"code": "schema_repair", "message": "lines[2].amount: not a number; the value was dropped.",
                 "field": "lines[2].amount", "serious": True},
                {"code": "value_not_on_page", "message": "seller.address.zip: “63571” was read, but …",
                 "field": "seller.address.zip"},
                {"code": "mime_mismatch", "message": "The request said 'image/jpeg' but the bytes are image/png."}]
    note = R.warnings_html(warnings, "vendor_bill")
    assert "Line 3 amount" in note and "Vendor's ZIP code" in note and "bytes" not in note
    assert_plain(note)
    assert R.warnings_html([], "vendor_bill") == ""


@pytest.mark.parametrize("target", ["vendor_bill", "purchase_order", "sale_order", None])
def test_every_value_of_the_corpus_has_a_label_in_words(target):
    for path in sorted({p for doc in map(F.load_gold, F.corpus()) for p in E.printed_paths(doc)}):
        label = E.field_label(path, target)
        assert_plain(label)
        assert label and label != path


def test_a_sentence_ending_with_a_company_name_gets_one_period():
    note = R.review_note_html([Item("kept_value", "Vendor: kept the one already set; the document points to "
                                    "Coolblue B.V..", "partner_id")], target="vendor_bill")
    assert "Coolblue B.V.</li>" in note


@pytest.mark.parametrize("target", ["vendor_bill", "purchase_order", "sale_order"])
def test_a_whole_corpus_document_in_review_reads_without_paths(target):
    """Every problem the mapping can find on the corpus, every value not found, every value read with low
    confidence: the note has one bullet per problem and no path or field name anywhere."""
    for path in F.corpus():
        doc = F.load_gold(path)
        if not doc.get("lines"):
            continue
        catalog = F.gold_catalog(doc, with_products=False)
        confidence = {p: 0.1 for p in E.printed_paths(doc)}
        result = F.mapping.map_document(doc, catalog, target, field_confidence=confidence)
        missing = E.missing_items(doc, E.printed_paths(doc), target)
        items = E.merge_items(list(result.review), missing)
        line_ids = {index: 100 + index for index in range(len(doc["lines"]))}
        note = R.review_note_html(items, target=target, line_ids=line_ids)
        assert_plain(note)
        assert_plain(R.without_links(note))
        codes = {item.code for item in items}
        assert note.count("<li>") <= len(codes) + sum(1 for i in items if not E.line_of(i.field or "")), path.name
        assert all(href.startswith("#digitize?field=") for href, _ in links(note))


def test_totals_that_differ_are_one_bullet_each_leading_to_the_totals():
    doc = {"subtotal": 140.0, "total_tax": 4.0, "total": 144.0}
    items = R.compare_totals(doc, {"amount_untaxed": 240.0, "amount_tax": 36.0, "amount_total": 276.0})
    note = R.review_note_html(items, target="purchase_order")
    assert note.count("<li>") == 1
    assert text_of(note).endswith(
        "To check: Odoo's totals differ from the document's — check the lines, their taxes and any document-level "
        "discount or charge: Untaxed amount: 240.00 in Odoo, 140.00 on the document; Tax: 36.00 in Odoo, 4.00 on "
        "the document; Total: 276.00 in Odoo, 144.00 on the document.")
    assert {href for href, _ in links(note)} == {"#digitize?field=tax_totals"}
    alone = R.review_note_html(items[2:], target="purchase_order")
    assert "Total: Odoo computes 276.00, the document says 144.00 (difference +132.00)" in text_of(alone)


def test_a_bills_differences_from_its_order_are_grouped_by_kind():
    bill = [F.lib.BillLine(1, "Desk", 7, 2, 5.49), F.lib.BillLine(2, "Chair", 8, 4, 3.10)]
    order = [F.lib.OrderLineCandidate(11, "Desk", 7, 2, 2, 0, 2, 5.00),
             F.lib.OrderLineCandidate(12, "Chair", 8, 4, 4, 0, 4, 3.00)]
    result = F.lib.match_order_lines(bill, order, order_name="P00012")
    note = R.review_note_html([dataclasses.replace(i, group="Purchase order") for i in result.review],
                              target="vendor_bill")
    assert note.count("<li>") == 1
    assert "Billed at another unit price than ordered: “Desk”: 5.49 billed, 5 ordered; “Chair”: 3.1 billed, 3 " \
           "ordered." in text_of(note)
    assert_plain(note)


def test_paths_and_field_names_in_any_text_are_said_as_the_form_says_them_other_words_are_left_alone():
    assert E.plain("lines[2].amount: not a number; seller.address.zip “1”, taxes[0].base, lines[1], amount_untaxed",
                   "vendor_bill") == ("Line 3 amount: not a number; Vendor's ZIP code “1”, Tax summary row 1 base, "
                                      "Line 2, Untaxed amount")
    untouched = "Mail sales@buyer.example or www.seller.com about invoice_2023_01.pdf and img_po_Form_1.jpg"
    assert E.plain(untouched, "vendor_bill") == untouched
