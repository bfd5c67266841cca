"""Evidence for the answer: where each value was printed, a warning where it was not, and confidence that
says so.

After decoding, every value of the canonical document is looked for in the pages' word layers
(``locate.py``). The answer carries, per JSON path, the page and the boxes of the words that print it.

Field confidence combines the model's probability ``p`` with that evidence:

    c = p × s             the value is on the page; s = 1 for an exact (normalised) match, the fuzzy
                          similarity (0.90–1.00) for names, addresses and descriptions
    c = min(p, 0.4)       a page has a word layer but the value is not on it (below the review threshold)
    c = p                 no page has a word layer (nothing to check against)

and a value not on a page that has a word layer gets the warning ``value_not_on_page``, serious for the
totals, tax amounts, dates, VAT ids, IBANs and the document number — the values a plausible but invented
answer costs most.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from .locate import locate, printed_paths, value_at
from .types import Evidence, Warning
from .words import WordLayer

NOT_FOUND_CONFIDENCE = 0.4
SERIOUS_WHEN_MISSING = frozenset({"subtotal", "total_tax", "total", "amount_due", "taxes[].amount", "issue_date",
                                  "due_date", "seller.vat", "buyer.vat", "seller.iban", "buyer.iban",
                                  "document_number"})


def is_absence(value) -> bool:
    """A zero number: what a page that prints nothing there means (no tax, no discount), so not being printed is
    no sign that it was invented."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def generic(path: str) -> str:
    """``lines[2].amount`` → ``lines[].amount``."""
    return re.sub(r"\[\d+\]", "[]", path)


def attach(document: dict, layers: Sequence[Optional[WordLayer]], confidence: dict[str, float]
           ) -> tuple[list[Evidence], list[Warning], dict[str, float]]:
    """(evidence, warnings, confidence combined with the evidence) for ``document`` read from these pages."""
    if not any(layer is not None and layer.words for layer in layers):
        return [], [], dict(confidence)
    found = locate(document, layers)
    warnings: list[Warning] = []
    combined = dict(confidence)
    for path in printed_paths(document):
        item = found.get(path)
        if item is not None:
            if path in combined:
                combined[path] = round(combined[path] * item.score, 4)
            continue
        value = value_at(document, path)
        if is_absence(value):
            continue  # a zero amount or rate not printed: nothing was there to print (no tax on a zero-VAT bill)
        if path in combined:
            combined[path] = min(combined[path], NOT_FOUND_CONFIDENCE)
        serious = generic(path) in SERIOUS_WHEN_MISSING
        shown = f"“{value}”" if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
        warnings.append(Warning("value_not_on_page", f"{path}: {shown} was read, but it is not printed on the "
                                "document's pages; check it against the original.", path, serious=serious))
    return list(found.values()), warnings, combined
