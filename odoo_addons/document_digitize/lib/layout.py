"""A vendor's learned layout: where its documents print each value, learned from one confirmed document and
used to read the next ones from their word layer — milliseconds, no model. Pure Python, no ORM.

Learning (``learn``) takes the pages' words (as the sidecar returned them, see ``pages_from_json``) and the
document as a person confirmed it (canonical schema: the record's values mapped back to document terms). For
each header value printed on a page it keeps the *anchor* — the label words to its left on the same row, or
above it ("Rechnungsnr.", "Invoice date") — and where the value sits relative to that anchor; for the lines
table its header row, the column band of each line field and which rows are lines (those that print every
field all the confirmed lines print). A line may take up to ``LINE_ROWS`` rows (its description, then its
codes, then its numbers); each field's column and row are the ones most lines print it in, so a value that
happens to be printed elsewhere in one line's rows is not taken for it. Also how the vendor prints numbers (decimal comma or point) and
numeric dates (day or month first). Values a person did not confirm are never learned.

Reading (``read``) finds each anchor on the new page (the occurrence nearest the learned one: a table that
grew pushes the totals down), takes the value where the layout says, parses it the way the vendor prints,
and reads the table row by row between its header row and the first anchor below it. It returns the
canonical document and, per JSON path, the words it was read from (evidence); what it could not find is
listed in ``missing``. Identity fields are never part of a layout: the vendor is recognised from the page's
own VAT id, IBAN or name (``identify``), and only what the page prints is put into the document.

``check`` says whether a reading can be trusted (arithmetic, identity, completeness); the caller falls
back to the model when it cannot.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from .printed import date_readings, decimal_of, number_readings, read_date, read_number
from .text import ReviewItem, compact, fold

LAYOUT_VERSION = 1
Box = tuple[float, float, float, float]

# header values a layout can hold; party fields (names, ids, addresses) are not among them (see module doc)
NUMBER_FIELDS = ("subtotal", "total_tax", "total", "amount_due")
DATE_FIELDS = ("issue_date", "due_date")
CODE_FIELDS = ("document_number", "order_reference", "payment_reference")
TAX_FIELDS = ("rate", "base", "amount")
LINE_NUMBERS = ("quantity", "unit_price", "discount_percent", "tax_rate", "amount")
LINE_TEXTS = ("description", "product_code", "unit")
PARTY = {"vendor_bill": "seller", "purchase_order": "seller", "sale_order": "buyer"}

MAX_ANCHOR_WORDS = 4
LINE_ROWS = 3  # rows one line of a table may take: its description, its codes, its numbers
CURRENCY_TOKENS = frozenset({"€", "$", "£", "¥", "₹", "eur", "usd", "gbp", "chf", "inr", "fr", "chf.", "eur."})
class LayoutError(ValueError):
    """Words or a stored layout that cannot be used (unknown version, malformed data)."""


# --- the word layer ------------------------------------------------------------------------------------


@dataclass
class Word:
    text: str
    box: Box
    line: int
    page: int  # 1-based

    @property
    def key(self) -> str:
        return label_key(self.text)


@dataclass
class Page:
    number: int
    source: str
    words: list[Word] = field(default_factory=list)

    def lines(self) -> list[list[Word]]:
        rows: dict[int, list[Word]] = {}
        for word in self.words:
            rows.setdefault(word.line, []).append(word)
        return [sorted(rows[k], key=lambda w: w.box[0]) for k in sorted(rows)]


def pages_from_json(data: Any) -> list[Page]:
    """Pages from the stored/transported form: ``[{"page": 1, "source": "pdf", "words": [[text, x0, y0, x1, y1,
    line], ...]}, ...]`` (``words_to_json`` writes it)."""
    pages = []
    try:
        for item in data or ():
            number = int(item["page"])
            words = [Word(str(w[0]), (float(w[1]), float(w[2]), float(w[3]), float(w[4])), int(w[5]), number)
                     for w in item.get("words") or ()]
            pages.append(Page(number, str(item.get("source") or ""), words))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise LayoutError(f"The word layer is malformed ({exc!r}): expected pages with words [text, x0, y0, x1, "
                          "y1, line].") from None
    return pages


def words_to_json(pages: Iterable[Any]) -> list[dict]:
    """``ocr.v1.PageWords`` messages (or ``Page``s) → the compact JSON form ``pages_from_json`` reads."""
    out = []
    for page in pages:
        if isinstance(page, Page):
            words = [[w.text, *(round(v, 5) for v in w.box), w.line] for w in page.words]
            out.append({"page": page.number, "source": page.source, "words": words})
            continue
        words = [[w.text, round(w.box.x0, 5), round(w.box.y0, 5), round(w.box.x1, 5), round(w.box.y1, 5), w.line]
                 for w in page.words]
        out.append({"page": page.page, "source": page.source, "words": words})
    return out


def label_key(text: str) -> str:
    """A label word as compared: folded, without punctuation around it ("Rechnungsnr.:" → "rechnungsnr")."""
    return re.sub(r"^[^\w€$£¥₹]+|[^\w€$£¥₹]+$", "", fold(text))


def _is_label(word: Word) -> bool:
    key = word.key
    return bool(key) and any(ch.isalpha() for ch in key) and key not in CURRENCY_TOKENS


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


# --- learning ------------------------------------------------------------------------------------------


def _kind(path: str) -> str:
    name = path.rsplit(".", 1)[-1]
    if name in DATE_FIELDS:
        return "date"
    if name in CODE_FIELDS or name == "product_code":
        return "code"
    if name in LINE_TEXTS:
        return "text"
    return "number"


def _anchor(value: list[Word], line: list[Word], lines: list[list[Word]]) -> Optional[dict]:
    """The label of ``value``: the words to its left in its row, else the nearest row above over it."""
    left = [w for w in line if w.box[2] <= value[0].box[0] + 1e-6]
    while left and not _is_label(left[-1]) and left[-1].key in CURRENCY_TOKENS | {""}:
        left.pop()  # "Total € 42.00": the anchor is "Total"
    label: list[Word] = []
    for word in reversed(left):
        # a rate belongs to its label ("BTW 21%", "MwSt. 19 %")
        if not (_is_label(word) or "%" in word.text) or len(label) >= MAX_ANCHOR_WORDS:
            break
        if label and label[0].box[0] - word.box[2] > 0.05:
            break  # another block's words
        label.insert(0, word)
    if any(_is_label(w) for w in label) and value[0].box[0] - label[-1].box[2] < 0.5:
        return {"dir": "left", "keys": [w.key for w in label], "box": _union(label), "line": label[0].line,
                "row": sorted({w.key for w in line if _is_label(w)})}
    index = next(i for i, row in enumerate(lines) if row and row[0].line == line[0].line)
    x0, x1 = value[0].box[0], value[-1].box[2]
    for back, row in enumerate(reversed(lines[max(0, index - 3):index]), start=1):
        over = [w for w in row if w.box[0] < x1 + 0.02 and w.box[2] > x0 - 0.02 and _is_label(w)]
        if over:
            return {"dir": "above", "keys": [w.key for w in over][:MAX_ANCHOR_WORDS], "box": _union(over),
                    "line": over[0].line, "row": sorted({w.key for w in row if _is_label(w)}), "rows_below": back}
    return None


def learn(pages: Sequence[Page], document: Mapping[str, Any], target: str = "vendor_bill") -> dict:
    """The layout of ``document`` (as confirmed by a person) printed on ``pages``. Raises ``LayoutError`` when
    nothing of it is found on the pages (a scan without words, another document)."""
    if not any(p.words for p in pages):
        raise LayoutError("The document has no word layer to learn a layout from.")
    layout: dict[str, Any] = {"version": LAYOUT_VERSION, "target": target, "fields": {}, "table": None,
                              "decimal": None, "date_order": None,
                              "document_type": document.get("document_type"), "currency": document.get("currency")}
    decimals: list[str] = []
    orders: list[str] = []
    lines = document.get("lines") or []
    layout["table"], table_rows, printed_lines = _learn_table(pages, lines)
    header = [(name, document.get(name)) for name in (*CODE_FIELDS, *DATE_FIELDS, *NUMBER_FIELDS)]
    for i, tax in enumerate(document.get("taxes") or ()):
        header += [(f"taxes[{i}].{name}", (tax or {}).get(name)) for name in TAX_FIELDS]
    for path, value in header:
        if value is None or value == "":
            continue
        kind = _kind(path)
        learned = _learn_field(pages, kind, value, path, table_rows)
        if learned is None:
            continue
        layout["fields"][path] = learned
        if kind == "number" and "%" not in learned["printed"]:
            decimals += [d for d in [decimal_of(learned["printed"])] if d]
        if kind == "date":
            orders += [o for d, o in date_readings(learned["printed"]) if d.isoformat() == str(value)]
    layout["decimal"] = max(set(decimals), key=decimals.count) if decimals else None
    numeric = [o for o in orders if o != "name"]
    layout["date_order"] = max(set(numeric), key=numeric.count) if numeric else None
    if layout["table"]:  # the table ends at the first label of a header value printed below it
        table = layout["table"]
        bottom = max(line for page, line in table_rows if page == table["page"])
        page = next(p for p in pages if p.number == table["page"])
        below = {w.line for w in page.words if w.line > bottom}
        table["stops"] = [f["anchor"]["keys"] for f in layout["fields"].values()
                          if f["page"] == table["page"] and f["anchor"]["line"] in below]
    _drop_taxes_without_rate(layout)
    # the lines the page prints, not those a person (or the mapping, for a document-level discount) added
    note_lines_vs_subtotal(layout, dict(document, lines=[lines[i] for i in printed_lines]))
    layout["lines_learned"] = bool(lines)
    if not layout["fields"] and not layout["table"]:
        raise LayoutError("None of the confirmed values is printed on the document's pages: nothing to learn.")
    return layout


def _drop_taxes_without_rate(layout: dict) -> None:
    """A tax row is learned with its rate or not at all: a base and an amount without their rate say nothing
    the totals do not, and a reader could not tell which tax they are."""
    fields = layout["fields"]
    rows = {re.match(r"taxes\[(\d+)\]", path).group(1) for path in fields if path.startswith("taxes[")}
    for row in rows:
        if f"taxes[{row}].rate" not in fields:
            for name in TAX_FIELDS:
                fields.pop(f"taxes[{row}].{name}", None)
    kept = sorted({int(re.match(r"taxes\[(\d+)\]", path).group(1)) for path in fields if path.startswith("taxes[")})
    for new, old in enumerate(kept):  # numbered again from 0: the reader lists them in that order
        for name in TAX_FIELDS:
            if new != old and f"taxes[{old}].{name}" in fields:
                fields[f"taxes[{new}].{name}"] = fields.pop(f"taxes[{old}].{name}")


def _learn_field(pages: Sequence[Page], kind: str, value: Any, path: str, skip: set[tuple[int, int]]
                 ) -> Optional[dict]:
    """Where ``value`` is printed with a label: the first occurrence that has one (a total printed twice),
    outside the lines table's rows (``skip``: (page, line))."""
    if path.endswith(".rate"):
        kind = "number"
    for page in pages:
        lines = page.lines()
        for run in _find([row for row in lines if (page.number, row[0].line) not in skip], kind, value):
            line = next(row for row in lines if row and row[0].line == run[0].line)
            anchor = _anchor(run, line, lines)
            if anchor is None:
                continue
            return {"page": page.number, "kind": kind, "anchor": anchor, "box": _union(run), "words": len(run),
                    "printed": _join(run)}
    return None


