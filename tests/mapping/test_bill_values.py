"""Header and line values of a vendor bill: what the user entered stays, products and taxes are
chosen the way a bookkeeper would, and anything doubtful becomes a review item."""

from __future__ import annotations

import copy
import datetime

import pytest

import mapping_fixtures as F

C = F.C
map_document = F.mapping.map_document


def gold(stem: str) -> dict:
    path = next(p for p in F.corpus() if p.stem == stem)
    return F.load_gold(path)


def einfach_catalog(**overrides):
    vendor = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE123456789",
                                property_payment_term_id=overrides.pop("terms", None))
    kwargs = dict(partners=[vendor], taxes=F.country_taxes("DE"), currencies=[C.CurrencyCandidate(1, "EUR")],
                  uoms=F.UOMS, countries=F.COUNTRIES)
    kwargs.update(overrides)
    return C.InMemoryCatalog(F.company(), **kwargs)


# --- what the user entered ------------------------------------------------------------------

def test_values_entered_by_the_user_are_kept():
    current = {"ref": "MY-OWN-REF", "invoice_date": datetime.date(2018, 3, 6), "partner_id": 99,
               "payment_reference": "", "invoice_date_due": False}
    result = map_document(gold("fx_Facture_F20180027"), einfach_catalog(), "vendor_bill", current)
    assert "ref" not in result.header and "invoice_date" not in result.header and "partner_id" not in result.header
    assert result.header["payment_reference"] == "F20180023BUYER"  # empty before: filled
    assert result.header["invoice_date_due"] == datetime.date(2019, 1, 30)
    kept = {item.field: item.message for item in result.review if item.code == "kept_value"}
    assert "MY-OWN-REF" in kept["ref"] and "F20180027" in kept["ref"]
    assert "2018-03-06" in kept["invoice_date"] and "2018-12-31" in kept["invoice_date"]


def test_same_value_already_entered_is_not_reported():
    current = {"ref": "471102", "invoice_date": "2018-03-05"}
    result = map_document(gold("fx_EN16931_Einfach"), einfach_catalog(), "vendor_bill", current)
    assert "kept_value" not in F.codes(result)


def test_existing_lines_are_kept():
    result = map_document(gold("fx_EN16931_Einfach"), einfach_catalog(), "vendor_bill",
                          {"invoice_line_ids": [7, 8]})
    assert result.lines == []
    assert "2 lines" in F.item(result, "lines_kept").message
    assert result.header["partner_id"] == 30  # the header is still filled


def test_a_refund_stays_a_refund_and_an_invoice_turns_into_one_for_a_credit_note():
    refund = map_document(gold("fx_EN16931_Einfach"), einfach_catalog(), "vendor_bill", {"move_type": "in_refund"})
    assert "move_type" not in refund.header and "kept_value" in F.codes(refund)
    credit = map_document(gold("fx_EN16931_Rechnungskorrektur"), einfach_catalog(), "vendor_bill",
                          {"move_type": "in_invoice"})
    assert credit.header["move_type"] == "in_refund"


def test_due_date_left_to_payment_terms():
    doc = gold("fx_Facture_F20180027")
    with_terms = map_document(doc, einfach_catalog(), "vendor_bill", {"invoice_payment_term_id": 3})
    assert "invoice_date_due" not in with_terms.header
    assert "2019-01-30" in F.item(with_terms, "due_date_from_terms").message
    vendor_terms = map_document(doc, einfach_catalog(partners=[
        C.PartnerCandidate(30, "LE FOURNISSEUR", vat="FR32123456789", property_payment_term_id=4)]), "vendor_bill")
    assert vendor_terms.header["partner_id"] == 30 and "invoice_date_due" not in vendor_terms.header
    no_terms = map_document(doc, einfach_catalog(), "vendor_bill")
    assert no_terms.header["invoice_date_due"] == datetime.date(2019, 1, 30)


