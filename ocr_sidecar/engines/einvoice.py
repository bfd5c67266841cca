"""E-invoice fast path: read the structured XML an electronic invoice or order carries. No model.

Supported syntaxes (detected from the XML root, namespace prefixes do not matter):

- UN/CEFACT CII 2.x ``CrossIndustryInvoice``: Factur-X, ZUGFeRD 2.x, XRechnung (CII) → model ``einvoice/cii``;
- ZUGFeRD 1.0 ``CrossIndustryDocument`` (its own element names) → ``einvoice/zugferd1``;
- Order-X ``SCRDMCCBDACIOMessageStructure`` (order, change, response) → ``einvoice/order-x``;
- OASIS UBL 2.x ``Invoice``, ``CreditNote``, ``Order``, ``OrderResponse`` (incl. XRechnung / Peppol UBL)
  → ``einvoice/ubl``.

The profile, when the document states one, follows after a colon (``einvoice/cii:en16931``).

Inputs: a PDF carrying the XML as an attachment (found with the ``factur-x`` library's
``get_xml_from_pdf``; the PDF is never parsed by hand), or the XML itself uploaded as a file.
The bytes decide which, whatever ``mime_type`` claims (the contract: the bytes win).

Contract with the pipeline::

    from ocr_sidecar.engines import einvoice
    try:
        result = einvoice.try_extract(content, mime_type)   # EngineResult | None
    except einvoice.BrokenEInvoice as exc:
        # The document claims to be an e-invoice but its XML cannot be read. For a PDF, fall back
        # to the model and add Warning(code=exc.code, message=exc.message, serious=True); for a
        # bare XML upload there is nothing else to read: let it propagate (INVALID_ARGUMENT).
        result = None

- ``None``: no e-invoice here (a plain PDF, an image, an XML that is no known e-invoice) — use the model.
- ``BrokenEInvoice`` (a subclass of ``errors.InvalidDocument``, so an uncaught one still maps to
  INVALID_ARGUMENT with a readable message): an XML upload that is not well-formed, declares a DTD
  or entities (refused: e-invoices never need them, XML bombs do), or a PDF whose standard e-invoice
  attachment (factur-x.xml, zugferd-invoice.xml, xrechnung.xml, order-x.xml) is unreadable.
- ``EngineResult``: ``engine="einvoice"``, confidence 1.0 for every field path present, warnings for
  values the XML states but the canonical schema cannot hold (cut text, too many lines).

Mapping choices (generic; the corpus README explains the gold they were checked against):
subtotal = tax basis total (so header allowances/charges make it differ from the line sum);
unit_price = net price per one unit (price / BasisQuantity); discount_percent = the line's own
allowances as a percentage of quantity × net price (what Odoo's discount field means); unit = the
UN/ECE Rec. 20 code as written (the Odoo side maps codes to units of measure); product_code = the
seller's item id; party email/phone = the contact's, else the party's electronic address; seller
IBAN = the payee's account, buyer IBAN = the direct-debit account; due date = the latest payment
term date (an early-payment discount date comes first). A document whose totals are negative is a
credit note: type ``credit_note`` and every amount positive, as the canonical schema wants.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any, Iterable, Optional

from lxml import etree
from pydantic import ValidationError

from .. import schema
from ..errors import InvalidDocument
from .base import EngineResult, Warning

log = logging.getLogger(__name__)

ENGINE_NAME = "einvoice"

# Attachment names the e-invoice standards prescribe. A PDF carrying one of these that cannot be
# read is a broken e-invoice (warn), not a plain PDF.
STANDARD_ATTACHMENT_NAMES = frozenset({"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml"})

# UNTDID 1001 document codes that mean "credit note" (EN 16931 code list for credit notes).
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})
# Order-X / UNTDID 1001: 220 order, 230 order change, 231 order response (issued by the seller).
ORDER_RESPONSE_CODES = frozenset({"231"})

_PDF_MAGIC = b"%PDF-"
_XML_START = re.compile(
    rb"\A(?:\s|<!--.*?-->|<\?(?!xml)[^>]*\?>)*"  # whitespace, comments, processing instructions
    rb"(?:<\?xml[\s?]|<[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?[\s/>])",
    re.DOTALL,
)
_BOMS = (b"\xef\xbb\xbf",)
_UPLOADED = "The uploaded XML"
_LAYOUT_BREAKS = re.compile(r"[ \t]*[\r\n\t][\s]*")


class BrokenEInvoice(InvalidDocument):
    """The document claims to be an e-invoice but its XML cannot be read.

    ``message`` says what is wrong and what the user can do; ``code`` is the warning code the
    pipeline should use when it falls back to the model.
    """

    code = "einvoice_unreadable"


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network, default size limits: a billion-laughs or
    # external-entity document cannot expand or reach out. Documents that declare a DTD at all are
    # refused after parsing (see _parse_xml). A fresh parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def sniff_xml(content: bytes) -> bool:
    """True when the bytes look like an XML document (declaration, or a root element first)."""
    head = content[:4096]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 BOM: decode enough to look
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return bool(_XML_START.match(head))


def is_pdf(content: bytes) -> bool:
    # The PDF spec tolerates bytes before the header; readers look in the first KiB.
    return _PDF_MAGIC in content[:1024]


# --- public entry point --------------------------------------------------------------------------


def try_extract(content: bytes, mime_type: str = "") -> Optional[EngineResult]:
    """Canonical document from an e-invoice (PDF with XML attachment, or XML), else ``None``.

    ``mime_type`` is the caller's claim; the bytes decide (a PDF is read as a PDF whatever it is
    called). Raises ``BrokenEInvoice`` as described in the module docstring.
    """
    started = time.perf_counter()
    if not content:
        return None
    if is_pdf(content):
        found = _xml_from_pdf(content)
        if found is None:
            return None
        name, xml = found
        source = f"The PDF's attachment {name}"
    elif sniff_xml(content):
        source, xml = _UPLOADED, content
    else:
        return None
    root = _parse_xml(xml, source)
    syntax = _classify(root)
    if syntax is None:
        if source == _UPLOADED:
            return None
        raise BrokenEInvoice(
            f"{source} is XML but no known e-invoice (root element "
            f"<{etree.QName(root).localname}>); the document was read from its pages instead.")
    mapper = _CiiMapper(root, syntax) if syntax != "ubl" else _UblMapper(root)
    doc, warnings = mapper.run()
    doc, more = _fit_schema(doc)
    warnings.extend(more)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    return EngineResult(
        document=doc,
        field_confidence={path: 1.0 for path in _present_paths(doc)},
        warnings=warnings,
        tokens_out=0,
        preprocess_ms=elapsed_ms,
        generate_ms=0,
        engine=ENGINE_NAME,
        model=f"{ENGINE_NAME}/{syntax}" + (f":{mapper.profile}" if mapper.profile else ""),
    )


class EInvoiceEngine:
    """The fast path as an ``Engine`` (engines/base.py), for a server or an eval run that must not
    fall back to the model: a document without an e-invoice is an invalid input here."""

    name = ENGINE_NAME
    model_name = ENGINE_NAME
    device = "cpu"
    dtype = "none"
    demo = False

    def load(self) -> None:  # nothing to load: the XML is the answer
        return None

    def extract(self, doc, cancel=None) -> EngineResult:
        # the pipeline has looked already, in its sandbox: parsing the untrusted bytes again here would not be
        result = None if doc.einvoice_tried else try_extract(doc.content, doc.mime_type)
        if result is None:
            raise InvalidDocument(
                "This document carries no e-invoice XML (Factur-X, ZUGFeRD, XRechnung, UBL, Order-X). "
                "Send it to a server running the InternVL engine to read it from its pages.")
        return result


# --- locating and parsing the XML --------------------------------------------------------------


def _xml_from_pdf(content: bytes) -> Optional[tuple[str, bytes]]:
    """(attachment name, XML bytes) of the PDF's e-invoice, or None when it carries none."""
    from pypdf import PdfReader  # factur-x's own PDF library; imported late, only PDFs need it

    try:
        reader = PdfReader(BytesIO(content))
        attachments = [(a.name or "", a.content) for a in reader.attachment_list]
    except MemoryError:  # over the memory limit: not a damaged file (sandbox.py)
        raise
    except Exception as exc:  # noqa: BLE001 - hostile PDFs make pypdf raise anything
        # Encrypted, truncated or odd PDFs: the pipeline's own PDF decoder reports those properly.
        log.debug("no attachments readable from PDF: %s", exc)
        return None
    xml_attachments = [(name, data) for name, data in attachments if name.lower().endswith(".xml") and data]
    if not xml_attachments:
        return None  # the common case: a plain PDF, skip factur-x (and its "no XML found" warning)

    import facturx

    # factur-x parses candidates with lxml's default parser (internal entities only since lxml 5,
    # amplification capped by libxml2); what it returns is parsed again, hardened, below.
    try:
        name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
    except MemoryError:  # over the memory limit: not a damaged file (sandbox.py)
        raise
    except Exception as exc:  # factur-x raises bare Exceptions; the fallback below still applies
        log.debug("factur-x could not read the PDF: %s", exc)
        name, xml = None, None
    if xml:
        return str(name), xml
    # factur-x silently skips attachments it cannot parse or classify. A standard e-invoice name
    # that fails is a broken e-invoice; any other XML attachment we can classify (a UBL Order,
    # an XRechnung under a custom name) is still used.
    for att_name, data in xml_attachments:
        if att_name.lower() in STANDARD_ATTACHMENT_NAMES:
            return att_name, data  # parsing it raises BrokenEInvoice with the reason
    for att_name, data in xml_attachments:
        try:
            root = etree.fromstring(data, _parser())
        except etree.XMLSyntaxError:
            continue
        if _classify(root) is not None:
            return att_name, data
    return None


