"""Where on the page a value of the canonical document was printed: its words in the word layer.

Values are matched as they are printed, not as the JSON writes them:
- numbers in any local format — 1.234,56 · 1,234.56 · 1 234,56 · 1'234.56 · −12,00 · (12.00) · 12.00- ·
  with a currency sign or code beside them — compared by value (credit notes carry positive amounts
  while the page may print them negative, so the sign is not compared);
- dates in numeric forms (2024-03-01, 01.03.2024, 1/3/24 — day and month both ways) and with month
  names in English, German, French, Spanish, Italian, Dutch and Portuguese (1 March 2024, März 1, 2024,
  1er mars 2024, 01-Mar-24);
- identifiers (VAT ids, IBANs, document numbers, references, product codes, postcodes) exactly, spaces,
  dots and dashes ignored;
- names, addresses, descriptions, e-mails and phones fuzzily (rapidfuzz, on normalised text).

Pure functions over ``WordLayer``s: the eval harness uses them for the ceiling of what the word layer
holds, the pipeline for evidence.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

from .answer import leaf_paths
from .words import Box, Word, WordLayer

TEXT_FIELDS = frozenset({"name", "street", "city", "description", "email", "phone", "unit"})
CODE_FIELDS = frozenset({"vat", "iban", "document_number", "order_reference", "payment_reference", "product_code",
                         "zip"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})
NOT_PRINTED = frozenset({"document_type", "country_code", "currency"})  # names of the value, not its print
FUZZY_MIN = 90  # rapidfuzz score (0..100) from which a printed text counts as the value
MAX_WINDOW = 8  # words one value may span

_MONTHS = {}
for number, names in enumerate([
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
    for name in names.split():
        _MONTHS[name] = number

# thousands groups (1 234 567,89 · 1.234,56 · 1'234.56) or a plain number (1234.5); signs are not compared
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f'’.,]\d{3})+(?:[.,]\d{1,6})?(?!\d)|\d+(?:[.,]\d{1,6})?")
_NUMERIC_DATE = re.compile(r"(\d{1,4})[./\-](\d{1,2})[./\-](\d{2,4})")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class Evidence:
    path: str  # JSON path, as in field_confidence: ``lines[2].amount``
    page: int  # 1-based
    boxes: list[Box] = field(default_factory=list)
    text: str = ""  # as printed
    source: str = ""  # "pdf" or "ocr"
    score: float = 1.0  # 1 for an exact (normalised) match, the fuzzy similarity (0.90–1.00) for text


# --- how values are printed ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def parse_numbers(text: str) -> list[float]:
    """Every number ``text`` prints, read in each local format it can be read in (absolute values)."""
    out: list[float] = []
    for match in _NUMBER.finditer(text):
        raw = match.group(0).replace("\u00a0", " ").replace("\u202f", " ")
        for value in _readings(raw):
            out.append(abs(value))
    return out


def _readings(raw: str) -> list[float]:
    digits_only = re.sub(r"[ '’]", "", raw)
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
            # the last separator as the decimal point (1.234,56 · 1,234.56 · 12,5)
            readings.append(float(f"{clean_head or 0}.{tail}"))
            if len(tail) == 3 and len(set(seps)) == 1:
                readings.append(float(clean_head + tail))  # ... or a thousands separator (1.234 · 1,234)
    return readings


def parse_dates(text: str) -> set[dt.date]:
    """The dates ``text`` prints (numeric day/month both ways; month names in several languages)."""
    found: set[dt.date] = set()
    for a, b, c in _NUMERIC_DATE.findall(text):
        if len(a) == 4:  # 2024-03-01
            _add_date(found, a, b, c)
        else:  # 01.03.2024 or 03/01/2024: both readings
            _add_date(found, c, b, a)
            _add_date(found, c, a, b)
    tokens = _WORDS.findall(_fold(text))
    for i, token in enumerate(tokens):
        month = _MONTHS.get(token.rstrip("."))
        if not month:
            continue
        near = tokens[max(0, i - 2):i] + tokens[i + 1:i + 3]
        days = [t for t in near if t.isdigit() and 1 <= int(t) <= 31 and len(t) <= 2]
        days += [t[:-2] for t in near if re.fullmatch(r"\d{1,2}(st|nd|rd|th|er|e)", t)]
        years = [t for t in near if t.isdigit() and len(t) in (2, 4)]
        for day in days:
            for year in years:
                if year != day:
                    _add_date(found, year, str(month), day)
    return found


def _add_date(found: set[dt.date], year: str, month: str, day: str) -> None:
    try:
        y = int(year)
        y = y + 2000 if y < 100 else y
        found.add(dt.date(y, int(month), int(day)))
    except ValueError:
        pass


def compact(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", _fold(text).upper())


# --- finding a value among the words ------------------------------------------------------------------


def _windows(line: Sequence[Word], longest: int) -> Iterable[tuple[int, int]]:
    for start in range(len(line)):
        for end in range(start + 1, min(len(line), start + longest) + 1):
            yield start, end


def find_value(path: str, value: Any, layer: WordLayer) -> Optional[list[Word]]:
    """The words of ``layer`` that print ``value`` (the field named by ``path``), or None."""
    found = match_value(path, value, layer)
    return found[0] if found else None


def match_value(path: str, value: Any, layer: WordLayer) -> Optional[tuple[list[Word], float]]:
    """(the words of ``layer`` that print ``value``, how well: 1 exact, else the fuzzy similarity), or None."""
    name = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
    if value is None or isinstance(value, bool) or name in NOT_PRINTED:
        return None
    if isinstance(value, (int, float)):
        return _exact(_find(layer, 3, lambda text: any(abs(n - abs(value)) < 0.005 for n in parse_numbers(text)),
                            exact_first=True))
    text = str(value).strip()
    if not text:
        return None
    if name in DATE_FIELDS:
        try:
            wanted = dt.date.fromisoformat(text)
        except ValueError:
            return None
        return _exact(_find(layer, 5, lambda t: wanted in parse_dates(t), exact_first=True))
    if name in CODE_FIELDS or name not in TEXT_FIELDS:
        key = compact(text)
        if not key:
            return None
        return _exact(_find(layer, MAX_WINDOW, lambda t: compact(t) == key, exact_first=True) or (
            _find(layer, MAX_WINDOW, lambda t: key in compact(t), exact_first=True) if len(key) >= 6 else None))
    return _find_fuzzy(layer, text)


def _exact(words: Optional[list[Word]]) -> Optional[tuple[list[Word], float]]:
    return (words, 1.0) if words else None


def _find(layer: WordLayer, longest: int, matches, exact_first: bool = False) -> Optional[list[Word]]:
    """The words of every place ``matches`` finds on the page (a value printed twice — the same amount as
    subtotal and total — gets both), each place the shortest window that prints it; None when none does.
    ``exact_first``: where single words match, windows of several are not searched."""
    found: list[list[Word]] = []
    for line in layer.lines():
        taken = -1  # places do not overlap
        for start, end in _windows(line, longest):
            if start <= taken:
                continue
            if _prints(line[start:end], matches):
                while end - start > 1 and _prints(line[start + 1:end], matches):
                    start += 1  # "Subtotal 42.00" prints 42.00: the place is the word "42.00"
                found.append(line[start:end])
                taken = end - 1
    if exact_first and any(len(span) == 1 for span in found):
        found = [span for span in found if len(span) == 1]
    return [word for span in found for word in span] or None


def _prints(span: Sequence[Word], matches) -> bool:
    return matches(" ".join(w.text for w in span)) or (len(span) > 1 and matches("".join(w.text for w in span)))


def _find_fuzzy(layer: WordLayer, text: str) -> Optional[tuple[list[Word], float]]:
    from rapidfuzz import fuzz

    wanted = " ".join(_WORDS.findall(_fold(text)))
    if not wanted:
        return None
    size = len(text.split())  # words as printed (an e-mail address is one)
    best, best_score = None, 0.0
    for line in layer.lines():
        for start, end in _windows(line, min(MAX_WINDOW, size + 2)):
            if end - start < max(1, size - 2):
                continue
            span = line[start:end]
            printed = " ".join(_WORDS.findall(_fold(" ".join(w.text for w in span))))
            score = fuzz.ratio(wanted, printed)
            if score > best_score:
                best, best_score = span, score
    return (best, round(best_score / 100, 4)) if best is not None and best_score >= FUZZY_MIN else None


def locate(document: dict, layers: Sequence[Optional[WordLayer]]) -> dict[str, Evidence]:
    """Evidence for every non-null leaf of ``document`` found on one of the pages (first page first)."""
    out: dict[str, Evidence] = {}
    for path in leaf_paths(document):
        value = value_at(document, path)
        for page, layer in enumerate(layers, start=1):
            if layer is None or not layer.words:
                continue
            found = match_value(path, value, layer)
            if found:
                words, score = found
                out[path] = Evidence(path, page, [w.box for w in words], " ".join(w.text for w in words),
                                     layer.source, score)
                break
    return out


def printed_paths(document: dict) -> list[str]:
    """The leaves of ``document`` a page can print (what ``locate`` looks for)."""
    return [p for p in leaf_paths(document)
            if re.sub(r"\[\d+\]", "", p).rsplit(".", 1)[-1] not in NOT_PRINTED
            and not isinstance(value_at(document, p), bool)]


def value_at(document: Any, path: str) -> Any:
    node = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node
