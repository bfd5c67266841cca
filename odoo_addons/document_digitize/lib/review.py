"""What a person should check after a document was mapped, and how the totals are verified.

Runs after the Odoo layer has written the mapped values: Odoo computes its totals and tax lines,
and these functions compare them with the document's, compute the per-rate tax amounts to set
when only rounding differs (documents round tax per rate on the summed base, Odoo may round per
line), decide whether the record needs review, and render the chatter note.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from .evidence import record_field
from .normalize import Document, normalize_document
from .text import ReviewItem  # defined with the text helpers (normalize needs it too); importable from here


@dataclass(frozen=True)
class TaxAdjustment:
    """Set the record's tax line for ``tax_id`` to ``document_amount`` (document currency, positive)."""

    tax_id: int
    rate: float
    base: float
    odoo_amount: float
    document_amount: float

    @property
    def delta(self) -> float:
        return round(self.document_amount - self.odoo_amount, 6)


def _document(doc: Any) -> Document:
    return doc if isinstance(doc, Document) else normalize_document(doc)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def items_from_warnings(warnings: Optional[Iterable[Any]]) -> list[ReviewItem]:
    """The sidecar's warnings (dicts or ``ocr.v1.Warning`` messages) as review items."""
    items = []
    for warning in warnings or ():
        code = _get(warning, "code") or "warning"
        message = _get(warning, "message") or code
        items.append(ReviewItem(code=str(code), message=str(message), field=_get(warning, "field") or None,
                                serious=bool(_get(warning, "serious", False))))
    return items


_TOTALS = (
    ("subtotal", "amount_untaxed", "Untaxed amount"),
    ("total_tax", "amount_tax", "Tax"),
    ("total", "amount_total", "Total"),
)


def compare_totals(doc: Any, odoo_totals: Mapping[str, float], tolerance: float = 0.0) -> list[ReviewItem]:
    """Compare Odoo's totals with the document's.

    ``doc``: the canonical dict or a normalised ``Document``. ``odoo_totals``: ``amount_untaxed``,
    ``amount_tax``, ``amount_total`` of the record, positive, in the document's currency.
    ``tolerance``: largest accepted difference (the setting "total tolerance"); differences are
    compared after rounding to cents, so 0 means "to the cent".
    Returns one serious item per total that differs, or a note when the document prints no totals.
    """
    document = _document(doc)
    items = []
    compared = 0
    for doc_attr, odoo_key, label in _TOTALS:
        printed = getattr(document, doc_attr)
        computed = odoo_totals.get(odoo_key)
        if printed is None or computed is None:
            continue
        compared += 1
        difference = round(abs(computed) - printed, 2)
        if abs(difference) > tolerance + 1e-9:
            items.append(ReviewItem(
                "total_mismatch",
                f"{label}: Odoo computes {abs(computed):.2f}, the document says {printed:.2f} "
                f"(difference {difference:+.2f}). Check the lines, their taxes and any document-level "
                "discount or charge.", odoo_key, serious=True))
    if not compared:
        items.append(ReviewItem("totals_unchecked", "The document prints no totals to compare with: check the "
                                "amounts against the original.", "total"))
    return items


def tax_adjustments(doc: Any, odoo_tax_lines: Sequence[Mapping[str, Any]]) -> list[TaxAdjustment]:
    """Per-rate corrections that make Odoo's tax amounts equal the document's.

    ``odoo_tax_lines``: one mapping per tax line of the record with ``tax_id``, ``rate`` (percent),
    ``base`` and ``amount`` (positive, document currency).
    A correction is proposed only where it is a rounding difference: the document states that
    rate's base and amount, exactly one Odoo tax line has that rate, its base equals the document's
    to the cent, and the amounts differ by no more than per-line rounding can explain (half a cent
    per line). Anything larger is a real difference, left to ``compare_totals`` and the user.
    """
    document = _document(doc)
    line_count = len(document.lines) + len(document.taxes)  # taxes: possible header allowance lines
    limit = max(0.01, 0.005 * (line_count + 1)) + 1e-9
    per_rate: dict[float, list[float]] = {}
    for summary in document.taxes:
        if summary.rate is None or summary.base is None or summary.amount is None:
            continue
        # A rate may be listed twice (two exemption reasons at 0 %): compare the sums.
        base, amount = per_rate.get(summary.rate, [0.0, 0.0])
        per_rate[summary.rate] = [base + summary.base, amount + summary.amount]
    adjustments = []
    for rate, (doc_base, doc_amount) in per_rate.items():
        same_rate = [t for t in odoo_tax_lines if abs(float(_get(t, "rate", 0.0)) - rate) < 1e-4]
        if len(same_rate) != 1:
            continue
        tax_line = same_rate[0]
        base = abs(float(_get(tax_line, "base", 0.0)))
        amount = abs(float(_get(tax_line, "amount", 0.0)))
        if abs(base - doc_base) >= 0.005:
            continue
        difference = abs(round(doc_amount - amount, 2))
        if 0 < difference <= limit:
            adjustments.append(TaxAdjustment(tax_id=int(_get(tax_line, "tax_id")), rate=rate,
                                             base=round(doc_base, 2), odoo_amount=amount,
                                             document_amount=round(doc_amount, 2)))
    return adjustments


def needs_review(items: Iterable[ReviewItem]) -> bool:
    return any(item.serious for item in items)


def review_note_html(items: Iterable[Union[ReviewItem, Any]], title: str = "Digitized document: please check") -> str:
    """Chatter note listing what to check, serious items first; every value is HTML-escaped.

    Items without a ``group`` are listed under ``title``, then each group under its own heading (in the
    order the groups first appear). Returns '' when there is nothing to say. The Odoo layer wraps the
    result in ``Markup``.
    """
    sections: dict[Optional[str], list[ReviewItem]] = {None: []}
    for item in items:
        section = sections.setdefault(item.group, [])
        if item not in section:
            section.append(item)
    parts = []
    for group, section in sections.items():
        if not section:
            continue
        section.sort(key=lambda item: not item.serious)  # stable: document order within each group
        rows = []
        for item in section:
            label = "<strong>To check:</strong> " if item.serious else ""
            field = f" <small>({html.escape(item.field)})</small>" if item.field else ""
            rows.append(f"<li>{label}{html.escape(item.message)}{field}</li>")
        parts.append(f"<p><strong>{html.escape(group or title)}</strong></p><ul>{''.join(rows)}</ul>")
    return "".join(parts)


def low_confidence_fields(confidence: Mapping[str, float], target: str, threshold: float = 0.5) -> list[str]:
    """Odoo fields of ``target`` whose value was read with less than ``threshold`` confidence (sorted); a line's
    value marks the lines' field."""
    found = set()
    for path, value in (confidence or {}).items():
        if value is None or value >= threshold:
            continue
        name = record_field(path.split(".", 1)[0] if path.startswith("lines[") else path, target)
        if name:
            found.add(name)
    return sorted(found)