def _parse_xml(xml: bytes, source: str) -> etree._Element:
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        raise BrokenEInvoice(
            f"{source} is not well-formed XML ({exc.msg or exc}). Ask the sender for a valid "
            "e-invoice; the document is read from its pages when it has any.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise BrokenEInvoice(
            f"{source} declares a DTD/entities, which e-invoices never do and XML attacks do; "
            "it was refused unread. Ask the sender for a standard e-invoice.")
    return root


def _classify(root: etree._Element) -> Optional[str]:
    if not isinstance(root.tag, str):
        return None
    qname = etree.QName(root)
    local, ns = qname.localname, qname.namespace or ""
    if local == "CrossIndustryInvoice":
        return "cii"
    if local == "CrossIndustryDocument":
        return "zugferd1"
    if local == "SCRDMCCBDACIOMessageStructure":
        return "order-x"
    if ns.startswith("urn:oasis:names:specification:ubl:schema:xsd:") and local in (
            "Invoice", "CreditNote", "Order", "OrderResponse"):
        return "ubl"
    return None


# --- element helpers (namespace-agnostic: CII and UBL versions differ only in namespaces) -------


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el: Optional[etree._Element], *names: str) -> list[etree._Element]:
    if el is None:
        return []
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname in names]


def _kid(el: Optional[etree._Element], *path: str) -> Optional[etree._Element]:
    """Follow a path of local names (first match at each step); ``a|b`` tries alternatives."""
    for step in path:
        found = _kids(el, *step.split("|"))
        if not found:
            return None
        el = found[0]
    return el


