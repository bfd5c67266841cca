"""Is this bill already in the books? A pure decision over the candidates the Odoo layer fetched.

After digitizing, the ORM loads the company's other bills that share the vendor and a reference, or a
document file, with the new one; this module decides which of them are duplicates and writes the review
items. It never chooses which bill to keep: nothing is deleted, the new bill waits for a person.

Rules (in the manner of Odoo's own ``duplicated_ref_ids`` for vendor bills, plus the file):
- same vendor (commercial partner) and same reference, compared as ``reference_key`` ('INV-7' = 'inv 7'),
  unless both bills have invoice dates in different years (vendors restart their numbering);
- or the same file (``ir.attachment.checksum``), whatever was read from it: a mail received twice;
- cancelled bills and bills of another company are never duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional, Union

from .text import ReviewItem, reference_key

DateLike = Union[dt.date, str, None]

SAME_REFERENCE = "reference"
SAME_FILE = "file"


@dataclass(frozen=True)
class BillKey:
    """What identifies a bill for duplicate detection (the new bill or a candidate)."""

    id: int
    name: str  # display name, shown to the user
    partner_id: Optional[int] = None  # commercial partner (the vendor)
    reference: Optional[str] = None  # the vendor's invoice number (``ref``)
    invoice_date: DateLike = None
    checksums: frozenset = frozenset()  # checksums of its document files
    company_id: Optional[int] = None
    cancelled: bool = False


@dataclass(frozen=True)
class Duplicate:
    id: int
    name: str
    reasons: tuple  # SAME_REFERENCE and/or SAME_FILE


def _year(value: DateLike) -> Optional[int]:
    if isinstance(value, dt.date):
        return value.year
    if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])
    return None


def same_reference(bill: BillKey, other: BillKey) -> bool:
    key = reference_key(bill.reference)
    if not key or not bill.partner_id or bill.partner_id != other.partner_id or key != reference_key(other.reference):
        return False
    years = _year(bill.invoice_date), _year(other.invoice_date)
    return None in years or years[0] == years[1]


def find_duplicates(bill: BillKey, candidates: Iterable[BillKey]) -> list[Duplicate]:
    """The candidates ``bill`` duplicates, oldest first, each with why."""
    found = {}
    for other in candidates:
        if other.id == bill.id or other.cancelled or other.id in found:
            continue
        if bill.company_id and other.company_id and bill.company_id != other.company_id:
            continue
        reasons = tuple(reason for reason, hit in ((SAME_REFERENCE, same_reference(bill, other)),
                                                   (SAME_FILE, bool(bill.checksums & other.checksums))) if hit)
        if reasons:
            found[other.id] = Duplicate(other.id, other.name, reasons)
    return [found[key] for key in sorted(found)]


def duplicate_message(bill: BillKey, duplicate: Duplicate) -> str:
    why = []
    if SAME_REFERENCE in duplicate.reasons:
        why.append(f"same vendor and reference {bill.reference}")
    if SAME_FILE in duplicate.reasons:
        why.append("the same file was already received")
    return (f"Possible duplicate of {duplicate.name}: {' and '.join(why)}. Check both; cancel this one if it is "
            "the same bill.")


def duplicate_items(bill: BillKey, candidates: Iterable[BillKey]) -> list[ReviewItem]:
    """Serious review items (the bill needs review), one per other bill it duplicates."""
    return [ReviewItem("possible_duplicate", duplicate_message(bill, duplicate), "ref", serious=True)
            for duplicate in find_duplicates(bill, candidates)]


# --- expenses ----------------------------------------------------------------------------------------
# Odoo itself warns about expenses of the same employee, category, date and amount; a receipt read twice has no
# category yet, so the merchant stands for it: same employee, date, total (in the same currency) and merchant —
# or the same receipt file on another expense. Refused expenses are never duplicates.

SAME_RECEIPT = "receipt"


@dataclass(frozen=True)
class ExpenseKey:
    """What identifies an expense for duplicate detection (the new one or a candidate)."""

    id: int
    name: str  # shown to the user
    employee_id: Optional[int] = None
    date: DateLike = None
    total: Optional[float] = None  # in its own currency
    currency: Optional[str] = None
    merchant: Optional[str] = None  # memory.merchant_key of the merchant as printed
    checksums: frozenset = frozenset()
    company_id: Optional[int] = None
    refused: bool = False


def same_receipt(expense: ExpenseKey, other: ExpenseKey) -> bool:
    """Same employee, date, total in the same currency, and merchant."""
    return bool(expense.employee_id and expense.merchant and expense.date and expense.total
                and (expense.employee_id, str(expense.date), expense.currency, expense.merchant)
                == (other.employee_id, str(other.date), other.currency, other.merchant)
                and other.total is not None and abs(expense.total - other.total) < 0.005)


def find_expense_duplicates(expense: ExpenseKey, candidates: Iterable[ExpenseKey]) -> list[Duplicate]:
    """The candidates ``expense`` duplicates, oldest first, each with why."""
    found = {}
    for other in candidates:
        if other.id == expense.id or other.refused or other.id in found:
            continue
        if expense.company_id and other.company_id and expense.company_id != other.company_id:
            continue
        reasons = tuple(reason for reason, hit in ((SAME_RECEIPT, same_receipt(expense, other)),
                                                   (SAME_FILE, bool(expense.checksums & other.checksums))) if hit)
        if reasons:
            found[other.id] = Duplicate(other.id, other.name, reasons)
    return [found[key] for key in sorted(found)]


def expense_duplicate_items(expense: ExpenseKey, candidates: Iterable[ExpenseKey]) -> list[ReviewItem]:
    """Serious review items (the expense needs review), one per other expense it duplicates."""
    items = []
    for duplicate in find_expense_duplicates(expense, candidates):
        why = []
        if SAME_RECEIPT in duplicate.reasons:
            why.append("same employee, date, total and merchant")
        if SAME_FILE in duplicate.reasons:
            why.append("the same receipt file is on it")
        items.append(ReviewItem("possible_duplicate", f"Possible duplicate of {duplicate.name}: {' and '.join(why)}. "
                                "Check both; delete this one if it is the same expense.", "name", serious=True))
    return items
