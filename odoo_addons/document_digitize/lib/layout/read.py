"""Reading a vendor's next document with its learned layout.

``read`` finds each anchor on the new page (the occurrence nearest the learned one: a table that grew pushes
the totals down), takes the value where the layout says, parses it the way the vendor prints, and reads the
table row by row between its header row and the first anchor below it. It returns the canonical document and,
per JSON path, the words it was read from (evidence); what it could not find is listed in ``missing``.
Identity fields are never part of a layout: the vendor is recognised from the page's own VAT id, IBAN or name
(identify.py), and only what the page prints is put into the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from ..printed import read_date, read_number
from .fields import CURRENCY_TOKENS, LAYOUT_VERSION, LINE_NUMBERS, LINE_ROWS, LINE_TEXTS, LayoutError
from .words import Box, Page, Word, _is_label, _join, _label_word, _union, continues


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
            if anchor.get("whole") and start and _label_word(row[start - 1]) \
                    and span[0].box[0] - row[start - 1].box[2] <= 0.05:
                continue  # a whole label ("Date") inside a longer one ("Due date")
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
    fields = layout.get("fields", {})
    absent = _absent_tax_rows(pages, fields, layout)
    for path, learned in fields.items():
        match = re.fullmatch(r"taxes\[(\d+)\]\.(\w+)", path)
        if match and int(match.group(1)) in absent:
            continue  # a rate this document does not charge: not missing (the checks hold the totals to it)
        rate = fields.get(f"taxes[{match.group(1)}].rate") if match else None
        value, words = _read_field(by_number, pages, learned, layout, rate)
        if value is None:
            reading.missing.append(path)
            continue
        if match:
            taxes.setdefault(int(match.group(1)), {})[match.group(2)] = value
        else:
            document[path] = value
        reading.evidence[path] = {"page": words[0].page, "boxes": [list(w.box) for w in words], "text": _join(words)}
    if taxes:
        document["taxes"] = [taxes[i] for i in sorted(taxes)]
    if layout.get("total_tax_of_rows") and "total_tax" not in document:
        _derive_total_tax(document, reading)
    table = layout.get("table")
    if table:
        document["lines"] = _read_table(pages, table, layout, reading)
        if not document["lines"]:
            reading.missing.append("lines")
    return reading


def _digits(word: Word) -> bool:
    return any(ch.isdigit() for ch in word.text)


def _derive_total_tax(document: dict, reading: Reading) -> None:
    """A vendor that prints no total tax, only one row per rate: the total tax is their sum, shown with them."""
    rows = document.get("taxes") or []
    paths = [f"taxes[{i}].amount" for i, row in enumerate(rows) if row.get("amount") is not None]
    if not rows or len(paths) != len(rows):
        return
    document["total_tax"] = round(sum(row["amount"] for row in rows), 2)
    parts = [reading.evidence[path] for path in paths]
    reading.evidence["total_tax"] = {"page": parts[0]["page"], "boxes": [b for part in parts for b in part["boxes"]],
                                     "text": " + ".join(part["text"] for part in parts), "derived": True}


def _prints_rate(row: Sequence[Word], rate: Mapping[str, Any], layout: Mapping[str, Any]) -> bool:
    """Whether ``row`` prints the learned tax row's rate ("19%", "19 %", "19,00 %")."""
    wanted = read_number(rate["printed"], layout.get("decimal"))
    return wanted is not None and any(
        read_number(_join(row[i:i + size]), layout.get("decimal")) == wanted and "%" in _join(row[i:i + size + 1])
        for size in (1, 2) for i in range(len(row) - size + 1))


def _rate_beside_label(rate: Mapping[str, Any]) -> bool:
    return rate["anchor"]["dir"] == "left" and "%" in rate["printed"]


def _absent_tax_rows(pages: Sequence[Page], fields: Mapping[str, Any], layout: Mapping[str, Any]) -> set[int]:
    """The learned tax rows whose rate no row with the row's label prints: this document does not charge it.
    (Only for rows that print their rate beside their label, "VAT 19%"; a rate in a tax table's column is read
    where it was learned.)"""
    absent = set()
    for path, learned in fields.items():
        match = re.fullmatch(r"taxes\[(\d+)\]\.rate", path)
        if match and _rate_beside_label(learned) and not any(_prints_rate(row, learned, layout) for page in pages
                             for _d, _a, row in _find_anchor(page, learned["anchor"])):
            absent.add(int(match.group(1)))
    return absent