def test_currency_missing_or_inactive():
    doc = gold("fx_EN16931_Einfach")
    inactive = map_document(doc, einfach_catalog(currencies=[C.CurrencyCandidate(1, "EUR", active=False)]), "vendor_bill")
    assert "currency_id" not in inactive.header and F.item(inactive, "currency_inactive").serious
    unknown = map_document(doc, einfach_catalog(currencies=[]), "vendor_bill")
    assert "currency_id" not in unknown.header and F.item(unknown, "currency_unknown").serious


# --- products -----------------------------------------------------------------------------

def test_product_by_vendor_code_then_internal_reference_then_barcode_then_name():
    doc = gold("fx_EN16931_Einfach")
    doc["lines"] = [
        {"description": "Trennblätter A4", "product_code": "TB100A4", "quantity": 1, "unit_price": 1, "tax_rate": 19},
        {"description": "Joghurt Banane", "product_code": "ARNR2", "quantity": 1, "unit_price": 1, "tax_rate": 7},
        {"description": "Mineralwasser", "product_code": "4000862141404", "quantity": 1, "unit_price": 1, "tax_rate": 7},
        {"description": "Pfand", "quantity": 1, "unit_price": 1, "tax_rate": 19},
        {"description": "Something new", "product_code": "NEW-1", "quantity": 1, "unit_price": 1, "tax_rate": 19},
    ]
    doc["subtotal"] = doc["taxes"] = None
    products = [
        C.ProductCandidate(1, "Our separator sheets", default_code="SEP-A4", vendor_codes={30: ("TB100A4",)}),
        C.ProductCandidate(2, "Another product", default_code="TB100A4"),  # internal ref loses to the vendor code
        C.ProductCandidate(3, "Yoghurt banana", default_code="ARNR2"),
        C.ProductCandidate(4, "Mineral water", barcode="4000862141404"),
        C.ProductCandidate(5, "pfand"),
        C.ProductCandidate(6, "Not purchasable", default_code="NEW-1", purchase_ok=False),
        C.ProductCandidate(7, "Vendor code of another vendor", vendor_codes={31: ("NEW-1",)}),
    ]
    result = map_document(doc, einfach_catalog(products=products), "vendor_bill")
    assert [line.get("product_id") for line in result.lines] == [1, 3, 4, 5, None]
    assert result.lines[0]["name"] == "Trennblätter A4"  # the document's description is kept


def test_ambiguous_product_is_not_guessed():
    doc = gold("fx_EN16931_Einfach")
    products = [C.ProductCandidate(1, "A", default_code="ARNR2"), C.ProductCandidate(2, "B", default_code="arnr2")]
    result = map_document(doc, einfach_catalog(products=products), "vendor_bill")
    assert "product_id" not in result.lines[1]
    assert "product_ambiguous" in F.codes(result)


# --- taxes --------------------------------------------------------------------------------

def test_unknown_tax_rate_is_serious():
    taxes = [t for t in F.country_taxes("DE") if t.amount != 7.0]
    result = map_document(gold("fx_EN16931_Einfach"), einfach_catalog(taxes=taxes), "vendor_bill")
    joghurt = result.lines[1]
    assert F.x2many_ids(joghurt["tax_ids"]) == []
    found = F.item(result, "tax_not_found")
    assert found.serious and "7 %" in found.message and found.field == "lines[1].tax_rate"


