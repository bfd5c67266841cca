"""Printed values read back: numbers in every common format, dates with month names, identifiers.

The one reader of printed values. The sidecar's ``locate`` (where a value was printed, and so its evidence)
and the Odoo addon's learned layouts (``document_digitize/lib/layout/``) both read with it. The addon is
deployed without the sidecar, so it carries a copy, ``odoo_addons/document_digitize/lib/printed.py``, written
by ``tools/gen_protos.py`` and compared by its ``--check`` (the test command runs it): edit this file, never the
copy. Pure Python, standard library only, importing nothing else (the addon's lib has no other dependency).

- numbers in any local format — 1.234,56 · 1,234.56 · 1 234,56 · 1'234.56 · −12,00 · (12.00) · 12.00- ·
  with a currency sign or code beside them: ``parse_numbers`` (every reading of every number a text prints,
  absolute values; the digits of a date or a code are no number), ``read_number`` (the one number a text
  prints, read with a vendor's decimal separator when known), ``number_readings``, ``decimal_of``;
- dates in numeric forms (2024-03-01, 01.03.2024, 1/3/24 — day and month both ways) and with month names in
  English, German, French, Spanish, Italian, Dutch and Portuguese (1 March 2024, März 1, 2024, 1er mars 2024,
  01-Mar-24), years of four digits or two: ``date_readings`` (each reading with how it was printed),
  ``parse_dates``, ``read_date``;
- identifiers (VAT ids, IBANs, document numbers, references, product codes, postcodes): ``compact`` — letters
  and digits only, accents folded, so spaces, dots and dashes do not count.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Optional

MONTHS: dict[str, int] = {}  # month names and abbreviations, folded (no accents, lower case) → 1..12
for _number, _names in enumerate([
        "january jan januar janvier enero ene gennaio gen januari janeiro",
        "february feb februar fevrier février febrero febbraio febr februari fevereiro fev",
        "march mar marz märz maerz mars marzo maart marco março",
        "april apr avril abril aprile",
        "may mai mayo maggio mei maio",
        "june jun juni juin junio giugno junho",
        "july jul juli juillet julio luglio julho",
        "august aug aout août agosto augustus ago",
        "september sep sept septembre septiembre settembre set setembro",
        "october oct oktober octobre octubre ottobre ott okt outubro out",
        "november nov novembre noviembre novembro",
        "december dec dez dezember decembre décembre diciembre dic dicembre dezembro"], start=1):
    for _name in _names.split():
        MONTHS[_name] = _number

# thousands groups (1 234 567,89 · 1.234,56 · 1'234.56) or a plain number (1234.5); signs are not part of it
NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f'’.,]\d{3})+(?:[.,]\d{1,6})?(?!\d)|\d+(?:[.,]\d{1,6})?")
NUMERIC_DATE = re.compile(r"(\d{1,4})[./\-](\d{1,2})[./\-](\d{2,4})")
WORDS = re.compile(r"[^\W_]+", re.UNICODE)
CURRENCY_WORDS = frozenset({"rs", "kr", "kc", "zl", "lei", "sfr", "dh", "ft"})  # abbreviations glued to amounts
ORDINAL = re.compile(r"(st|nd|rd|th|er|e)$")  # 1st, 2nd, 1er, 1e: the day's number before it


def fold(text: str) -> str:
    """Lower case, accents removed (März → marz)."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


# --- numbers ----------------------------------------------------------------------------------------------


def parse_numbers(text: str) -> list[float]:
    """Every number ``text`` prints, read in each local format it can be read in (absolute values). The
    digits of a date (31/01/2026) and of a code (SW1B, FR20, 8H-20H) are not numbers; a currency beside
    a number (€12, 12,00EUR, Rs.500) is."""
    out: list[float] = []
    text = NUMERIC_DATE.sub(" ", text)
    for match in NUMBER.finditer(text):
        if _glued(text, match.start(), match.end()):
            continue
        for value in _readings(match.group(0)):
            out.append(abs(value))
    return out


_JOINED_BEFORE = re.compile(r"[^\W_][-/]$")
_JOINED_AFTER = re.compile(r"-[^\W_]|/\d")
_LETTERS_BEFORE = re.compile(r"[^\W\d_]+\.?$")
_LETTERS_AFTER = re.compile(r"[^\W\d_]+")
_LOOK = 64  # characters looked at on each side: a run of letters longer than this is no currency either


