"""Learning a vendor's layout from one document a person confirmed.

``learn`` takes the pages' words (as the sidecar returned them, see ``pages_from_json``) and the document as a
person confirmed it (canonical schema: the record's values mapped back to document terms). For each header
value printed on a page it keeps the *anchor* — the label words to its left on the same row, or above it
("Rechnungsnr.", "Invoice date") — and where the value sits relative to that anchor; for the lines table its
header row, the column band of each line field and which rows are lines (those that print every field all the
confirmed lines print). A line may take up to ``LINE_ROWS`` rows (its description, then its codes, then its
numbers); each field's column and row are the ones most lines print it in, so a value that happens to be
printed elsewhere in one line's rows is not taken for it. Where the sidecar named the page's table columns
(``Word.column``, from the table's header row), each line field learns its column — a line's numbers are then read
from their own column on a tilted scan too, and a unit printed in the quantity's cell is the line's unit — and a
description wrapped onto the next row is learned whole (and read whole, unless the vendor prints notes under its
lines). Anchors are labels, never values (no digits; a base printed between a tax row's label and its amount is
skipped); a tax row is known by its printed rate; a total tax printed only as the tax rows' amount is read as
their sum. Also how the vendor prints numbers (decimal comma or point) and numeric dates (day or month first).
Values a person did not confirm are never learned.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping, Optional, Sequence

from ..printed import date_readings, decimal_of
from ..text import fold
from .fields import (
    CODE_FIELDS,
    CURRENCY_TOKENS,
    DATE_FIELDS,
    LAYOUT_VERSION,
    LINE_NUMBERS,
    LINE_ROWS,
    LINE_TEXTS,
    MAX_ANCHOR_WORDS,
    NUMBER_COLUMNS,
    NUMBER_FIELDS,
    TAX_FIELDS,
    LayoutError,
)
from .words import Box, Page, Word, _find, _is_label, _join, _label_word, _prints, _union, continues


def _kind(path: str) -> str:
    name = path.rsplit(".", 1)[-1]
    if name in DATE_FIELDS:
        return "date"
    if name in CODE_FIELDS or name == "product_code":
        return "code"
    if name in LINE_TEXTS:
        return "text"
    return "number"


def _number_word(word: Word) -> bool:
    return any(ch.isdigit() for ch in word.text) and not any(ch.isalpha() or ch == "%" for ch in word.text)


def _anchor(value: list[Word], line: list[Word], lines: list[list[Word]]) -> Optional[dict]:
    """The label of ``value``: the words to its left in its row, else the nearest row above over it. Between
    the label and the value a currency and one other number may stand ("VAT 19% on 1,234.00 | 234.46": the
    amount's label is "VAT 19% on", not the base beside it)."""
    left = [w for w in line if w.box[2] <= value[0].box[0] + 1e-6]

    def drop_currency() -> None:
        while left and not _is_label(left[-1]) and left[-1].key in CURRENCY_TOKENS | {""}:
            left.pop()  # "Total € 42.00": the anchor is "Total"

    drop_currency()
    numbers = 0
    while left and numbers < 3 and _number_word(left[-1]):
        left.pop()  # a number of up to three words ("6 265,42")
        numbers += 1
    drop_currency()
    label: list[Word] = []
    whole = True  # the label is all of the words before it: "Date" must not be found in "Due date"
    for word in reversed(left):
        # a rate belongs to its label ("BTW 21%", "MwSt. 19 %")
        if not (_label_word(word) or "%" in word.text):
            break
        if len(label) >= MAX_ANCHOR_WORDS:
            whole = False
            break
        if label and label[0].box[0] - word.box[2] > 0.05:
            break  # another block's words
        label.insert(0, word)
    # far from its value only when the row prints nothing else ("Grand Total ........ Rs 1939", a receipt's
    # margins): beside another block's words a far label may be that block's
    if any(_is_label(w) for w in label) and (value[0].box[0] - label[-1].box[2] < 0.5
                                              or (label[0] is line[0] and not numbers)):
        return {"dir": "left", "keys": [w.key for w in label], "box": _union(label), "line": label[0].line,
                "row": sorted({w.key for w in line if _is_label(w)}), "whole": whole}
    index = next(i for i, row in enumerate(lines) if row and row[0].line == line[0].line)
    x0, x1 = value[0].box[0], value[-1].box[2]
    for back, row in enumerate(reversed(lines[max(0, index - 3):index]), start=1):
        over = [w for w in row if w.box[0] < x1 + 0.02 and w.box[2] > x0 - 0.02 and _label_word(w)]
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
        rate = layout["fields"].get(path.split(".")[0] + ".rate") if path.startswith("taxes[") else None
        others = [v for name, v in header if name in DATE_FIELDS and name != path and v] if kind == "date" else []
        learned = _learn_field(pages, kind, value, path, table_rows, rate["anchor"]["line"] if rate else None,
                               others, [layout["fields"][n] for n in DATE_FIELDS if n in layout["fields"]]
                               if kind == "date" else ())
        if learned is None:
            continue
        layout["fields"][path] = dict(learned, value=value) if kind == "date" else learned
        if kind == "number" and "%" not in learned["printed"]:
            decimals += [d for d in [decimal_of(learned["printed"])] if d]
        if kind == "date":
            orders += [o for d, o in date_readings(learned["printed"]) if d.isoformat() == str(value)]
    _dates_in_order(layout["fields"])
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
    _total_tax_of_rows(layout)
    # the lines the page prints, not those a person (or the mapping, for a document-level discount) added
    note_lines_vs_subtotal(layout, dict(document, lines=[lines[i] for i in printed_lines]))
    layout["lines_learned"] = bool(lines)
    if not layout["fields"] and not layout["table"]:
        raise LayoutError("None of the confirmed values is printed on the document's pages: nothing to learn.")
    return layout


def _total_tax_of_rows(layout: dict) -> None:
    """A total tax found only as a tax row's amount (one rate, no "Total VAT" printed) is not learned where that
    row prints it: the next document may charge two rates. It is read as the sum of the tax rows."""
    fields = layout["fields"]
    total = fields.get("total_tax")
    rows = [path for path in fields if re.fullmatch(r"taxes\[\d+\]\.amount", path)]
    if total is not None and any(fields[path]["box"] == total["box"] for path in rows):
        del fields["total_tax"]
        layout["total_tax_of_rows"] = True


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


def _learn_field(pages: Sequence[Page], kind: str, value: Any, path: str, skip: set[tuple[int, int]],
                 prefer: Optional[int] = None, others: Sequence[Any] = (), taken_by: Sequence[dict] = ()
                 ) -> Optional[dict]:
    """Where ``value`` is printed with a label: the first occurrence that has one (a total printed twice),
    outside the lines table's rows (``skip``: (page, line)); on the line ``prefer`` first (a tax row's base
    and amount on the row of its rate, rather than a subtotal equal to the base); a date that also reads as
    one of the ``others`` (08/07 for 7 August and 8 July) only when no other place prints it, and never where
    another date was learned (``taken_by``)."""
    taken = {tuple(learned["box"]) for learned in taken_by}
    places = (place for place in _places(pages, "number" if path.endswith(".rate") else kind, value, path, skip,
                                         prefer) if tuple(place["box"]) not in taken)
    first = next(places, None)
    if first is not None and any(_prints(kind, other, first["printed"]) for other in others):
        return next((place for place in places if not any(_prints(kind, other, place["printed"])
                                                          for other in others)), first)
    return first


def _dates_in_order(fields: dict) -> None:
    """Two dates that each read as the other (08/07/2025 and 07/08/2025: day or month first?) cannot be told
    apart by their text: the issue date is the one printed first, as documents print it."""
    issue, due = fields.get("issue_date"), fields.get("due_date")
    if issue and due and _prints("date", due["value"], issue["printed"]) and _prints("date", issue["value"],
                                                                                    due["printed"]):
        def place(learned: dict) -> tuple:
            return learned["page"], round(learned["box"][1] / 0.005), learned["box"][0]

        if place(due) < place(issue):
            fields["issue_date"], fields["due_date"] = dict(due, value=issue["value"]), dict(issue, value=due["value"])
    for learned in fields.values():
        learned.pop("value", None)


def _places(pages, kind, value, path, skip, prefer) -> Iterator[dict]:
    for page in pages:
        lines = page.lines()
        rows = [row for row in lines if (page.number, row[0].line) not in skip]
        rows.sort(key=lambda row: row[0].line != prefer)
        for run in _find(rows, kind, value):
            if kind == "number" and not path.endswith("rate") and any("%" in w.text for w in run):
                continue  # an amount of 19.00 is not the rate "19%"
            line = next(row for row in lines if row and row[0].line == run[0].line)
            anchor = _anchor(run, line, lines)
            if anchor is None:
                continue
            yield {"page": page.number, "kind": kind, "anchor": anchor, "box": _union(run), "words": len(run),
                   "printed": _join(run)}


def _learn_table(pages: Sequence[Page], lines: Sequence[Mapping[str, Any]]
                 ) -> tuple[Optional[dict], set[tuple[int, int]], list[int]]:
    """Column bands of the line fields (and on which row of a line each is printed: a line may take up to
    ``LINE_ROWS`` rows — its description, then codes, then its numbers), the header row above the first line,
    the fields every line prints; the (page, line) rows the lines take, and which confirmed lines were found."""
    if not lines:
        return None, set(), []
    for page in pages:
        rows = page.lines()
        named = {w.column for w in page.words if w.column}  # the columns the sidecar found in the page's table
        starts: dict[int, int] = {}  # row index where a line starts → index of the confirmed line
        candidates: dict[int, dict[str, list[tuple[int, list[Word]]]]] = {}
        for number, item in enumerate(lines):
            match = _learn_row(rows, item, set(starts), named)
            if match is not None:
                starts[match[0]] = number
                candidates[number] = match[1]
        if len(starts) < max(1, (len(lines) + 1) // 2):
            continue  # most lines are not on this page
        cells = _columns(rows, starts, candidates, lines)
        bands: dict[str, list[float]] = {}
        for line_cells in cells.values():
            for name, (offset, words) in line_cells.items():
                box = _union(words if name != "description" else [w for w in words if w.line == words[0].line])
                band = bands.setdefault(name, [box[0], box[2], offset])
                band[0], band[1] = min(band[0], box[0]), max(band[1], box[2])
        required = sorted(name for name in bands if name in LINE_NUMBERS
                          and all(name in line_cells for line_cells in cells.values()))
        first = min(starts)
        header = next((rows[i] for i in range(first - 1, max(-1, first - 6), -1)
                       if rows[i][0].line == page.table_line), None)  # the sidecar's header row, when above
        header = header or next((rows[i] for i in range(first - 1, max(-1, first - 4), -1)
                                 if sum(_is_label(w) for w in rows[i]) >= 2
                                 and not any(ch.isdigit() for w in rows[i] for ch in w.text)), None)
        if header is None or not required:
            continue
        table = {"page": page.number, "header": [[w.key, *w.box] for w in header if w.key], "bands": bands,
                 "required": required, "stops": [], "columns": _column_names(cells),
                 "wrapped": _wrapped(rows, starts, cells)}
        used = {(page.number, rows[start + offset][0].line) for start, number in starts.items()
                for offset in [0, *(o for o, _ in cells[number].values())]}
        used |= {(page.number, w.line) for line_cells in cells.values() for _, words in line_cells.values()
                 for w in words}  # a description's second row too
        return table, used, sorted(starts.values())
    return None, set(), []


def _column_names(cells: Mapping[int, Mapping[str, tuple[int, list[Word]]]]) -> dict[str, str]:
    """Each line field's table column as the sidecar named it (``Word.column``): the one all its words are in,
    on every line that prints it (a unit in the quantity's cell: "qty"). Fields without one are read by band."""
    names: dict[str, str] = {}
    for name in {name for line_cells in cells.values() for name in line_cells}:
        columns = {w.column for line_cells in cells.values() if name in line_cells
                   for w in line_cells[name][1] if name != "description" or w.line == line_cells[name][1][0].line}
        if len(columns) == 1 and "" not in columns and "other" not in columns:
            names[name] = columns.pop()
    return names


def _wrapped(rows, starts: Mapping[int, int], cells) -> Optional[bool]:
    """Whether a row under a line that prints only words of its description's column continues that
    description: True when a confirmed description was printed over two rows, False when such a row was not
    part of it (a note under each line), None when the document did not show either."""
    by_line = {w.line: index for index, row in enumerate(rows) for w in row}
    for number in starts.values():
        words = cells.get(number, {}).get("description", (0, []))[1]
        if len({w.line for w in words}) > 1:
            return True
    for start, number in starts.items():
        description = cells.get(number, {}).get("description")
        taken = {by_line[w.line] for _, words in cells.get(number, {}).values() for w in words}
        below = max(taken | {start}) + 1
        if description and below < len(rows) and below not in starts and continues(rows[below], description[1]):
            return False
    return None


def _find_wrapped(row: Sequence[Word], below: Sequence[Word], value: str) -> Optional[list[Word]]:
    """A description printed over two rows: a run of ``row`` that prints its beginning, and the words of the
    row ``below`` that start under it and print the rest (nothing else on that row)."""
    want = " ".join(fold(value).split())
    for start in range(len(row)):
        for end in range(start + 1, len(row) + 1):
            head = " ".join(fold(_join(row[start:end])).split())
            if not want.startswith(head + " "):
                if not want.startswith(head):
                    break
                continue
            rest = want[len(head) + 1:]
            if (below and abs(below[0].box[0] - row[start].box[0]) < 0.03
                    and " ".join(fold(_join(below)).split()) == rest):
                return [*row[start:end], *below]
    return None


def _in_column(name: str, run: Sequence[Word], named: set[str]) -> bool:
    """A line number is taken from its own column when the page's table names that column."""
    column = NUMBER_COLUMNS.get(name)
    return column is None or column not in named or all(w.column == column for w in run)


def _learn_row(rows: Sequence[Sequence[Word]], item: Mapping[str, Any], taken: set[int], named: set[str] = frozenset()
               ) -> Optional[tuple[int, dict[str, list[tuple[int, list[Word]]]]]]:
    """The row where ``item`` starts — the one printing its description (or, without one, one of its numbers) —
    and, for each of its fields, every place it is printed on that row or the ``LINE_ROWS - 1`` rows below
    (row offset, words): which of them is the field's column is decided across lines (``_columns``). A
    description may go on onto the next row; a number is looked for in its own column (``named``: the columns
    the page's table names)."""
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
                    if _in_column(name, run, named):
                        found.setdefault(name, []).append((offset, run))
                if (name == "description" and offset == 0 and "description" not in found
                        and index + 1 < len(rows) and index + 1 not in taken):
                    run = _find_wrapped(rows[index], rows[index + 1], str(value))
                    if run:
                        found["description"] = [(0, run)]
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


def note_lines_vs_subtotal(layout: dict, document: Mapping[str, Any], tolerance: float = 0.01) -> dict:
    """Remember that this vendor's lines do not add up to its subtotal (header discounts or charges): the
    lines-sum check is then not one the layout's readings can be held to."""
    amounts = [line.get("amount") for line in document.get("lines") or []]
    if amounts and all(a is not None for a in amounts) and document.get("subtotal") is not None:
        layout["lines_differ_from_subtotal"] = abs(sum(amounts) - document["subtotal"]) > tolerance
    return layout
