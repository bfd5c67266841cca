"""Correcting a value on the page (issue #34): with a field of the form (or a line's cell) focused, the person
clicks a word of the document, or one of the second reader's candidates, and the field takes the value the
page prints there — read by the project's one reader of printed values (``printed.py``), in the document's own
format (its decimal separator, its order of day and month), learned from the values the reading found on the
page. Pure Python, no ORM: the Odoo side (``models/digitize_correct.py``) writes the value as the user.

- ``page_format(document, items)``: the document's decimal separator and date order, from the evidence of the
  values read (their printed text beside their value);
- ``read_printed(kind, text, fmt)``: the value ``text`` prints for a field of ``kind`` ("number", "date",
  "text"), or a ``CorrectionError`` saying in a clerk's words why it cannot be that field's value;
  ``read_candidate``: the same for a candidate picked (its text, else the value the reader took from it);
- ``stored_candidates(candidates)``: the second reader's candidates as the record keeps them (a few per field);
- ``viewer_words(page_words)``: the stored word layer as the viewer draws it (text and box per word).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from .evidence import value_at
from .printed import NUMBER, date_readings, decimal_of, parse_numbers, read_date, read_number

KINDS = ("number", "date", "text")
CANDIDATES_KEPT = 5  # per field, best first: what a clerk picks from
_LABEL_EDGE = re.compile(r"^[\s:;,.#№*]+|[\s:;,*]+$")


class CorrectionError(ValueError):
    """The clicked text cannot be the value of the focused field; the message says why, for the clerk."""


@dataclass(frozen=True)
class PageFormat:
    decimal: Optional[str] = None  # "." or ","; None: not known from this document
    date_order: Optional[str] = None  # "dmy", "mdy", "ymd"; None: not known


def page_format(document: Any, items: Iterable[Mapping[str, Any]]) -> PageFormat:
    """How this document prints numbers and dates, from the evidence of the values read: each number's printed
    text tells its decimal separator ("1.234,56" → ","), each date's which reading gives the date read
    ("03/04/2024" read as 3 April → day first). The most frequent wins; unknown stays None."""
    decimals: Counter = Counter()
    orders: Counter = Counter()
    for item in items:
        text = str(item.get("text") or "")
        value = value_at(document, str(item.get("path") or ""))
        if isinstance(value, bool) or value is None or not text:
            continue
        if isinstance(value, (int, float)):
            separator = decimal_of(text)
            if separator and "%" not in text:
                decimals[separator] += 1
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            for day, order in date_readings(text):
                if day.isoformat() == value and order != "name":
                    orders[order] += 1
    return PageFormat(decimals.most_common(1)[0][0] if decimals else None,
                      orders.most_common(1)[0][0] if orders else None)


def read_printed(kind: str, text: str, fmt: PageFormat = PageFormat()) -> Any:
    """The value ``text`` (the words clicked, as printed) gives a field of ``kind``: a number (absolute, as
    documents print amounts), a date (ISO), or the text itself without the label punctuation around it."""
    text = (text or "").strip()
    if not text:
        raise CorrectionError("Nothing is printed there.")
    if kind == "number":
        value = read_number(text, fmt.decimal)
        if value is None:
            found = NUMBER.findall(text)
            if len(found) > 1:
                raise CorrectionError(f"“{text}” prints several numbers: click the one to take.")
            if not found:
                raise CorrectionError(f"“{text}” is not a number.")
            raise CorrectionError(f"“{text}” can be read two ways (a decimal or a thousands separator): type it.")
        negative = bool(re.match(r"^\s*[-−–]", text) or re.search(r"\d\s*-\s*$", text)
                        or re.fullmatch(r"\s*\(.*\)\s*", text))
        return -value if negative else value
    if kind == "date":
        day = read_date(text, fmt.date_order) or read_date(text)
        if day is None:
            readings = {d for d, _ in date_readings(text)}
            if len(readings) > 1:
                shown = " or ".join(d.strftime("%d %B %Y") for d in sorted(readings))
                raise CorrectionError(f"“{text}” can be read as {shown}: type the date.")
            raise CorrectionError(f"“{text}” is not a date.")
        return day.isoformat()
    if kind == "text":
        value = _LABEL_EDGE.sub("", text)
        if not value:
            raise CorrectionError(f"“{text}” holds no text to take.")
        return value
    raise CorrectionError(f"A value of this kind ({kind}) is not set from the page.")


def read_candidate(kind: str, candidate: Mapping[str, Any], fmt: PageFormat = PageFormat()) -> Any:
    """The value a picked candidate of the second reader gives: its printed text read as a click on it would be;
    where that text prints more than the value ("01.05.14-31.05.14", a period, for a due date), the value the
    reader took from it, when it is one of the text's readings."""
    text = str(candidate.get("text") or "")
    value = candidate.get("value")
    try:
        return read_printed(kind, text or str(value or ""), fmt)
    except CorrectionError:
        if kind == "date" and isinstance(value, str) and value in {d.isoformat() for d, _ in date_readings(text)}:
            return value
        if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and any(abs(abs(value) - n) < 0.005 for n in parse_numbers(text)):
            return value
        if kind == "text" and isinstance(value, str) and value.strip():
            return value.strip()
        raise


def stored_candidates(candidates: Optional[Mapping[str, Iterable[Mapping[str, Any]]]],
                      keep: int = CANDIDATES_KEPT) -> dict[str, list[dict]]:
    """The second reader's candidates as the record keeps them: per JSON path, the first ``keep`` (best first),
    each with its value, score, page, boxes and printed text; those printing nothing are left out."""
    out: dict[str, list[dict]] = {}
    for path, items in (candidates or {}).items():
        kept = []
        for item in items:
            value = item.get("value")
            if value is None or value == "":
                continue
            kept.append({"value": value, "score": round(float(item.get("score") or 0.0), 3),
                         "page": int(item.get("page") or 0), "text": str(item.get("text") or ""),
                         "boxes": [[round(float(c), 5) for c in box][:4] for box in item.get("boxes") or ()]})
            if len(kept) >= keep:
                break
        if kept:
            out[str(path)] = kept
    return out


def viewer_words(page_words: Any) -> list[dict]:
    """The stored word layer (``lib/client`` / ``layout.words_to_json``: per page its words as [text, x0, y0, x1,
    y1, line, …]) as the viewer draws it: per page, each word's text and box; anything malformed is skipped."""
    out = []
    for page in page_words if isinstance(page_words, list) else ():
        if not isinstance(page, Mapping):
            continue
        words = []
        for word in page.get("words") or ():
            try:
                text, box = str(word[0]), [round(float(c), 5) for c in word[1:5]]
            except (TypeError, ValueError, IndexError):
                continue
            if text.strip() and len(box) == 4:
                words.append([text, *box])
        if words:
            out.append({"page": int(page.get("page") or 0), "words": words})
    return out