def test_tax_prefers_the_product_default_then_plain_then_excluded_from_price():
    plain = C.TaxCandidate(1, "19% Vorsteuer", 19.0, sequence=10)
    reverse_charge = C.TaxCandidate(2, "19% EU reverse charge", 19.0, sequence=1, has_negative_factor=True)
    included = C.TaxCandidate(3, "19% incl.", 19.0, sequence=0, price_include=True)
    special = C.TaxCandidate(4, "19% Vorsteuer (Sonderfall)", 19.0, sequence=20)
    sale = C.TaxCandidate(5, "19% USt", 19.0, type_tax_use="sale", sequence=0)
    seven = C.TaxCandidate(6, "7% Vorsteuer", 7.0)
    product = C.ProductCandidate(1, "Trennblätter", default_code="TB100A4", purchase_tax_ids=(4,))
    cat = einfach_catalog(taxes=[plain, reverse_charge, included, special, sale, seven], products=[product])
    result = map_document(gold("fx_EN16931_Einfach"), cat, "vendor_bill")
    assert F.x2many_ids(result.lines[0]["tax_ids"]) == [4]  # the product's own 19 %
    assert F.x2many_ids(result.lines[1]["tax_ids"]) == [6]
    doc = gold("fx_EN16931_Einfach")
    doc["lines"][0]["product_code"] = None
    without_product = map_document(doc, cat, "vendor_bill")
    assert F.x2many_ids(without_product.lines[0]["tax_ids"]) == [1]  # plain, not reverse charge nor included
    gross = map_document(doc, cat, "vendor_bill", options={"prices_include_tax": True})
    assert F.x2many_ids(gross.lines[0]["tax_ids"]) == [3]


def test_lines_without_a_rate_take_the_single_rate_of_the_tax_summary():
    result = map_document(gold("fx_zugferd_invoice_kraxi"), einfach_catalog(), "vendor_bill")
    assert all(F.x2many_ids(line["tax_ids"]) == [F.tax_id("purchase", 19.0)] for line in result.lines)


def test_a_line_outside_the_tax_summary_is_untaxed():
    # Azure Interior: the 15 % base is exactly the three lines that print 15 %; the truffles are untaxed.
    doc = gold("i2d_AzureInterior")
    cat = C.InMemoryCatalog(F.company("DE", "USD"), taxes=F.country_taxes("US"),
                            currencies=[C.CurrencyCandidate(2, "USD")], uoms=F.UOMS)
    result = map_document(doc, cat, "vendor_bill")
    assert [F.x2many_ids(line["tax_ids"]) for line in result.lines] == [[F.tax_id("purchase", 15.0)]] * 3 + [[]]


def test_no_rate_anywhere_leaves_odoo_defaults_and_says_so():
    result = map_document(gold("img_contoso_receipt_photo1"), einfach_catalog(currencies=[C.CurrencyCandidate(2, "USD")]),
                          "vendor_bill")
    assert all("tax_ids" not in line for line in result.lines)
    assert "tax_unknown" in F.codes(result)


# --- amounts and units ----------------------------------------------------------------------

def test_price_derived_from_amount_when_missing():
    result = map_document(gold("fx_zugferd_invoice_kraxi"), einfach_catalog(), "vendor_bill")
    assert (result.lines[0]["quantity"], result.lines[0]["price_unit"]) == (2.0, 20.0)  # Superdrachen 2 × = 40


def test_line_allowance_printed_as_an_amount_becomes_a_discount():
    result = map_document(gold("fx_zugferd_2p0_EXTENDED_Fremdwaehrung"),
                          einfach_catalog(currencies=[C.CurrencyCandidate(3, "GBP")]), "vendor_bill")
    line = result.lines[0]
    assert (line["quantity"], line["price_unit"], line["discount"]) == (10.0, 100.0, 15.0)


def test_inconsistent_line_takes_its_price_from_the_amount():
    doc = gold("fx_EN16931_Einfach")
    doc["lines"][0].update(quantity=20, unit_price=9.9, amount=250.0)  # 20 × 9.90 = 198 ≠ 250
    result = map_document(doc, einfach_catalog(), "vendor_bill")
    assert (result.lines[0]["price_unit"], result.lines[0]["discount"]) == (12.5, 0.0)
    assert "line_price_from_amount" in F.codes(result)