def _read_field(by_number, pages, learned, layout, rate: Optional[Mapping[str, Any]] = None
                ) -> tuple[Any, list[Word]]:
    """The value ``learned`` says where to find; a tax row's field (``rate``: that row's learned rate) only on
    the row that prints the row's rate: "VAT" starts every tax row, the rate tells them apart."""
    order = [by_number[learned["page"]]] if learned["page"] in by_number else []
    order += [p for p in pages if p.number != learned["page"]]
    for page in order:
        found = _find_anchor(page, learned["anchor"])
        if (rate is not None and _rate_beside_label(rate) and learned["anchor"]["dir"] == "left"
                and learned["anchor"]["line"] == rate["anchor"]["line"]):
            found = [item for item in found if _prints_rate(item[2], rate, layout)]
        for _distance, anchor, row in found[:3]:
            words = (_value_after(anchor, row, learned) if learned["anchor"]["dir"] == "left"
                     else _value_below(anchor, page, learned))
            value, used = _parse(learned["kind"], words, layout, learned["words"])
            if learned["kind"] == "number" and used:
                printed = row if any(w is used[0] for w in row) else next(
                    r for r in page.lines() if any(w is used[0] for w in r))
                value, used = _whole_number(printed, used, value, layout)
            if value is not None:
                return value, used
    return None, []


def _whole_number(row: Sequence[Word], used: list[Word], value: Any, layout: Mapping[str, Any]
                  ) -> tuple[Any, list[Word]]:
    """A number printed with spaces between its thousands ("6 274,85") of which one group alone was taken: the
    groups set closer than a word gap before and after it belong to it."""
    index = next(i for i, w in enumerate(row) if w is used[0])
    end = index + len(used)
    height = max(w.box[3] - w.box[1] for w in used)
    while end < len(row):
        after = row[end]
        if not re.fullmatch(r"\d{3}([.,]\d{1,2})?", after.text) or after.box[0] - used[-1].box[2] > 0.6 * height:
            break
        longer = read_number(_join([*used, after]), layout.get("decimal"))
        if longer is None:
            break
        value, used, end = longer, [*used, after], end + 1
    while index > 0:
        before = row[index - 1]
        if not re.fullmatch(r"\d{1,3}", before.text) or used[0].box[0] - before.box[2] > 0.6 * height:
            break
        longer = read_number(_join([before, *used]), layout.get("decimal"))
        if longer is None:
            break
        value, used, index = longer, [before, *used], index - 1
    return value, used


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
            if table.get("wrapped") is not False and evidence.get("description"):
                free = _wrapped_rows(body, free, index, line, evidence, table, layout, stops)
            number = len(out)
            out.append(line)
            for name, words in evidence.items():
                reading.evidence[f"lines[{number}].{name}"] = {"page": page.number, "text": _join(words),
                                                               "boxes": [list(w.box) for w in words]}
    return out


def _wrapped_rows(body, free: int, index: int, line: dict, evidence: dict, table, layout, stops) -> int:
    """A description that goes on onto the rows under its line (no line starts there, no number printed, only
    words of the description's column): those rows' words join it. Returns the first row left free."""
    while free < len(body) and free < index + 1 + LINE_ROWS:
        row = body[free]
        keys = [w.key for w in row]
        if any(_contains(keys, stop) for stop in stops if stop) or not continues(row, evidence["description"]):
            break
        if _read_row(body[free:free + LINE_ROWS], table, layout, 0.0)[0] is not None:
            break
        line["description"] = f"{line['description']} {_join(row)}"
        evidence["description"] = [*evidence["description"], *row]
        free += 1
    return free


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
    # where the sidecar named the page's table columns, a field learned in a named column is read from it
    columns = (table.get("columns") or {}) if any(w.column for row in rows for w in row) else {}
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
        cell = [w for w in row if id(w) not in taken and (w.column == columns[name] if name in columns
                                                          else w.box[0] < x1 + 0.01 and w.box[2] > x0 - 0.01)]
        for size in range(len(cell), 0, -1):
            for begin in range(len(cell) - size + 1):
                words = cell[begin:begin + size]
                if not (_digits(words[0]) and _digits(words[-1])):
                    continue  # "3 pcs": the quantity is 3, "pcs" its unit
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
        if name in columns:
            words = [w for w in row if id(w) not in taken and w.column == columns[name]]
        elif name != "description":  # a code or a unit: the words in its column, not the label printed before it
            words = [w for w in words if min(w.box[2], x1) - max(w.box[0], x0)
                     > 0.5 * min(w.box[2] - w.box[0], x1 - x0)]
        while words and words[-1].key in CURRENCY_TOKENS:
            words = words[:-1]  # "Room Charges Rs | 1939": the currency is the next cell's
        if words:
            line[name] = _join(words)
            evidence[name] = words
            taken.update(id(w) for w in words)
    return line, evidence