def _learn_table(pages: Sequence[Page], lines: Sequence[Mapping[str, Any]]
                 ) -> tuple[Optional[dict], set[tuple[int, int]], list[int]]:
    """Column bands of the line fields (and on which row of a line each is printed: a line may take up to
    ``LINE_ROWS`` rows — its description, then codes, then its numbers), the header row above the first line,
    the fields every line prints; the (page, line) rows the lines take, and which confirmed lines were found."""
    if not lines:
        return None, set(), []
    for page in pages:
        rows = page.lines()
        starts: dict[int, int] = {}  # row index where a line starts → index of the confirmed line
        candidates: dict[int, dict[str, list[tuple[int, list[Word]]]]] = {}
        for number, item in enumerate(lines):
            match = _learn_row(rows, item, set(starts))
            if match is not None:
                starts[match[0]] = number
                candidates[number] = match[1]
        if len(starts) < max(1, (len(lines) + 1) // 2):
            continue  # most lines are not on this page
        cells = _columns(rows, starts, candidates, lines)
        bands: dict[str, list[float]] = {}
        for line_cells in cells.values():
            for name, (offset, words) in line_cells.items():
                box = _union(words)
                band = bands.setdefault(name, [box[0], box[2], offset])
                band[0], band[1] = min(band[0], box[0]), max(band[1], box[2])
        required = sorted(name for name in bands if name in LINE_NUMBERS
                          and all(name in line_cells for line_cells in cells.values()))
        first = min(starts)
        header = next((rows[i] for i in range(first - 1, max(-1, first - 4), -1)
                       if sum(_is_label(w) for w in rows[i]) >= 2), None)
        if header is None or not required:
            continue
        table = {"page": page.number, "header": [[w.key, *w.box] for w in header if w.key], "bands": bands,
                 "required": required, "stops": []}
        used = {(page.number, rows[start + offset][0].line) for start, number in starts.items()
                for offset in [0, *(o for o, _ in cells[number].values())]}
        return table, used, sorted(starts.values())
    return None, set(), []


def _learn_row(rows: Sequence[Sequence[Word]], item: Mapping[str, Any], taken: set[int]
               ) -> Optional[tuple[int, dict[str, list[tuple[int, list[Word]]]]]]:
    """The row where ``item`` starts — the one printing its description (or, without one, one of its numbers) —
    and, for each of its fields, every place it is printed on that row or the ``LINE_ROWS - 1`` rows below
    (row offset, words): which of them is the field's column is decided across lines (``_columns``)."""
    best = None
    for index in range(len(rows)):
        if index in taken:
            continue
        found: dict[str, list[tuple[int, list[Word]]]] = {}
        for offset in range(LINE_ROWS):
            if index + offset >= len(rows) or (offset and index + offset in taken):
                break
            for name in (*LINE_TEXTS, *LINE_NUMBERS):
                value = item.get(name)
                if value is None or value == "":
                    continue
                for run in _find([list(rows[index + offset])], _kind(name), value, longest=12):
                    found.setdefault(name, []).append((offset, run))
            if offset == 0:
                if item.get("description"):
                    if "description" not in found:
                        break
                elif not any(n in found for n in LINE_NUMBERS):
                    break
        if not found or (item.get("description") and "description" not in found):
            continue
        if best is None or len(found) > len(best[1]):
            best = (index, found)
    return best


def _columns(rows, starts, candidates, lines) -> dict[int, dict[str, tuple[int, list[Word]]]]:
    """For each found line, the one place each field is printed: the column (row offset and x band) that most
    lines print the field in — a quantity of 10 is not taken from the unit-price column of the line whose price
    happens to be 10 —, kept only when more than half of the lines with that field print it there. A word is
    never two fields of a line; a line's fields never reach into the next line's first row."""
    def overlaps(a: Box, b: Box) -> bool:
        return a[0] < b[2] + 0.005 and b[0] < a[2] + 0.005

    starts_of = {number: start for start, number in starts.items()}
    for number, found in candidates.items():
        for name in list(found):
            found[name] = [(o, w) for o, w in found[name] if o == 0 or starts_of[number] + o not in starts]
    cells: dict[int, dict[str, tuple[int, list[Word]]]] = {number: {} for number in candidates}
    taken: dict[int, set[int]] = {number: set() for number in candidates}
    for number, found in candidates.items():
        if found.get("description"):
            offset, words = found["description"][0]
            cells[number]["description"] = (offset, words)
            taken[number].update(id(w) for w in words)
    choices = []
    for name in (*LINE_NUMBERS, *(n for n in LINE_TEXTS if n != "description")):
        having = [number for number in candidates if lines[number].get(name) not in (None, "")]
        options = [(o, _union(w)) for number in having for o, w in candidates[number].get(name, [])]
        scored = []
        for offset, box in options:
            support = sum(1 for number in having if any(o == offset and overlaps(_union(w), box)
                                                        for o, w in candidates[number].get(name, [])))
            scored.append((-support, offset, box[0], box))
        if scored:
            support, offset, _x, box = min(scored)
            if -support * 2 > len(having):
                choices.append((support, name, offset, box))
    for _support, name, offset, box in sorted(choices, key=lambda c: (c[0], c[1])):
        for number in candidates:
            fits = [w for o, w in candidates[number].get(name, []) if o == offset and overlaps(_union(w), box)
                    and not any(id(x) in taken[number] for x in w)]
            if fits:
                words = max(fits, key=lambda w: min(_union(w)[2], box[2]) - max(_union(w)[0], box[0]))
                cells[number][name] = (offset, words)
                taken[number].update(id(w) for w in words)
    return cells


# --- reading -------------------------------------------------------------------------------------------


@dataclass
class Reading:
    document: dict
    evidence: dict[str, dict] = field(default_factory=dict)  # path → {"page", "boxes", "text"}
    missing: list[str] = field(default_factory=list)  # learned fields not found on the pages


def _find_anchor(page: Page, anchor: Mapping[str, Any]) -> list[tuple[float, list[Word], list[Word]]]:
    """(distance to the learned anchor, its words, its row) for every place the anchor's words are printed."""
    keys = list(anchor["keys"])
    x0, y0 = anchor["box"][0], anchor["box"][1]
    learned_row = set(anchor.get("row") or ())
    out = []
    for row in page.lines():
        for start in range(len(row) - len(keys) + 1):
            span = row[start:start + len(keys)]
            if [w.key for w in span] == keys:
                box = _union(span)
                row_keys = {w.key for w in row if _is_label(w)}
                similar = len(row_keys & learned_row) / max(1, len(row_keys | learned_row))
                out.append((1.5 * abs(box[0] - x0) + abs(box[1] - y0) - 0.5 * similar, span, row))
    return sorted(out, key=lambda item: item[0])


def _value_after(anchor: Sequence[Word], row: Sequence[Word], learned: Mapping[str, Any]) -> list[Word]:
    """The words right of the anchor in its row, starting where the learned value started or ended (values
    are left- or right-aligned), as many as it had (a little slack for longer values)."""
    right = [w for w in row if w.box[0] >= anchor[-1].box[2] - 1e-6]
    if not right:
        return []
    a_box, v_box = learned["anchor"]["box"], learned["box"]
    want_x0 = _union(anchor)[2] + (v_box[0] - a_box[2])
    start = min(range(len(right)), key=lambda i: abs(right[i].box[0] - want_x0))
    ends = [i for i in range(len(right)) if abs(right[i].box[2] - (want_x0 + v_box[2] - v_box[0])) < 0.03]
    if ends and ends[0] < start:
        start = max(0, ends[0] - learned["words"] + 1)
    return right[start:start + learned["words"] + 2]


def _value_below(anchor: Sequence[Word], page: Page, learned: Mapping[str, Any]) -> list[Word]:
    a_box, v_box = learned["anchor"]["box"], learned["box"]
    dx = _union(anchor)[0] - a_box[0]
    x0, x1 = v_box[0] + dx - 0.02, v_box[2] + dx + 0.02
    below = [row for row in page.lines() if row[0].line > anchor[0].line]
    back = learned["anchor"].get("rows_below", 1)
    for row in below[back - 1:back] + below[:3]:
        over = [w for w in row if w.box[0] < x1 and w.box[2] > x0]
        if over:
            return over
    return []


def _parse(kind: str, words: Sequence[Word], layout: Mapping[str, Any], size: int
           ) -> tuple[Any, list[Word]]:
    """The value the first words of ``words`` print, and those words: as many words as the learned value had
    first, then fewer, then a few more (a longer number, a date with a month name)."""
    for end in [size, *range(size - 1, 0, -1), size + 1, size + 2]:
        if end < 1 or end > len(words):
            continue
        text = _join(words[:end])
        if kind == "number":
            value = read_number(text, layout.get("decimal"))
        elif kind == "date":
            date = read_date(text, layout.get("date_order"))
            value = date.isoformat() if date else None
        else:
            value = text.strip(" :;,") or None if end == size else None
        if value is not None:
            return value, list(words[:end])
    return None, []


def read(pages: Sequence[Page], layout: Mapping[str, Any]) -> Reading:
    """The document ``pages`` print, read with ``layout`` (identity fields excepted: see ``identify``)."""
    if not isinstance(layout, Mapping) or layout.get("version") != LAYOUT_VERSION:
        raise LayoutError(f"The stored layout is not of version {LAYOUT_VERSION}: learn it again.")
    by_number = {p.number: p for p in pages}
    document: dict[str, Any] = {"document_type": layout.get("document_type"), "currency": layout.get("currency")}
    reading = Reading(document)
    taxes: dict[int, dict] = {}
    for path, learned in layout.get("fields", {}).items():
        value, words = _read_field(by_number, pages, learned, layout)
        if value is None:
            reading.missing.append(path)
            continue
        match = re.fullmatch(r"taxes\[(\d+)\]\.(\w+)", path)
        if match:
            taxes.setdefault(int(match.group(1)), {})[match.group(2)] = value
        else:
            document[path] = value
        reading.evidence[path] = {"page": words[0].page, "boxes": [list(w.box) for w in words], "text": _join(words)}
    if taxes:
        document["taxes"] = [taxes[i] for i in sorted(taxes)]
    table = layout.get("table")
    if table:
        document["lines"] = _read_table(pages, table, layout, reading)
        if not document["lines"]:
            reading.missing.append("lines")
    return reading


def _read_field(by_number, pages, learned, layout) -> tuple[Any, list[Word]]:
    order = [by_number[learned["page"]]] if learned["page"] in by_number else []
    order += [p for p in pages if p.number != learned["page"]]
    for page in order:
        for _distance, anchor, row in _find_anchor(page, learned["anchor"])[:3]:
            words = (_value_after(anchor, row, learned) if learned["anchor"]["dir"] == "left"
                     else _value_below(anchor, page, learned))
            value, used = _parse(learned["kind"], words, layout, learned["words"])
            if value is not None:
                return value, used
    return None, []


def _read_table(pages: Sequence[Page], table: Mapping[str, Any], layout: Mapping[str, Any], reading: Reading
                ) -> list[dict]:
    """The rows under the learned header row that print every required field, on every page showing that
    header (a table continued on the next page repeats it), up to the first header-field anchor below it."""
    header = [(h[0], tuple(h[1:5])) for h in table["header"]]
    stops = table.get("stops") or []
    out: list[dict] = []
    for page in sorted(pages, key=lambda p: (p.number < table["page"], p.number)):
        rows = page.lines()
        start, dx = _find_header(rows, header)
        if start is None:
            continue
        body = rows[start + 1:]
        free = 0  # the first row no line read so far takes
        for index, row in enumerate(body):
            keys = [w.key for w in row]
            if any(_contains(keys, stop) for stop in stops if stop):
                break
            if index < free:
                continue
            line, evidence = _read_row(body[index:index + LINE_ROWS], table, layout, dx)
            if line is None:
                continue
            free = index + 1 + max(int(table["bands"][name][2]) for name in evidence)
            number = len(out)
            out.append(line)
            for name, words in evidence.items():
                reading.evidence[f"lines[{number}].{name}"] = {"page": page.number, "text": _join(words),
                                                               "boxes": [list(w.box) for w in words]}
    return out


def _contains(keys: Sequence[str], stop: Sequence[str]) -> bool:
    return any(list(keys[i:i + len(stop)]) == list(stop) for i in range(len(keys) - len(stop) + 1))


def _find_header(rows: Sequence[Sequence[Word]], header: Sequence[tuple[str, Box]]) -> tuple[Optional[int], float]:
    """The row holding most of the header's words (at least 60 %), and how far it moved sideways."""
    wanted = [key for key, _ in header]
    best, best_hits, shift = None, 0, 0.0
    for index, row in enumerate(rows):
        keys = [w.key for w in row]
        hits = [(w, box) for key, box in header for w in row if w.key == key]
        count = sum(1 for key in wanted if key in keys)
        if count > best_hits and count >= max(2, 0.6 * len(wanted)):
            best, best_hits = index, count
            moves = sorted(w.box[0] - box[0] for w, box in hits)
            shift = moves[len(moves) // 2] if moves else 0.0
    return best, shift


def _read_row(rows: Sequence[Sequence[Word]], table: Mapping[str, Any], layout: Mapping[str, Any], dx: float
              ) -> tuple[Optional[dict], dict[str, list[Word]]]:
    """The line printed from ``rows[0]`` (fields learned on a line's second row are read from ``rows[1]``);
    None unless the row prints every required field."""
    bands = {name: (band[0] + dx, band[1] + dx) for name, band in table["bands"].items()}
    offsets = {name: int(band[2]) for name, band in table["bands"].items()}
    numeric = sorted((band, name) for name, band in bands.items() if name in LINE_NUMBERS)
    line: dict[str, Any] = {}
    evidence: dict[str, list[Word]] = {}
    taken: set[int] = set()
    for (x0, x1), name in sorted(numeric, key=lambda item: item[1] not in table["required"]):
        if offsets[name] >= len(rows):
            if name in table["required"]:
                return None, {}  # the page ends before the line's numbers
            continue
        row = rows[offsets[name]]
        cell = [w for w in row if w.box[0] < x1 + 0.01 and w.box[2] > x0 - 0.01 and id(w) not in taken]
        for size in range(len(cell), 0, -1):
            for begin in range(len(cell) - size + 1):
                words = cell[begin:begin + size]
                value = read_number(_join(words), layout.get("decimal"))
                if value is not None:
                    line[name] = value
                    evidence[name] = words
                    taken.update(id(w) for w in words)
                    break
            if name in line:
                break
        if name in table["required"] and name not in line:
            return None, {}
    starts = sorted(band[0] for band in bands.values())
    for name in LINE_TEXTS:
        if name not in bands or offsets[name] >= len(rows):
            continue
        row = rows[offsets[name]]
        x0, x1 = bands[name]
        right = min([s for s in starts if s > x1 - 0.005] + [1.0])  # a text column ends where the next starts
        left = max([b[1] for n, b in bands.items() if n != name and b[1] <= x0 + 0.005] + [0.0])
        words = [w for w in row if id(w) not in taken and w.box[0] >= left - 0.005 and w.box[2] <= right + 0.005
                 and (w.box[0] + w.box[2]) / 2 >= x0 - 0.02]
        if name != "description":  # a code or a unit: the words in its column, not the label printed before it
            words = [w for w in words if min(w.box[2], x1) - max(w.box[0], x0)
                     > 0.5 * min(w.box[2] - w.box[0], x1 - x0)]
        if words:
            line[name] = _join(words)
            evidence[name] = words
            taken.update(id(w) for w in words)
    return line, evidence


# --- who issued the page -------------------------------------------------------------------------------


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
            row_keys = [w.key for w in row]
            for start in range(len(row) - len(keys) + 1):
                if row_keys[start:start + len(keys)] == keys:
                    return list(row[start:start + len(keys)])
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


# --- can the reading be trusted -------------------------------------------------------------------------


def check(reading: Reading, layout: Mapping[str, Any], identity: Optional[Identity] = None,
          tolerance: float = 0.01) -> list[ReviewItem]:
    """What speaks against the reading, as serious review items (empty: it can be used as is).

    - a learned field or the lines table not found: the template changed;
    - the lines' amounts do not add up to the subtotal (when both are read), subtotal + tax ≠ total,
      the tax rows' amounts ≠ the total tax;
    - the issuer not recognised from the page's own VAT id / IBAN / name."""
    doc = reading.document
    items = []
    if reading.missing:
        items.append(ReviewItem("layout_missing", "Not found where the vendor's layout expects it: "
                                f"{', '.join(reading.missing)}.", reading.missing[0], serious=True))
    if layout.get("lines_learned") and not layout.get("table"):
        items.append(ReviewItem("layout_no_table", "The vendor's lines table was not learned: its lines cannot be "
                                "read from the layout.", "lines", serious=True))
    if identity is None:
        items.append(ReviewItem("layout_identity", "The page does not name the layout's vendor (VAT id, IBAN or "
                                "name).", "seller", serious=True))
    lines = doc.get("lines") or []
    amounts = [line.get("amount") for line in lines]
    subtotal, tax, total = doc.get("subtotal"), doc.get("total_tax"), doc.get("total")
    if lines and all(a is not None for a in amounts) and subtotal is not None:
        if abs(sum(amounts) - subtotal) > tolerance + 1e-9 and not layout.get("lines_differ_from_subtotal"):
            items.append(ReviewItem("layout_lines_sum", f"The lines add up to {sum(amounts):.2f}, the subtotal read "
                                    f"is {subtotal:.2f}.", "subtotal", serious=True))
    if subtotal is not None and tax is not None and total is not None and abs(subtotal + tax - total) > tolerance:
        items.append(ReviewItem("layout_total", f"Subtotal {subtotal:.2f} + tax {tax:.2f} ≠ total {total:.2f}.",
                                "total", serious=True))
    taxes = [t.get("amount") for t in doc.get("taxes") or []]
    if taxes and all(a is not None for a in taxes) and tax is not None and abs(sum(taxes) - tax) > tolerance:
        items.append(ReviewItem("layout_taxes", f"The tax rows add up to {sum(taxes):.2f}, the total tax read is "
                                f"{tax:.2f}.", "total_tax", serious=True))
    if total is None and subtotal is None and not lines:
        items.append(ReviewItem("layout_empty", "Neither totals nor lines were read.", "total", serious=True))
    return items


def note_lines_vs_subtotal(layout: dict, document: Mapping[str, Any], tolerance: float = 0.01) -> dict:
    """Remember that this vendor's lines do not add up to its subtotal (header discounts or charges): the
    lines-sum check is then not one the layout's readings can be held to."""
    amounts = [line.get("amount") for line in document.get("lines") or []]
    if amounts and all(a is not None for a in amounts) and document.get("subtotal") is not None:
        layout["lines_differ_from_subtotal"] = abs(sum(amounts) - document["subtotal"]) > tolerance
    return layout