def test_price_with_more_decimals_than_odoo_keeps_is_flagged():
    result = map_document(gold("fx_EN16931_Rabatte"), einfach_catalog(), "vendor_bill", options={"price_digits": 2})
    assert result.lines[0]["price_unit"] == 3.3333
    assert "3.3333" in F.item(result, "price_precision").message
    assert "price_precision" not in F.codes(map_document(gold("fx_EN16931_Rabatte"), einfach_catalog(),
                                                         "vendor_bill", options={"price_digits": 4}))


def test_unit_of_measure_by_unece_code_and_name_within_the_product_category():
    doc = gold("fx_EN16931_Einfach")
    doc["lines"][0]["unit"] = "C62"
    doc["lines"][1]["unit"] = "KGM"
    doc["lines"].append({"description": "Beratung", "quantity": 2, "unit": "Std", "unit_price": 50, "tax_rate": 19})
    doc["lines"].append({"description": "Kiste", "quantity": 1, "unit": "Kiste", "unit_price": 0, "tax_rate": 19})
    products = [C.ProductCandidate(1, "Trennblätter", default_code="TB100A4", uom_id=1, uom_category_id=1),
                C.ProductCandidate(2, "Joghurt", default_code="ARNR2", uom_id=1, uom_category_id=1)]
    result = map_document(doc, einfach_catalog(products=products), "vendor_bill")
    assert result.lines[0]["product_uom_id"] == F.UOM_UNITS.id
    assert "product_uom_id" not in result.lines[1]  # kg does not fit a product sold in units
    assert result.lines[2]["product_uom_id"] == F.UOM_HOURS.id  # no product: any unit goes
    assert "product_uom_id" not in result.lines[3]
    assert {"unit_category", "unit_unknown"} <= set(F.codes(result))


def test_text_only_lines_become_notes():
    doc = gold("fx_EN16931_Einfach")
    doc["lines"].insert(0, {"description": "Lieferung vom 01.03.2018"})
    result = map_document(doc, einfach_catalog(), "vendor_bill")
    assert result.lines[0] == {"display_type": "line_note", "name": "Lieferung vom 01.03.2018"}
    assert len(result.lines) == 3


def test_credit_note_printed_negative_becomes_a_positive_refund():
    doc = gold("fx_EN16931_Rechnungskorrektur")
    negative = copy.deepcopy(doc)
    for key in ("subtotal", "total_tax", "total", "amount_due"):
        negative[key] = -negative[key]
    for tax in negative["taxes"]:
        tax["base"], tax["amount"] = -tax["base"], -tax["amount"]
    for line in negative["lines"]:
        line["quantity"], line["amount"] = -line["quantity"], -line["amount"]
    cat = einfach_catalog()
    result = map_document(negative, cat, "vendor_bill")
    reference = map_document(doc, cat, "vendor_bill")
    assert result.header["move_type"] == "in_refund"
    assert result.lines == reference.lines
    assert all(line["quantity"] > 0 and line["price_unit"] > 0 for line in result.lines[:2])
    assert "negative_credit_note" in F.codes(result)


def test_bill_without_lines_gets_one_line_per_tax_rate():
    result = map_document(gold("fx_Facture_FR_BASICWL"), C.InMemoryCatalog(
        F.company("FR"), taxes=F.country_taxes("FR"), currencies=[C.CurrencyCandidate(1, "EUR")]), "vendor_bill")
    assert [(line["price_unit"], F.x2many_ids(line["tax_ids"])) for line in result.lines] == [
        (81.9, [F.tax_id("purchase", 20.0)]), (543.0, [F.tax_id("purchase", 5.5)])]
    assert all(line["name"].startswith("FA-2017-0010") for line in result.lines)


def test_header_only_document_needs_lines_by_hand():
    result = map_document(gold("img_contoso_simple_invoice"), einfach_catalog(), "vendor_bill")
    assert result.lines == [] and F.item(result, "no_lines").serious


