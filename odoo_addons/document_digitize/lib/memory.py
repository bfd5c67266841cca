"""Vendor memory: what a person chose for a vendor's line, remembered and applied next time. Pure, no ORM.

When a digitized bill is confirmed, each line that the mapping filled in is compared with the line as the
person confirmed it; where product, account, taxes or analytic distribution were changed, that choice is
remembered for the vendor under the line's key (the vendor's product code, else its description). The next
documents of that vendor get the remembered choice before any generic matching. Memory is per company and
per vendor, visible and editable in Odoo (Accounting → Configuration → Digitization memory).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from .text import compact, core_name, fold

_NUMBERS = re.compile(r"\b\d[\d.,/-]*\b")  # dates, periods, quantities inside a description change every month


def memory_key(description: Optional[str], product_code: Optional[str] = None) -> Optional[str]:
    """'code:ABC123' for a vendor product code, else 'text:<folded words without numbers>'; None if empty.

    'Hosting March 2024' and 'Hosting April 2024' differ in their month name, but 'Support 03/2024' and
    'Support 04/2024' share a key: numbers are dropped, words are kept."""
    code = "".join(ch for ch in (product_code or "") if ch.isalnum()).upper()
    if code:
        return f"code:{code}"
    words = _NUMBERS.sub(" ", fold(description or "")).split()
    return f"text:{' '.join(words)[:200]}" if words else None


def merchant_key(name: Optional[str], vat: Optional[str] = None) -> Optional[str]:
    """Who a receipt is from, for the expense category remembered for that merchant: 'vat:<compact VAT id>' when
    the receipt prints one, else 'name:<the name's significant words, without numbers>' — the branch or till
    number of 'Shell 0412' or 'Starbucks #2231' changes from one receipt to the next; None when neither."""
    number = compact(vat)
    if len(number) >= 5:
        return f"vat:{number}"
    words = _NUMBERS.sub(" ", core_name(name or "") or fold(name or "")).split()
    return f"name:{' '.join(words)[:200]}" if words else None


@dataclass(frozen=True)
class Choice:
    """What a line was given. ``None`` = not part of the choice (left to Odoo)."""

    product_id: Optional[int] = None
    account_id: Optional[int] = None
    tax_ids: Optional[tuple[int, ...]] = None
    analytic_distribution: Optional[tuple[tuple[str, float], ...]] = None

    @classmethod
    def of(cls, product_id=None, account_id=None, tax_ids=None, analytic_distribution=None) -> "Choice":
        taxes = tuple(sorted(int(t) for t in tax_ids)) if tax_ids is not None else None
        analytic = (tuple(sorted((str(k), round(float(v), 4)) for k, v in analytic_distribution.items()))
                    if analytic_distribution else None)
        return cls(product_id or None, account_id or None, taxes, analytic)

    def as_values(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "account_id": self.account_id,
                "tax_ids": list(self.tax_ids) if self.tax_ids is not None else None,
                "analytic_distribution": dict(self.analytic_distribution) if self.analytic_distribution else None}


@dataclass(frozen=True)
class Correction:
    key: str
    description: str
    choice: Choice


def corrections(lines: Iterable[Mapping[str, Any]]) -> list[Correction]:
    """Lines of a confirmed bill (``key``, ``description``, ``proposed`` and ``final`` as :class:`Choice`) →
    the choices a person made that differ from what digitization proposed. One per key (the last wins)."""
    found: dict[str, Correction] = {}
    for line in lines:
        key, proposed, final = line.get("key"), line.get("proposed"), line.get("final")
        if not key or proposed is None or final is None or proposed == final:
            continue
        found[key] = Correction(key, line.get("description") or "", final)
    return list(found.values())
