"""Post-extraction checks: arithmetic, VAT ids, IBANs, dates → warnings (never silent edits).

A warning is ``serious`` when a human should look before the document is booked: totals that do
not add up, invalid identifiers, impossible dates. Mild ones (lines vs subtotal, which document-level
allowances legitimately break) are informative.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from stdnum import get_cc_module
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from .types import Warning


def _tolerance(amount: float, lines: int = 1) -> float:
    # Documents round per line or per rate: allow a cent per line, at least 2 cents, and 0.05 %.
    return max(0.02, 0.01 * lines, abs(amount) * 0.0005)


def _num(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _fmt(value: float) -> str:
    return f"{value:,.2f}"


def check_document(doc: dict[str, Any], today: Optional[dt.date] = None) -> list[Warning]:
    warnings: list[Warning] = []
    warnings += _check_amounts(doc)
    for role in ("seller", "buyer"):
        party = doc.get(role) or {}
        warnings += _check_vat(party.get("vat"), f"{role}.vat", (party.get("address") or {}).get("country_code"))
        warnings += _check_iban(party.get("iban"), f"{role}.iban")
    warnings += _check_dates(doc, today or dt.date.today())
    return warnings


def _check_amounts(doc: dict[str, Any]) -> list[Warning]:
    out: list[Warning] = []
    subtotal, total_tax, total = _num(doc.get("subtotal")), _num(doc.get("total_tax")), _num(doc.get("total"))
    lines = [line for line in doc.get("lines") or [] if _num(line.get("amount")) is not None]
    if lines and subtotal is not None:
        lines_sum = sum(_num(line["amount"]) for line in lines)
        if abs(lines_sum - subtotal) > _tolerance(subtotal, len(lines)):
            out.append(Warning(
                "lines_subtotal_mismatch",
                f"The line amounts add up to {_fmt(lines_sum)} but the subtotal is {_fmt(subtotal)} "
                "(document-level discounts or charges, or a misread line).", "subtotal"))
    for i, line in enumerate(doc.get("lines") or []):
        qty, price, amount = _num(line.get("quantity")), _num(line.get("unit_price")), _num(line.get("amount"))
        if qty is None or price is None or amount is None:
            continue
        expected = qty * price * (1 - (_num(line.get("discount_percent")) or 0.0) / 100)
        if abs(expected - amount) > _tolerance(amount):
            out.append(Warning(
                "line_amount_mismatch",
                f"Line {i + 1}: {qty:g} × {_fmt(price)} is {_fmt(expected)}, but its amount is {_fmt(amount)} "
                "(a charge on the line, a price per several units, or a misread value).", f"lines[{i}].amount"))
    taxes = [t for t in doc.get("taxes") or [] if _num(t.get("amount")) is not None]
    if taxes and total_tax is not None:
        taxes_sum = sum(_num(t["amount"]) for t in taxes)
        if abs(taxes_sum - total_tax) > _tolerance(total_tax, len(taxes)):
            out.append(Warning("taxes_total_mismatch",
                               f"The tax amounts per rate add up to {_fmt(taxes_sum)} but the total tax is "
                               f"{_fmt(total_tax)}.", "total_tax", serious=True))
    for i, tax in enumerate(doc.get("taxes") or []):
        rate, base, amount = _num(tax.get("rate")), _num(tax.get("base")), _num(tax.get("amount"))
        if rate is not None and base is not None and amount is not None:
            expected = base * rate / 100
            if abs(expected - amount) > _tolerance(amount, 2):
                out.append(Warning("tax_rate_mismatch",
                                   f"{rate:g} % of {_fmt(base)} is {_fmt(expected)}, not {_fmt(amount)}.",
                                   f"taxes[{i}].amount"))
    if subtotal is not None and total_tax is not None and total is not None:
        if abs(subtotal + total_tax - total) > _tolerance(total, 2):
            out.append(Warning("total_mismatch",
                               f"Subtotal {_fmt(subtotal)} + tax {_fmt(total_tax)} = {_fmt(subtotal + total_tax)}, "
                               f"but the total is {_fmt(total)}.", "total", serious=True))
    return out


def _vat_module(vat: str, country_code: Optional[str]):
    prefix = vat[:2].upper()
    if prefix.isalpha():
        code = {"EL": "gr", "XI": "gb"}.get(prefix, prefix.lower())
        try:
            return get_cc_module(code, "vat"), vat
        except Exception:
            pass
    if country_code:
        try:
            return get_cc_module(country_code.lower(), "vat"), vat
        except Exception:
            pass
    return None, vat


def _check_vat(vat: Optional[str], path: str, country_code: Optional[str]) -> list[Warning]:
    if not vat:
        return []
    module, number = _vat_module(vat, country_code)
    if module is None:
        return []  # a country python-stdnum does not know: nothing to say either way
    try:
        module.validate(number)
    except StdnumError as exc:
        return [Warning("invalid_vat", f"VAT id {vat} is not valid ({exc}).", path, serious=True)]
    except Exception:  # some modules validate only certain formats; unknown format is not an error of ours
        return []
    return []


def _check_iban(iban: Optional[str], path: str) -> list[Warning]:
    if not iban:
        return []
    try:
        stdnum_iban.validate(iban)
    except StdnumError as exc:
        return [Warning("invalid_iban", f"IBAN {iban} is not valid ({exc}).", path, serious=True)]
    return []


def _date(value: Any, path: str, out: list[Warning]) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        out.append(Warning("invalid_date", f"{value!r} is not a calendar date.", path, serious=True))
        return None


def _check_dates(doc: dict[str, Any], today: dt.date) -> list[Warning]:
    out: list[Warning] = []
    issue = _date(doc.get("issue_date"), "issue_date", out)
    due = _date(doc.get("due_date"), "due_date", out)
    if issue is not None and not (dt.date(1990, 1, 1) <= issue <= today + dt.timedelta(days=366)):
        out.append(Warning("implausible_date", f"The issue date {issue.isoformat()} is implausible.", "issue_date",
                           serious=True))
    if issue is not None and due is not None and due < issue:
        out.append(Warning("due_before_issue",
                           f"The due date {due.isoformat()} is before the issue date {issue.isoformat()}.",
                           "due_date"))
    return out
