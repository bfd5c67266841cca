"""What every step of the mapping shares: the targets and their Odoo field names, the options of a run,
the result it builds, and small helpers (how a value is shown, compared, dated; the tax-rate markers).

No step is here; ``DocumentMapper`` (``__init__``) composes the steps of ``partner``, ``header``, ``lines``,
``taxes`` and ``confidence``, which take nothing else from this package.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from typing import Any, Mapping, Optional

from ..catalog import PartnerCandidate
from ..normalize import Document
from ..text import ReviewItem

TARGETS = ("vendor_bill", "purchase_order", "sale_order", "expense")

# Odoo 18 field names per target: (lines field, quantity, taxes, unit of measure)
_LINE_FIELDS = {
    "vendor_bill": ("invoice_line_ids", "quantity", "tax_ids", "product_uom_id"),
    "purchase_order": ("order_line", "product_qty", "taxes_id", "product_uom"),
    "sale_order": ("order_line", "product_uom_qty", "tax_id", "product_uom"),
}
LINES_FIELD = {target: names[0] for target, names in _LINE_FIELDS.items()}  # the x2many the lines go to
# An expense has no lines: the receipt's lines only describe it (its description), its total is the record's own.
TARGETS_WITHOUT_LINES = frozenset({"expense"})

# The order field each header value of the document is written to (``prepare_header``), and read back from
# when a person confirms the order (``confirmed_order_document``).
ORDER_HEADER_FIELDS = {
    "purchase_order": {"document_number": "partner_ref", "issue_date": "date_order", "due_date": "date_planned"},
    "sale_order": {"document_number": "client_order_ref", "issue_date": "date_order"},
}

# Document types each target expects; anything else is mapped but flagged.
EXPECTED_TYPES = {
    "vendor_bill": {"invoice", "credit_note", "receipt", None},
    "purchase_order": {"purchase_order", "sales_order", None},
    "sale_order": {"purchase_order", None},
    "expense": {"receipt", "invoice", None},  # a hotel's or a shop's invoice is an expense's receipt too
}

SET = 6  # odoo.fields.Command.SET: x2many values are given as [(SET, 0, ids)]

# How sure the partner is, by how it was found (``MappingResult.partner_match``): an identifier (VAT id, IBAN)
# makes it sure, its exact name likely; a similar name or the e-mail's domain only suggests it, and a
# suggestion always goes to a person (a serious review item), never straight to "done".
PARTNER_CONFIDENCE = {"vat": "sure", "iban": "sure", "name": "likely", "fuzzy_name": "suggestion",
                      "email_domain": "suggestion"}


@dataclass
class MappingOptions:
    """Settings of one mapping run (usually from res.config.settings)."""

    create_partner: bool = False  # create the vendor/customer when unknown and its VAT id is valid
    confidence_threshold: float = 0.5  # field_confidence below this becomes a review item
    fuzzy_threshold: float = 88.0  # 0..100 similarity needed for a fuzzy name match
    fallback_product_id: Optional[int] = None  # order lines without a product use this one
    partner_company_id: Optional[int] = None  # the company a created partner belongs to (None: shared by all)
    # the rights of the user the document is applied for (the one who asked): what they may not create, is not
    may_create_partner: bool = True
    may_add_bank_account: bool = True
    prices_include_tax: bool = False  # canonical amounts are net: prefer taxes excluded from price
    price_digits: Optional[int] = None  # decimal.precision 'Product Price'; flags prices Odoo would cut
    header_adjustment_lines: bool = True  # add lines for document-level allowances/charges
    lines_from_tax_summary: bool = True  # bills without lines: one line per tax rate from the summary
    line_tolerance: float = 0.01  # accepted difference between quantity × price and the printed amount
    # expenses: the day the receipt is read (a date after it is in the future) and the oldest receipt accepted
    today: Optional[datetime.date] = None
    max_age_days: int = 90

    @classmethod
    def coerce(cls, options: "MappingOptions | Mapping[str, Any] | None") -> "MappingOptions":
        if options is None:
            return cls()
        if isinstance(options, cls):
            return options
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown mapping options: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
        return cls(**dict(options))


@dataclass
class MappingResult:
    """What to write on the record, what to create first, and what to check.

    ``header``: field → value for the record (account.move / purchase.order / sale.order); dates are
    ``datetime.date`` (``datetime.datetime`` for order dates), many2one values are ids.
    ``lines``: one vals dict per line to create (target field names, x2many as ``[(6, 0, ids)]``);
    empty when the record already has lines.
    ``partner_to_create``: res.partner vals when the partner must be created first; then write its
    id as ``header['partner_id']`` and as ``bank_account_to_add['partner_id']``.
    ``bank_account_to_add``: res.partner.bank vals (``acc_number``, ``partner_id``; partner_id None =
    the partner to create). ``partner_bank_iban``: the account the bill is paid to (set
    ``partner_bank_id`` to that partner's bank with this sanitized number).
    """

    target: str
    document: Document
    header: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    partner: Optional[PartnerCandidate] = None
    partner_match: str = ""  # 'vat' | 'iban' | 'name' | 'fuzzy_name' | 'email_domain' | ''
    partner_to_create: Optional[dict[str, Any]] = None
    bank_account_to_add: Optional[dict[str, Any]] = None
    partner_bank_iban: Optional[str] = None
    order_reference: Optional[str] = None  # the buyer's PO number quoted on a bill (bill ↔ PO link)
    review: list[ReviewItem] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return any(item.serious for item in self.review)

    @property
    def partner_confidence(self) -> str:
        """'sure' | 'likely' | 'suggestion' (``PARTNER_CONFIDENCE``); '' when no partner was found."""
        return PARTNER_CONFIDENCE.get(self.partner_match, "") if self.partner else ""

    @property
    def lines_field(self) -> Optional[str]:
        """The record's x2many field that ``lines`` are created in; None for a target without lines (expense)."""
        return LINES_FIELD.get(self.target)


def _fmt(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _same(current: Any, value: Any) -> bool:
    if isinstance(current, (datetime.date, datetime.datetime)) or isinstance(value, (datetime.date, datetime.datetime)):
        return _fmt(current)[:10] == _fmt(value)[:10]
    if isinstance(current, str) and isinstance(value, str):
        return " ".join(current.split()).casefold() == " ".join(value.split()).casefold()
    return current == value


def _noon(day: datetime.date) -> datetime.datetime:
    # Order dates are datetimes stored in UTC; noon keeps the printed day in every user time zone.
    return datetime.datetime.combine(day, datetime.time(12, 0))



class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_UNTAXED = _Marker("UNTAXED")
_UNKNOWN = _Marker("UNKNOWN")


def _merge(items: list[ReviewItem]) -> list[ReviewItem]:
    """One item per (code, field): the sidecar and the mapping may both flag the same VAT id."""
    merged: dict[tuple[str, Optional[str]], ReviewItem] = {}
    order = []
    for item in items:
        key = (item.code, item.field)
        if key not in merged:
            merged[key] = item
            order.append(key)
        elif item.serious and not merged[key].serious:
            merged[key] = item
    return [merged[key] for key in order]