def _txt(el: Optional[etree._Element], *path: str) -> Optional[str]:
    target = _kid(el, *path) if path else el
    if target is None or target.text is None:
        return None
    # Line breaks inside a value are layout, not content; runs of plain spaces are kept as written
    # (a description may align "0.8 mm  3070x1320"). No-break spaces become spaces.
    text = _LAYOUT_BREAKS.sub(" ", target.text.replace("\xa0", " ")).strip()
    return text or None


@dataclass
class _Ctx:
    warnings: list[Warning] = field(default_factory=list)

    def bad(self, field_path: str, what: str, raw: str) -> None:
        self.warnings.append(Warning(
            code="einvoice_bad_value", field=field_path,
            message=f"The e-invoice states {what} as {raw!r}, which is not a valid value; it was left empty."))

    def dec(self, el: Optional[etree._Element], field_path: str) -> Optional[Decimal]:
        raw = _txt(el)
        if raw is None:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.bad(field_path, "a number", raw)
            return None
        if not value.is_finite():
            self.bad(field_path, "a number", raw)
            return None
        return value


def _num(value: Optional[Decimal], places: int = 6) -> Optional[float]:
    if value is None:
        return None
    out = float(round(value, places))
    return 0.0 if out == 0 else out  # no -0.0 in JSON


