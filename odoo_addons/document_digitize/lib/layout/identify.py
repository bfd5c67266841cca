"""Who issued the page: identity fields are never part of a layout; the vendor is recognised from the page's
own VAT id, IBAN or name (``identify``), and only what the page prints is put into the document
(``with_identity``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from ..text import compact
from .fields import PARTY
from .read import Reading
from .words import Page, Word, _join, label_key


@dataclass(frozen=True)
class Candidate:
    """A partner that has a learned layout: its own identifiers, from its partner record."""

    key: Any  # the caller's id of the layout (or partner)
    vats: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()
    name: str = ""


@dataclass
class Identity:
    candidate: Candidate
    by: str  # "vat", "iban" or "name"
    values: dict[str, str]  # what the page prints: {"vat": ..., "iban": ..., "name": ...}
    words: dict[str, list[Word]]


def _printed(pages: Sequence[Page], wanted: str, longest: int) -> Optional[list[Word]]:
    key = compact(wanted)
    if len(key) < 4:
        return None
    for page in pages:
        for row in page.lines():
            for start in range(len(row)):
                text = ""
                for end in range(start, min(len(row), start + longest)):
                    text += compact(row[end].text)
                    if text == key or (end == start and key in text and len(key) >= 8):
                        return list(row[start:end + 1])
                    if not key.startswith(text):
                        break
    return None


def _name_words(pages: Sequence[Page], name: str) -> Optional[list[Word]]:
    keys = [label_key(t) for t in name.split() if label_key(t)]
    if not keys:
        return None
    for page in pages:
        for row in page.lines():
            # words that are punctuation only ("&", "-") are skipped on both sides: "Peeters & Zonen" is found
            # by "Peeters Zonen", and the words returned span the whole printed name, "&" included
            keyed = [(index, word.key) for index, word in enumerate(row) if word.key]
            row_keys = [key for _, key in keyed]
            for start in range(len(keyed) - len(keys) + 1):
                if row_keys[start:start + len(keys)] == keys:
                    return list(row[keyed[start][0]:keyed[start + len(keys) - 1][0] + 1])
    return None


def identify(pages: Sequence[Page], candidates: Sequence[Candidate]) -> Optional[Identity]:
    """The one candidate the page names: by a VAT id it prints, else an IBAN, else its name; candidates named
    by the same VAT id (one company's branches) are told apart by IBAN, then name. None when none is named, or
    two are named equally well (two vendors on the same software, a page printing both): the model reads such
    a document."""
    remaining = list(candidates)
    for by in ("vat", "iban", "name"):
        found: dict[Any, Identity] = {}
        for candidate in remaining:
            values = {"vat": candidate.vats, "iban": candidate.ibans, "name": (candidate.name,)}[by]
            for value in values:
                words = (_name_words(pages, value) if by == "name" else _printed(pages, value, 8)) if value else None
                if words:
                    printed = compact(_join(words)) if by != "name" else _join(words)
                    found.setdefault(candidate.key, Identity(candidate, by, {by: printed}, {by: words}))
                    break
        if len(found) == 1:
            identity = next(iter(found.values()))
            _add_printed(pages, identity)
            return identity
        if len(found) > 1:
            remaining = [c for c in remaining if c.key in found]
    return None


def _add_printed(pages: Sequence[Page], identity: Identity) -> None:
    """The issuer's other identifiers the page prints (the mapping checks them against the partner)."""
    candidate = identity.candidate
    for other, values in (("vat", candidate.vats), ("iban", candidate.ibans), ("name", (candidate.name,))):
        if other in identity.values:
            continue
        for value in values:
            words = (_name_words(pages, value) if other == "name" else _printed(pages, value, 8)) if value else None
            if words:
                identity.values[other] = compact(_join(words)) if other != "name" else _join(words)
                identity.words[other] = words
                break


def with_identity(reading: Reading, identity: Identity, target: str = "vendor_bill") -> None:
    """Put what the page prints of the issuer (its VAT id, IBAN, name) into the reading's document."""
    party = reading.document.setdefault(PARTY.get(target, "seller"), {})
    for name, value in identity.values.items():
        party[name] = value
        words = identity.words[name]
        reading.evidence[f"{PARTY.get(target, 'seller')}.{name}"] = {
            "page": words[0].page, "text": _join(words), "boxes": [list(w.box) for w in words]}
