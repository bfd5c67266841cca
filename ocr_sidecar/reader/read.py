"""The words reader's one path: candidates → scores per field → the same value merged → the totals and tax rows
chosen jointly, the parties apart, defaults offered → the document of the best ones."""

from __future__ import annotations

import itertools
import math
from typing import Optional, Sequence

from ..words import WordLayer
from . import candidates as gen
from . import features as feat
from .model import Model, shared
from .reading import Candidate, Reading

TOP = 5  # candidates kept per field
KEEP = 0.5  # a best candidate scored below this is offered, not put in the document
CENT = 0.011
# Totals and tax rows are chosen together among each field's first candidates (JOINT_TOP): each sum that holds
# (subtotal + tax = total, the rows' amounts = tax, ...) is worth this much in summed log-scores.
JOINT_TOP = 4
TOTALS = ("subtotal", "total_tax", "total")
JOINT_BONUS = 2.0
JOINT_RATES = 4  # the tax summary's rates chosen among (the best rows' first rates)
# no tax is more than this share of what it is taken of (VAT rates reach 27 %): "previous balance 500.00 + this
# invoice's 110.00 = 610.00 due" is no subtotal, tax and total
MAX_RATE = 0.3
NO_TAX = 0.2  # a page whose tax candidates all score below this, and has no tax row, prints no tax
# Fields that never hold one value, chosen together so that they differ: the seller and the buyer are two parties
# (their names, their VAT ids). Not a document's number and its order's: where no order is printed, the order's
# field scores the document's number well enough to take it from the number (generated documents' number top-1,
# scans: 98.8 → 84.7 %).
DISTINCT = (("seller.name", "buyer.name"), ("seller.vat", "buyer.vat"))


def read_layers(layers: Sequence[Optional[WordLayer]], model: Optional[Model] = None) -> Reading:
    model = model or shared()
    ocr = by_ocr(layers)
    found = feat.generate(layers)
    by_kind: dict[str, list[gen.Candidate]] = {}
    for candidate in found:
        by_kind.setdefault(candidate.kind, []).append(candidate)
    rows = {kind: _rows(items) for kind, items in by_kind.items()}
    ranked: dict[str, list[Candidate]] = {}
    printed: dict[str, list[Candidate]] = {}
    for path, kind in gen.KIND_OF.items():
        items = by_kind.get(kind)
        if not items or path not in model.boosters:
            continue
        scores = model.scores(path, rows[kind], ocr=ocr)
        printed[path] = _merge(items, scores, names=kind == "name")
        ranked[path] = printed[path][:8 if kind == "taxrow" else TOP]
    tax_rows, chosen = _joint_sums(ranked, printed.get(gen.TAX_ROWS, []))
    ranked.pop(gen.TAX_ROWS, None)
    for paths in DISTINCT:
        _distinct(ranked, *paths)
    _offer_defaults(ranked, tax_rows)
    picked = _per_rate(tax_rows, chosen)
    taxes = [tuple(None if value is None else Candidate(value, row.score, row.page, row.boxes, row.text)
                   for value in row.value) for row in picked]
    document = _document(ranked)
    if taxes:
        # a chosen row below KEEP is kept where the chosen rows add up to the document's tax (or subtotal)
        confirmed = "total_tax" in document and _rows_add_up(chosen, (ranked.get("subtotal") or [None])[0],
                                                             ranked["total_tax"][0])
        kept = [row for row in picked if row.score >= KEEP or (confirmed and row in chosen)]
        document["taxes"] = [{"rate": rate, "base": base, "amount": amount} for rate, base, amount in
                             (row.value for row in kept)]
        for i, row in enumerate(taxes):
            for name, part in zip(("rate", "base", "amount"), row):
                if part is not None:
                    ranked[f"taxes[{i}].{name}"] = [part]
    printed.pop(gen.TAX_ROWS, None)
    lines = [" ".join(w.text for w in line) for layer in layers if layer is not None for line in layer.lines()]
    return Reading(document=document, candidates=ranked, printed=printed, lines=lines, text_layer=not ocr)


def by_ocr(layers: Sequence[Optional[WordLayer]]) -> bool:
    """Whether some page's words were read by OCR (a scan, a photo) rather than from a PDF's text layer."""
    return any(layer is not None and layer.words and layer.source != "pdf" for layer in layers)


