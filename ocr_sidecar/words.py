"""The word layer of a page: words with boxes, grouped into lines, in reading order.

Born-digital PDF pages get theirs from pdfium's text page (character boxes → words → lines); scans and
photos from OCR (``ocr.py``). Either way the words are rendered for the prompt as layout-preserving text
— one text line per visual row, words placed at their column, so a table's row stays one line and its
columns stay apart — and kept with their boxes for evidence (where on the page a value was printed).

Boxes are ``(x0, y0, x1, y1)`` in 0..1 page coordinates, origin top-left, as the page is shown (a PDF
page's /Rotate applied), so they line up with the rendered image the model sees.
"""

from __future__ import annotations

import re
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


# A scan or photo is rarely square to the page: its rows drift up or down along the page. Rows are grouped along
# the text's own angle (``page_skew``), at most this steep (dy/dx in page units; 0.09 ≈ 5° on an A4 page).
MAX_SKEW = 0.09
# Below this the page is taken for upright (≈ 0.25° on an A4 page): a born-digital page's own rows measure up to
# 0.003 from glyph heights alone, and a row's height absorbs a drift that small.
MIN_SKEW = 0.003
# Two runs of words on one row, this many line heights apart (an address block beside another, a label far from
# its value), are two lines when their centres differ by more than SPLIT_OFFSET line heights: blocks side by side
# whose lines do not line up are not read across.
BLOCK_GAP, SPLIT_OFFSET = 3.0, 0.25


