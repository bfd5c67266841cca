"""Identifier candidates of the words reader: numbers and references (every identifier-looking token, and runs of
short groups such as "RF18 5390 0754 7034"), VAT ids and IBANs that python-stdnum validates (an Indian GSTIN too, a
VAT id or IBAN whose only fault is its check digits marked so), an IBAN of the wrong length where it is printed as
the IBAN, and a tax id no check knows printed after a VAT id's label (marked unchecked)."""

from __future__ import annotations

import re
from typing import Optional

from stdnum import iban as std_iban
from stdnum import vatin as std_vatin
from stdnum.in_ import gstin as std_gstin

from ..printed import NUMERIC_DATE, compact, date_readings
from ..words import Word
from .found import PERCENT, Candidate, spans
from .page import RUN_GAP, Page, us_zip, word_gap

_IDENT_STRIP = ".,:;)(\"'#*"

# an Indian GSTIN: its state's two digits, the PAN (five letters, four digits, a letter), an entity, Z, a check
_GSTIN = re.compile(r"\d{2}[A-Z]{5}\d{4}[A-Z][0-9A-Z]Z[0-9A-Z]")
# a number's label glued to it: "n°562044387", "Nr.4711", "No.123", "#A-17"
_GLUED_LABEL = re.compile(r"^(?:n[°º]|nr\.|no\.|#)\s*(?=\w*\d)", re.IGNORECASE)


def _ident_value(text: str) -> str:
    if ":" in text.rstrip(":"):
        text = text.rsplit(":", 1)[1]
    return _GLUED_LABEL.sub("", text.strip(_IDENT_STRIP + " ")).strip(_IDENT_STRIP + " ")


def _a_date(value: str) -> bool:
    """Whether a token is a date and nothing more: "03.06.2018" is, "INV/2023/03/0008" is a number with a date in it."""
    if not date_readings(value):
        return False
    match = NUMERIC_DATE.search(value)
    return match is None or not any(ch.isalnum() for ch in value[:match.start()] + value[match.end():])


