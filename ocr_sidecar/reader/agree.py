"""Two readers, one answer: another reader's document (the VLM's) against the words reader's reading.

Each header field the document holds is, against the words reader:
- *confirmed* — the words reader's first candidate is the same value (the evaluation's rules: numbers to the cent,
  dates as dates, VAT ids and IBANs compacted, names ≥ 90 % alike; a party's name also when the two differ only
  by legal forms and salutations, "Au bon moulin" and "Au bon moulin SARL", or one is the other's first two words
  or more, a name wrapped over lines and read in part) and scores at least ``CONFIRM``; its confidence rises
  (either reader right: 1 − (1 − c)(1 − s));
- *in disagreement* — the document's value is printed nowhere on the pages while the words reader has a
  candidate scoring at least ``ABSENT`` (``TYPE_ABSENT`` for a document type no title prints); or, on a PDF's
  text layer (exact letters, not OCR), printed nowhere at all (a zero amount needs no printing), whatever the words reader scores or whether it
  has a candidate; or it is printed but the words reader is sure of another (``SURE``) and gives the document's
  value at most ``UNLIKELY``; or both parties carry the same name or VAT id (one party's copied onto the
  other's): the party the words reader rates the value lower for. Its confidence falls (c × (1 − s), or by half
  without a candidate) and a warning ``readers_disagree`` names the field, both values and where the words
  reader's is printed;
- otherwise unsaid (the words reader has no opinion worth stating).
"Printed" is first a candidate of the field's kind that is the value; then, where the reading carries the pages'
lines (``Reading.lines``), the printed text itself: an identifier's letters and digits within a line or two read
together ("Rechnung 181301674" in two words, "00.123.456.7-2014-1" broken by a space), a name's words within three
lines, legal forms and salutations aside, a longer word with one letter in five misread. On pages read by OCR, what
OCR reads one for the other counts as one ("Bl8-4363" is B18-4363, "Prirnus" Primus): a right value it misread is
not printed nowhere, and a value changed by one character still is.
The thresholds were chosen on generated documents (``synth.py``, seeds apart from training's and the benchmark's),
never on the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from rapidfuzz import fuzz

from ..match import values_match
from ..printed import compact
from ..types import Warning
from .labels import LEGAL_FORMS, tokens
from .reading import HEADER_PATHS, Candidate, Reading, value_at

CONFIRM = 0.5
ABSENT = 0.05
SURE = 0.6
UNLIKELY = 0.1
TYPE_ABSENT = 0.3  # a type no title prints: disagreed with only where the words reader's type scores this
# A name's words that do not tell one party from another: legal forms (more than the features' list: a name is
# compared with them left out), salutations and the particles of "& Co.", "a.G."
_NOT_NAME = LEGAL_FORMS | frozenset(
    "corporation incorporated limited gesellschaft cia ltda sca scs ag ev eg ig kgaa se sasu sci scop selarl"
    " herr herrn frau mr mrs ms miss m mme mlle sr sra dhr mevr heer firma a g".split())
_IDENTS = frozenset({"document_number", "order_reference", "payment_reference", "vat", "iban"})
_PARTIES = (("seller.name", "buyer.name"), ("seller.vat", "buyer.vat"))
_NAME_LINES = 3  # a name may wrap over this many printed lines
_MIN_IDENT = 4  # shorter identifiers ("42") are found in any page's text: not looked up in it
# What OCR reads one for the other (an identifier compacted, upper case): on OCR'd pages a value is looked up with
# each of these read as one. No two letters or digits next to each other in the alphabet share a class, so a value
# changed by one character ("R2046208" → "R2046209") is never taken for its own misreading.
_OCR_SAME = str.maketrans("OQDILSBGZ", "000115862")


@dataclass
class Disagreement:
    path: str
    value: Any  # the document's
    words: Optional[Candidate]  # the words reader's first (None: it has no candidate of the field's kind)
    printed: bool = True  # the document's value is printed on the pages (as a value of its kind)

    def warning(self) -> Warning:
        model = _shown(self.value) + ("" if self.printed else ", printed nowhere on the pages")
        if self.words is None:
            return Warning("readers_disagree", f"{self.path}: the model read {model}. Check what the document says.",
                           self.path)
        where = f" (printed \"{self.words.text}\" on page {self.words.page})" if self.words.page else ""
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


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def name_core(text: Any) -> tuple[str, ...]:
    """A party name's words as compared: folded, legal forms and salutations left out ("Herrn Max Mustermann" and
    "MAX MUSTERMANN" → ("max", "mustermann"); "Au bon moulin SARL" → ("au", "bon", "moulin"))."""
    words = tokens(str(text or ""))
    core = tuple(w for w in words if w not in _NOT_NAME)
    return core or tuple(words)


def same_name(a: Any, b: Any) -> bool:
    """One party's name read twice: alike by the evaluation's rules, or the same words but for legal forms and
    salutations, or one the other's first words (a name wrapped over lines, read in part) of two words or more."""
    if values_match("name", a, b):
        return True
    x, y = name_core(a), name_core(b)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    return len(short) >= 2 and long[:len(short)] == short