def _joint_sums(ranked: dict[str, list[Candidate]], rows: list[Candidate]
                ) -> tuple[list[Candidate], list[Candidate]]:
    """Subtotal, tax, total and the tax summary's rows chosen together, each among its first few. Each sum that
    holds adds ``JOINT_BONUS`` to the summed log-scores: subtotal + tax = total (a zero tax only where no chosen
    row has one, a tax at most ``MAX_RATE`` of the subtotal), the rows' amounts make the tax, their bases the
    subtotal, and — where the tax is printed nowhere — subtotal + the rows' amounts = total. The best choice moves first (the scores stay as they were).
    A rate may be left out of the rows (a discount's "2 %" is no tax rate), at the log of its best row's being
    wrong. Returns the rows, the chosen one of each rate first, and the chosen ones."""
    options = [ranked.get(path, [])[:JOINT_TOP] or [None] for path in TOTALS]
    by_rate: dict[object, list[Candidate]] = {}
    for row in rows:
        if len(by_rate) < JOINT_RATES or _rate_key(row) in by_rate:
            same = by_rate.setdefault(_rate_key(row), [])
            if len(same) < 2 or (_consistent(row) and len(same) < 3 and not any(map(_consistent, same))):
                same.append(row)  # the first two, and a row whose base times its rate is its amount
    rates = list(by_rate.values())
    choices = []  # every choice of rows: (its cost, the rows, their amounts' sum, their bases' sum or None)
    for choice in itertools.product(*[[None, *each] for each in rates]):
        chosen = [row for row in choice if row is not None]
        cost = sum(_log(row.score) if row is not None else _log(1 - each[0].score) for row, each in zip(choice, rates))
        bases = sum(row.value[1] for row in chosen) if all(row.value[1] is not None for row in chosen) else None
        choices.append((cost, chosen, sum(row.value[2] for row in chosen), bases))

    best_cost, best = -math.inf, None
    for combo in itertools.product(*options):
        subtotal, tax, total = (c.value if c is not None else None for c in combo)
        cost = sum(_log(c.score) for c in combo if c is not None)
        for rows_cost, chosen, amounts, bases in choices or [(0.0, [], 0.0, None)]:
            held = 0
            if None not in (subtotal, tax, total) and abs(subtotal + tax - total) <= CENT and (
                    len({subtotal, tax, total}) == 3 or (tax == 0 and not any(row.value[2] for row in chosen))) \
                    and abs(tax) <= MAX_RATE * abs(subtotal) + CENT:
                held += 1
            taxed, based = _sums_hold(len(chosen), amounts, bases, subtotal, tax)
            held += taxed + based
            held += (bool(chosen) and not taxed and amounts > 0 and None not in (subtotal, total)
                     and abs(subtotal + amounts - total) <= CENT * len(chosen))
            value = cost + rows_cost + JOINT_BONUS * held
            if value > best_cost + 1e-9:  # the first (the single best of each) wins a tie
                best_cost, best = value, (combo, chosen)
    if best is None:
        return rows, []
    combo, chosen = best
    for path, item in zip(TOTALS, combo):
        if item is not None:
            _move_first(ranked[path], item)
    return sorted(chosen, key=lambda row: -row.score) + [row for row in rows if row not in chosen], chosen


def _consistent(row: Candidate) -> bool:
    rate, base, amount = row.value
    return base is not None and rate > 0 and abs(base * rate / 100 - amount) <= max(CENT, 0.001 * abs(amount))


def _rows_add_up(rows: list[Candidate], subtotal: Optional[Candidate], tax: Optional[Candidate]) -> bool:
    """Whether the rows' amounts make the tax or their bases (all printed) the subtotal."""
    bases = sum(row.value[1] for row in rows) if all(row.value[1] is not None for row in rows) else None
    return any(_sums_hold(len(rows), sum(row.value[2] for row in rows), bases, subtotal and subtotal.value,
                          tax and tax.value))


def _sums_hold(count: int, amounts: float, bases: Optional[float], subtotal: Optional[float],
               tax: Optional[float]) -> tuple[bool, bool]:
    """For ``count`` tax rows whose amounts and bases (None: not all printed) sum so: whether they make the tax,
    and whether they make the subtotal (each row's rounding allowed)."""
    slack = CENT * count
    return (bool(count) and tax is not None and abs(amounts - tax) <= slack,
            bool(count) and subtotal is not None and bases is not None and abs(bases - subtotal) <= slack)


def _log(score: float) -> float:
    return math.log(min(max(score, 1e-4), 1.0))


def _rate_key(row: Candidate) -> object:
    """What tells a tax summary's rows apart: the rate; a zero rate's rows by their base too (an exempt supply and an
    intra-community one are two rows at 0 %)."""
    rate, base, _ = row.value
    return (rate, base) if rate == 0 and base is not None else rate


