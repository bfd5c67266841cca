"""ocr_compare.py's matching: which gold values an OCR text holds (numbers in every printed format, dates in
common printed forms, codes, currencies, countries, fuzzy text), and the stricter exact multi-word share."""

from __future__ import annotations

import re
import unicodedata

_NUM_RUN = re.compile(r"\d(?:[\d.,'\u2019\u00a0\u202f ]*\d)?")


def _interpretations(s: str) -> set[float]:
    """Values a printed number may mean: '1.234,56' -> {1234.56}, '1,234' -> {1.234, 1234}, '12.5' -> {12.5}."""
    s = s.replace("'", "").replace("\u2019", "")
    if not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit() or not s[-1].isdigit():
        return set()
    seps = [i for i, c in enumerate(s) if c in ".,"]
    if not seps:
        return {float(s)}
    out = set()
    p = seps[-1]
    int_part = re.sub(r"[.,]", "", s[:p])
    if int_part:
        out.add(float(f"{int_part}.{s[p + 1:]}"))  # last separator is the decimal mark
    groups = re.split(r"[.,]", s)
    if all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
        out.add(float("".join(groups)))  # every separator groups thousands
    return out


def numbers_in(text: str) -> set[float]:
    vals: set[float] = set()
    for m in _NUM_RUN.finditer(text):
        pieces = [p for p in re.split(r"[\u00a0\u202f ]", m.group(0)) if p]
        for i in range(len(pieces)):
            for j in range(i, min(len(pieces), i + 4)):
                if j > i and not all(re.match(r"\d{3}(?:[.,]|$)", p) for p in pieces[i + 1:j + 1]):
                    break
                vals |= _interpretations("".join(pieces[i:j + 1]))
    return {round(v, 6) for v in vals}


MONTHS = {
    1: ["january", "jan", "januar", "jänner", "janvier", "janv", "januari"],
    2: ["february", "feb", "februar", "février", "fevrier", "févr", "fevr", "februari"],
    3: ["march", "mar", "märz", "maerz", "mrz", "mars", "maart", "mrt"],
    4: ["april", "apr", "avril", "avr"],
    5: ["may", "mai", "mei"],
    6: ["june", "jun", "juni", "juin"],
    7: ["july", "jul", "juli", "juillet", "juil"],
    8: ["august", "aug", "août", "aout", "augustus"],
    9: ["september", "sep", "sept", "septembre"],
    10: ["october", "oct", "oktober", "okt", "octobre"],
    11: ["november", "nov", "novembre"],
    12: ["december", "dec", "dezember", "dez", "décembre", "decembre", "déc"],
}


def date_pattern(iso: str) -> re.Pattern | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    dd, mm, yy = f"{d:02d}", f"{mo:02d}", f"{y % 100:02d}"
    forms = {f"{y}-{mm}-{dd}", f"{y}/{mm}/{dd}", f"{y}.{mm}.{dd}", f"{y}{mm}{dd}"}
    for a, b in ((dd, mm), (str(d), str(mo)), (mm, dd), (str(mo), str(d))):
        for sep in "./-":
            forms |= {f"{a}{sep}{b}{sep}{y}", f"{a}{sep}{b}{sep}{yy}"}
    for name in MONTHS[mo]:
        for day in {str(d), dd}:
            for suffix in ("", ".", "st", "nd", "rd", "th", "er"):
                forms |= {f"{day}{suffix}{name}{y}", f"{day}{suffix}{name}.{y}", f"{day}{suffix}-{name}-{y}",
                          f"{day}{suffix}-{name}-{yy}", f"{name}{day}{suffix},{y}", f"{name}.{day}{suffix},{y}",
                          f"{name}{day}{suffix}{y}", f"{day}{suffix}{name},{y}"}
    alts = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(rf"(?<!\d)(?:{alts})(?!\d)")


CURRENCY = {"EUR": ["eur", "€"], "USD": ["usd", "$"], "GBP": ["gbp", "£"], "INR": ["inr", "₹", "rs."],
            "CHF": ["chf"]}
