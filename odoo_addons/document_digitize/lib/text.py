"""Text helpers every step of the mapping shares, and the review item the steps write for a person.

The bottom of the library: it imports nothing of it, so ``normalize``, ``review``, ``catalog``, ``orders``,
``duplicates`` and ``mapping`` all import from here and never from each other in a circle.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

try:  # rapidfuzz is faster and better at token reordering; Odoo's venv may lack it
    from rapidfuzz import fuzz as _fuzz
except ImportError:  # pragma: no cover - exercised only where rapidfuzz is missing
    _fuzz = None


@dataclass(frozen=True)
class ReviewItem:
    """One thing to check. ``serious`` items put the record in ``needs_review``.

    ``group``: the heading the note lists the item under (None: the note's own title), e.g. "Purchase order"
    for what linking a bill to its order found."""

    code: str  # machine-readable, e.g. 'partner_not_found', 'total_mismatch'
    message: str  # for the user: what is wrong and what to do
    field: Optional[str] = None  # document JSON path ('seller.vat', 'lines[2].amount') or Odoo field
    serious: bool = False
    group: Optional[str] = None
    value: Optional[str] = None  # the value read, as shown: where items of one problem are listed together


def compact(value: Optional[str]) -> str:
    """Upper case, letters and digits only: how VAT ids, IBANs and references are compared
    ('PO 00012', 'po00012', 'P0-00012 ' are one reference)."""
    return "".join(ch for ch in (value or "") if ch.isalnum()).upper()


reference_key = compact  # the name the order and duplicate checks use for a document reference


# Legal forms and filler words that say nothing about which partner is meant.
NAME_STOPWORDS = frozenset("""
    ag aps as asa bv bvba co company corp corporation cv e ek eg eirl eurl gbr gmbh inc intl kg kgaa
    limited llc llp lp ltd mbh nv oy oyj plc pty sa sarl sas sasu sc scs se sl spa srl ug und and
    the et de du des la le les der die das van von of sprl ohg ev international
""".split())


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def core_name(name: str) -> str:
    """A name without its legal form and filler words ('Coolblue B.V.' → 'coolblue')."""
    return " ".join(w for w in fold(name).split() if w not in NAME_STOPWORDS and len(w) > 1)


def name_similarity(a: str, b: str) -> float:
    """0..100: how alike two names are, legal forms and accents ignored."""
    ca, cb = core_name(a) or fold(a), core_name(b) or fold(b)
    if not ca or not cb:
        return 0.0
    if _fuzz is not None:
        return float(max(_fuzz.ratio(ca, cb), _fuzz.token_sort_ratio(ca, cb)))
    sorted_a, sorted_b = " ".join(sorted(ca.split())), " ".join(sorted(cb.split()))
    return 100.0 * max(difflib.SequenceMatcher(None, ca, cb).ratio(),
                       difflib.SequenceMatcher(None, sorted_a, sorted_b).ratio())
