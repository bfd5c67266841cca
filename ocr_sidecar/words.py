"""The word layer of a page: words with boxes, grouped into lines, in reading order.

Born-digital PDF pages get theirs from pdfium's text page (character boxes → words → lines); scans and
photos from OCR (``ocr.py``). Either way the words are rendered for the prompt as layout-preserving text
— one text line per visual row, words placed at their column, so a table's row stays one line and its
columns stay apart — and kept with their boxes for evidence (where on the page a value was printed).

Boxes are ``(x0, y0, x1, y1)`` in 0..1 page coordinates, origin top-left, as the page is shown (a PDF
page's /Rotate applied), so they line up with the rendered image the model sees.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

Box = tuple[float, float, float, float]

# A gap wider than this share of the line's height ends a word even without a space (some PDFs place words
# by position, without space characters between them; pdfium's generated spaces catch most of them).
WORD_GAP = 0.8
# Layout rendering: columns per page width are chosen from the median character width, within these.
MIN_COLUMNS, MAX_COLUMNS = 60, 160
MAX_GAP = 24  # spaces between two words of a line at most: columns kept, padding not paid for in prompt tokens;
# a gap cut to it moves the rest of its line left with it, so the words after it keep their own spacing


@dataclass
class Word:
    text: str
    box: Box
    line: int = 0  # index of its line on the page (reading order)
    confidence: float = 1.0  # OCR's confidence; 1.0 for a PDF's text layer


def unturned(box: tuple[float, float, float, float], angle: int) -> tuple[float, float, float, float]:
    """A box (0..1) on a page turned ``angle`` degrees clockwise, mapped back to the page before the turn."""
    x0, y0, x1, y1 = box
    if angle == 90:  # a point (u, v) of the turned page was (v, 1 - u)
        return (y0, 1 - x1, y1, 1 - x0)
    if angle == 180:
        return (1 - x1, 1 - y1, 1 - x0, 1 - y0)
    if angle == 270:  # (u, v) was (1 - v, u)
        return (1 - y1, x0, 1 - y0, x1)
    return box


@dataclass
class WordLayer:
    source: str  # "pdf" (the PDF's text layer) or "ocr"
    words: list[Word] = field(default_factory=list)  # reading order
    angle: int = 0  # degrees the page image was turned to read it upright (OCR)

    def lines(self) -> list[list[Word]]:
        out: list[list[Word]] = []
        for word in self.words:
            while len(out) <= word.line:
                out.append([])
            out[word.line].append(word)
        return [line for line in out if line]

    @property
    def chars(self) -> int:
        return sum(len(w.text) for w in self.words)

    def text(self) -> str:
        """Layout-preserving text: one line per visual row, each word at its column."""
        if not self.words:
            return ""
        widths = [(w.box[2] - w.box[0]) / len(w.text) for w in self.words if w.text and w.box[2] > w.box[0]]
        char_width = statistics.median(widths) if widths else 1 / 100
        columns = max(MIN_COLUMNS, min(MAX_COLUMNS, round(1 / max(char_width, 1e-6))))
        margin = round(min(w.box[0] for w in self.words) * columns)  # the page's left margin is not printed
        rendered: list[str] = []
        previous_bottom: Optional[float] = None
        for line in self.lines():
            top = min(w.box[1] for w in line)
            height = statistics.median(w.box[3] - w.box[1] for w in line)
            if previous_bottom is not None and top - previous_bottom > 1.5 * height:
                rendered.append("")  # a paragraph or block break
            text, cut = "", 0  # cut: the spaces the MAX_GAP cap took off this line so far
            for word in line:
                gap = max(round(word.box[0] * columns) - margin - cut - len(text), 1 if text else 0)
                if gap > MAX_GAP:  # a wide gap shrinks, and the words after it keep their spacing
                    cut, gap = cut + gap - MAX_GAP, MAX_GAP
                text += " " * gap + word.text
            rendered.append(text.rstrip())
            previous_bottom = max(w.box[3] for w in line)
        return "\n".join(rendered).strip("\n")


def assign_lines(words: Sequence[Word]) -> list[Word]:
    """Group words into visual rows (vertical overlap) and return them in reading order: rows top to bottom,
    words left to right, each word's ``line`` set to its row's index."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: ((w.box[1] + w.box[3]) / 2, w.box[0])):
        center = (word.box[1] + word.box[3]) / 2
        row = rows[-1] if rows else None
        if row is not None:
            top = statistics.median(w.box[1] for w in row)
            bottom = statistics.median(w.box[3] for w in row)
            slack = 0.25 * (bottom - top)  # punctuation sits low (a comma), superscripts high
            if top - slack <= center <= bottom + slack:
                row.append(word)
                continue
        rows.append([word])
    ordered: list[Word] = []
    for index, row in enumerate(rows):
        for word in sorted(row, key=lambda w: w.box[0]):
            word.line = index
            ordered.append(word)
    return ordered


