"""Whether a reading can be trusted: ``check`` (arithmetic, identity, completeness); the caller falls back to
the model when it cannot."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..text import ReviewItem
from .identify import Identity
from .read import Reading


def check(reading: Reading, layout: Mapping[str, Any], identity: Optional[Identity] = None,
          tolerance: float = 0.01) -> list[ReviewItem]:
    """What speaks against the reading, as serious review items (empty: it can be used as is).

    - a learned field or the lines table not found: the template changed;
    - the lines' amounts do not add up to the subtotal (when both are read), subtotal + tax ≠ total (the tax
      rows' sum where no total tax is read), the tax rows' amounts ≠ the total tax;
    - the issuer not recognised from the page's own VAT id / IBAN / name."""
    doc = reading.document
    items = []
    if reading.missing:
        items.append(ReviewItem("layout_missing", "Not found where the vendor's layout expects it: "
                                f"{', '.join(reading.missing)}.", reading.missing[0], serious=True))
    if layout.get("lines_learned") and not layout.get("table"):
        items.append(ReviewItem("layout_no_table", "The vendor's lines table was not learned: its lines cannot be "
                                "read from the layout.", "lines", serious=True))
    if identity is None:
        items.append(ReviewItem("layout_identity", "The page does not name the layout's vendor (VAT id, IBAN or "
                                "name).", "seller", serious=True))
    lines = doc.get("lines") or []
    amounts = [line.get("amount") for line in lines]
    subtotal, tax, total = doc.get("subtotal"), doc.get("total_tax"), doc.get("total")
    if lines and all(a is not None for a in amounts) and subtotal is not None:
        if abs(sum(amounts) - subtotal) > tolerance + 1e-9 and not layout.get("lines_differ_from_subtotal"):
            items.append(ReviewItem("layout_lines_sum", f"The lines add up to {sum(amounts):.2f}, the subtotal read "
                                    f"is {subtotal:.2f}.", "subtotal", serious=True))
    if subtotal is not None and tax is not None and total is not None and abs(subtotal + tax - total) > tolerance:
        items.append(ReviewItem("layout_total", f"Subtotal {subtotal:.2f} + tax {tax:.2f} ≠ total {total:.2f}.",
                                "total", serious=True))
    taxes = [t.get("amount") for t in doc.get("taxes") or []]
    if (tax is None and taxes and all(a is not None for a in taxes) and subtotal is not None and total is not None
            and abs(subtotal + sum(taxes) - total) > tolerance):
        items.append(ReviewItem("layout_total", f"Subtotal {subtotal:.2f} + the tax rows {sum(taxes):.2f} ≠ total "
                                f"{total:.2f}.", "total", serious=True))
    if taxes and all(a is not None for a in taxes) and tax is not None and abs(sum(taxes) - tax) > tolerance:
        items.append(ReviewItem("layout_taxes", f"The tax rows add up to {sum(taxes):.2f}, the total tax read is "
                                f"{tax:.2f}.", "total_tax", serious=True))
    rates = [t.get("rate") for t in doc.get("taxes") or []] + [line.get("tax_rate") for line in lines]
    if any(rate is not None and not 0 <= rate <= 100 for rate in rates):
        items.append(ReviewItem("layout_rate", "A tax rate read is not a percentage: the layout took another number "
                                "for it.", "taxes", serious=True))
    if total is None and subtotal is None and not lines:
        items.append(ReviewItem("layout_empty", "Neither totals nor lines were read.", "total", serious=True))
    return items
