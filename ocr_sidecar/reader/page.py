"""A page as the words reader sees it: its lines, each word's tokens and the label phrases on them; runs of words
(one column's words on a row that prints several); a name's block (the lines under it in its column, an address's
postcode and town among them); the page's own title. Candidates (``candidates.py``) are read from it, features
(``features.py``) measured on it."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..words import Box, Word, WordLayer
from .labels import LEGAL_FORMS, PHRASES, find_labels, tokens

# the two-letter codes of the US states, DC and the territories, as an address prints them before its ZIP code
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split())
_ZIP = re.compile(r"\d{5}(?:-\d{4})?")


def us_zip(line: Sequence[Word], i: int) -> bool:
    """Whether the line's ``i``-th word is a US ZIP code after its state's code ("Redmond, WA 98052")."""
    return i > 0 and line[i - 1].text.strip(",.") in US_STATES and bool(_ZIP.fullmatch(line[i].text.strip(",.")))


@dataclass
class Label:
    name: str
    line: int
    first: int
    last: int
    box: Box


@dataclass
class Page:
    number: int
    lines: list[list[Word]]
    line_tokens: list[list[list[str]]]
    labels: list[Label]
    by_line: dict[int, list[Label]]
    height: float  # median word height
    main_title: Optional[str] = None  # the class of the page's own title (``main_title``)
    # what features ask of the page for many candidates, computed once when first asked: the lines below a line in
    # a column (``_column_below``), the party headings (``features._hints``)
    columns_below: dict[tuple[int, float], tuple[int, bool]] = field(default_factory=dict, repr=False)
    party_hints: Optional[list] = field(default=None, repr=False)


# where a word set in CamelCase changes case: its parts are words apart ("StandardExchange" is no compound whose
# head is a payment's "change", as "Barzahlung" is one of "Zahlung"); short parts stay ("MwSt", "IdNr", "eMail")
_CAMEL = re.compile(r"(?<=[a-zäöüß]{3})(?=[A-ZÄÖÜ][a-zäöüß]{2})")
APART = "~"  # the token between them: no phrase spans it, no compound joins across it


def word_tokens(text: str) -> list[str]:
    """A printed word's tokens as labels are read from them (``labels.tokens``), CamelCase parts kept apart unless
    the whole is a listed label ("RechnungsNummer")."""
    parts = _CAMEL.split(text)
    whole = tokens(text)
    if len(parts) == 1 or any((token,) in PHRASES for token in whole):
        return whole
    out: list[str] = []
    for part in parts:
        out += ([APART] if out else []) + tokens(part)
    return out


def union(words: Sequence[Word]) -> Box:
    return (min(w.box[0] for w in words), min(w.box[1] for w in words),
            max(w.box[2] for w in words), max(w.box[3] for w in words))


def read_page(number: int, layer: WordLayer) -> Page:
    """A page as the reader sees it: its lines (letters printed apart read as their word), each word's tokens, the
    label phrases on each line (a label's word that is a name's is none), its median word height."""
    lines = layer.lines()
    split = SPLIT_GAP * _median_gap(lines)
    lines = [split_rejoined(letters_joined(line), split) for line in lines]
    line_tokens = [[word_tokens(w.text) for w in line] for line in lines]
    labels: list[Label] = []
    for index, (line, toks) in enumerate(zip(lines, line_tokens)):
        for name, first, last in find_labels(toks):
            if not in_a_name(line, toks, last):
                labels.append(Label(name, index, first, last, union(line[first:last + 1])))
    heights = [w.box[3] - w.box[1] for w in layer.words if w.box[3] > w.box[1]]
    by_line: dict[int, list[Label]] = {}
    for label in labels:
        by_line.setdefault(label.line, []).append(label)
    height = statistics.median(heights) if heights else 0.01
    return Page(number, lines, line_tokens, labels, by_line, height, main_title(labels, height))


SPACED_MIN, SPACED_GAP = 4, 2.0  # letters printed apart ("R E C H N U N G") read as one word from this many on


def letters_joined(line: list[Word]) -> list[Word]:
    """The line with each run of letters printed apart, one word apiece ("W A R E N R E C H N U N G", a title set
    letter-spaced), read as the one word it spells: at least ``SPACED_MIN`` one-character words, three of them
    letters, each less than ``SPACED_GAP`` of its height from the next (boxes are in page units: a gap across a
    portrait page reads ≈ 1.4 times wider than the same distance down it)."""
    out: list[Word] = []
    i = 0
    while i < len(line):
        end = i
        while end + 1 < len(line) and len(line[end].text) == 1 and len(line[end + 1].text) == 1 \
                and line[end + 1].box[0] - line[end].box[2] < SPACED_GAP * (line[end].box[3] - line[end].box[1]):
            end += 1
        run = line[i:end + 1]
        if len(run) >= SPACED_MIN and sum(w.text.isalpha() for w in run) >= 3:
            out.append(Word("".join(w.text for w in run), union(run), run[0].line,
                            min(w.confidence for w in run)))
            i = end + 1
        else:
            out.append(line[i])
            i += 1
    return out


SPLIT_GAP, SPLIT_MAX = 0.5, 0.25  # a word printed in pieces: a gap under half the page's usual space, a quarter height


def _median_gap(lines: Sequence[Sequence[Word]]) -> float:
    """The page's usual space between two words of a line, in word heights (gaps of two heights or more are
    columns, not spaces)."""
    gaps = [gap for line in lines for a, b in zip(line, line[1:]) if 0 <= (gap := word_gap(a, b)) < 2]
    return statistics.median(gaps) if len(gaps) >= 10 else 0.0


# a gap wider than this many word heights parts two runs of words on a row (two columns, a name and a title)
RUN_GAP = 2.5


def word_gap(a: Word, b: Word) -> float:
    """The space between two words of a line, in the taller one's heights."""
    return (b.box[0] - a.box[2]) / max(a.box[3] - a.box[1], b.box[3] - b.box[1], 1e-6)