def _glued(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is part of a code: letters touch it on a side, and they
    are not a currency (an ISO code such as EUR, or an abbreviation such as Rs, kr, zł); or a hyphen or slash
    joins it to more of the code (INV-100, D-63571, 2024/0017, 100-A) — the 100 of INV-100 is not 100.00.
    Only ``_LOOK`` characters around the number are read, so a long text (an XML's base64) costs linear time."""
    lead = max(0, start - _LOOK)
    if _JOINED_BEFORE.search(text, lead, start):
        return True
    if _JOINED_AFTER.match(text, end, end + _LOOK):
        return True
    before = _LETTERS_BEFORE.search(text, lead, start)
    after = _LETTERS_AFTER.match(text, end, end + _LOOK)
    for run in (before, after):
        if run is None:
            continue
        if _is_currency(run.group(0).rstrip(".")):
            continue
        return True
    return False


def _is_currency(letters: str) -> bool:
    return re.fullmatch(r"[A-Z]{3}", letters) is not None or fold(letters) in CURRENCY_WORDS


def printed_forms(text: str, value: float) -> list[tuple[str, bool]]:
    """Each number ``text`` prints that reads as ``value`` (absolute, to the cent), as printed, and whether a
    percent sign follows it: the care a value needs is asked of the number that matched, not of the whole text
    ("1 Stk 1.000,00" prints 1, but not with decimals)."""
    out: list[tuple[str, bool]] = []
    text = NUMERIC_DATE.sub(lambda m: " " * len(m.group(0)), text)
    for match in NUMBER.finditer(text):
        if _glued(text, match.start(), match.end()):
            continue
        if any(abs(abs(v) - abs(value)) < 0.005 for v in _readings(match.group(0))):
            out.append((match.group(0), re.match(r"\s?%", text[match.end():]) is not None))
    return out


def printed_as_percent(text: str) -> bool:
    """Whether a number in ``text`` carries a percent sign (19%, 19 %, 19,00%), not merely a % nearby."""
    return re.search(r"\d\s?%", text) is not None


def _readings(raw: str) -> list[float]:
    """The values one printed number (a ``NUMBER`` match) can have: the last separator as the decimal point
    (1.234,56 · 1,234.56 · 12,5), and when it has three digits after it and is the only kind of separator, also
    as a thousands separator (1.234 · 1,234) — that reading second."""
    digits_only = re.sub(r"[ \u00a0\u202f'’]", "", raw)
    seps = [ch for ch in digits_only if ch in ".,"]
    readings: list[float] = []
    if not seps:
        if digits_only.isdigit():
            readings.append(float(digits_only))
        return readings
    last = max(digits_only.rfind("."), digits_only.rfind(","))
    head, tail = digits_only[:last], digits_only[last + 1:]
    clean_head = head.replace(".", "").replace(",", "")
    if clean_head.isdigit() or clean_head == "":
        if tail.isdigit():
            readings.append(float(f"{clean_head or 0}.{tail}"))
            if len(tail) == 3 and len(set(seps)) == 1:
                readings.append(float(clean_head + tail))
    return readings


def read_number(text: str, decimal: Optional[str] = None) -> Optional[float]:
    """The one number ``text`` prints (absolute value), read with the vendor's ``decimal`` separator when known;
    None when it prints none or several, or when 1.234 / 1,234 cannot be told apart without that habit."""
    found = [m.group(0) for m in NUMBER.finditer(text)]
    if len(found) != 1:
        return None
    readings = _readings(found[0])
    if not readings:
        return None
    raw = re.sub(r"[ \u00a0\u202f'’]", "", found[0])
    last = max(raw.rfind("."), raw.rfind(","))
    if last < 0:
        return readings[0]
    if decimal is None:
        return readings[0] if len(readings) == 1 else None
    if raw[last] == decimal:
        return readings[0]
    return readings[1] if len(readings) > 1 else None  # the vendor's decimal is the other one: thousands


def number_readings(text: str) -> list[float]:
    """Every value ``text`` can be read as when it prints one number (both decimal conventions)."""
    values = {read_number(text, "."), read_number(text, ",")}
    return sorted(v for v in values if v is not None)


def decimal_of(text: str) -> Optional[str]:
    """The decimal separator a printed amount shows ("1.234,56" → ","), None when it cannot say."""
    match = re.search(r"[.,](\d{1,2})(?!\d)\D*$", text)
    return text[match.start()] if match else None


# --- dates ------------------------------------------------------------------------------------------------


def date_readings(text: str) -> list[tuple[dt.date, str]]:
    """(date, how it was printed: "dmy" / "mdy" / "ymd" / "name") for every reading of ``text``: a numeric date
    both ways unless its year comes first; a month name with a day and a year among the two words on either
    side (1 March 2024, March 1st, 24; 1er mars 2024)."""
    out: list[tuple[dt.date, str]] = []
    for a, b, c in NUMERIC_DATE.findall(text):
        candidates = [(a, b, c, "ymd")] if len(a) == 4 else [(c, b, a, "dmy"), (c, a, b, "mdy")]
        for year, month, day, order in candidates:
            date = _date(year, month, day)
            if date is not None:
                out.append((date, order))
    tokens = WORDS.findall(fold(text))
    for i, token in enumerate(tokens):
        month = MONTHS.get(token)
        if not month:
            continue
        near = tokens[max(0, i - 2):i] + tokens[i + 1:i + 3]
        days = [ORDINAL.sub("", t) for t in near]
        days = [t for t in days if t.isdigit() and len(t) <= 2 and 1 <= int(t) <= 31]
        years = [t for t in near if t.isdigit() and len(t) in (2, 4)]
        for day in days:
            for year in years:
                if year != day:
                    date = _date(year, str(month), day)
                    if date is not None:
                        out.append((date, "name"))
    return out


def parse_dates(text: str) -> set[dt.date]:
    """The dates ``text`` prints (numeric day/month both ways; month names in several languages)."""
    return {date for date, _ in date_readings(text)}


def read_date(text: str, order: Optional[str] = None) -> Optional[dt.date]:
    """The one date ``text`` prints; numeric dates in the vendor's ``order`` ("dmy", "mdy", "ymd") when known."""
    dates = date_readings(text)
    if order is not None:
        dates = [(d, o) for d, o in dates if o in (order, "name")]
    days = {d for d, _ in dates}
    return days.pop() if len(days) == 1 else None


def _date(year: str, month: str, day: str) -> Optional[dt.date]:
    try:
        y = int(year)
        return dt.date(y + 2000 if y < 100 else y, int(month), int(day))
    except ValueError:
        return None


# --- identifiers ------------------------------------------------------------------------------------------


def compact(text: str) -> str:
    """An identifier as compared: letters and digits only, upper case, accents folded (DE 123.456-789 → DE123456789)."""
    return re.sub(r"[^0-9A-Z]", "", fold(text).upper())
