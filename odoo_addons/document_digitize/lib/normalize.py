"""Pre-processing of the canonical document before it is mapped.

The canonical document (schema_version "1") arrives as a plain dict in which every field may be
null and values come from a model or an e-invoice. This module turns it into typed, cleaned
values once, so the mapping never has to second-guess a string: VAT ids with their country and
checksum verdict (python-stdnum), compact IBANs, email domains, ``datetime.date`` objects, and
numbers rounded the way Odoo rounds them (half-up). Problems found here become review items.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Mapping, Optional

from .proto import document_service_pb2 as _pb
from .text import ReviewItem, compact

# The canonical type names, in the order of the contract's enum ocr.v1.DocumentType (DOCUMENT_TYPE_CREDIT_NOTE →
# 'credit_note'); UNSPECIFIED (0) means "let the model decide" and has no name.
DOCUMENT_TYPES: tuple[str, ...] = tuple(name.removeprefix("DOCUMENT_TYPE_").lower()
                                        for name, number in _pb.DocumentType.items() if number)

# VAT prefixes that are not ISO country codes (Greece writes EL, Northern Ireland XI).
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_COUNTRY_VAT_PREFIX = {"GR": "EL"}

# Mail providers whose domain says nothing about the sender's company.
PUBLIC_MAIL_DOMAINS = frozenset("""
    gmail.com googlemail.com yahoo.com yahoo.fr yahoo.de yahoo.co.uk hotmail.com hotmail.fr hotmail.de
    outlook.com outlook.fr outlook.de live.com live.fr msn.com icloud.com me.com aol.com gmx.de gmx.net
    gmx.com web.de t-online.de freenet.de orange.fr wanadoo.fr free.fr laposte.net sfr.fr protonmail.com
    proton.me mail.com zoho.com yandex.com yandex.ru mail.ru qq.com 163.com rediffmail.com
""".split())

# Names reserved for examples, tests and private networks (RFC 2606, RFC 6761, RFC 6762, RFC 8375, the ICANN
# names never delegated) and the stand-in of Odoo's demo data (yourcompany.com): an address there is a
# placeholder that names no real sender. A domain counts with its subdomains, a top-level name with all below it.
PLACEHOLDER_MAIL_DOMAINS = frozenset("""
    example.com example.net example.org home.arpa yourcompany.com
""".split())
PLACEHOLDER_TOP_LEVEL = frozenset("example test invalid localhost local localdomain internal lan home corp".split())

MONEY_DIGITS = 2
QUANTITY_DIGITS = 6
PRICE_DIGITS = 6
PERCENT_DIGITS = 4


def round_half_up(value: float, digits: int) -> float:
    """Round like Odoo's ``float_round`` (half away from zero), not Python's banker's rounding."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class VatNumber:
    compact: str  # as printed, compacted (keeps the prefix if there was one)
    country_code: Optional[str]  # ISO country the number belongs to, when known
    valid: Optional[bool]  # checksum/format verdict; None when no validator exists for the country
    variants: tuple[str, ...]  # forms to search for: with and without the country prefix

    @property
    def with_prefix(self) -> str:
        """The id as Odoo's base_vat expects it (country prefix + number) when the country is known."""
        if not self.country_code:
            return self.compact
        prefix = _COUNTRY_VAT_PREFIX.get(self.country_code, self.country_code)
        return self.compact if self.compact[:2] in (prefix, self.country_code) else prefix + self.compact


def _vat_module(country_code: str):
    # Lazy import: stdnum loads its country modules on demand.
    import stdnum

    try:
        return stdnum.get_cc_module(country_code.lower(), "vat")
    except (ImportError, ValueError):
        return None


