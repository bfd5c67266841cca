"""Two readers, one answer: another reader's document (the VLM's) against the words reader's reading.

Each header field the document holds is, against the words reader:
- *confirmed* — the words reader's first candidate is the same value (the evaluation's rules: numbers to the cent,
  dates as dates, VAT ids and IBANs compacted, names ≥ 90 % alike) and scores at least ``CONFIRM``; its confidence
  rises (either reader right: 1 − (1 − c)(1 − s));
- *in disagreement* — the document's value is printed nowhere on the pages as a value of its kind (no amount, date,
  identifier… the words reader found is it) while the words reader has a candidate scoring at least ``ABSENT``;
  or it is printed but the words reader is sure of another (``SURE``) and gives the document's value at most
  ``UNLIKELY``. Its confidence falls (c × (1 − s)) and a warning ``readers_disagree`` names the field, both values
  and where the words reader's is printed;
- otherwise unsaid (the words reader has no opinion worth stating).
The thresholds were chosen on generated documents (``synth.py``), never on the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..match import values_match
from ..types import Warning
from .reading import HEADER_PATHS, Candidate, Reading, value_at

CONFIRM = 0.5
ABSENT = 0.05
SURE = 0.6
UNLIKELY = 0.1


@dataclass
class Disagreement:
    path: str
    value: Any  # the document's
    words: Candidate  # the words reader's first
    printed: bool = True  # the document's value is printed on the pages (as a value of its kind)

    def warning(self) -> Warning:
        where = f" (printed \"{self.words.text}\" on page {self.words.page})" if self.words.page else ""
        model = _shown(self.value) + ("" if self.printed else ", printed nowhere on the pages")
        return Warning("readers_disagree",
                       f"{self.path}: the model read {model}; the page's words read "
                       f"{_shown(self.words.value)}{where}. Check which one the document says.", self.path)


@dataclass
class Agreement:
    confirmed: list[str]
    disagreements: list[Disagreement]
    confidence: dict[str, float]

    @property
    def warnings(self) -> list[Warning]:
        return [d.warning() for d in self.disagreements]


def _shown(value: Any) -> str:
    return f"\"{value}\"" if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


def _same(path: str, a: Any, b: Any) -> bool:
    return values_match(path.rsplit(".", 1)[-1], a, b)


def compare(document: dict, reading: Reading, confidence: Optional[dict[str, float]] = None) -> Agreement:
    confidence = dict(confidence or {})
    confirmed, disagreements = [], []
    for path in HEADER_PATHS:
        value = value_at(document, path)
        found = reading.candidates.get(path) or []
        if value in (None, "") or not found:
            continue
        first = found[0]
        c = confidence.get(path, 0.5)
        own = next((o for o in reading.printed.get(path, found) if _same(path, value, o.value)), None)
        if _same(path, value, first.value):
            if first.score >= CONFIRM:
                confirmed.append(path)
                confidence[path] = round(1 - (1 - c) * (1 - first.score), 4)
        elif (own is None and first.score >= ABSENT) or (first.score >= SURE and own is not None
                                                         and own.score <= UNLIKELY):
            disagreements.append(Disagreement(path, value, first, printed=own is not None))
            confidence[path] = round(c * (1 - first.score), 4)
    return Agreement(confirmed, disagreements, confidence)
