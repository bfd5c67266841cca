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
answer costs most. A total the page does not print but implies (``derived``: a total tax as the sum of the
printed tax rows, a subtotal as the sum of the printed lines, ...) gets the evidence of its parts, source
"derived", and no warning.
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


# A total the page does not print may be implied by the values it is made of, all printed: a total tax on a page
# that prints only one row per rate, a subtotal of the lines, a total of subtotal and tax, the amount due
# when it is the total. Such a value is shown with its parts (source "derived"), not flagged as not on the page.
PARTS = {  # a total → the values it is the sum of ("[]": every row)
    "total_tax": ("taxes[].amount",),
    "subtotal": ("lines[].amount",),
    "total": ("subtotal", "total_tax"),
    "amount_due": ("total",),
}


def with_derived(document: dict, found: dict[str, Evidence], paths: Sequence[str]) -> dict[str, Evidence]:
    """``found`` (``locate``'s evidence) with the totals among ``paths`` that the page implies (``derived``)."""
    missing = [path for path in paths if path not in found]
    while True:  # a derived total may be the part of another (total_tax, then total)
        made = {path: item for path in missing if (item := derived(document, path, found)) is not None}
        if not made:
            return found
        found.update(made)
        missing = [path for path in missing if path not in made]


def derived(document: dict, path: str, found: dict[str, Evidence]) -> Optional[Evidence]:
    """Evidence for a total not printed on the page but equal (to the cent) to the sum of printed values."""
    recipe = PARTS.get(path)
    value = value_at(document, path)
    if recipe is None or not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    parts = []
    for part in recipe:
        if part.endswith("[].amount"):
            items = document.get(part.split("[")[0]) or []
            parts += [f"{part.split('[')[0]}[{i}].amount" for i in range(len(items))]
        else:
            parts.append(part)
    try:
        values = [value_at(document, part) for part in parts]
    except (KeyError, IndexError, TypeError):
        return None  # a part the document does not have (a line without an amount)
    if not parts or any(part not in found or not isinstance(v, (int, float)) for part, v in zip(parts, values)):
        return None
    if abs(sum(values) - value) > 0.005 + 1e-9:
        return None
    shown = [found[part] for part in parts]
    return Evidence(path, shown[0].page, [box for item in shown for box in item.boxes],
                    " + ".join(item.text for item in shown), "derived", min(item.score for item in shown),
                    sorted({row for item in shown for row in item.rows}))


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
    paths = printed_paths(document)
    with_derived(document, found, paths)
    for path in paths:
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