def normalize_vat(value: Optional[str], country_hint: Optional[str] = None) -> Optional[VatNumber]:
    """Compact a VAT id, find its country (prefix, else ``country_hint``) and check it with stdnum."""
    number = compact(value)
    if not number:
        return None
    prefix = number[:2]
    country = None
    if prefix.isalpha():
        candidate = _VAT_PREFIX_COUNTRY.get(prefix, prefix)
        if _vat_module(candidate) is not None:
            country = candidate
    prefixed = country is not None
    if country is None and country_hint:
        country = country_hint.upper()
    valid = None
    module = _vat_module(country) if country else None
    if module is not None:
        bare = number[2:] if prefixed else number
        try:
            valid = bool(module.is_valid(number) or module.is_valid(bare))
        except Exception:  # a validator choking on odd input means "not valid", never a crash
            valid = False
    variants = [number]
    if country:
        vat_prefix = _COUNTRY_VAT_PREFIX.get(country, country)
        if prefixed:
            variants.append(number[2:])
        else:
            variants.append(vat_prefix + number)
    return VatNumber(compact=number, country_code=country, valid=valid, variants=tuple(dict.fromkeys(variants)))


def normalize_iban(value: Optional[str]) -> tuple[Optional[str], Optional[bool]]:
    """(compact account number, IBAN checksum verdict). A non-IBAN account number gives valid=None."""
    number = compact(value)
    if not number:
        return None, None
    if not re.match(r"^[A-Z]{2}\d{2}", number):
        return number, None
    from stdnum import iban

    return number, bool(iban.is_valid(number))


def is_placeholder_domain(domain: Optional[str]) -> bool:
    """Whether ``domain`` is reserved for examples and tests or a template's stand-in (example.com, *.test,
    localhost, ...): nobody's real address."""
    domain = (domain or "").lower().strip(".")
    if not domain:
        return False
    if domain.rsplit(".", 1)[-1] in PLACEHOLDER_TOP_LEVEL:
        return True
    return any(domain == reserved or domain.endswith("." + reserved) for reserved in PLACEHOLDER_MAIL_DOMAINS)


def email_domain(email: Optional[str]) -> Optional[str]:
    """The company domain of an email address; None for public mail providers and placeholder domains (which
    say nothing about who sent the document)."""
    match = re.search(r"[\w.+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b", email or "")
    if not match:
        return None
    domain = match.group(1).lower().strip(".")
    return None if domain in PUBLIC_MAIL_DOMAINS or is_placeholder_domain(domain) else domain


def is_gtin(code: Optional[str]) -> bool:
    """True for a product code that is a valid EAN/GTIN (so it can be looked up as a barcode)."""
    if not code or not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    from stdnum import ean

    return bool(ean.is_valid(code))


_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%d.%m.%Y")