def _center(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def page_skew(words: Sequence[Word]) -> float:
    """The slope (dy/dx, page units) along which the page's rows run, 0 for an upright page or too few words to
    tell. A first guess from neighbouring words (the weighted median of the slopes between each word and its
    right-hand neighbour on the same row) is refined by the projection profile: of the slopes near it, the one
    along which the words' centres pile up into the sharpest rows. Neighbours alone are noisy on short rows (a
    jitter of a few thousandths over a gap of two words is a slope of 0.03); the profile weighs whole rows."""
    sized = [w for w in words if w.box[2] > w.box[0] and w.box[3] > w.box[1]]
    if len(sized) < 6:
        return 0.0
    height = statistics.median(w.box[3] - w.box[1] for w in sized)
    guess = _neighbour_slope(sized, height)
    if guess is None:
        return 0.0
    slope = _profile_slope(sized, height, guess)
    return 0.0 if abs(slope) < MIN_SKEW else max(-MAX_SKEW, min(MAX_SKEW, slope))


def _neighbour_slope(sized: Sequence[Word], height: float) -> Optional[float]:
    bins: dict[int, list[Word]] = {}
    for word in sized:
        bins.setdefault(int(_center(word.box)[1] / height), []).append(word)
    pairs: list[tuple[float, float]] = []  # (slope, weight: the run it was measured over)
    for word in sized:
        cx, cy = _center(word.box)
        key = int(cy / height)
        best: Optional[tuple[float, Word]] = None
        for other in (o for k in (key - 1, key, key + 1) for o in bins.get(k, ())):
            gap = other.box[0] - word.box[2]
            if other is word or gap < -0.2 * height or gap > 4 * height:
                continue
            if abs(_center(other.box)[1] - cy) < 0.6 * height and (best is None or gap < best[0]):
                best = (gap, other)
        if best is not None:
            ox, oy = _center(best[1].box)
            if ox - cx > height:
                pairs.append(((oy - cy) / (ox - cx), ox - cx))
    if len(pairs) < 5:
        return None
    pairs.sort()
    half, run = sum(w for _, w in pairs) / 2, 0.0
    for slope, weight in pairs:
        run += weight
        if run >= half:
            return slope
    return None


# The projection profile searches this far either side of the neighbours' guess, in these steps (dy/dx).
PROFILE_SPAN, PROFILE_STEP = 0.012, 0.0005


def _profile_slope(sized: Sequence[Word], height: float, guess: float) -> float:
    """The slope near ``guess`` along which the words' centres, projected, fall into the fewest, fullest rows
    (the sum of squared counts in bins of a third of a line's height): the projection profile of deskewing."""
    import numpy as np

    xs = np.array([_center(w.box)[0] for w in sized])
    ys = np.array([_center(w.box)[1] for w in sized])
    weights = np.array([w.box[2] - w.box[0] for w in sized])  # a long word is more of its row than a short one
    slopes = np.clip(np.arange(guess - PROFILE_SPAN, guess + PROFILE_SPAN + PROFILE_STEP / 2, PROFILE_STEP),
                     -MAX_SKEW, MAX_SKEW)
    projected = ys[None, :] - slopes[:, None] * xs[None, :]
    bins = np.floor(projected / (height / 3)).astype(np.int64)
    bins -= bins.min()
    span = int(bins.max()) + 1
    flat = (bins + np.arange(len(slopes))[:, None] * span).ravel()
    counts = np.bincount(flat, weights=np.tile(weights, len(slopes)), minlength=len(slopes) * span)
    sharpness = (counts.reshape(len(slopes), span) ** 2).sum(axis=1)
    # the middle of the sharpest plateau: a few steps often score alike
    top = np.flatnonzero(sharpness >= sharpness.max() * 0.999)
    return float(slopes[top].mean())


def _split_blocks(row: list[tuple[float, float, Word]], height: float) -> list[list[tuple[float, float, Word]]]:
    """A row's words (deskewed top, bottom, word; sorted by x) as one line, or as several where runs of words far
    apart sit at different heights (blocks side by side)."""
    runs: list[list[tuple[float, float, Word]]] = [[row[0]]]
    for item in row[1:]:
        if item[2].box[0] - runs[-1][-1][2].box[2] > BLOCK_GAP * height:
            runs.append([item])
        else:
            runs[-1].append(item)
    if len(runs) == 1:
        return runs
    centers = [statistics.median((top + bottom) / 2 for top, bottom, _ in run) for run in runs]
    tops = [statistics.median(top for top, _, _ in run) for run in runs]
    bottoms = [statistics.median(bottom for _, bottom, _ in run) for run in runs]
    # cells of one row share their tops (cap height) or their bottoms (baseline) even in other font sizes
    if min(max(tops) - min(tops), max(bottoms) - min(bottoms)) <= SPLIT_OFFSET * height:
        return [row]
    lines: list[tuple[float, list[tuple[float, float, Word]]]] = []
    for center, run in sorted(zip(centers, runs), key=lambda pair: pair[0]):
        if lines and center - lines[-1][0] <= SPLIT_OFFSET * height:
            lines[-1][1].extend(run)
        else:
            lines.append((center, list(run)))
    return [sorted(line, key=lambda item: item[2].box[0]) for _, line in lines]


def assign_lines(words: Sequence[Word], structure: bool = True) -> list[Word]:
    """Group words into visual rows and return them in reading order: rows top to bottom, words left to right,
    each word's ``line`` set to its row's index. Rows follow the text's angle (a tilted scan's rows drift), are
    grouped by vertical overlap, and a row made of blocks side by side at different heights is split.
    ``structure=False``: rows by vertical overlap only, as before (benchmarks/line_grouping.py compares)."""
    slope = page_skew(words) if structure else 0.0
    placed = [(w.box[1] - slope * _center(w.box)[0], w.box[3] - slope * _center(w.box)[0], w) for w in words]
    rows: list[list[tuple[float, float, Word]]] = []
    for item in sorted(placed, key=lambda i: ((i[0] + i[1]) / 2, i[2].box[0])):
        center = (item[0] + item[1]) / 2
        row = rows[-1] if rows else None
        if row is not None:
            top = statistics.median(i[0] for i in row)
            bottom = statistics.median(i[1] for i in row)
            slack = 0.25 * (bottom - top)  # punctuation sits low (a comma), superscripts high
            if top - slack <= center <= bottom + slack:
                row.append(item)
                continue
        rows.append([item])
    lines: list[list[tuple[float, float, Word]]] = []
    for row in rows:
        row.sort(key=lambda i: i[2].box[0])
        height = statistics.median(i[1] - i[0] for i in row) or 1e-6
        lines.extend(_split_blocks(row, height) if structure else [row])
    ordered: list[Word] = []
    for index, line in enumerate(lines):
        for _, _, word in line:
            word.line = index
            ordered.append(word)
    return ordered


def words_from_chars(chars: Iterable[tuple[str, Box]], aspect: float = 1.0) -> list[Word]:
    """Words from characters with boxes (0..1 page coordinates, top-left origin), in the order given: a word
    ends at white space, a line break, or a horizontal gap wider than ``WORD_GAP`` × its height (an underscore,
    drawn under the letters' boxes, stays on their row: "SELLER_NAME" is one word).
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
            # an underscore is drawn under the line's letters: "SELLER_NAME" is one word, not three
            same_row = (y0 < box[3] and y1 > box[1]) or "_" in (ch, text[-1:])
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


# --- tables: the columns a header row names -------------------------------------------------------------------

# The words a table's header row labels its columns with, folded (lower case, no accents), in the languages
# invoices are most often written in. A label of several words ("Unit price", "Montant HT", "Prix unitaire") is one
# column: its kind is the first of COLUMN_PRIORITY its words name.
COLUMN_LABELS = {
    "pos": {"pos", "position", "no", "nr", "n", "item", "line", "lp", "rad", "#"},
    "description": {"description", "designation", "bezeichnung", "beschreibung", "artikel", "article", "articolo",
                    "descripcion", "descrizione", "omschrijving", "product", "produkt", "produit", "prodotto",
                    "producto", "leistung", "text", "nazwa", "popis", "beskrivning", "concepto", "libelle",
                    "services", "service", "details", "items", "goods"},
    "qty": {"qty", "quantity", "qte", "quantite", "nombre", "nb", "menge", "anzahl", "anz", "cantidad", "cant",
            "quantita", "qta",
            "aantal", "ilosc", "antal", "mnozstvi", "quant", "units", "hours", "stunden", "heures", "uren", "horas",
            "pcs", "stk"},
    "unit": {"unit", "uom", "einheit", "me", "unite", "unidad", "um", "eenheid", "jm", "enhet", "jednotka"},
    "price": {"price", "rate", "preis", "einzelpreis", "ep", "prix", "precio", "prezzo", "prijs", "cena", "pris",
              "cenajedn", "tarif", "pu", "eur", "each"},
    "vat": {"vat", "tax", "mwst", "ust", "tva", "iva", "btw", "moms", "dph", "gst", "steuer", "vat%", "taxes"},
    "discount": {"discount", "rabatt", "remise", "rem", "descuento", "dto", "sconto", "korting", "rabat", "disc"},
    "amount": {"amount", "total", "betrag", "gesamt", "gesamtpreis", "summe", "montant", "importe", "importo",
               "bedrag", "totaal", "kwota", "wartosc", "belopp", "castka", "net", "netto", "line", "subtotal",
               "totale", "ht", "ttc", "incl", "value"},
}
# A label's kind, from its words: "Unit price" is a price, "Net amount" an amount, "Qty unit" a quantity.
COLUMN_PRIORITY = ("price", "discount", "amount", "vat", "qty", "unit", "description", "pos")
# The table's columns are taken from a header row that names at least this many of them, a number among them.
MIN_HEADER_COLUMNS = 3
NUMBER_COLUMNS = frozenset({"qty", "price", "vat", "discount", "amount"})
# dx/dy of a column on a page tilted by a slope s (dy/dx, page units) is -s times the page's aspect squared; A4 and
# US Letter portrait pages have 2.0 and 1.67 (the word layer does not carry the page's size)
ASPECT_SQUARED = 1.85


@dataclass
class Column:
    kind: str
    x0: float  # where the column begins and ends, at the header's height (page units)
    x1: float


@dataclass
class Table:
    """The columns a page's table header names, and how to tell which column a word below it is in."""

    header_line: int
    y: float  # the header row's centre
    slope: float  # the page's skew (``page_skew``): columns lean with it
    columns: list[Column]

    def column_of(self, word: Word) -> Optional[str]:
        cx, cy = _center(word.box)
        x = cx + self.slope * ASPECT_SQUARED * (cy - self.y)  # back to the header's height along the lean
        for column in self.columns:
            if column.x0 <= x < column.x1:
                return column.kind
        return None

    def kinds(self) -> set[str]:
        return {column.kind for column in self.columns}


# German compounds name their column at their end: Zeilenbetrag, Nettobetrag, VK-Preis, Stückpreis, Liefermenge.
COMPOUND_ENDINGS = (("betrag", "amount"), ("summe", "amount"), ("preis", "price"), ("menge", "qty"))


def _label_kinds(tokens: list[str]) -> list[str]:
    """The kinds a label's words name, most telling first (COLUMN_PRIORITY)."""
    named = {kind for token in tokens for kind, labels in COLUMN_LABELS.items() if token in labels}
    named |= {kind for token in tokens for ending, kind in COMPOUND_ENDINGS if token.endswith(ending)}
    return [kind for kind in COLUMN_PRIORITY if kind in named]


def _label_kind(tokens: list[str]) -> Optional[str]:
    kinds = _label_kinds(tokens)
    return kinds[0] if kinds else None


def _distinct_kinds(candidates: list[list[str]]) -> list[str]:
    """One kind per label: where two labels name the same first kind ("Prix unitaire", "Prix HT"), the one that
    names another kind too takes that one ("HT": the amount)."""
    kinds = [options[0] if options else "other" for options in candidates]
    for i, options in enumerate(candidates):
        if kinds[i] != "other" and kinds.count(kinds[i]) > 1:
            spare = next((kind for kind in options[1:] if kind not in kinds), None)
            if spare:
                kinds[i] = spare
    return kinds


def _squeezed_tokens(words: Sequence[Word]) -> list[str]:
    """Each word's tokens, and each word squeezed ("Q.tà" → qta, "U.M." → um, "#")."""
    from .printed import WORDS, fold

    return [token for w in words for token in WORDS.findall(fold(w.text))] + [
        re.sub(r"[^a-z#%]", "", fold(w.text)) for w in words]


# Words that qualify a label, never begin one: "Prix HT", "Montant TTC", "Prijs incl. BTW", "Price per unit".
LABEL_MODIFIERS = frozenset({"ht", "ttc", "net", "netto", "brutto", "incl", "excl", "per", "pro", "par", "each", "%"})


def _header_labels(line: list[Word], height: float) -> list[list]:
    """A row's words grouped into labels: [words, x0, x1]. Words close together are one label, unless a word
    that names a column of another kind follows a label that names one already (columns set a single space
    apart: "BTW | Prijs incl. BTW"); a qualifier ("HT", "incl.") and a unit's price ("Unit price") stay joined."""
    labels: list[list] = []
    for word in line:
        if labels and word.box[0] - labels[-1][2] < 0.9 * height:
            own = set(_label_kinds(_squeezed_tokens([word])))
            before = set(_label_kinds(_squeezed_tokens(labels[-1][0])))
            qualifier = bool((set(_squeezed_tokens([word])) | set(_squeezed_tokens(labels[-1][0][-1:])))
                             & LABEL_MODIFIERS)  # "HT" qualifies what precedes it, "incl." what follows
            compound = before <= {"unit"} and "price" in own
            if not (own and before and not own & before and not qualifier and not compound):
                labels[-1][0].append(word)
                labels[-1][2] = word.box[2]
                continue
        labels.append([[word], word.box[0], word.box[2]])
    return labels


def _absorb_stacked(labels: list[list], lines: list[list[Word]], index: int, height: float) -> None:
    """A header printed over several rows ("Prix" above "unitaire", the one-row labels centred between them): the
    rows just above and below the header row, with no digits, join it; a word under or over a label is part of
    that label, any other word a label of its own."""
    center = statistics.median(_center(w.box)[1] for w in lines[index])
    for near in lines[max(0, index - 2):index] + lines[index + 1:index + 3]:
        if any(any(ch.isdigit() for ch in w.text) for w in near):
            continue
        if abs(statistics.median(_center(w.box)[1] for w in near) - center) > 1.6 * height:
            continue
        for word in near:
            label = next((label for label in labels if word.box[0] < label[2] and word.box[2] > label[1]), None)
            if label is None:
                labels.append([[word], word.box[0], word.box[2]])
            else:
                label[0].append(word)
                label[1], label[2] = min(label[1], word.box[0]), max(label[2], word.box[2])
    labels.sort(key=lambda label: label[1])


def find_table(layer: WordLayer) -> Optional[Table]:
    """The table of ``layer``'s page, from its header row: the line naming the most columns (at least
    MIN_HEADER_COLUMNS, a number column among them), its labels' words grouped by proximity (and with the rows
    stacked over and under it, for labels printed on two rows), each label one column reaching halfway to its
    neighbours. None when no line reads like a table header."""
    lines = layer.lines()
    best: Optional[tuple[int, list[tuple[str, float, float]]]] = None
    for index, line in enumerate(lines):
        if any(any(ch.isdigit() for ch in w.text) for w in line):
            continue  # a header names its columns; a row with values is no header
        height = statistics.median(w.box[3] - w.box[1] for w in line) or 1e-6
        grouped = _header_labels(line, height)
        if not any(_label_kind(_squeezed_tokens(words)) in NUMBER_COLUMNS for words, _, _ in grouped):
            continue
        _absorb_stacked(grouped, lines, index, height)
        kinds_of = _distinct_kinds([_label_kinds(_squeezed_tokens(words)) for words, _, _ in grouped])
        labels = [(kind, x0, x1) for kind, (_, x0, x1) in zip(kinds_of, grouped)]
        named = [kind for kind, _, _ in labels if kind != "other"]
        kinds = set(named)
        if len(kinds) < MIN_HEADER_COLUMNS or len(kinds) < len(named) or len(labels) > 2 * len(named):
            continue  # too few columns named, one named twice, or mostly other words: a sentence, not a header
        if best is None or len(kinds) > len({kind for kind, _, _ in best[1]}):
            best = (line[0].line, labels)
    if best is None:
        return None
    line_index, labels = best
    line = [w for w in layer.words if w.line == line_index]
    columns = []
    for i, (kind, x0, x1) in enumerate(labels):
        left = 0.0 if i == 0 else (labels[i - 1][2] + x0) / 2
        right = 1.0 if i == len(labels) - 1 else (x1 + labels[i + 1][1]) / 2
        columns.append(Column(kind, left, right))
    y = statistics.median(_center(w.box)[1] for w in line)
    return Table(line_index, y, page_skew(layer.words), columns)
