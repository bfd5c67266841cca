"""The confidence step of :class:`~.DocumentMapper`: a review item for each field the reading was unsure of."""

from __future__ import annotations

from ..evidence import field_label as _field_label
from ..evidence import shown as _shown
from ..evidence import value_at as _value_at
from ..text import ReviewItem
from .result import _fmt

# Top-level fields whose low confidence is serious: a wrong value there costs money or a wrong partner.
_KEY_FIELDS = {"document_number", "issue_date", "due_date", "currency", "subtotal", "total_tax", "total",
               "amount_due", "seller.vat", "seller.iban", "seller.name", "buyer.vat", "buyer.name"}


class ConfidenceSteps:
    """Uses the mapper's ``raw``, ``field_confidence``, ``options`` and ``target``."""

    def confidence_items(self) -> list[ReviewItem]:
        items = []
        threshold = self.options.confidence_threshold
        for path, confidence in sorted(self.field_confidence.items(), key=lambda kv: kv[1]):
            if confidence is None or confidence >= threshold:
                continue
            value = _value_at(self.raw, path)
            read = f" read as “{_fmt(value)}”" if value not in (None, "") else ""
            items.append(ReviewItem(
                "low_confidence", f"{_field_label(path, self.target)}{read} with {confidence:.0%} confidence: "
                "compare it with the document.", path, serious=path in _KEY_FIELDS,
                value=_shown(path, value) if value not in (None, "") else None))
        return items
