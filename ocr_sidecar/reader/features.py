"""The features the ranking model reads for each candidate (``FEATURES``: one row per candidate, NaN where a feature
does not apply): the label words around it by class (left on its line, above it), where it is and how tall it is
printed, how it relates to the page's other values (the largest amount, a sum of two others, a rate times another,
the earliest date), and what the whole document holds (a due label, a payment, VAT ids)."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import statistics
from typing import Optional, Sequence

from ..printed import compact
from ..words import WordLayer
from .candidates import _PERCENT, TYPE_CLASS, TYPES, Candidate, find
from .labels import CLASSES, LEGAL_FORMS, tokens
from .page import Page, block_below, run, same_title
from .people import person_like

_UNSET = math.nan
_PUNCTUATION = frozenset({":", "-", "–", "|", "/", ".", "=", "·"})

LABEL_FEATURES = [f"{side}_{name}" for name in CLASSES for side in ("left", "above")]
FEATURES: tuple[str, ...] = tuple([
    "page", "last_page", "x0", "y0", "x1", "y1", "height", "height_rank", "line_words", "first", "after",
    "labels_on_line", "label_right", "count_same",
    "amount_value", "amount_words", "amount_log", "amount_decimals", "amount_currency", "amount_rank", "amount_share",
    "amount_negative", "amount_sum_of_two", "amount_addend", "amount_rate_product", "amount_column_sum",
    "amount_below", "amount_aligned", "amount_bottom_rank",
    "date_alt", "date_named", "date_rank", "date_count", "date_from_first", "date_to_last", "date_order",
    "ident_length", "ident_digits", "ident_alpha", "ident_separators", "ident_tokens", "ident_phone",
    "ident_title_line", "ident_postcode", "ident_id_shape", "ident_gs1", "ident_title_main",
    "name_after_label", "name_cut", "name_words", "name_caps", "name_legal", "name_digits", "name_block_first",
    "name_line_rank", "name_next_digits", "name_label_words", "name_vat_below", "name_repeats",
    "name_colon", "name_label_tokens", "name_start_legal", "name_person", "name_lower", "name_block_lines",
    "name_block_postal",
    "id_left_half", "id_rank", "id_checksum",
    "tax_consistent", "tax_base_elsewhere", "tax_percent_sign", "tax_rate", "tax_amount_log", "tax_rows_on_line", "tax_rate_printed_count",
    "type_id", "type_count", "type_height", "type_top", "type_line_start", "type_run_extra", "type_caps", "types_other",
    "doc_lines", "doc_amounts", "doc_has_due", "doc_has_paid", "doc_ident_vat",
    "party_section", "party_section_dist",
] + LABEL_FEATURES)
# the headings that open a party's block, and the code the feature ``party_section`` gives each
_PARTY_HINTS = {"seller_hint": 1.0, "buyer_hint": 2.0, "ship_hint": 3.0}
_PARTY_KINDS = frozenset({"name", "vat", "iban", "ident"})


def _hints(page: Page) -> list:
    """The page's party headings with their codes: a heading's word that is a value instead ("Name: Lieferant
    GmbH", a company called after its trade) is none."""
    if page.party_hints is None:
        page.party_hints = [(label, _PARTY_HINTS[label.name]) for label in page.labels
                            if label.name in _PARTY_HINTS and not _a_value(label, page)]
    return page.party_hints


def _a_value(label, page: Page) -> bool:  # noqa: ANN001 - a page.Label
    """Whether a heading's word is printed as a value: right after a field's label ("Name:"), or followed by a
    legal form on its line ("Lieferant GmbH")."""
    after_field = any(other.name == "field_name" and other.last == label.first - 1
                      for other in page.by_line.get(label.line, []))
    rest = page.line_tokens[label.line][label.last + 1:label.last + 4]
    return after_field or any(token in LEGAL_FORMS for word in rest for token in word)


def _column_x0(c: Candidate, page: Page, first: int) -> float:
    """Where the candidate's column starts: at the label nearest on its left on its line ("Nummer:" in a label
    column, its value far to the right), else at the candidate."""
    labels = [label for label in page.by_line.get(c.line, []) if label.last < first]
    return min(c.box[0], max(labels, key=lambda label: label.last).box[0]) if labels else c.box[0]


def _label_features(c: Candidate, page: Page) -> dict[str, float]:
    out: dict[str, float] = {}
    if c.line < 0:
        return out
    line = page.lines[c.line]
    first = line.index(c.words[0])
    last = line.index(c.words[-1])
    x0, y0, x1, _ = c.box
    h = page.height or 0.01
    right = 0
    for label in page.by_line.get(c.line, []):
        if label.last < first:
            key = f"left_{label.name}"
            # words between them, a lone colon or dash not counted ("Datum : 06.10.2013" is "Datum: 06.10.2013")
            distance = sum(1 for w in line[label.last + 1:first] if w.text not in _PUNCTUATION)
            out[key] = min(out.get(key, 99.0), float(distance))
        elif label.first > last:
            right += 1
    cy1 = c.box[3]
    above: dict[int, list] = {}  # the labels over it, by their line
    for label in page.labels:
        lx0, ly0, lx1, ly1 = label.box
        if label.line != c.line and lx1 <= x0 + 0.005 and min(ly1, cy1) - max(ly0, y0) >= 0.5 * min(ly1 - ly0, cy1 - y0):
            # on the same printed row though the lines were read apart (a value set a little higher or larger than
            # its label): a label on its left, as many words away as lie between them
            between = sum(1 for w in page.lines[label.line] + line
                          if lx1 <= (w.box[0] + w.box[2]) / 2 <= x0 and w.text not in _PUNCTUATION)
            key = f"left_{label.name}"
            out[key] = min(out.get(key, 99.0), float(between))
            continue
        if label.line == c.line or ly1 > y0 + 0.3 * h or y0 - ly1 > 6 * h:
            continue
        if lx0 > x1 + 0.02 or lx1 < x0 - 0.12:
            continue
        above.setdefault(label.line, []).append(label)
    for labels in above.values():
        # a row of column headings over a row of values ("Klant  Order  Factuur datum  Factuur"): the headings
        # over it, or the one nearest it where none is, not its neighbours'
        over = [label for label in labels if label.box[0] < x1 and label.box[2] > x0]
        nearest = min(labels, key=lambda label: max(label.box[0] - x1, x0 - label.box[2]))
        for label in over or [label for label in labels if label.first == nearest.first]:
            key = f"above_{label.name}"
            out[key] = min(out.get(key, 99.0), (y0 - label.box[3]) / h)
    # whose block it is in: the nearest party heading above it in its column (or left of it on its line), at any
    # distance ("Verkäufer" over "Name: …", "Nummer: …", "USt-IdNr.: …")
    if c.kind in _PARTY_KINDS:
        best = None
        x0 = _column_x0(c, page, first)
        for label, code in _hints(page):
            lx0, _, lx1, ly1 = label.box
            if label.line == c.line:
                distance = 0.0 if label.last < first else None
            elif ly1 <= y0 + 0.3 * h and lx0 <= x1 + 0.02 and lx1 >= x0 - 0.12:
                distance = (y0 - ly1) / h
            else:
                distance = None
            if distance is not None and (best is None or distance < best[0]):
                best = (distance, code)
        if best is not None:
            out["party_section"], out["party_section_dist"] = best[1], best[0]
    out["labels_on_line"] = float(len(page.by_line.get(c.line, [])))
    out["label_right"] = float(right)
    return out


def _features(candidates: list[Candidate], pages: list[Page]) -> None:
    by_number = {page.number: page for page in pages}
    all_heights = sorted(w.box[3] - w.box[1] for page in pages for line in page.lines for w in line)
    amounts = [c for c in candidates if c.kind == "amount"]
    cents = {round(abs(c.value) * 100) for c in amounts}
    rates = {round(float(m.group(1).replace(",", ".")), 2) for page in pages for line in page.lines
             for w in line for m in [_PERCENT.search(w.text)] if m} | {19.0, 20.0, 21.0, 7.0, 10.0, 5.5, 22.0, 6.0}
    ordered = sorted({abs(c.value) for c in amounts}, reverse=True)
    biggest = ordered[0] if ordered else 1.0
    dates = sorted({c.value for c in candidates if c.kind == "date" and not c.feats.get("date_alt")})
    counts: dict[tuple[str, str], int] = {}
    for c in candidates:
        counts[(c.kind, str(c.value))] = counts.get((c.kind, str(c.value)), 0) + 1
    vat_boxes = [(c.page, c.box) for c in candidates if c.kind == "vat"]
    ids = [c for c in candidates if c.kind in ("vat", "iban")]
    name_texts: dict[str, int] = {}
    for c in candidates:
        if c.kind == "name":
            name_texts[c.value.casefold()] = name_texts.get(c.value.casefold(), 0) + 1
    doc = {"doc_lines": float(sum(len(p.lines) for p in pages)), "doc_amounts": float(len(amounts)),
           "doc_has_due": float(any(label.name == "due" for p in pages for label in p.labels)),
           "doc_has_paid": float(any(label.name == "paid" for p in pages for label in p.labels)),
           "doc_ident_vat": float(len(vat_boxes))}
    type_counts = {kind: sum(1 for p in pages for label in p.labels if label.name == TYPE_CLASS[kind])
                   for kind in TYPES}
    for c in candidates:
        f = c.feats
        f.update(doc)
        f["page"] = float(c.page - 1)
        f["last_page"] = float(c.page == pages[-1].number)
        f["count_same"] = float(counts[(c.kind, str(c.value))])
        if c.kind == "type":
            f["type_count"] = float(type_counts[c.value])
            f["types_other"] = float(sum(type_counts.values()) - type_counts[c.value])
        if not c.words:
            continue
        page = by_number[c.page]
        x0, y0, x1, y1 = c.box
        height = statistics.median(w.box[3] - w.box[1] for w in c.words)
        f.update({"x0": x0, "y0": y0, "x1": x1, "y1": y1, "height": height / (page.height or 0.01),
                  "height_rank": _rank(all_heights, height)})
        line = page.lines[c.line]
        first, last = line.index(c.words[0]), line.index(c.words[-1])
        f.update({"line_words": float(len(line)), "first": float(first), "after": float(len(line) - last - 1)})
        f.update(_label_features(c, page))
        if c.kind == "amount":
            value = abs(c.value)
            v = round(value * 100)
            f.update({"amount_value": value, "amount_log": math.log10(value + 1),
                      "amount_decimals": float(len(re.sub(r"^.*[.,]", "", re.sub(r"\D+$", "", c.text)))
                                               if re.search(r"[.,]\d{1,2}\D*$", c.text) else 0),
                      "amount_currency": float(bool(re.search(r"[€$£¥₹]|[A-Z]{3}", c.text))),
                      "amount_rank": float(ordered.index(value)), "amount_share": value / (biggest or 1.0)})
            f["amount_sum_of_two"] = float(v > 0 and any((v - o) in cents and o != v and (v - o) != v and o > 0
                                                         for o in cents))
            f["amount_addend"] = float(v > 0 and any((v + o) in cents for o in cents if o > 0 and o != v))
            f["amount_rate_product"] = float(v > 0 and any(
                abs(round(o * r) - v * 100) <= 100 and o != v for o in cents for r in rates if r > 0))
            column = [a for a in amounts if a.page == c.page and abs(a.box[2] - x1) < 0.015 and a.box[1] < y0]
            f["amount_column_sum"] = float(len(column) >= 2 and abs(sum(abs(a.value) for a in column) - value) < 0.011)
            f["amount_aligned"] = float(sum(1 for a in amounts if a.page == c.page and abs(a.box[2] - x1) < 0.015))
            below = [a for a in amounts if a.page == c.page and a.box[1] > y1]
            f["amount_below"] = float(len(below))
            f["amount_bottom_rank"] = float(sum(1 for a in below if abs(a.box[2] - x1) < 0.015))
        elif c.kind == "date":
            f["date_count"] = float(len(dates))
            if c.value in dates:
                f["date_rank"] = float(dates.index(c.value))
            day = dt.date.fromisoformat(c.value)
            if dates:
                f["date_from_first"] = float((day - dt.date.fromisoformat(dates[0])).days)
                f["date_to_last"] = float((dt.date.fromisoformat(dates[-1]) - day).days)
        elif c.kind == "ident":
            value = c.value
            # the document's titles on its left, in its run of words or its label ("Bestellung:   2018-471331"),
            # not another column's on the same row, and no other label between them ("Références sur la facture
            # GLN : 3654789851" is a GLN)
            start, _ = run(line, first, last, page.height)
            on_line = page.by_line.get(c.line, [])
            titles = [label for label in on_line if label.name.startswith("t_")
                      and label.last < first and (label.first >= start or sum(
                          1 for w in line[label.last + 1:first] if w.text not in _PUNCTUATION) <= 1)
                      and not any(other.name != "number" and not other.name.startswith("t_")
                                  and label.last < other.first and other.last < first for other in on_line)]
            f.update({"ident_length": float(len(value)), "ident_digits": sum(ch.isdigit() for ch in value) / len(value),
                      "ident_alpha": float(sum(ch.isalpha() for ch in value)),
                      "ident_separators": float(sum(ch in "-/._" for ch in value)), "ident_tokens": float(len(c.words)),
                      "ident_phone": float(bool(re.match(r"^(\+|00|0\d)", c.text)) and
                                           sum(ch.isdigit() for ch in c.text) >= 8),
                      "ident_title_line": float(bool(titles)),
                      # "Bestellung: 2018-471331" on an invoice: the title before it is not the page's own
                      "ident_title_main": float(same_title(max(titles, key=lambda label: label.last).name,
                                                           page.main_title))
                      if titles else _UNSET,
                      "ident_id_shape": float(bool(re.fullmatch(r"[A-Z]{2}[0-9A-Z]{8,30}", compact(value)))
                                              and any(v.text == c.text or compact(v.text) == compact(value)
                                                      for v in ids)),
                      "ident_gs1": float(_gs1(value)),
                      "ident_postcode": float(bool(re.fullmatch(r"\d{4,5}", value)) and last + 1 < len(line)
                                              and line[last + 1].text[:1].isupper())})
        elif c.kind == "name":
            text = c.value
            words = text.split()
            parts = tokens(text)
            f.update({"name_words": float(len(words)), "name_caps": float(text.isupper()),
                      "name_legal": float(any(t in LEGAL_FORMS for t in parts)),
                      # "AG Mitte" cut from "Kunden AG Mitte": a name seldom opens with its legal form
                      "name_start_legal": float(bool(parts) and parts[0] in LEGAL_FORMS),
                      "name_person": float(person_like(text)),
                      # a sentence ("Darstellung der Daten von …") more than a name: words set in lower case
                      "name_lower": sum(w[:1].islower() for w in words) / max(len(words), 1),
                      "name_digits": float(sum(ch.isdigit() for ch in text)),
                      "name_line_rank": float(c.line),
                      "name_label_words": float(len(page.by_line.get(c.line, []))),
                      "name_repeats": float(name_texts.get(text.casefold(), 0)),
                      # "Währung: EUR", "Geschäftsführer: …": a label and its value, not a name
                      "name_colon": float(":" in text),
                      "name_label_tokens": float(sum(1 for label in page.by_line.get(c.line, [])
                                                     if first <= label.first and label.last <= last))})
            above = [ln for ln in page.lines if ln and ln[0].box[3] <= y0 + 0.2 * page.height
                     and y0 - ln[0].box[3] < 1.6 * page.height and abs(ln[0].box[0] - x0) < 0.03]
            f["name_block_first"] = float(not above)
            below = [ln for ln in page.lines if ln and 0 < ln[0].box[1] - y1 < 1.6 * page.height
                     and abs(ln[0].box[0] - x0) < 0.03]
            f["name_next_digits"] = float(bool(below) and any(ch.isdigit() for w in below[0] for ch in w.text))
            f["name_block_lines"], f["name_block_postal"] = block_below(page, c.line, c.box, c.words[-1])
            f["name_vat_below"] = float(any(p == c.page and 0 < b[1] - y1 < 10 * page.height and abs(b[0] - x0) < 0.1
                                            for p, b in vat_boxes))
        elif c.kind in ("vat", "iban", "currency"):
            f["id_left_half"] = float((x0 + x1) / 2 < 0.5)
        elif c.kind == "taxrow":
            f["tax_rate_printed_count"] = float(sum(1 for o in candidates if o.kind == "taxrow"
                                                    and o.value[0] == c.value[0]))
        elif c.kind == "type":
            f["type_height"] = height / (page.height or 0.01)
            f["type_top"] = y0
            # a title stands alone: nothing but it (and a number after it) in its run of words on the row, which it
            # opens (the row may print other columns: "Lieferant   Käufer   RECHNUNG   Seite 1")
            start, end = run(line, first, last, page.height)
            f["type_line_start"] = float(first == start)
            f["type_run_extra"] = float((first - start) + (end - last))
            f["type_caps"] = float(all(w.text.isupper() for w in c.words if any(ch.isalpha() for ch in w.text)))
    # the order in which the page prints its dates (an issue date comes early, a delivery's or a term's later)
    placed = [(c, (c.page, round(c.box[1], 3), round(c.box[0], 3))) for c in candidates if c.kind == "date" and c.words]
    order = {place: rank for rank, place in enumerate(sorted({place for _, place in placed}))}
    for c, place in placed:
        c.feats["date_order"] = float(order[place])
    for kind in ("vat", "iban"):
        found = sorted((c for c in candidates if c.kind == kind and c.words), key=lambda c: (c.page, c.box[1]))
        for rank, c in enumerate(found):
            c.feats["id_rank"] = float(rank)


def _gs1(value: str) -> bool:
    """A GLN, GTIN or EAN: 8, 12, 13 or 14 digits whose last is their GS1 check digit (a party's or an article's
    number, not a document's; one document number in ten passes by chance, the model weighs it)."""
    if len(value) not in (8, 12, 13, 14) or not value.isdigit():
        return False
    body = value[:-1]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(value[-1])


def _rank(ordered: list[float], value: float) -> float:
    return bisect.bisect_left(ordered, value) / max(len(ordered), 1)


def generate(layers: Sequence[Optional[WordLayer]]) -> list[Candidate]:
    """Every candidate of every kind on the pages, with its features."""
    candidates, pages = find(layers)
    if candidates:
        _features(candidates, pages)
    # a VAT id or an IBAN printed as such is that, never a document's number or reference: its token is offered
    # as a VAT id or IBAN only (features are computed first, so the others' stay as they were)
    return [c for c in candidates if not (c.kind == "ident" and c.feats.get("ident_id_shape"))]


def matrix(candidates: Sequence[Candidate]) -> list[list[float]]:
    return [[c.feats.get(name, _UNSET) for name in FEATURES] for c in candidates]
