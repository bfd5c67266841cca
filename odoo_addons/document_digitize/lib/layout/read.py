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
from .fields import LAYOUT_VERSION, LINE_NUMBERS, LINE_ROWS, LINE_TEXTS, LayoutError
from .words import Box, Page, Word, _is_label, _join, _union


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