def split_rejoined(line: list[Word], limit: float) -> list[Word]:
    """The line with each word its PDF printed in pieces read whole ("Ver käufer:", "Br uttosumme",
    "Taxiunter nehmen": a text layer that places a word's parts apart, the gap a kerning, not a space): a
    piece ending in a letter followed by one starting in a lower-case letter, closer than ``limit`` (half the
    page's usual space) and than ``SPLIT_MAX`` of their height."""
    limit = min(limit, SPLIT_MAX)
    out: list[Word] = []
    for word in line:
        last = out[-1] if out else None
        if last is not None and last.text[-1:].isalpha() and word.text[:1].islower() \
                and -0.05 < word_gap(last, word) < limit:
            out[-1] = Word(last.text + word.text, union((last, word)), last.line,
                           min(last.confidence, word.confidence))
        else:
            out.append(word)
    return out


def in_a_name(line: list[Word], toks: list[list[str]], last: int) -> bool:
    """Whether a label's word is a word of a name: followed at once by a legal form ("Kunden AG Mitte",
    "Lieferant GmbH", "MUSTER-KUNDE GMBH"), with no colon after it. "Bill to ACME GmbH" keeps its label."""
    if last + 1 >= len(line) or line[last].text.endswith(":"):
        return False
    following = toks[last + 1]
    return bool(following) and following[0] in LEGAL_FORMS and any(ch.isupper() for ch in line[last + 1].text)


# a postcode and its town: "80333 München", "DE 80333 München", "F-75002 Paris", "L-1118 Luxembourg", "1016 DC
# Amsterdam", "EC1A 1BB London", "Austin, TX 78701" (a US state's code before its ZIP)
_POSTCODE = re.compile(r"(?:[A-Z]{1,2}-)?\d{4,5}")
_NL_LETTERS = re.compile(r"[A-Z]{2}")
_UK_OUTWARD, _UK_INWARD = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?"), re.compile(r"\d[A-Z]{2}")
BLOCK_LINES = 6  # lines below a name read as its block at most


def postal(words: Sequence) -> bool:
    """Whether a run of words prints a postcode with its town (an address's last line)."""
    texts = [w.text.strip(",;") for w in words]
    for i, text in enumerate(texts):
        after = texts[i + 1] if i + 1 < len(texts) else ""
        town = after[:1].isupper() and sum(ch.isalpha() for ch in after) >= 2
        if _POSTCODE.fullmatch(text) and (town or (_NL_LETTERS.fullmatch(after) and i + 2 < len(texts))):
            return True
        if (_UK_OUTWARD.fullmatch(text) and _UK_INWARD.fullmatch(after)) or us_zip(words, i):
            return True
    return False


def block_below(page: Page, line: int, box: Box, last: Word) -> tuple[float, float]:
    """The lines printed under a name in its column, each close below the one before (its party's block: street,
    town, VAT id; a title's lines or a note's are none), and whether one of them, or the rest of the name's own line
    (a one-line letterhead: "Name SARL - 12 rue … - 84340 Malaucène"), is a postcode and town."""
    own = page.lines[line]
    count, found = _column_below(page, line, round(box[0], 3))
    return float(count), float(found or postal(own[own.index(last) + 1:]))


def _column_below(page: Page, line: int, x0: float) -> tuple[int, bool]:
    """How many lines follow ``line`` in the column at ``x0`` (each close below the one before), and whether one
    of them prints a postcode and town; once per page, line and column (a line's name candidates share them)."""
    cache = page.columns_below
    if (line, x0) not in cache:
        h = page.height or 0.01
        bottom = max(w.box[3] for w in page.lines[line])
        count, found = 0, False
        for _ in range(BLOCK_LINES):
            below = None
            for words in page.lines:
                top = min(w.box[1] for w in words)
                if 0 < top - bottom < 1.8 * h and (below is None or top < below[0]):
                    start = next((i for i, w in enumerate(words) if abs(w.box[0] - x0) < 0.03), None)
                    if start is not None:
                        below = (top, words, start)
            if below is None:
                break
            _, words, start = below
            count += 1
            found = found or postal(words[start:])
            bottom = max(w.box[3] for w in words)
        cache[(line, x0)] = (count, found)
    return cache[(line, x0)]


def run(line: list, first: int, last: int, height: float) -> tuple[int, int]:
    """The first and last word of the run of words (no gap wider than ``RUN_GAP`` word heights) that holds words
    ``first``..``last`` of the line: one column's words on a row that prints several."""
    gap = RUN_GAP * height
    start, end = first, last
    while start > 0 and line[start].box[0] - line[start - 1].box[2] <= gap:
        start -= 1
    while end + 1 < len(line) and line[end + 1].box[0] - line[end].box[2] <= gap:
        end += 1
    return start, end


# a sales order's own number is an order's ("Order No." under "Order confirmation"): one title for the page's own
_TITLE_FAMILY = {"t_confirm": "t_order"}


def same_title(one: Optional[str], other: Optional[str]) -> bool:
    """Whether two title classes name one kind of document (an order and its confirmation do)."""
    return one is not None and _TITLE_FAMILY.get(one, one) == _TITLE_FAMILY.get(other, other)


def main_title(labels: Sequence[Label], height: float) -> Optional[str]:
    """The class of a page's own title: of its title labels, the one printed tallest, the topmost of those."""
    titles = [label for label in labels if label.name.startswith("t_")]
    best = min(titles, key=lambda label: (-round((label.box[3] - label.box[1]) / (height or 0.01), 1), label.box[1]),
               default=None)
    return best.name if best else None
