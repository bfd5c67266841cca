"""UN/CEFACT CII (Factur-X, ZUGFeRD 2.x, XRechnung CII), ZUGFeRD 1.0 and Order-X → the raw document."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Optional

from lxml import etree

from .finish import _Mapper
from .values import (
    CREDIT_NOTE_CODES,
    ORDER_RESPONSE_CODES,
    _allowances,
    _amount,
    _cii_date,
    _first,
    _is_charge,
    _Line,
    _make_party,
    _profile,
    _Raw,
)
from .xmltree import _kid, _kids, _txt

log = logging.getLogger("ocr_sidecar.einvoice")


class _CiiMapper(_Mapper):
    """UN/CEFACT CII: 2.x (Factur-X/ZUGFeRD 2/XRechnung), ZUGFeRD 1.0 and Order-X share one model;
    1.0 names some containers differently, so each lookup lists both names."""

    def __init__(self, root: etree._Element, syntax: str):
        super().__init__()
        self.root = root
        self.syntax = syntax
        guideline = _txt(root, "ExchangedDocumentContext|SpecifiedExchangedDocumentContext",
                         "GuidelineSpecifiedDocumentContextParameter", "ID")
        self.profile = _facturx_level(root) or _profile(guideline)

    def read(self) -> _Raw:
        ctx, root = self.ctx, self.root
        header = _kid(root, "ExchangedDocument|HeaderExchangedDocument")
        tx = _kid(root, "SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction")
        agreement = _kid(tx, "ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement")
        settlement = _kid(tx, "ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement")
        summation = _kid(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation|"
                                     "SpecifiedTradeSettlementMonetarySummation")
        raw = _Raw()
        type_code = _txt(header, "TypeCode")
        if self.syntax == "order-x":
            raw.document_type = "sales_order" if type_code in ORDER_RESPONSE_CODES else "purchase_order"
        else:
            raw.document_type = "credit_note" if type_code in CREDIT_NOTE_CODES else "invoice"
        raw.document_number = _txt(header, "ID")
        raw.issue_date = _cii_date(_kid(header, "IssueDateTime"), ctx, "issue_date")
        raw.currency = _first(_txt(settlement, "InvoiceCurrencyCode"), _txt(settlement, "OrderCurrencyCode"),
                              *(el.get("currencyID") for el in (summation if summation is not None else [])))
        raw.order_reference = _first(_txt(agreement, "BuyerOrderReferencedDocument", "IssuerAssignedID"),
                                     _txt(agreement, "BuyerOrderReferencedDocument", "ID"))
        raw.payment_reference = _txt(settlement, "PaymentReference")
        dues = [_cii_date(_kid(t, "DueDateDateTime"), ctx, "due_date")
                for t in _kids(settlement, "SpecifiedTradePaymentTerms")]
        raw.due_date = max((d for d in dues if d), default=None)

        means = _kids(settlement, "SpecifiedTradeSettlementPaymentMeans")
        # Only IBANs: a ProprietaryID is a national account number, which the iban field cannot hold.
        seller_iban = _first(*(_txt(m, "PayeePartyCreditorFinancialAccount", "IBANID") for m in means))
        buyer_iban = _first(*(_txt(m, "PayerPartyDebtorFinancialAccount", "IBANID") for m in means))
        raw.seller = self._party(_kid(agreement, "SellerTradeParty"), seller_iban)
        raw.buyer = self._party(_kid(agreement, "BuyerTradeParty"), buyer_iban)

        raw.lines = [self._line(item, i) for i, item in enumerate(_billed_items(_kids(tx, "IncludedSupplyChainTradeLineItem")))]
        raw.taxes = []
        for i, tax in enumerate(_kids(settlement, "ApplicableTradeTax")):
            raw.taxes.append((ctx.dec(_kid(tax, "RateApplicablePercent|ApplicablePercent"), f"taxes[{i}].rate"),
                              ctx.dec(_kid(tax, "BasisAmount"), f"taxes[{i}].base"),
                              ctx.dec(_kid(tax, "CalculatedAmount"), f"taxes[{i}].amount")))
        cur = raw.currency
        raw.line_total = _amount(summation, "LineTotalAmount", cur, ctx, "lines")
        raw.subtotal = _first(_amount(summation, "TaxBasisTotalAmount", cur, ctx, "subtotal"), raw.line_total)
        raw.total_tax = _amount(summation, "TaxTotalAmount", cur, ctx, "total_tax")
        raw.total = _amount(summation, "GrandTotalAmount", cur, ctx, "total")
        raw.amount_due = _amount(summation, "DuePayableAmount", cur, ctx, "amount_due")
        return raw

    def _party(self, el: Optional[etree._Element], iban: Optional[str]) -> Optional[dict]:
        if el is None:
            return None
        contact = _kid(el, "DefinedTradeContact")
        addr = _kid(el, "PostalTradeAddress")
        vat = next((_txt(reg, "ID") for reg in _kids(el, "SpecifiedTaxRegistration")
                    if (_kid(reg, "ID") is not None and _kid(reg, "ID").get("schemeID", "").upper() == "VA")), None)
        uris = [u for u in (_kid(c, "URIID") for c in _kids(el, "URIUniversalCommunication")) if u is not None]
        party_email = next((_txt(u) for u in uris if u.get("schemeID", "").upper() == "EM"
                            or "@" in (_txt(u) or "")), None)
        return _make_party(
            name=_first(_txt(el, "Name"), _txt(el, "SpecifiedLegalOrganization", "TradingBusinessName")),
            vat=vat, iban=iban,
            email=_first(_txt(contact, "EmailURIUniversalCommunication", "URIID"), party_email),
            phone=_txt(contact, "TelephoneUniversalCommunication", "CompleteNumber"),
            street=_txt(addr, "LineOne"), city=_txt(addr, "CityName"), zip_code=_txt(addr, "PostcodeCode"),
            country=_txt(addr, "CountryID"))

    def _line(self, item: etree._Element, i: int) -> _Line:
        ctx = self.ctx
        product = _kid(item, "SpecifiedTradeProduct")
        agreement = _kid(item, "SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement")
        delivery = _kid(item, "SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery")
        settlement = _kid(item, "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement")
        line = _Line()
        line.informational = _txt(item, "AssociatedDocumentLineDocument", "LineStatusReasonCode") == "INFORMATION"
        line.description = _first(_txt(product, "Name"), _txt(product, "Description"))
        line.product_code = _txt(product, "SellerAssignedID")
        qty_el = _kid(delivery, "BilledQuantity|RequestedQuantity|AgreedQuantity")
        line.quantity = ctx.dec(qty_el, f"lines[{i}].quantity")
        line.unit = qty_el.get("unitCode") if qty_el is not None else None
        line.unit_price, line.price_basis = self._price(agreement, i)
        tax = _kid(settlement, "ApplicableTradeTax")
        line.tax_rate = ctx.dec(_kid(tax, "RateApplicablePercent|ApplicablePercent"), f"lines[{i}].tax_rate")
        line_sum = _kid(settlement, "SpecifiedTradeSettlementLineMonetarySummation|"
                                    "SpecifiedTradeSettlementMonetarySummation")
        line.amount = ctx.dec(_kid(line_sum, "LineTotalAmount"), f"lines[{i}].amount")
        _allowances(line, _kids(settlement, "SpecifiedTradeAllowanceCharge"), "CalculationPercent", ctx, i)
        return line

    def _price(self, agreement: Optional[etree._Element], i: int) -> tuple[Optional[Decimal], Optional[Decimal]]:
        """(net price, the quantity it is stated for)."""
        ctx = self.ctx
        net = _kid(agreement, "NetPriceProductTradePrice")
        gross = _kid(agreement, "GrossPriceProductTradePrice")
        price_el = net if _kid(net, "ChargeAmount") is not None else gross
        if price_el is None:
            return None, None
        price = ctx.dec(_kid(price_el, "ChargeAmount"), f"lines[{i}].unit_price")
        if price is None:
            return None, None
        if price_el is gross:  # no net price: gross minus its own price allowances
            for ac in _kids(gross, "AppliedTradeAllowanceCharge"):
                amount = ctx.dec(_kid(ac, "ActualAmount"), f"lines[{i}].unit_price") or Decimal(0)
                price += amount if _is_charge(ac) else -amount
        return price, ctx.dec(_kid(price_el, "BasisQuantity"), f"lines[{i}].unit_price")


def _facturx_level(root: etree._Element) -> str:
    """The profile as the factur-x library names it (minimum … extended), when it recognises one."""
    import facturx

    try:
        return str(facturx.get_level(root))
    except Exception:  # factur-x raises bare Exceptions for unknown guideline URNs
        return ""


def _billed_items(items: list[etree._Element]) -> list[etree._Element]:
    """The line items whose amounts make up the net total. EXTENDED sub-invoice lines nest (a GROUP line and
    its DETAIL lines, each naming its parent in ``ParentLineID``): the detail lines are the lines, the group
    line that sums them is not one more (it would count its amount twice). A line whose sub-lines are all
    INFORMATION (a set whose parts are listed for reference, at 0.00) is billed itself. INFORMATION lines are
    dropped later (``finish``)."""
    parents = {_txt(item, "AssociatedDocumentLineDocument", "ParentLineID") for item in items
               if _txt(item, "AssociatedDocumentLineDocument", "LineStatusReasonCode") != "INFORMATION"} - {None}
    return [item for item in items if _txt(item, "AssociatedDocumentLineDocument", "LineID") not in parents]