def idents(page: Page) -> list[Candidate]:
    out = []
    for index, line in enumerate(page.lines):
        for position, word in enumerate(line):
            value = _ident_value(word.text)
            if len(value) >= 2 and any(c.isdigit() for c in value) and not PERCENT.search(value) \
                    and not (re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*[.,]\d{2}", value)) and not _a_date(value) \
                    and not us_zip(line, position):  # "WA 98052" is an address, not a number
                out.append(Candidate("ident", value, page.number, index, [word], word.text))
        # a reference printed in groups: RF18 5390 0754 7034, +++123/4567/89012+++ split by OCR, 1234 5678 9012
        for first in range(len(line)):
            group = []
            for word in line[first:first + 6]:
                if re.fullmatch(r"[A-Z0-9+/]{2,6}", word.text) and any(c.isdigit() for c in word.text):
                    group.append(word)
                else:
                    break
            if len(group) >= 2:
                text = " ".join(w.text for w in group)
                out.append(Candidate("ident", text.strip("+/ "), page.number, index, group, text))
    return out


def vats_and_ibans(page: Page) -> tuple[list[Candidate], list[Candidate]]:
    vats, ibans = [], []
    for index, line in enumerate(page.lines):
        found: set[tuple[str, str]] = set()
        for first, last in spans(line, 9):
            words = line[first:last + 1]
            text = " ".join(w.text for w in words)
            value = compact(_ident_value(text) if last == first else text)
            if last == first and _GSTIN.fullmatch(value) and std_gstin.is_valid(value):
                # an Indian GSTIN has no country prefix: its state's two digits, then the PAN ("06AABCO6063D1ZQ")
                vats.append(Candidate("vat", value, page.number, index, words, text, {"id_checksum": 1.0}))
                continue
            if len(value) < 8 or len(value) > 34 or not value[:2].isalpha():
                continue
            vat = _vat_shape(value) if last - first <= 5 and ("vat", value) not in found and _digits_mostly(value) \
                else None
            if vat is not None:
                found.add(("vat", value))
                vats.append(Candidate("vat", value, page.number, index, words, text, {"id_checksum": float(vat)}))
                continue
            if len(value) < 15 or ("iban", value) in found:
                continue
            iban = _iban_shape(value)
            if iban is None and _IBAN_FORM.fullmatch(value) and _labelled(page, index, first, "iban") \
                    and _whole(line, last):
                iban = False  # printed as the IBAN, its length not its country's (a test page's, a group lost)
            if iban is not None:
                found.add(("iban", value))
                ibans.append(Candidate("iban", value, page.number, index, words, text, {"id_checksum": float(iban)}))
        read = {id(w) for c in vats if c.page == page.number and c.line == index for w in c.words}
        vats += _unchecked_ids(page, index, {value for kind, value in found if kind == "vat"}, read)
    return vats, ibans


# a tax id that no check here knows, compact: 8 to 15 letters and digits, mostly digits (a US EIN "12-3456789", an
# Indian TIN "29670869006", an Italian "P.IVA 01234567890" printed without its country)
_TAX_ID = re.compile(r"[0-9A-Z]{8,15}")
UNCHECKED = 0.5  # ``id_checksum`` of such an id: neither valid (1) nor failing its check digits (0)


def _unchecked_ids(page: Page, index: int, known: set[str], read: set[int]) -> list[Candidate]:
    """The tax id printed right after a VAT id's label on its line ("VAT/TIN: 29670869006", "EIN 12-3456789"),
    where no check of python-stdnum knows its form (no country prefix): its first one to four words. ``known``: the
    line's VAT ids already offered, not offered again (the ids this adds join it); ``read``: the ``id`` of each word
    a checked VAT id was read from, never read again as part of another ("CHE-927.157.886 MWST" is one id, not an
    unchecked "CHE927157886" beside it)."""
    line, out = page.lines[index], []
    for label in (label for label in page.by_line.get(index, []) if label.name == "vatid"):
        start = label.last + 1
        while start < len(line) and not any(ch.isalnum() for ch in line[start].text):
            start += 1  # a colon printed apart
        for last in range(start, min(len(line), start + 4)):
            words = line[start:last + 1]
            text = " ".join(w.text for w in words)
            value = compact(_ident_value(text))
            if _TAX_ID.fullmatch(value) and sum(ch.isdigit() for ch in value) >= 0.7 * len(value) \
                    and value not in known and _whole(line, last) and not _a_date(text) \
                    and not any(id(w) in read for w in words):
                known.add(value)
                out.append(Candidate("vat", value, page.number, index, words, text, {"id_checksum": UNCHECKED}))
    return out


def _labelled(page: Page, index: int, first: int, name: str) -> bool:
    """Whether a label ``name`` is printed before the line's ``first`` word, or over it on the line above (a
    heading over its column: the word opens its run, and the label spans the word's left edge)."""
    line = page.lines[index]
    if any(label.name == name and label.last < first for label in page.by_line.get(index, [])):
        return True
    opens = first == 0 or word_gap(line[first - 1], line[first]) > RUN_GAP
    x0 = line[first].box[0]
    return opens and any(label.name == name and label.box[0] - page.height <= x0 <= label.box[2]
                         for label in page.by_line.get(index - 1, []))


def _whole(line: list[Word], last: int) -> bool:
    """Whether an identifier read to the line's ``last`` word ends there: no group of it printed after."""
    return last + 1 >= len(line) or not re.fullmatch(r"(?=\D*\d)[A-Za-z0-9]{1,5}[.,;]?", line[last + 1].text)


def _digits_mostly(value: str) -> bool:
    """Whether what follows a VAT id's country prefix is mostly digits (DE123456789, ATU12345678, NL815254295B01,
    ESX1234567X), not a word that a lenient country module accepts up to its check digit ("BRUTTOSUMME900")."""
    rest = value[2:]
    return sum(ch.isdigit() for ch in rest) >= 0.6 * len(rest)


def _vat_shape(value: str) -> Optional[bool]:
    """True for a valid VAT id, False for one whose only fault is its check digit, None for no VAT id."""
    try:
        std_vatin.validate(value)  # any country python-stdnum knows, by its prefix (EU, GB, CHE…)
        return True
    except std_vatin.InvalidChecksum:
        return False
    except Exception:  # noqa: BLE001 - stdnum's country modules raise their own kinds on odd input
        return None


_IBAN_FORM = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def _iban_shape(value: str) -> Optional[bool]:
    """True for a valid IBAN, False for one whose only fault is its check digits (a test page's made-up account, or
    a misread digit: the model weighs ``id_checksum``), None for no IBAN (its country's length and format)."""
    if not _IBAN_FORM.fullmatch(value):  # most spans tried are none: no checksum to compute
        return None
    if std_iban.is_valid(value):
        return True
    try:
        return False if std_iban.is_valid(value[:2] + std_iban.calc_check_digits(value) + value[4:]) else None
    except Exception:  # noqa: BLE001 - stdnum raises its own kinds on odd input
        return None