COUNTRIES = {"DE": ["deutschland", "germany", "allemagne"], "FR": ["france", "frankreich"],
             "NL": ["nederland", "netherlands", "pays-bas"], "US": ["usa", "united states", "u.s.a"],
             "GB": ["united kingdom", "england", "great britain"], "IN": ["india"], "BE": ["belgique", "belgium", "belgië"],
             "AT": ["österreich", "austria"], "CH": ["schweiz", "suisse", "switzerland"], "IT": ["italia", "italy"],
             "ES": ["españa", "spain"], "LU": ["luxembourg"]}
CODE_KEYS = {"vat", "iban", "bic", "zip", "product_code", "document_number", "order_reference", "payment_reference",
             "email", "phone"}


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    s = re.sub(r"[\u2018\u2019\u201a\u201b`´]", "'", s)
    s = re.sub(r"[\u201c\u201d\u201e]", '"', s)
    return re.sub(r"\s+", " ", s).strip()


def _words(s: str) -> str:
    """letters and digits only, one space between words."""
    return " ".join(re.findall(r"[^\W_]+", _norm(s)))


def _alnum(s: str) -> str:
    return "".join(re.findall(r"[^\W_]+", _norm(s)))


def gold_values(obj, path="") -> list[tuple[str, str, object]]:
    """(path, kind, value) for every leaf value that is scored."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "document_type":
                continue
            out += gold_values(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += gold_values(v, f"{path}[{i}]")
    elif obj is None or isinstance(obj, bool):
        pass
    else:
        key = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
        if isinstance(obj, (int, float)):
            kind = "number"
        elif key.endswith("date") or re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(obj)):
            kind = "date"
        elif key == "currency":
            kind = "currency"
        elif key == "country_code":
            kind = "country"
        elif key in CODE_KEYS:
            kind = "code"
        else:
            kind = "text"
        out.append((path, kind, obj))
    return out


class Text:
    """One document's OCR text, prepared once for every matcher."""

    def __init__(self, text: str):
        self.raw = text
        self.norm = _norm(text)
        # dates are looked for with spaces dropped, except between two digits ("6/10/2019 13:59" stays apart)
        self.nospace = re.sub(r"\s+", "", re.sub(r"(?<=\d)\s+(?=\d)", "#", self.norm))
        self.alnum = _alnum(text)
        self.words = f" {_words(text)} "
        self.numbers = numbers_in(text)


def found(kind: str, value, t: Text) -> bool:
    from rapidfuzz import fuzz

    if kind == "number":
        v = round(abs(float(value)), 6)
        return v in t.numbers
    if kind == "date":
        pat = date_pattern(str(value))
        return bool(pat and pat.search(t.nospace))
    if kind == "currency":
        return any(sym in t.norm for sym in CURRENCY.get(str(value).upper(), [str(value).lower()]))
    if kind == "country":
        code = str(value).upper()
        return bool(re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", t.raw)) or any(
            n in t.norm for n in COUNTRIES.get(code, []))
    if kind == "code":
        g = _alnum(str(value))
        if len(g) < 4:
            return f" {_words(str(value))} " in t.words
        return g in t.alnum
    g = _norm(str(value))
    if len(g) < 4:
        return f" {_words(g)} " in t.words
    return fuzz.partial_ratio(g, t.norm) >= 90


def exact_multiword(value: str, t: Text) -> bool:
    w = _words(value)
    return f" {w} " in t.words


def score_doc(gold: dict, text: str) -> dict:
    t = Text(text)
    per_kind: dict[str, list[int]] = {}
    misses = []
    mw = [0, 0]
    for path, kind, value in gold_values(gold):
        ok = found(kind, value, t)
        agg = per_kind.setdefault(kind, [0, 0])
        agg[0] += ok
        agg[1] += 1
        if not ok:
            misses.append(f"{path}={value!r}")
        if kind == "text" and len(_words(str(value)).split()) >= 2:
            mw[0] += exact_multiword(str(value), t)
            mw[1] += 1
    found_n = sum(v[0] for v in per_kind.values())
    total = sum(v[1] for v in per_kind.values())
    return {"found": found_n, "total": total, "kinds": per_kind, "multiword": mw, "misses": misses}
