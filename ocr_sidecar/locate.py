"""Where on the page a value of the canonical document was printed: its words in the word layer.

Values are matched as they are printed, not as the JSON writes them (read back by ``printed.py``):
- numbers in any local format, with a currency sign or code beside them, compared by value (credit notes
  carry positive amounts while the page may print them negative, so the sign is not compared);
- dates in numeric forms and with month names in English, German, French, Spanish, Italian, Dutch and
  Portuguese;
- identifiers (VAT ids, IBANs, document numbers, references, product codes, postcodes) exactly, spaces,
  dots and dashes ignored;
- names, addresses, descriptions, e-mails and phones fuzzily (rapidfuzz, on normalised text).

Pure functions over ``WordLayer``s: the eval harness uses them for the ceiling of what the word layer
holds, the pipeline for evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any, Iterable, Optional, Sequence

from .answer import leaf_paths
from .printed import WORDS, compact, fold, parse_dates, printed_as_percent, printed_forms
from .types import Evidence
from .words import NUMBER_COLUMNS, Table, Word, WordLayer, find_table

TEXT_FIELDS = frozenset({"name", "street", "city", "description", "email", "phone", "unit"})
CODE_FIELDS = frozenset({"vat", "iban", "document_number", "order_reference", "payment_reference", "product_code",
                         "zip"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})
NOT_PRINTED = frozenset({"document_type", "country_code", "currency"})  # names of the value, not its print
RATE_FIELDS = frozenset({"tax_rate", "rate", "discount_percent"})
MONEY_FIELDS = frozenset({"amount", "unit_price", "subtotal", "total", "total_tax", "amount_due", "base"})
SUMMARY_AMOUNTS = frozenset({"subtotal", "total_tax", "total", "amount_due"})
FUZZY_MIN = 90  # rapidfuzz score (0..100) from which a printed text counts as the value
MAX_WINDOW = 8  # words one value may span


# --- finding a value among the words ------------------------------------------------------------------


def _windows(line: Sequence[Word], longest: int) -> Iterable[tuple[int, int]]:
    for start in range(len(line)):
        for end in range(start + 1, min(len(line), start + longest) + 1):
            yield start, end


def find_value(path: str, value: Any, layer: WordLayer) -> Optional[list[Word]]:
    """The words of ``layer`` that print ``value`` (the field named by ``path``), or None."""
    found = match_value(path, value, layer)
    return found[0] if found else None


def match_value(path: str, value: Any, layer: WordLayer, near: bool = False,
                every_place: bool = False) -> Optional[tuple[list[Word], float]]:
    """(the words of ``layer`` that print ``value``, how well: 1 exact, else the fuzzy similarity), or None.

    ``near``: ``layer`` holds only the rows where the value belongs (its line's rows, its tax row). Anywhere
    on the page, a number is taken with more care: a rate must be printed as a percentage (19 %, 19,00%),
    and an amount under 10 with its decimals (1,00, not the 1 of a position or a page number). Of several places
    that print the value, the one it was read from (``choose_place``); ``every_place``: all of them."""
    name = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
    if value is None or isinstance(value, bool) or name in NOT_PRINTED:
        return None

    def _choose(name: str, places: list[list[Word]], layer: Optional[WordLayer] = None) -> Optional[list[Word]]:
        if every_place:
            return [word for place in places for word in place] or None
        return choose_place(name, places, layer)
    if isinstance(value, (int, float)):
        def prints(text: str) -> bool:
            forms = printed_forms(text, value)  # the numbers that read as the value, each asked on its own
            if name in MONEY_FIELDS:
                forms = [form for form in forms if not form[1]]  # 30 % is a rate, not 30.00 of money
            if not forms or near:
                return bool(forms)
            if name in RATE_FIELDS:
                return any(percent for _raw, percent in forms)
            if name in MONEY_FIELDS and 0 < abs(value) < 10:
                return any(re.search(r"\d[.,]\d", raw) for raw, _percent in forms)
            return True

        places = _find(layer, 3, prints, exact_first=True)
        if name in MONEY_FIELDS:  # "19" followed by a word "%": a rate, not money
            places = [place for place in places if not _percent_follows(place, layer)]
        return _exact(_choose(name, places, layer))
    text = str(value).strip()
    if not text:
        return None
    if name in DATE_FIELDS:
        try:
            wanted = dt.date.fromisoformat(text)
        except ValueError:
            return None
        return _exact(_choose(name, _find(layer, 5, lambda t: wanted in parse_dates(t), exact_first=True)))
    if name in CODE_FIELDS or name not in TEXT_FIELDS:
        key = compact(text)
        if not key:
            return None
        return _exact(_choose(name, _find(layer, MAX_WINDOW, lambda t: compact(t) == key, exact_first=True) or (
            _find(layer, MAX_WINDOW, lambda t: _code_in(key, t, name), exact_first=True))))
    return _find_fuzzy(layer, text)


def _percent_follows(place: list[Word], layer: WordLayer) -> bool:
    """Whether the word after ``place`` on its row starts with a percent sign."""
    after = [w for w in layer.words if w.line == place[-1].line and w.box[0] >= place[-1].box[2] - 1e-6
             and w is not place[-1]]
    return bool(after) and min(after, key=lambda w: w.box[0]).text.startswith("%")


def _code_in(key: str, text: str, name: str) -> bool:
    """Whether ``text`` prints the code ``key`` as whole tokens among others: a run of letters and digits
    between separators, or several (USt-IdNr.: DE123456789, IBAN:DE89…), or after a label glued to it by OCR
    (VATNO123456, from six characters); a postcode with its country's letters (D-63571, F-75001). Never a
    piece of another token: 100 is not in INV-100, 23 not in 1234."""
    runs = re.findall(r"[0-9A-Z]+", fold(text).upper())
    if name == "zip" and re.fullmatch(rf"[A-Z]{{1,3}}{re.escape(key)}", "".join(runs)):
        return True
    if len(key) < 6:
        return False
    for i in range(len(runs)):
        joined = ""
        for run in runs[i:]:
            joined += run
            if joined == key:
                return True
            if len(joined) >= len(key):
                break
    return any(run.endswith(key) and run[:-len(key)].isalpha() for run in runs)


def _exact(words: Optional[list[Word]]) -> Optional[tuple[list[Word], float]]:
    return (words, 1.0) if words else None


def _find(layer: WordLayer, longest: int, matches, exact_first: bool = False) -> list[list[Word]]:
    """Every place ``matches`` finds on the page, in reading order, each the shortest window that prints it.
    ``exact_first``: where single words match, windows of several are not taken."""
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
    return found


# The words that label a summary amount on its row, folded; a total's row may say "total" and "net" at once.
SUMMARY_LABELS = {
    "subtotal": {"subtotal", "sub", "net", "netto", "nett", "untaxed", "excl", "excluding", "ht", "hors",
                 "zwischensumme", "nettobetrag", "subtotaal", "netbedrag", "imponible", "imponibile", "base"},
    "total_tax": {"tax", "taxes", "vat", "tva", "mwst", "ust", "umsatzsteuer", "steuer", "btw", "iva", "gst",
                  "igst", "cgst", "sgst", "impuesto", "imposta", "moms"},
    "total": {"total", "totaal", "totale", "gesamt", "gesamtbetrag", "grand", "ttc", "brutto", "incl",
              "including", "importe"},
    "amount_due": {"due", "balance", "pay", "payer", "payable", "zahlbetrag", "betalen", "pagar", "pagare",
                   "outstanding", "restbetrag", "solde"},
}


def choose_place(name: str, places: list[list[Word]], layer: Optional[WordLayer] = None) -> Optional[list[Word]]:
    """The one place a value was printed, of those found: a person focusing a total must see the total, not
    every row that happens to print the same number. A summary amount goes to the place whose row names it
    (Subtotal 42.00 · Total 42.00: one each), else a total to the last such place and anything else to the
    first, in reading order."""
    if not places:
        return None
    if len(places) == 1 or name not in SUMMARY_LABELS or layer is None:
        return places[0]
    rows: dict[int, list[Word]] = {}
    for word in layer.words:
        rows.setdefault(word.line, []).append(word)

    others = set().union(*(labels for field_name, labels in SUMMARY_LABELS.items() if field_name != name))

    def label_score(place: list[Word]) -> int:
        before = [w for w in rows.get(place[0].line, []) if w.box[0] < place[0].box[0]]
        tokens = set(WORDS.findall(fold(" ".join(w.text for w in before))))
        return len(tokens & SUMMARY_LABELS[name]) - len(tokens & others)

    scores = [label_score(place) for place in places]
    named = [place for place, score in zip(places, scores, strict=True) if score == max(scores)]
    return named[-1] if name in ("total", "amount_due") else named[0]


def _prints(span: Sequence[Word], matches) -> bool:
    return matches(" ".join(w.text for w in span)) or (len(span) > 1 and matches("".join(w.text for w in span)))


def _find_fuzzy(layer: WordLayer, text: str) -> Optional[tuple[list[Word], float]]:
    from rapidfuzz import fuzz

    wanted = " ".join(WORDS.findall(fold(text)))
    if not wanted:
        return None
    size = len(text.split())  # words as printed (an e-mail address is one)
    best, best_score = None, 0.0
    for line in layer.lines():
        for start, end in _windows(line, min(MAX_WINDOW, size + 2)):
            if end - start < max(1, size - 2):
                continue
            span = line[start:end]
            printed = " ".join(WORDS.findall(fold(" ".join(w.text for w in span))))
            score = fuzz.ratio(wanted, printed)
            if score > best_score:
                best, best_score = span, score
    return (best, round(best_score / 100, 4)) if best is not None and best_score >= FUZZY_MIN else None


def locate(document: dict, layers: Sequence[Optional[WordLayer]], structure: bool = True) -> dict[str, Evidence]:
    """Evidence for every non-null leaf of ``document`` found on one of the pages (first page first).

    A line's numbers and codes are looked for on that line's rows only — from the row where its
    description is printed to the row before the next line's — once the description is found; a tax
    entry's rate on the rows of its amount and base. A quantity of 2 or an amount of 300.00 printed
    somewhere else on the page is no evidence for that line. Without such an anchor a value is looked
    for on the whole page (``match_value``'s care for rates and small amounts applies)."""
    out: dict[str, Evidence] = {}
    paths = list(leaf_paths(document))

    def anywhere(path: str, outside: Optional[dict[int, set[int]]] = None) -> None:
        value = value_at(document, path)
        for page, layer in enumerate(layers, start=1):
            if layer is None or not layer.words:
                continue
            skip = (outside or {}).get(page)
            if skip:
                layer = WordLayer(layer.source, [w for w in layer.words if w.line not in skip])
            found = match_value(path, value, layer)
            if found:
                out[path] = _evidence(path, page, layer, *found)
                return

    tables = [find_table(layer) if structure and layer is not None and layer.words else None for layer in layers]

    def within(path: str, band: tuple[int, set[int]]) -> bool:
        page, rows = band
        layer = layers[page - 1]
        words = [w for w in layer.words if w.line in rows]
        table = tables[page - 1]
        found = None
        # rows that print a rate with its percent sign, where no column is named for it, print every rate so:
        # a bare 1 there is a position or a quantity, not a rate of 1 %
        near = path.rsplit(".", 1)[-1] not in RATE_FIELDS or _has_column(table, path) \
            or not printed_as_percent(" ".join(w.text for w in words))
        if table is not None and _item(path, "lines") is not None:
            for column_words in _in_column(words, table, path.rsplit(".", 1)[-1]):
                found = match_value(path, value_at(document, path), WordLayer(layer.source, column_words), near=near)
                if found:
                    break
        else:
            found = match_value(path, value_at(document, path), WordLayer(layer.source, words), near=near)
        if found:
            out[path] = _evidence(path, page, layer, *found)
        return bool(found)

    bands, table = _line_bands(document, layers, out, tables if structure else ())
    for path in paths:
        if path in out:
            continue
        index = _item(path, "lines")
        if index is not None and index in bands and not path.endswith(".description"):
            # on the line's rows, or nowhere (a rate may also be printed as a percentage elsewhere)
            if not within(path, bands[index]) and path.rsplit(".", 1)[-1] in RATE_FIELDS \
                    and not _has_column(tables[bands[index][0] - 1], path):
                anywhere(path)  # a table with the rate's column prints it there, or not at all
            continue
        # the document's totals are not one of its lines' amounts: looked for outside the lines' rows
        anywhere(path, table if re.sub(r"\[\d+\]", "[]", path) in SUMMARY_AMOUNTS else None)
    # a tax entry's rate: a bare number on its amount's or base's rows, else a percentage anywhere
    for i, _tax in enumerate(document.get("taxes") or []):
        rate = f"taxes[{i}].rate"
        if rate in paths and rate not in out:
            rows = [out[p] for p in (f"taxes[{i}].amount", f"taxes[{i}].base") if p in out]
            for item in rows:
                if within(rate, (item.page, set(item.rows))):
                    break
    # a line's tax rate printed only in the tax summary: the evidence of the tax entry with that rate
    for i, line in enumerate(document.get("lines") or []):
        path = f"lines[{i}].tax_rate"
        page = bands[i][0] if i in bands else None
        if path in paths and path not in out and not (page and _has_column(tables[page - 1], path)):
            for j, tax in enumerate(document.get("taxes") or []):
                if (tax or {}).get("rate") == (line or {}).get("tax_rate") and f"taxes[{j}].rate" in out:
                    out[path] = dataclasses.replace(out[f"taxes[{j}].rate"], path=path)
                    break
    return out


# A line's field → the table column that prints it.
FIELD_COLUMNS = {"quantity": "qty", "unit_price": "price", "amount": "amount", "tax_rate": "vat",
                 "discount_percent": "discount"}


def _has_column(table: Optional[Table], path: str) -> bool:
    """Whether the page's table header names the column that prints this line field."""
    return table is not None and FIELD_COLUMNS.get(path.rsplit(".", 1)[-1]) in table.kinds()


def _in_column(words: list[Word], table: Table, name: str) -> list[list[Word]]:
    """Of a line's words, those a field may be read from, in the order to try them: its own column's, where the
    header names one (a changed quantity is not "found" in the position number or the VAT rate beside it); then
    any but the other named number columns' and the position's (a header names a column ambiguously: "Prix HT"
    may be the unit price or the line's amount, "Rem." is a discount few label lists know); with no column of
    its own, all of them (a quantity printed in another's cell: "1939 x 1 Night" under RATE)."""
    kind = FIELD_COLUMNS.get(name)
    if kind is None or kind not in table.kinds():
        return [words]
    others = (NUMBER_COLUMNS | {"pos"}) - {kind}
    own = [w for w in words if table.column_of(w) == kind]
    return [own, [w for w in words if table.column_of(w) not in others or table.column_of(w) == kind]]


def _evidence(path: str, page: int, layer: WordLayer, words: list[Word], score: float) -> Evidence:
    return Evidence(path, page, [w.box for w in words], " ".join(w.text for w in words), layer.source, score,
                    sorted({w.line for w in words}))


def _item(path: str, array: str) -> Optional[int]:
    match = re.match(rf"{array}\[(\d+)\]\.", path)
    return int(match.group(1)) if match else None


def _wrapped(path: str, text: str, layer: WordLayer, floor: int, table: Optional[Table]
             ) -> Optional[tuple[list[Word], float]]:
    """A description wrapped onto the next row: matched over two consecutive rows' words, numbers and the other
    columns' cells left out (the first row holds the line's quantity and amounts between the two parts)."""
    lines = [line for line in layer.lines() if line[0].line > floor]
    for first, second in zip(lines, lines[1:]):
        words = [w for w in first + second if any(ch.isalpha() for ch in w.text)
                 and (table is None or table.column_of(w) in (None, "description"))]
        if len({w.line for w in words}) < 2:
            continue
        joined = [Word(w.text, w.box, 0, w.confidence) for w in words]
        originals = dict(zip(map(id, joined), words))
        found = match_value(path, text, WordLayer(layer.source, joined))
        if found and len({originals[id(w)].line for w in found[0]}) == 2:
            return [originals[id(w)] for w in found[0]], found[1]
    return None


def _line_bands(document: dict, layers: Sequence[Optional[WordLayer]], out: dict[str, Evidence],
                tables: Sequence[Optional[Table]] = ()) -> tuple[dict[int, tuple[int, set[int]]], dict[int, set[int]]]:
    """Per line of the document whose description is found: (page, its rows). Descriptions are looked for
    in order, each at or after the previous one (two lines with the same text get their own rows); a line's
    rows run from its description's first row to the row before the next line's; the last line on a page
    gets as many rows as the line before it took (at least one past its description). Also returned, per
    page: the table's rows, which the totals are not looked for on — every line's rows but the rows a last
    line's band adds past its description (where a table's totals often follow)."""
    starts: list[Optional[tuple[int, int, int]]] = []  # per line: (page, first row, last row)
    after = (1, -1)  # (page, row) the next description starts after
    for i, line in enumerate(document.get("lines") or []):
        path = f"lines[{i}].description"
        text = (line or {}).get("description")
        found = None
        if isinstance(text, str) and text.strip():
            for page, layer in enumerate(layers, start=1):
                if layer is None or not layer.words or page < after[0]:
                    continue
                floor = after[1] if page == after[0] else -1
                below = WordLayer(layer.source, [w for w in layer.words if w.line > floor])
                table = tables[page - 1] if len(tables) >= page else None
                match = match_value(path, text, below) or (
                    _wrapped(path, text, layer, floor, table) if tables else None) or match_value(path, text, layer)
                if match:
                    out[path] = _evidence(path, page, layer, *match)
                    rows = [w.line for w in match[0]]
                    found = (page, min(rows), max(rows))
                    after = (page, min(rows))
                    break
        starts.append(found)
    bands: dict[int, tuple[int, set[int]]] = {}
    table: dict[int, set[int]] = {}
    height = 2  # rows a line takes: as the line before it did (a table repeats its layout), else 2
    for i, found in enumerate(starts):
        if found is None:
            continue
        page, first, last = found
        nxt = next((s for s in starts[i + 1:] if s is not None), None)
        if nxt is not None and nxt[0] == page and nxt[1] > last:
            end = nxt[1] - 1
            height = end - first + 1
            table.setdefault(page, set()).update(range(first, end + 1))
        else:  # the last line (of the document or of its page)
            end = max(last + 1, first + height - 1)
            table.setdefault(page, set()).update(range(first, last + 1))
        bands[i] = (page, set(range(first, max(end, last) + 1)))
    return bands, table


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