def parse_date(value: Any) -> Optional[datetime.date]:
    """ISO date (the canonical format) and a few unambiguous variants; None when unreadable."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()[:10] if re.match(r"^\d{4}-\d{2}-\d{2}T", value.strip()) else value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number(value: Any) -> Optional[float]:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Decimal(value.strip().replace(" ", "")))
        except (InvalidOperation, ValueError):
            return None
    return None


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


@dataclass
class Party:
    name: Optional[str] = None
    vat: Optional[VatNumber] = None
    iban: Optional[str] = None
    iban_valid: Optional[bool] = None
    email: Optional[str] = None
    email_domain: Optional[str] = None
    phone: Optional[str] = None
    street: Optional[str] = None
    city: Optional[str] = None
    zip: Optional[str] = None
    country_code: Optional[str] = None

    def is_empty(self) -> bool:
        return not (self.name or self.vat or self.iban or self.email)


@dataclass
class Line:
    index: int  # position in the document's lines (for review messages: "line 3")
    description: Optional[str] = None
    product_code: Optional[str] = None
    quantity: Optional[float] = None
    unit: Optional[str] = None
    unit_price: Optional[float] = None
    discount: Optional[float] = None  # percent
    tax_rate: Optional[float] = None  # percent
    amount: Optional[float] = None  # net line total

    @property
    def barcode(self) -> Optional[str]:
        return self.product_code if is_gtin(self.product_code) else None

    @property
    def net_amount(self) -> Optional[float]:
        """The printed net amount, else quantity × price × (1 − discount)."""
        if self.amount is not None:
            return self.amount
        if self.unit_price is None:
            return None
        qty = 1.0 if self.quantity is None else self.quantity
        return round_half_up(qty * self.unit_price * (1 - (self.discount or 0.0) / 100), MONEY_DIGITS)

    @property
    def is_text_only(self) -> bool:
        return self.quantity is None and self.unit_price is None and self.amount is None


@dataclass
class TaxSummary:
    rate: Optional[float]
    base: Optional[float]
    amount: Optional[float]


@dataclass
class Document:
    document_type: Optional[str] = None
    number: Optional[str] = None
    issue_date: Optional[datetime.date] = None
    due_date: Optional[datetime.date] = None
    currency: Optional[str] = None
    order_reference: Optional[str] = None
    payment_reference: Optional[str] = None
    seller: Party = field(default_factory=Party)
    buyer: Party = field(default_factory=Party)
    lines: list[Line] = field(default_factory=list)
    taxes: list[TaxSummary] = field(default_factory=list)
    subtotal: Optional[float] = None
    total_tax: Optional[float] = None
    total: Optional[float] = None
    amount_due: Optional[float] = None
    issues: list[ReviewItem] = field(default_factory=list)  # problems found while normalising

    @property
    def is_credit_note(self) -> bool:
        return self.document_type == "credit_note"

    def lines_net_total(self) -> Optional[float]:
        """Sum of the lines' net amounts; None when any line's amount is unknown."""
        amounts = [line.net_amount for line in self.lines if not line.is_text_only]
        if not amounts or any(a is None for a in amounts):
            return None
        return round_half_up(sum(amounts), MONEY_DIGITS)


def _party(raw: Any, role: str, default_country: Optional[str], issues: list[ReviewItem]) -> Party:
    if not isinstance(raw, Mapping):
        return Party()
    address = raw.get("address") if isinstance(raw.get("address"), Mapping) else {}
    country = _text(address.get("country_code"))
    country = country.upper() if country and len(country) == 2 and country.isalpha() else None
    party = Party(
        name=_text(raw.get("name")),
        email=_text(raw.get("email")),
        phone=_text(raw.get("phone")),
        street=_text(address.get("street")),
        city=_text(address.get("city")),
        zip=_text(address.get("zip")),
        country_code=country,
    )
    party.vat = normalize_vat(raw.get("vat"), country)
    if party.vat and party.vat.country_code is None and default_country:
        # The company's country is only a guess for an unprefixed id: keep it only if it validates,
        # rather than calling a foreign id invalid.
        guessed = normalize_vat(raw.get("vat"), default_country)
        if guessed and guessed.valid:
            party.vat = guessed
    if party.vat and party.vat.valid is False:
        issues.append(ReviewItem(
            "invalid_vat", f"The {role}'s VAT id {party.vat.compact} fails its check digits: compare it with "
            "the document and correct it on the partner if needed.", f"{role}.vat"))
    party.iban, party.iban_valid = normalize_iban(raw.get("iban"))
    if party.iban_valid is False:
        issues.append(ReviewItem(
            "invalid_iban", f"The {role}'s IBAN {party.iban} fails its check digits: it was not used; "
            "compare it with the document.", f"{role}.iban"))
    party.email_domain = email_domain(party.email)
    return party


def normalize_document(doc: Mapping[str, Any], *, default_country: Optional[str] = None,
                       currency_digits: int = MONEY_DIGITS) -> Document:
    """Typed, cleaned copy of a canonical document dict; the input is not modified.

    ``default_country``: country assumed for a VAT id printed without prefix and without an
    address country (usually the company's). ``currency_digits``: decimals of the document's
    currency, used to round money amounts.
    """
    if not isinstance(doc, Mapping):
        raise TypeError(f"expected the canonical document as a dict, got {type(doc).__name__}")
    issues: list[ReviewItem] = []

    def money(value: Any) -> Optional[float]:
        number = _number(value)
        return None if number is None else round_half_up(number, currency_digits)

    def rounded(value: Any, digits: int) -> Optional[float]:
        number = _number(value)
        return None if number is None else round_half_up(number, digits)

    doc_type = _text(doc.get("document_type"))
    doc_type = doc_type.lower() if doc_type else None
    if doc_type not in DOCUMENT_TYPES:
        if doc_type:
            issues.append(ReviewItem("unknown_document_type",
                                     f"Unknown document type {doc_type!r}: treated as an invoice.", "document_type"))
        doc_type = None

    result = Document(
        document_type=doc_type,
        number=_text(doc.get("document_number")),
        currency=(_text(doc.get("currency")) or "").upper() or None,
        order_reference=_text(doc.get("order_reference")),
        payment_reference=_text(doc.get("payment_reference")),
        subtotal=money(doc.get("subtotal")),
        total_tax=money(doc.get("total_tax")),
        total=money(doc.get("total")),
        amount_due=money(doc.get("amount_due")),
    )
    for key, attr in (("issue_date", "issue_date"), ("due_date", "due_date")):
        raw = doc.get(key)
        parsed = parse_date(raw)
        if raw and parsed is None:
            issues.append(ReviewItem("invalid_date", f"Could not read the date {raw!r}: enter it by hand.", key))
        elif parsed and not 1990 <= parsed.year <= 2100:
            issues.append(ReviewItem("implausible_date", f"The date {parsed.isoformat()} looks wrong: check it.",
                                     key, serious=True))
            parsed = None
        setattr(result, attr, parsed)
    if result.issue_date and result.due_date and result.due_date < result.issue_date:
        issues.append(ReviewItem("due_before_issue", f"The due date {result.due_date.isoformat()} is before the "
                                 f"issue date {result.issue_date.isoformat()}: check both.", "due_date"))

    result.seller = _party(doc.get("seller"), "seller", default_country, issues)
    result.buyer = _party(doc.get("buyer"), "buyer", default_country, issues)

    for index, raw in enumerate(doc.get("lines") or [], start=1):
        if not isinstance(raw, Mapping):
            continue
        line = Line(
            index=index,
            description=_text(raw.get("description")),
            product_code=_text(raw.get("product_code")),
            quantity=rounded(raw.get("quantity"), QUANTITY_DIGITS),
            unit=_text(raw.get("unit")),
            unit_price=rounded(raw.get("unit_price"), PRICE_DIGITS),
            discount=rounded(raw.get("discount_percent"), PERCENT_DIGITS),
            tax_rate=rounded(raw.get("tax_rate"), PERCENT_DIGITS),
            amount=money(raw.get("amount")),
        )
        if line.discount is not None and not 0 <= line.discount <= 100:
            issues.append(ReviewItem("invalid_discount", f"Line {index}: discount {line.discount} % is outside "
                                     "0–100 %; it was ignored.", f"lines[{index - 1}].discount_percent", serious=True))
            line.discount = None
        if line.description or line.product_code or not line.is_text_only:
            result.lines.append(line)

    for raw in doc.get("taxes") or []:
        if isinstance(raw, Mapping):
            tax = TaxSummary(rate=rounded(raw.get("rate"), PERCENT_DIGITS), base=money(raw.get("base")),
                             amount=money(raw.get("amount")))
            if tax.rate is not None or tax.base is not None or tax.amount is not None:
                result.taxes.append(tax)

    if result.is_credit_note:
        _make_credit_note_positive(result, issues)
    result.issues = issues
    return result


def _make_credit_note_positive(doc: Document, issues: list[ReviewItem]) -> None:
    # The canonical rule: credit notes carry positive amounts and the type carries the sign. Some
    # documents print them negative; the refund's move type already gives the sign in Odoo.
    if not any(v is not None and v < 0 for v in (doc.total, doc.subtotal, doc.amount_due)):
        return
    for attr in ("subtotal", "total_tax", "total", "amount_due"):
        value = getattr(doc, attr)
        if value is not None:
            setattr(doc, attr, abs(value))
    for tax in doc.taxes:
        tax.base = abs(tax.base) if tax.base is not None else None
        tax.amount = abs(tax.amount) if tax.amount is not None else None
    for line in doc.lines:
        # Every line changes sign; a printed negative line has its sign on the quantity or on the
        # price, a printed positive one (a charge inside a negative document) ends up negative.
        if line.quantity is not None and line.quantity < 0:
            line.quantity = -line.quantity
        elif line.unit_price is not None and line.unit_price < 0:
            line.unit_price = -line.unit_price
        elif line.amount and line.amount > 0 and line.quantity is not None:
            line.quantity = -line.quantity
        elif line.amount and line.amount > 0 and line.unit_price is not None:
            line.unit_price = -line.unit_price
        if line.amount is not None:
            line.amount = -line.amount
    issues.append(ReviewItem("negative_credit_note", "The credit note prints negative amounts; they were "
                             "taken as positive amounts of a refund.", "total"))
