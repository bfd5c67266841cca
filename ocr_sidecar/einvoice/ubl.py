"""OASIS UBL 2.x Invoice, CreditNote, Order, OrderResponse (incl. XRechnung / Peppol UBL) → the raw document."""

from __future__ import annotations

import logging
from typing import Optional

from lxml import etree

from .finish import _Mapper
from .values import (
    CREDIT_NOTE_CODES,
    _allowances,
    _first,
    _Line,
    _make_party,
    _profile,
    _Raw,
    _ubl_date,
)
from .xmltree import _kid, _kids, _local, _txt

log = logging.getLogger("ocr_sidecar.einvoice")


class _UblMapper(_Mapper):
    """OASIS UBL 2.x: Invoice, CreditNote, Order, OrderResponse."""

    def __init__(self, root: etree._Element):
        super().__init__()
        self.root = root
        self.kind = _local(root)
        self.profile = _profile(_txt(root, "CustomizationID"))

    def read(self) -> _Raw:
        ctx, root, kind = self.ctx, self.root, self.kind
        raw = _Raw()
        is_order = kind in ("Order", "OrderResponse")
        if kind == "Order":
            raw.document_type = "purchase_order"
        elif kind == "OrderResponse":
            raw.document_type = "sales_order"
        elif kind == "CreditNote":
            raw.document_type = "credit_note"
        else:
            code = _txt(root, "InvoiceTypeCode")
            raw.document_type = "credit_note" if code in CREDIT_NOTE_CODES else "invoice"
        raw.document_number = _txt(root, "ID")
        raw.issue_date = _ubl_date(_kid(root, "IssueDate"), ctx, "issue_date")
        means = _kids(root, "PaymentMeans")
        raw.due_date = _first(_ubl_date(_kid(root, "DueDate"), ctx, "due_date"),
                              *(_ubl_date(_kid(m, "PaymentDueDate"), ctx, "due_date") for m in means))
        totals = _kid(root, "LegalMonetaryTotal|AnticipatedMonetaryTotal|RequestedMonetaryTotal")
        raw.currency = _first(_txt(root, "DocumentCurrencyCode"), _txt(root, "PricingCurrencyCode"),
                              *(el.get("currencyID") for el in (totals if totals is not None else [])))
        if kind == "Order":
            raw.order_reference = None  # the order is the reference; its own number is document_number
        else:
            raw.order_reference = _txt(root, "OrderReference", "ID")
        raw.payment_reference = _first(*(_txt(m, "PaymentID") for m in means))

        seller_iban = _first(*(_txt(m, "PayeeFinancialAccount", "ID") for m in means))
        buyer_iban = _first(*(_txt(m, "PaymentMandate", "PayerFinancialAccount", "ID") for m in means))
        seller_el = _kid(root, "AccountingSupplierParty|SellerSupplierParty", "Party")
        buyer_el = _kid(root, "AccountingCustomerParty|BuyerCustomerParty", "Party")
        raw.seller = self._party(seller_el, seller_iban)
        raw.buyer = self._party(buyer_el, buyer_iban)

        if is_order:
            items = [_kid(ol, "LineItem") for ol in _kids(root, "OrderLine")]
            items = [it for it in items if it is not None]
        else:
            items = _kids(root, "InvoiceLine", "CreditNoteLine")
        raw.lines = [self._line(item, i) for i, item in enumerate(items)]

        cur = raw.currency
        tax_totals = _kids(root, "TaxTotal")
        tax_total = next((t for t in tax_totals if cur and _kid(t, "TaxAmount") is not None
                          and _kid(t, "TaxAmount").get("currencyID") == cur), tax_totals[0] if tax_totals else None)
        raw.taxes = []
        for i, sub in enumerate(_kids(tax_total, "TaxSubtotal")):
            raw.taxes.append((ctx.dec(_first(_kid(sub, "TaxCategory", "Percent"), _kid(sub, "Percent")),
                                      f"taxes[{i}].rate"),
                              ctx.dec(_kid(sub, "TaxableAmount"), f"taxes[{i}].base"),
                              ctx.dec(_kid(sub, "TaxAmount"), f"taxes[{i}].amount")))
        raw.total_tax = ctx.dec(_kid(tax_total, "TaxAmount"), "total_tax")
        raw.line_total = ctx.dec(_kid(totals, "LineExtensionAmount"), "lines")
        raw.subtotal = _first(ctx.dec(_kid(totals, "TaxExclusiveAmount"), "subtotal"), raw.line_total)
        raw.total = ctx.dec(_kid(totals, "TaxInclusiveAmount"), "total")
        raw.amount_due = None if is_order else ctx.dec(_kid(totals, "PayableAmount"), "amount_due")
        return raw

    def _party(self, el: Optional[etree._Element], iban: Optional[str]) -> Optional[dict]:
        if el is None:
            return None
        addr = _kid(el, "PostalAddress")
        vat = None
        for scheme in _kids(el, "PartyTaxScheme"):
            if (_txt(scheme, "TaxScheme", "ID") or "VAT").upper() == "VAT":
                vat = _txt(scheme, "CompanyID")
                break
        endpoint = _kid(el, "EndpointID")
        endpoint_email = _txt(endpoint) if endpoint is not None and (
            endpoint.get("schemeID", "").upper() == "EM" or "@" in (_txt(endpoint) or "")) else None
        street = _txt(addr, "StreetName")
        number = _txt(addr, "BuildingNumber")
        if street and number and number not in street:
            street = f"{street} {number}"
        return _make_party(
            # BT-27, the legal name (what a VAT id and a vendor record belong to, and what CII gives), before
            # BT-28, the trading name: the two syntaxes of one invoice name the same party
            name=_first(_txt(el, "PartyLegalEntity", "RegistrationName"), _txt(el, "PartyName", "Name")),
            vat=vat, iban=iban,
            email=_first(_txt(el, "Contact", "ElectronicMail"), endpoint_email),
            phone=_txt(el, "Contact", "Telephone"),
            street=_first(street, _txt(addr, "AddressLine", "Line")), city=_txt(addr, "CityName"),
            zip_code=_txt(addr, "PostalZone"), country=_txt(addr, "Country", "IdentificationCode"))

    def _line(self, item: etree._Element, i: int) -> _Line:
        ctx = self.ctx
        product = _kid(item, "Item")
        line = _Line()
        line.description = _first(_txt(product, "Name"), _txt(product, "Description"))
        line.product_code = _txt(product, "SellersItemIdentification", "ID")
        qty_el = _kid(item, "InvoicedQuantity|CreditedQuantity|Quantity")
        line.quantity = ctx.dec(qty_el, f"lines[{i}].quantity")
        line.unit = qty_el.get("unitCode") if qty_el is not None else None
        price_el = _kid(item, "Price")
        line.unit_price = ctx.dec(_kid(price_el, "PriceAmount"), f"lines[{i}].unit_price")
        line.price_basis = ctx.dec(_kid(price_el, "BaseQuantity"), f"lines[{i}].unit_price")
        # The rate belongs on the item (EN 16931); UBL 2.1 producers such as older Odoo versions
        # state it only in a line-level tax total.
        rate_el = _first(_kid(product, "ClassifiedTaxCategory", "Percent"),
                         _kid(item, "TaxTotal", "TaxSubtotal", "TaxCategory", "Percent"),
                         _kid(item, "TaxTotal", "TaxSubtotal", "Percent"))
        line.tax_rate = ctx.dec(rate_el, f"lines[{i}].tax_rate")
        line.amount = ctx.dec(_kid(item, "LineExtensionAmount"), f"lines[{i}].amount")
        _allowances(line, _kids(item, "AllowanceCharge"), "MultiplierFactorNumeric", ctx, i)
        return line


# --- canonical normalisation --------------------------------------------------------------------
