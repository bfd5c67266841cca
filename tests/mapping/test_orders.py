"""Purchase orders (vendor = seller) and sales orders (customer = buyer) from order documents:
the Order-X golds and the Hero Limited scanned purchase orders."""

from __future__ import annotations

import datetime

import pytest

import mapping_fixtures as F

C = F.C
map_document = F.mapping.map_document

SELLER, BUYER, HERO, FALLBACK = 40, 41, 42, 900


def gold(stem: str, ext: str = ".pdf") -> dict:
    return F.load_gold(F.corpus()[0].with_name(stem + ext))


def order_catalog(*extra_products, currency="EUR"):
    partners = [
        C.PartnerCandidate(F.COMPANY_PARTNER_ID, "My Company", vat="DE000000000"),
        C.PartnerCandidate(SELLER, "SELLER_NAME", vat="FR32123456789"),
        C.PartnerCandidate(BUYER, "BUYER_NAME", vat="FR05987654321"),
        C.PartnerCandidate(HERO, "Hero Limited", email="accounts@herolimited.com"),
    ]
    products = [
        C.ProductCandidate(501, "Widget", default_code="987654321", purchase_tax_ids=(F.tax_id("purchase", 20.0),),
                           sale_tax_ids=(F.tax_id("sale", 20.0),), uom_id=1, uom_category_id=1),
        # known to the vendor under its own code only: fine for buying, meaningless for selling
        C.ProductCandidate(502, "Gadget", default_code="GAD-1", vendor_codes={SELLER: ("698325417",)},
                           uom_id=1, uom_category_id=1),
        C.ProductCandidate(FALLBACK, "Unlisted item", default_code="MISC", purchase_tax_ids=(F.tax_id("purchase", 20.0),),
                           sale_tax_ids=(F.tax_id("sale", 20.0),), uom_id=1, uom_category_id=1),
        *extra_products,
    ]
    return C.InMemoryCatalog(F.company("FR"), partners=partners, products=products, taxes=F.country_taxes("FR"),
                             currencies=[C.CurrencyCandidate(1, "EUR"), C.CurrencyCandidate(2, "USD")],
                             uoms=F.UOMS, countries=F.COUNTRIES)


ORDER_X = ["ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT", "ox_ORDER-X_EX03_ORDER_BASIC_DATA-COMFORT"]
HERO_POS = [f"img_heroltd_po_Form_{n}" for n in range(1, 6)]


@pytest.mark.parametrize("stem", ORDER_X)
def test_purchase_order_from_order_x(stem):
    doc = gold(stem)
    cat = order_catalog()
    result = map_document(doc, cat, "purchase_order", options={"fallback_product_id": FALLBACK})
    assert result.header == {"partner_id": SELLER, "partner_ref": "PO123456789",
                             "date_order": datetime.datetime(2020, 3, 31, 12, 0), "currency_id": 1}
    assert result.partner_match == "vat"
    first, second, third, allowance = result.lines
    assert (first["product_id"], first["product_qty"], first["price_unit"]) == (501, 6.0, 10.0)
    assert (third["product_id"], third["product_qty"], third["price_unit"]) == (502, 6.0, 25.0)  # vendor's code
    # unmatched: the fallback product, the document's description and code kept
    assert (second["product_id"], second["name"], second["price_unit"]) == (FALLBACK, "[598632147] Product Name", 10.0)
    assert "fallback_product" in F.codes(result)
    # the order's document-level allowance (lines 310, subtotal 300)
    assert (allowance["product_id"], allowance["price_unit"]) == (FALLBACK, -10.0)
    assert all("quantity" not in line and "tax_ids" not in line for line in result.lines)
    totals, _ = F.odoo_compute(result, cat)
    assert totals == {"amount_untaxed": 300.0, "amount_tax": 60.0, "amount_total": 360.0}
    assert F.review.compare_totals(doc, totals) == []


def test_purchase_order_without_fallback_product_keeps_unmatched_lines_as_notes():
    result = map_document(gold("ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT"), order_catalog(), "purchase_order")
    note = result.lines[1]
    assert note["display_type"] == "line_note"
    assert note["name"].startswith("Product Name") and "100" in note["name"]
    assert F.item(result, "no_product").serious
    assert F.item(result, "lines_subtotal_mismatch").serious  # no product to carry the allowance


def test_purchase_order_planned_date_from_the_document_and_existing_lines_kept():
    doc = gold("ox_ORDER-X_EX11_ORDER_PICK-UP-BASIC")
    doc["due_date"] = "2020-01-20"
    result = map_document(doc, order_catalog(), "purchase_order", {"order_line": [5]})
    assert result.header["date_planned"] == datetime.datetime(2020, 1, 20, 12, 0)
    assert result.lines == [] and "lines_kept" in F.codes(result)


def test_user_chosen_order_date_is_kept():
    current = {"date_order": datetime.datetime(2020, 4, 1, 9, 30)}
    result = map_document(gold("ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT"), order_catalog(), "purchase_order", current)
    assert "date_order" not in result.header
    assert "2020-03-31" in F.item(result, "kept_value").message