def _per_rate(rows: list[Candidate], chosen: Sequence[Candidate] = ()) -> list[Candidate]:
    """The tax summary: the first row of each rate, in order (at most the schema's eight); a second row at 0 % only
    where the sums chose it."""
    out: list[Candidate] = []
    for row in rows:
        if len(out) < 8 and all(_rate_key(row) != _rate_key(other) for other in out) and (
                row.value[0] != 0 or row in chosen or all(other.value[0] != 0 for other in out)):
            out.append(row)
    return out


def _rows(items: list[gen.Candidate]):
    import numpy  # noqa: PLC0415

    return numpy.asarray(feat.matrix(items), dtype=float)


def _merge(items: list[gen.Candidate], scores: list[float], names: bool) -> list[Candidate]:
    """One entry per value (its best-scored place), best first."""
    best: dict[object, tuple[float, gen.Candidate]] = {}
    for item, score in zip(items, scores):
        key = item.value.casefold() if names else item.value
        if key not in best or score > best[key][0]:
            best[key] = (score, item)
    ordered = sorted(best.values(), key=lambda pair: -pair[0])
    return [Candidate(value=item.value, score=score, page=item.page, boxes=[w.box for w in item.words + item.more],
                      text=item.text) for score, item in ordered]


def _distinct(ranked: dict[str, list[Candidate]], one: str, other: str) -> None:
    """Where two fields' best candidates are one value (the seller's and the buyer's name), the pair of different
    values among the first few of each that has the best summed log-score moves first; the scores are unchanged. A
    page that prints one of them only (a receipt's one party) keeps its value where the other field's next is
    unlikely."""
    first, second = ranked.get(one, [])[:JOINT_TOP], ranked.get(other, [])[:JOINT_TOP]
    if not first or not second or _key(first[0].value) != _key(second[0].value):
        return
    pairs = [(a, b) for a in first for b in second if _key(a.value) != _key(b.value)]
    if not pairs:
        return
    a, b = max(pairs, key=lambda pair: _log(pair[0].score) + _log(pair[1].score))
    _move_first(ranked[one], a)
    _move_first(ranked[other], b)


def _offer_defaults(ranked: dict[str, list[Candidate]], tax_rows: list[Candidate]) -> None:
    """Each field's usual default offered first where nothing is printed as its value (``_offer_first``)."""
    _offer_first(ranked, "amount_due", "total")
    _offer_first(ranked, "payment_reference", "document_number")
    if not tax_rows and all(c.score < NO_TAX for c in ranked.get("total_tax", [])):
        _offer_first(ranked, "subtotal", "total")  # no tax printed: the net is the total


def _offer_first(ranked: dict[str, list[Candidate]], path: str, default: str) -> None:
    """Where nothing is printed as ``path``'s value (no candidate scored ``KEEP``), its usual default, ``default``'s
    value, moves first among its candidates, its score unchanged (so it is offered, not filled): with no amount
    printed as the one due, what is due is the total; with no payment reference printed, a payer quotes the
    document's number; with no subtotal and no tax printed, the net is the total."""
    items, source = ranked.get(path), ranked.get(default)
    if not items or not source or items[0].score >= KEEP or source[0].score < KEEP:
        return
    same = next((c for c in items if _same(c.value, source[0].value)), None)
    if same is not None:
        _move_first(items, same)


def _move_first(items: list[Candidate], item: Candidate) -> None:
    """``item`` to the front of its field's candidates (chosen by a rule; its score stays as it was)."""
    items.remove(item)
    items.insert(0, item)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= CENT
    return _key(a) == _key(b)


def _key(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def _document(ranked: dict[str, list[Candidate]]) -> dict:
    """The best candidate of each field scored at least ``KEEP``; a subtotal, tax or total below it too where the
    other two are kept and the three add up (the arithmetic confirms what the score alone did not)."""
    firsts = [(ranked.get(path) or [None])[0] for path in TOTALS]
    adds_up = (all(firsts) and abs(firsts[0].value + firsts[1].value - firsts[2].value) <= CENT
               and sum(c.score >= KEEP for c in firsts) >= 2 and len({c.value for c in firsts}) == 3)
    document: dict = {}
    for path, items in ranked.items():
        if not items or (items[0].score < KEEP and not (adds_up and path in TOTALS)):
            continue
        head, _, leaf = path.rpartition(".")
        target = document.setdefault(head, {}) if head else document
        target[leaf] = items[0].value
    return document