def _compact(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    out = "".join(ch for ch in value if ch.isalnum()).upper()
    return out or None


def _cii_date(el: Optional[etree._Element], ctx: _Ctx, field_path: str) -> Optional[str]:
    """UN/CEFACT date: DateTimeString with format 102 (CCYYMMDD) or 203 (CCYYMMDDHHMM)."""
    if el is None:
        return None
    node = _kid(el, "DateTimeString") if _local(el) != "DateTimeString" else el
    raw = _txt(node) if node is not None else None
    if raw is None:
        raw = _txt(el, "DateString")  # ZUGFeRD 1.0 / some CII variants
    if raw is None:
        return None
    fmt = (node.get("format") if node is not None else None) or "102"
    digits = raw.replace("-", "")
    if fmt in ("102", "203", "204") and len(digits) >= 8 and digits[:8].isdigit():
        return _iso(digits[:4], digits[4:6], digits[6:8], ctx, field_path, raw)
    ctx.bad(field_path, f"a date (format {fmt})", raw)
    return None


def _iso(y: str, m: str, d: str, ctx: _Ctx, field_path: str, raw: str) -> Optional[str]:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        ctx.bad(field_path, "a date", raw)
        return None


def _ubl_date(el: Optional[etree._Element], ctx: _Ctx, field_path: str) -> Optional[str]:
    raw = _txt(el)
    if raw is None:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", raw)
    if not m:
        ctx.bad(field_path, "a date", raw)
        return None
    return _iso(*m.groups(), ctx, field_path, raw)


def _amount(parent: Optional[etree._Element], name: str, currency: Optional[str], ctx: _Ctx,
            field_path: str) -> Optional[Decimal]:
    """An amount element that may be repeated per currency (tax total in invoice and tax currency)."""
    candidates = _kids(parent, name)
    if not candidates:
        return None
    chosen = next((c for c in candidates if currency and c.get("currencyID") == currency), None)
    if chosen is None:
        chosen = next((c for c in candidates if not c.get("currencyID")), candidates[0])
    return ctx.dec(chosen, field_path)


def _first(*values: Any) -> Any:
    return next((v for v in values if v not in (None, "")), None)


def _is_charge(allowance_charge: etree._Element) -> Optional[bool]:
    raw = _txt(allowance_charge, "ChargeIndicator", "Indicator") or _txt(allowance_charge, "ChargeIndicator")
    if raw is None:
        return None
    return raw.strip().lower() == "true"


# --- mapping ------------------------------------------------------------------------------------


@dataclass
class _Line:
    description: Optional[str] = None
    product_code: Optional[str] = None
    quantity: Optional[Decimal] = None
    unit: Optional[str] = None
    unit_price: Optional[Decimal] = None  # price as stated, for price_basis units
    price_basis: Optional[Decimal] = None
    discount_percent: Optional[Decimal] = None
    tax_rate: Optional[Decimal] = None
    amount: Optional[Decimal] = None
    informational: bool = False  # EXTENDED "INFORMATION" lines are not part of the amounts
    has_allowance: bool = False
    has_charge: bool = False
    single_percent: Optional[Decimal] = None  # the one allowance's own percentage, when stated


@dataclass
class _Raw:
    """Values as the XML states them (signs included) before canonical normalisation."""
    document_type: Optional[str] = None
    document_number: Optional[str] = None
    issue_date: Optional[str] = None
    due_date: Optional[str] = None
    currency: Optional[str] = None
    order_reference: Optional[str] = None
    payment_reference: Optional[str] = None
    seller: Optional[dict] = None
    buyer: Optional[dict] = None
    lines: Optional[list[_Line]] = None
    taxes: Optional[list[tuple[Optional[Decimal], Optional[Decimal], Optional[Decimal]]]] = None
    subtotal: Optional[Decimal] = None
    total_tax: Optional[Decimal] = None
    total: Optional[Decimal] = None
    amount_due: Optional[Decimal] = None
    line_total: Optional[Decimal] = None


class _Mapper:
    profile: str = ""

    def __init__(self) -> None:
        self.ctx = _Ctx()

    def read(self) -> _Raw:  # pragma: no cover - abstract
        raise NotImplementedError

    def run(self) -> tuple[dict, list[Warning]]:
        raw = self.read()
        doc = _finish(raw, self.ctx)
        if doc["lines"] is None and doc["document_type"] in ("invoice", "credit_note"):
            profile = f" (profile {self.profile})" if self.profile else ""
            self.ctx.warnings.append(Warning(
                code="einvoice_without_lines", field="lines",
                message=f"The e-invoice{profile} carries totals but no line items; the lines exist only "
                        "on the printed pages. Enter them by hand if you need them on the record."))
        return doc, self.ctx.warnings


def _make_party(name, vat, iban, email, phone, street, city, zip_code, country) -> Optional[dict]:
    address = {"street": street, "city": city, "zip": zip_code,
               "country_code": country.upper() if country else None}
    party = {"name": name, "vat": _compact(vat), "iban": _compact(iban), "email": email, "phone": phone,
             "address": address if any(address.values()) else None}
    return party if any(v is not None for v in party.values()) else None


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

        raw.lines = [self._line(item, i) for i, item in enumerate(_kids(tx, "IncludedSupplyChainTradeLineItem"))]
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


def _allowances(line: _Line, elements: list[etree._Element], percent_name: str, ctx: _Ctx, i: int) -> None:
    percents = []
    for ac in elements:
        if _is_charge(ac):
            line.has_charge = True
        else:
            line.has_allowance = True
            percents.append(ctx.dec(_kid(ac, percent_name), f"lines[{i}].discount_percent"))
    if len(percents) == 1 and not line.has_charge:
        line.single_percent = percents[0]


def _facturx_level(root: etree._Element) -> str:
    """The profile as the factur-x library names it (minimum … extended), when it recognises one."""
    import facturx

    try:
        return str(facturx.get_level(root))
    except Exception:  # factur-x raises bare Exceptions for unknown guideline URNs
        return ""


def _profile(guideline: Optional[str]) -> str:
    """Short profile name from a guideline URN (urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic)."""
    if not guideline:
        return ""
    last = guideline.split("#")[-1].split(":")[-1].lower()
    if "xrechnung" in guideline.lower():
        return "xrechnung"
    if last in ("minimum", "basicwl", "basic", "en16931", "extended", "comfort", "xrechnung", "extended-ctc-fr"):
        return last
    if guideline.startswith("urn:cen.eu:en16931:2017") and "#" not in guideline:
        return "en16931"
    return ""


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
            name=_first(_txt(el, "PartyName", "Name"), _txt(el, "PartyLegalEntity", "RegistrationName")),
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


def _finish(raw: _Raw, ctx: _Ctx) -> dict:
    sign = Decimal(1)
    if raw.document_type in ("invoice", "credit_note") and _is_negative(raw):
        # A corrected invoice or an "avoir" encoded as 380 with negative amounts: the canonical
        # schema carries the sign in the type and keeps amounts positive.
        sign = Decimal(-1)
        raw.document_type = "credit_note"
    kept = [i for i, line in enumerate(raw.lines or []) if not _is_text_only(line)]
    _renumber_line_warnings(ctx.warnings, {old: new for new, old in enumerate(kept)})
    lines = [_finish_line(raw.lines[old], sign, ctx, new) for new, old in enumerate(kept)]
    # Amounts keep the precision the XML states (3-decimal currencies exist); rates and discounts 4 places.
    taxes = [{"rate": _num(rate, 4), "base": _num(_neg(base, sign)), "amount": _num(_neg(amount, sign))}
             for rate, base, amount in (raw.taxes or [])]
    total_tax = raw.total_tax
    if total_tax is None and raw.taxes and all(t[2] is not None for t in raw.taxes):
        total_tax = sum((t[2] for t in raw.taxes), Decimal(0))  # stated per rate, not as a sum
    order_reference = raw.order_reference
    if order_reference and order_reference == raw.document_number:
        order_reference = None  # an order quoting itself
    return {
        "document_type": raw.document_type,
        "document_number": raw.document_number,
        "issue_date": raw.issue_date,
        "due_date": raw.due_date,
        "currency": raw.currency.upper() if raw.currency else None,
        "order_reference": order_reference,
        "payment_reference": raw.payment_reference,
        "seller": raw.seller,
        "buyer": raw.buyer,
        # None, not []: a profile without lines (Factur-X MINIMUM, BASIC WL) does not say there are none.
        "lines": lines or None,
        "taxes": taxes or None,
        "subtotal": _num(_neg(raw.subtotal, sign)),
        "total_tax": _num(_neg(total_tax, sign)),
        "total": _num(_neg(raw.total, sign)),
        "amount_due": _num(_neg(raw.amount_due, sign)),
    }


def _neg(value: Optional[Decimal], sign: Decimal) -> Optional[Decimal]:
    return None if value is None else value * sign


def _is_negative(raw: _Raw) -> bool:
    for value in (raw.total, raw.subtotal, raw.amount_due, raw.line_total):
        if value is not None and value != 0:
            return value < 0
    amounts = [line.amount for line in raw.lines or [] if line.amount is not None]
    return bool(amounts) and sum(amounts, Decimal(0)) < 0


_LINE_PATH = re.compile(r"^lines\[(\d+)\]")


def _renumber_line_warnings(warnings: list[Warning], new_index: dict[int, int]) -> None:
    """Warnings raised while reading point at XML line positions; after text-only lines are
    dropped they must point at the canonical line (or at the lines as a whole)."""
    for w in warnings:
        m = _LINE_PATH.match(w.field)
        if m:
            old = int(m.group(1))
            w.field = f"lines[{new_index[old]}]{w.field[m.end():]}" if old in new_index else "lines"


def _is_text_only(line: _Line) -> bool:
    """Section titles and notes some producers (Odoo's UBL) send as lines: nothing ordered, nothing
    owed; and ZUGFeRD EXTENDED lines marked INFORMATION, which the totals leave out."""
    if line.informational:
        return True
    return (not line.quantity and not line.amount and not line.unit_price and not line.product_code)


_CENT = Decimal("0.01")


def _unit_price(line: _Line, ctx: _Ctx, i: int) -> Optional[Decimal]:
    price, basis, qty, amount = line.unit_price, line.price_basis, line.quantity, line.amount
    if price is None or basis in (None, Decimal(0), Decimal(1)):
        return price
    per_unit = price / basis  # "12.00 per 100 pieces" is 0.12 per piece
    if qty is not None and amount is not None and not line.has_allowance and not line.has_charge:
        # Some producers write the line quantity into the price's base quantity while the price is
        # already per unit; the amount tells which reading the document means.
        if abs(qty * per_unit - amount) > _CENT and abs(qty * price - amount) <= _CENT:
            ctx.warnings.append(Warning(
                code="einvoice_price_basis_ignored", field=f"lines[{i}].unit_price",
                message=f"The e-invoice states the price {price} for {basis} units, but the line amount "
                        f"{amount} only adds up with {price} per unit; that reading was kept."))
            return price
    return per_unit


def _finish_line(line: _Line, sign: Decimal, ctx: _Ctx, i: int) -> dict:
    qty, price, amount = line.quantity, _unit_price(line, ctx, i), line.amount
    if sign < 0:
        amount = _neg(amount, sign)
        qty = _neg(qty, sign)
        if price is not None and price < 0:
            # Net prices are never negative (EN 16931 BR-27): a credit printed as a negative price
            # keeps the line's sign in its quantity instead.
            price, qty = -price, _neg(qty, Decimal(-1))
    discount = line.single_percent
    if line.has_allowance and not line.has_charge and None not in (qty, price, amount):
        gross = qty * price
        if gross != 0 and abs(gross) > abs(amount):
            effective = (1 - amount / gross) * 100
            # The stated percentage wins when it explains the amount; several allowances, or
            # absolute ones, are expressed as the one percentage that reproduces the amount.
            if discount is None or abs(gross * (1 - discount / 100) - amount) > Decimal("0.01"):
                discount = round(effective, 4)
    elif line.has_charge:
        discount = None  # charges cannot be expressed as a discount; the amount stays authoritative
    return {
        "description": line.description,
        "product_code": line.product_code,
        "quantity": _num(qty, 6),
        "unit": line.unit,
        "unit_price": _num(price, 6),
        "discount_percent": _num(discount, 4) if discount else None,
        "tax_rate": _num(line.tax_rate, 4),
        "amount": _num(amount),
    }


# --- fitting the canonical schema ---------------------------------------------------------------

_TEXT_BOUNDS = {"document_number": schema.MAX_SHORT, "order_reference": schema.MAX_SHORT,
                "payment_reference": schema.MAX_SHORT * 2}
_PARTY_BOUNDS = {"name": schema.MAX_TEXT, "vat": schema.MAX_SHORT, "iban": 40, "email": schema.MAX_SHORT,
                 "phone": schema.MAX_SHORT}
_ADDRESS_BOUNDS = {"street": schema.MAX_TEXT, "city": schema.MAX_SHORT, "zip": 16}
_LINE_BOUNDS = {"description": schema.MAX_TEXT, "product_code": schema.MAX_SHORT, "unit": 16}


def _fit_schema(doc: dict) -> tuple[dict, list[Warning]]:
    """Make the document valid for the canonical schema; say what had to give."""
    warnings: list[Warning] = []

    def cut(container: Optional[dict], bounds: dict[str, int], prefix: str) -> None:
        if not container:
            return
        for key, limit in bounds.items():
            value = container.get(key)
            if isinstance(value, str) and len(value) > limit:
                container[key] = value[:limit].rstrip()
                warnings.append(Warning(code="einvoice_value_truncated", field=prefix + key,
                                        message=f"{prefix + key} is longer than {limit} characters in the "
                                                "e-invoice; it was shortened."))

    cut(doc, _TEXT_BOUNDS, "")
    for role in ("seller", "buyer"):
        party = doc.get(role)
        cut(party, _PARTY_BOUNDS, f"{role}.")
        if party and party.get("address"):
            address = party["address"]
            cut(address, _ADDRESS_BOUNDS, f"{role}.address.")
            cc = address.get("country_code")
            if cc is not None and not re.fullmatch(r"[A-Z]{2}", cc):
                warnings.append(Warning(code="einvoice_bad_value", field=f"{role}.address.country_code",
                                        message=f"Country code {cc!r} is not ISO 3166-1 alpha-2; left empty."))
                address["country_code"] = None
    for i, line in enumerate(doc.get("lines") or []):
        cut(line, _LINE_BOUNDS, f"lines[{i}].")
    currency = doc.get("currency")
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        warnings.append(Warning(code="einvoice_bad_value", field="currency",
                                message=f"Currency {currency!r} is not an ISO 4217 code; left empty."))
        doc["currency"] = None
    for key, limit in (("lines", schema.MAX_LINES), ("taxes", schema.MAX_TAXES)):
        items = doc.get(key) or []
        if len(items) > limit:
            warnings.append(Warning(
                code="einvoice_too_many_" + key, field=key, serious=True,
                message=f"The e-invoice has {len(items)} {key}; only the first {limit} fit the document "
                        "schema. Check the rest against the original before posting."))
            doc[key] = items[:limit]
    try:
        validated = schema.Document.model_validate(doc)
    except ValidationError as exc:  # a bound not covered above: say so instead of failing the request
        raise BrokenEInvoice(f"The e-invoice could not be mapped onto the document schema: {exc}") from None
    return validated.model_dump(mode="json"), warnings


def _present_paths(value: Any, prefix: str = "") -> Iterable[str]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _present_paths(sub, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _present_paths(sub, f"{prefix}[{i}]")
    elif value is not None:
        yield prefix