def test_sales_order_customer_is_the_buyer():
    doc = gold("ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT")
    result = map_document(doc, order_catalog(), "sale_order", options={"fallback_product_id": FALLBACK})
    assert result.header == {"partner_id": BUYER, "client_order_ref": "PO123456789",
                             "date_order": datetime.datetime(2020, 3, 31, 12, 0)}
    first, second, third, allowance = result.lines
    assert (first["product_id"], first["product_uom_qty"]) == (501, 6.0)
    assert F.x2many_ids(first["tax_id"]) == [F.tax_id("sale", 20.0)]
    # the vendor's code on Gadget means nothing on a customer's order: fallback, description kept
    assert (third["product_id"], third["name"]) == (FALLBACK, "[698325417] Product Name")
    assert all("product_qty" not in line and "taxes_id" not in line for line in result.lines)


@pytest.mark.parametrize("stem", HERO_POS)
def test_sales_order_from_a_customer_purchase_order(stem):
    doc = gold(stem, ".jpg")
    hat = C.ProductCandidate(600, "party hat blue", sale_tax_ids=(F.tax_id("sale", 5.5),), uom_id=1, uom_category_id=1)
    result = map_document(doc, order_catalog(hat), "sale_order", options={"fallback_product_id": FALLBACK})
    assert result.header["partner_id"] == HERO and result.partner_match == "name"
    assert result.header["client_order_ref"] == doc["document_number"]
    assert result.header["date_order"].date() == datetime.date.fromisoformat(doc["issue_date"])
    assert F.item(result, "pricelist_currency").serious  # USD order, EUR company
    product_lines = result.lines[:len(doc["lines"])]
    for expected, line in zip(doc["lines"], product_lines):
        assert line["name"] == expected["description"]
        assert (line["product_uom_qty"], line["price_unit"]) == (expected["quantity"], expected["unit_price"])
        assert line["product_id"] == (600 if expected["description"] == "Party Hat Blue" else FALLBACK)
        # no rate printed: the product's own sale taxes
        assert F.x2many_ids(line["tax_id"]) == ([F.tax_id("sale", 5.5)] if line["product_id"] == 600
                                                else [F.tax_id("sale", 20.0)])
    lines_total = sum(line["amount"] for line in doc["lines"])
    if abs(lines_total - doc["subtotal"]) > 0.005:  # Forms 1 and 2 print a subtotal that is not the lines' sum
        assert F.item(result, "lines_subtotal_mismatch").serious
        assert len(result.lines) == len(doc["lines"])


def test_sales_order_customer_by_email_domain():
    doc = gold("img_heroltd_po_Form_3", ".jpg")
    doc["buyer"]["name"] = "H.L."
    cat = order_catalog()
    result = map_document(doc, cat, "sale_order")
    assert (result.header["partner_id"], result.partner_match) == (HERO, "email_domain")


def test_purchase_order_of_a_document_without_seller_asks_for_the_vendor():
    result = map_document(gold("img_heroltd_po_Form_3", ".jpg"), order_catalog(), "purchase_order")
    assert "partner_id" not in result.header
    assert F.item(result, "partner_missing").serious


def test_an_invoice_is_not_a_customer_order():
    result = map_document(gold("fx_EN16931_Einfach"), order_catalog(), "sale_order")
    assert F.item(result, "unexpected_document_type").serious


@pytest.mark.parametrize("target", ["purchase_order", "sale_order"])
def test_a_confirmed_order_reads_back_as_the_document_it_was_mapped_from(target):
    # What a layout learns from a confirmed order must be what reading the next document produces: the order
    # read back (confirmed_order_document) gives the document's own values where the mapping put them.
    doc = gold("ox_ORDER-X_EX03_ORDER_BASIC_DATA-COMFORT")
    doc["due_date"] = "2020-04-15"
    cat = order_catalog()
    result = map_document(doc, cat, target, options={"fallback_product_id": FALLBACK})
    totals, tax_lines = F.odoo_compute(result, cat)
    _lines, qty_field, taxes_field, _uom = F.order_document.line_fields(target)
    rates = {t.id: t.amount for t in cat.taxes_list}
    products = {p.id: p for p in cat.products_list}

    def product_code(product):  # as the order models give it: the vendor's own code first when buying
        vendor_codes = product.vendor_codes.get(SELLER) if target == "purchase_order" else None
        return vendor_codes[0] if vendor_codes else product.default_code

    lines = [dict(line, price_subtotal=round(line[qty_field] * line["price_unit"], 2),
                  tax_rate=sum(rates[i] for i in F.x2many_ids(line.get(taxes_field, []))) or None,
                  product_code=product_code(products[line["product_id"]]))
             for line in result.lines if not line.get("display_type")]
    header = {name: (value.date() if hasattr(value, "date") else value) for name, value in result.header.items()}
    back = F.order_document.confirmed_order_document(
        target, header, lines, document_type=doc["document_type"], currency="EUR", subtotal=totals["amount_untaxed"],
        total_tax=totals["amount_tax"], total=totals["amount_total"],
        taxes=[{k: t[k] for k in ("rate", "base", "amount")} for t in tax_lines])
    assert back["document_number"] == doc["document_number"] and back["issue_date"] == doc["issue_date"]
    assert back.get("due_date") == (doc["due_date"] if target == "purchase_order" else None), \
        "a sales order does not keep the customer's due date"
    printed = [(line["product_code"], line["description"], line["quantity"], line["amount"])
               for line in back["lines"][:3]]
    assert printed == [(line["product_code"], line["description"], line["quantity"], line["amount"])
                       for line in doc["lines"]], "the fallback product's lines: code and description apart again"
    assert back["lines"][3]["description"].startswith("Document-level discount"), "the mapping's own line"
    assert (back["subtotal"], back["total_tax"], back["total"]) == (300.0, 60.0, 360.0)