def words_from_chars(chars: Iterable[tuple[str, Box]], aspect: float = 1.0) -> list[Word]:
    """Words from characters with boxes (0..1 page coordinates, top-left origin), in the order given: a word
    ends at white space, a line break, or a horizontal gap wider than ``WORD_GAP`` × its height.
    ``aspect`` is the page's height / width (a height in y units is that many times longer in x units)."""
    words: list[Word] = []
    text, box = "", None

    def flush() -> None:
        nonlocal text, box
        if text.strip() and box is not None:
            words.append(Word(text.strip(), box))
        text, box = "", None

    for ch, (x0, y0, x1, y1) in chars:
        if not ch or ch.isspace() or ch in "\ufffe\uffff\x00":
            flush()
            continue
        if box is not None:
            height = max(box[3] - box[1], y1 - y0, 1e-6) * aspect
            gap = x0 - box[2]
            same_row = y0 < box[3] and y1 > box[1]
            if gap > WORD_GAP * height or gap < -2 * height or not same_row:
                flush()
        text += ch
        box = (x0, y0, x1, y1) if box is None else (min(box[0], x0), min(box[1], y0), max(box[2], x1),
                                                      max(box[3], y1))
    flush()
    return words


def _to_view(box: tuple[float, float, float, float], crop: tuple[float, float, float, float], rotation: int) -> Box:
    """A pdfium char box (left, bottom, right, top in PDF user space, unrotated) as 0..1 coordinates of the
    page as shown: its crop box, origin top-left, /Rotate applied clockwise."""
    left, bottom, right, top = box
    c_left, c_bottom, c_right, c_top = crop
    width, height = max(c_right - c_left, 1e-6), max(c_top - c_bottom, 1e-6)
    x0, x1 = (left - c_left) / width, (right - c_left) / width
    y0, y1 = (c_top - top) / height, (c_top - bottom) / height
    if rotation == 90:
        return (1 - y1, x0, 1 - y0, x1)
    if rotation == 180:
        return (1 - x1, 1 - y1, 1 - x0, 1 - y0)
    if rotation == 270:
        return (y0, 1 - x1, y1, 1 - x0)
    return (x0, y0, x1, y1)


def pdf_words(page) -> WordLayer:
    """The word layer of a pypdfium2 page from its text layer (empty for a scanned page)."""
    crop = page.get_cropbox()
    rotation = page.get_rotation() % 360
    aspect = (crop[3] - crop[1]) / max(crop[2] - crop[0], 1e-6)
    if rotation in (90, 270):
        aspect = 1 / aspect
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        chars = []
        for index in range(count):
            ch = textpage.get_text_range(index, 1)
            if not ch or ch.isspace():
                chars.append((" ", (0.0, 0.0, 0.0, 0.0)))
                continue
            box = _to_view(textpage.get_charbox(index), crop, rotation)
            if box[2] <= 0 or box[3] <= 0 or box[0] >= 1 or box[1] >= 1:
                chars.append((" ", (0.0, 0.0, 0.0, 0.0)))  # outside the visible page: not printed
                continue
            chars.append((ch, tuple(min(1.0, max(0.0, v)) for v in box)))
    finally:
        textpage.close()
    return WordLayer("pdf", assign_lines(words_from_chars(chars, aspect)))
