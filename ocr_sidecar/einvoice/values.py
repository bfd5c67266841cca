"""What both mappers share: the context that collects warnings, numbers, dates, amounts, parties, and the
raw document (header, lines) a mapper fills before it is finished."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from lxml import etree

from ..types import Warning
from .xmltree import _kid, _kids, _local, _txt

log = logging.getLogger("ocr_sidecar.einvoice")


# UNTDID 1001 document codes that mean "credit note" (EN 16931 code list for credit notes).
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})
# Order-X / UNTDID 1001: 220 order, 230 order change, 231 order response (issued by the seller).
ORDER_RESPONSE_CODES = frozenset({"231"})


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


def _make_party(name, vat, iban, email, phone, street, city, zip_code, country) -> Optional[dict]:
    address = {"street": street, "city": city, "zip": zip_code,
               "country_code": country.upper() if country else None}
    party = {"name": name, "vat": _compact(vat), "iban": _compact(iban), "email": email, "phone": phone,
             "address": address if any(address.values()) else None}
    return party if any(v is not None for v in party.values()) else None


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
