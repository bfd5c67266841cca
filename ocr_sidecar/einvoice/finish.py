"""The raw document → canonical: signs (a negative document is a credit note with positive amounts), line
net prices and amounts, and fitting the values to the schema's bounds with a warning for what is cut."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Optional

from pydantic import ValidationError

from .. import schema
from ..errors import BrokenEInvoice
from ..types import Warning
from .values import _Ctx, _Line, _num, _Raw

log = logging.getLogger("ocr_sidecar.einvoice")


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

# what each text field holds at most, from the canonical schema (the one place bounds are written)
_TEXT_BOUNDS = schema.text_bounds(schema.Document)
_PARTY_BOUNDS = schema.text_bounds(schema.Party)
_ADDRESS_BOUNDS = schema.text_bounds(schema.Address)
_LINE_BOUNDS = schema.text_bounds(schema.Line)


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