def test_allowance_lines_can_be_turned_off():
    result = map_document(gold("fx_EN16931_Rabatte"), einfach_catalog(), "vendor_bill",
                          options={"header_adjustment_lines": False})
    assert len(result.lines) == 4
    assert "202.70" in F.item(result, "lines_subtotal_mismatch").message


# --- confidence, warnings, options ----------------------------------------------------------

def test_low_confidence_and_sidecar_warnings_become_review_items():
    confidence = {"seller.vat": 0.3, "lines[0].quantity": 0.4, "issue_date": 0.95}
    warnings = [{"code": "total_mismatch", "message": "lines do not add up", "field": "total", "serious": True},
                {"code": "invalid_vat", "message": "check digit", "field": "seller.vat", "serious": False}]
    result = map_document(gold("fx_EN16931_Einfach"), einfach_catalog(), "vendor_bill",
                          options={"confidence_threshold": 0.5}, field_confidence=confidence, warnings=warnings)
    low = {item.field: item.serious for item in result.review if item.code == "low_confidence"}
    assert low == {"seller.vat": True, "lines[0].quantity": False}
    assert F.item(result, "total_mismatch").serious
    assert [i.field for i in result.review if i.code == "invalid_vat"] == ["seller.vat"]  # merged, not repeated
    assert result.needs_review


def test_wrong_document_type_for_the_target_is_serious():
    result = map_document(gold("ox_ORDER-X_EX11_ORDER_PICK-UP-BASIC"), einfach_catalog(), "vendor_bill")
    assert F.item(result, "unexpected_document_type").serious


def test_unknown_options_and_targets_are_refused():
    with pytest.raises(TypeError, match="create_partners"):
        map_document(gold("fx_EN16931_Einfach"), einfach_catalog(), "vendor_bill", options={"create_partners": True})
    with pytest.raises(ValueError, match="vendor_bill"):
        map_document(gold("fx_EN16931_Einfach"), einfach_catalog(), "invoice")


def test_the_input_document_is_not_modified():
    doc = gold("fx_EN16931_Rechnungskorrektur")
    before = copy.deepcopy(doc)
    map_document(doc, einfach_catalog(), "vendor_bill")
    assert doc == before


def test_rate_implied_by_the_totals_when_none_is_printed():
    # Contoso INV-100: subtotal 100.00, tax 10.00, no rate anywhere; 10 % is the only rate that fits.
    cat = C.InMemoryCatalog(F.company("DE", "USD"), taxes=F.country_taxes("US"),
                            currencies=[C.CurrencyCandidate(2, "USD")])
    result = map_document(gold("img_contoso_invoice_INV-100"), cat, "vendor_bill")
    assert F.x2many_ids(result.lines[0]["tax_ids"]) == [F.tax_id("purchase", 10.0)]
    assert "10 %" in F.item(result, "tax_rate_implied").message
    # Two rates that fit equally well: none is guessed.
    ambiguous = C.InMemoryCatalog(F.company("DE", "USD"), currencies=[C.CurrencyCandidate(2, "USD")], taxes=[
        C.TaxCandidate(1, "10%", 10.0), C.TaxCandidate(2, "10% bis", 10.001)])
    assert "tax_rate_implied" not in F.codes(map_document(gold("img_contoso_invoice_INV-100"), ambiguous, "vendor_bill"))


def test_low_confidence_items_name_the_field_and_the_value_read():
    confidence = {"issue_date": 0.3, "lines[0].quantity": 0.4}
    result = map_document(gold("fx_EN16931_Einfach"), einfach_catalog(), "vendor_bill",
                          options={"confidence_threshold": 0.5}, field_confidence=confidence)
    messages = {item.field: item.message for item in result.review if item.code == "low_confidence"}
    date = gold("fx_EN16931_Einfach")["issue_date"]
    assert messages["issue_date"].startswith(f"Bill date read as “{date}” with 30% confidence")
    assert messages["lines[0].quantity"].startswith("Line 1 quantity read as")
