"""What the words reader gives: candidates per field, and a document of the best."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..words import Box

# The fields the words reader proposes, as JSON paths of the canonical document. Tax summary rows are
# ``taxes[i].rate`` / ``.base`` / ``.amount``; lines (``lines[i].*``) are measured apart.
HEADER_PATHS = ("document_type", "document_number", "issue_date", "due_date", "currency", "order_reference",
                "payment_reference", "seller.name", "seller.vat", "seller.iban", "buyer.name", "buyer.vat",
                "subtotal", "total_tax", "total", "amount_due")


@dataclass
class Candidate:
    value: Any  # the canonical value: str (ISO date, compact VAT id/IBAN, ISO currency), float, or a type name
    score: float  # calibrated: a 0.9 is right about 9 times in 10
    page: int  # 1-based; 0 when not printed as such (document_type read from a title is printed: its page)
    boxes: list[Box] = field(default_factory=list)  # the words it was read from
    text: str = ""  # as printed

    def as_json(self) -> dict:
        return {"value": self.value, "score": round(self.score, 4), "page": self.page,
                "boxes": [[round(c, 5) for c in box] for box in self.boxes], "text": self.text}


def value_at(document: Any, path: str) -> Any:
    """The value at a dotted path of a document (``seller.vat``), None where any part is missing."""
    node = document
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


@dataclass
class Reading:
    document: dict  # the best candidates, shaped as the canonical document (fields without one are absent)
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)  # JSON path -> best first
    # every value of each field's kind the page prints, scored for the field (candidates holds the first few):
    # whether another reader's value is printed at all, and how this reader rates it
    printed: dict[str, list[Candidate]] = field(default_factory=dict, compare=False, repr=False)
    # the pages' printed lines, each its words' texts joined by spaces, pages one after the other: where another
    # reader's value is looked up that no candidate is (a number printed in two words, a name over two lines)
    lines: list[str] = field(default_factory=list, compare=False, repr=False)
    text_layer: bool = field(default=False, compare=False, repr=False)  # every page's words are a PDF's text (exact)

    def candidates_json(self) -> dict[str, list[dict]]:
        return {path: [c.as_json() for c in found] for path, found in self.candidates.items()}
