"""What every kind of candidate the words reader generates is: a value read from some words of one line of a page
(``candidates.py`` generates amounts, dates, names…, ``identifiers.py`` numbers, VAT ids and IBANs), with the
features the ranking model reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..words import Box, Word

PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")


@dataclass
class Candidate:
    kind: str
    value: Any
    page: int  # 1-based
    line: int  # the line's index on its page
    words: list[Word]
    text: str
    feats: dict[str, float] = field(default_factory=dict)
    more: list[Word] = field(default_factory=list)  # words printed elsewhere that it was read from too (a base)

    @property
    def box(self) -> Box:
        return (min(w.box[0] for w in self.words), min(w.box[1] for w in self.words),
                max(w.box[2] for w in self.words), max(w.box[3] for w in self.words))


def spans(line: list[Word], longest: int):
    """Each run of 1 to ``longest`` adjacent words of a line, as (first, last) indices."""
    for first in range(len(line)):
        for last in range(first, min(len(line), first + longest)):
            yield first, last
