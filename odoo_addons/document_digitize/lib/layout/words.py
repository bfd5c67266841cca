"""The word layer a layout is learned from and read with: words with their boxes and rows, as the sidecar
returns them (``pages_from_json`` / ``words_to_json``), and finding the words that print a value."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..printed import date_readings, number_readings
from ..text import compact, fold
from .fields import CURRENCY_TOKENS, LayoutError

Box = tuple[float, float, float, float]


@dataclass
class Word:
    text: str
    box: Box
    line: int
    page: int  # 1-based
    # the column of the page's table the word is printed in, as the sidecar's page structure found it from the
    # table's header row ("qty", "price", "vat", "amount", "description", "unit", "pos", "discount", "other");
    # "" above the header, on a page without one, or in a word layer stored before columns were sent
    column: str = ""

    @property
    def key(self) -> str:
        return label_key(self.text)


@dataclass
class Page:
    number: int
    source: str
    words: list[Word] = field(default_factory=list)
    table_line: int = -1  # the line (Word.line) of the table's header row, as the sidecar found it; -1: none

    def lines(self) -> list[list[Word]]:
        rows: dict[int, list[Word]] = {}
        for word in self.words:
            rows.setdefault(word.line, []).append(word)
        return [sorted(rows[k], key=lambda w: w.box[0]) for k in sorted(rows)]


def pages_from_json(data: Any) -> list[Page]:
    """Pages from the stored/transported form: ``[{"page": 1, "source": "pdf", "table_header_line": 7, "words":
    [[text, x0, y0, x1, y1, line, column], ...]}, ...]`` (``words_to_json`` writes it; ``column`` and
    ``table_header_line`` are absent from word layers stored before the sidecar sent its table columns)."""
    pages = []
    try:
        for item in data or ():
            number = int(item["page"])
            words = [Word(str(w[0]), (float(w[1]), float(w[2]), float(w[3]), float(w[4])), int(w[5]), number,
                          str(w[6]) if len(w) > 6 else "")
                     for w in item.get("words") or ()]
            header = item.get("table_header_line")
            pages.append(Page(number, str(item.get("source") or ""), words, int(header) if header is not None else -1))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise LayoutError(f"The word layer is malformed ({exc!r}): expected pages with words [text, x0, y0, x1, "
                          "y1, line].") from None
    return pages


def words_to_json(pages: Iterable[Any]) -> list[dict]:
    """``ocr.v1.PageWords`` messages (or ``Page``s) → the compact JSON form ``pages_from_json`` reads."""
    out = []
    for page in pages:
        if isinstance(page, Page):
            words = [[w.text, *(round(v, 5) for v in w.box), w.line, *([w.column] if w.column else [])]
                     for w in page.words]
            out.append({"page": page.number, "source": page.source, "table_header_line": page.table_line,
                        "words": words})
            continue
        words = [[w.text, round(w.box.x0, 5), round(w.box.y0, 5), round(w.box.x1, 5), round(w.box.y1, 5), w.line,
                  *([w.column] if w.column else [])] for w in page.words]
        out.append({"page": page.page, "source": page.source, "table_header_line": page.table_header_line,
                    "words": words})
    return out


def label_key(text: str) -> str:
    """A label word as compared: folded, without punctuation around it ("Rechnungsnr.:" → "rechnungsnr")."""
    return re.sub(r"^[^\w€$£¥₹]+|[^\w€$£¥₹]+$", "", fold(text))


def _is_label(word: Word) -> bool:
    key = word.key
    return bool(key) and any(ch.isalpha() for ch in key) and key not in CURRENCY_TOKENS


def _label_word(word: Word) -> bool:
    """A word an anchor may hold: letters without digits. A value printed before another on its row (the
    document number before "Date") is not a label: the next document prints another."""
    return _is_label(word) and not any(ch.isdigit() for ch in word.text)


def _join(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


def _union(words: Sequence[Word]) -> Box:
    return (min(w.box[0] for w in words), min(w.box[1] for w in words), max(w.box[2] for w in words),
            max(w.box[3] for w in words))


# --- printed values (read by printed.py, the generated copy of ocr_sidecar/printed.py) -----------------


def _prints(kind: str, value: Any, text: str) -> bool:
    if kind == "number":
        return any(abs(v - abs(float(value))) < 0.005 for v in number_readings(text))
    if kind == "date":
        try:
            wanted = dt.date.fromisoformat(str(value))
        except ValueError:
            return False
        return any(d == wanted for d, _ in date_readings(text))
    if kind == "code":
        return bool(compact(str(value))) and compact(text) == compact(str(value))
    return label_key(" ".join(str(value).split())) == label_key(text) and bool(label_key(text))


def _find(words_by_line: Sequence[Sequence[Word]], kind: str, value: Any, longest: int = 6) -> list[list[Word]]:
    """Every shortest run of words (in one row) that prints ``value``."""
    found = []
    for line in words_by_line:
        taken = -1
        for start in range(len(line)):
            if start <= taken:
                continue
            for end in range(start + 1, min(len(line), start + longest) + 1):
                if _prints(kind, value, _join(line[start:end])):
                    while end - start > 1 and _prints(kind, value, _join(line[start + 1:end])):
                        start += 1
                    found.append(list(line[start:end]))
                    taken = end - 1
                    break
    return found


def continues(row: Sequence[Word], description: Sequence[Word]) -> bool:
    """Whether ``row`` goes on with a line's description: each of its words starts under the description's first
    row (is in the sidecar's "description" column where the page names one). Callers make sure no line starts
    on it."""
    first = [w for w in description if w.line == description[0].line]
    x0, x1 = first[0].box[0], max(w.box[2] for w in first)
    return bool(row) and all(w.column == "description" if w.column and first[0].column == "description"
                             else x0 - 0.02 <= w.box[0] < x1 for w in row)