def _same(path: str, a: Any, b: Any) -> bool:
    return same_name(a, b) if _leaf(path) == "name" else values_match(_leaf(path), a, b)


def _printed_text(path: str, value: Any, lines: list[str], ocr: bool = False) -> Optional[bool]:
    """Whether the pages' printed lines hold ``value`` (None: not looked up: no lines, or a value this check
    does not read). An identifier: its letters and digits within a line or two lines read together (read by OCR:
    the letters and digits it confuses as one, "Bl8-4363" is B18-4363); a name: each of its words (``name_core``)
    printed, or misread by a letter in five (``_alike``; by OCR, "rn" for "m" too), within three lines."""
    if not lines:
        return None
    leaf = _leaf(path)
    if leaf in _IDENTS or path in _IDENTS:
        want = compact(str(value))
        if len(want) < _MIN_IDENT:
            return None
        packed = [compact(line) for line in lines]
        if ocr:
            want, packed = want.translate(_OCR_SAME), [line.translate(_OCR_SAME) for line in packed]
        return any(want in packed[i] + (packed[i + 1] if i + 1 < len(packed) else "") for i in range(len(packed)))
    if leaf == "name":
        want = set(name_core(value))
        if not want:
            return None
        rows = [set(tokens(line)) for line in lines]
        for i in range(len(rows)):
            near = set().union(*rows[i:i + _NAME_LINES])
            if all(any(_alike(w, t, ocr) for t in near) for w in want):
                return True
        return False
    return None


def _alike(word: str, token: str, ocr: bool = False) -> bool:
    """A name's word and a printed token: the same, or one letter in five misread (OCR) in a longer word; on a
    page read by OCR, "rn" read for "m" ("Prirnus") as one letter."""
    if word == token:
        return True
    if ocr and "rn" in token and word == token.replace("rn", "m"):
        return True
    return len(word) >= 5 and abs(len(word) - len(token)) <= 1 and fuzz.ratio(word, token) >= 80


def _own(path: str, value: Any, reading: Reading) -> Optional[Candidate]:
    found = reading.candidates.get(path) or []
    return next((o for o in reading.printed.get(path, found) if _same(path, value, o.value)), None)


def _party_copies(document: dict, reading: Reading) -> set[str]:
    """The party fields whose value the document gives the other party too, where the words reader rates it
    lower for this party than for the other (both, when it cannot tell)."""
    out = set()
    for one, other in _PARTIES:
        a, b = value_at(document, one), value_at(document, other)
        if a in (None, "") or b in (None, "") or not _same(one, a, b):
            continue
        scores = []
        for path in (one, other):
            own = _own(path, a, reading)
            scores.append(own.score if own is not None else 0.0)
        if scores[0] <= scores[1]:
            out.add(one)
        if scores[1] <= scores[0]:
            out.add(other)
    return out


def compare(document: dict, reading: Reading, confidence: Optional[dict[str, float]] = None) -> Agreement:
    confidence = dict(confidence or {})
    confirmed, disagreements = [], []
    copies = _party_copies(document, reading)
    lines = reading.lines or []
    exact = reading.text_layer  # text read from a PDF, not OCR: a value's letters exact
    for path in HEADER_PATHS:
        value = value_at(document, path)
        if value in (None, ""):
            continue
        found = reading.candidates.get(path) or []
        c = confidence.get(path, 0.5)
        if not found:
            if exact and _printed_text(path, value, lines) is False:  # no candidate of its kind, printed nowhere
                disagreements.append(Disagreement(path, value, None, printed=False))
                confidence[path] = round(c * 0.5, 4)
            continue
        first = found[0]
        own = _own(path, value, reading)
        if own is not None and path == "document_type" and not own.page:
            own = None  # a document type no title prints
        in_text = _printed_text(path, value, lines, ocr=not exact)
        # a zero amount need not be printed (a document without tax prints none): never printed nowhere
        zero = isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 0.005
        printed = own is not None or bool(in_text) or zero
        if path in copies:
            disagreements.append(Disagreement(path, value, first, printed=printed))
            confidence[path] = round(c * (1 - first.score), 4)
        elif _same(path, value, first.value):
            if first.score >= CONFIRM:
                confirmed.append(path)
                confidence[path] = round(1 - (1 - c) * (1 - first.score), 4)
        elif (not printed and first.score >= (TYPE_ABSENT if path == "document_type" else ABSENT)) or (
                not printed and exact and in_text is False) or (first.score >= SURE and own is not None
                                                         and own.score <= UNLIKELY):
            disagreements.append(Disagreement(path, value, first, printed=printed))
            confidence[path] = round(c * (1 - first.score), 4)
    return Agreement(confirmed, disagreements, confidence)
