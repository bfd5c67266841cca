"""The words reader's one path: candidates → scores per field → the same value merged → totals chosen jointly →
the document of the best ones."""

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
# Totals are chosen together among each field's first candidates: subtotal + tax = total. A combination that holds
# is preferred over the single best when it costs at most this much in summed log-scores.
JOINT_TOP = 4
TOTALS = ("subtotal", "total_tax", "total")
JOINT_BONUS = 2.0


def read_layers(layers: Sequence[Optional[WordLayer]], model: Optional[Model] = None) -> Reading:
    model = model or shared()
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
        scores = model.scores(path, rows[kind])
        printed[path] = _merge(items, scores, names=kind == "name")
        ranked[path] = printed[path][:8 if kind == "taxrow" else TOP]
    _joint_totals(ranked)
    taxes = _tax_rows(ranked.pop(gen.TAX_ROWS, []))
    document = _document(ranked)
    if taxes:
        document["taxes"] = [{"rate": row[0].value, "base": row[1].value if row[1] else None, "amount": row[2].value}
                             for row in taxes if row[0].score >= KEEP]
        for i, row in enumerate(taxes):
            for name, part in zip(("rate", "base", "amount"), row):
                if part is not None:
                    ranked[f"taxes[{i}].{name}"] = [part]
    printed.pop(gen.TAX_ROWS, None)
    lines = [" ".join(w.text for w in line) for layer in layers if layer is not None for line in layer.lines()]
    exact = all(layer.source == "pdf" for layer in layers if layer is not None and layer.words)
    return Reading(document=document, candidates=ranked, printed=printed, lines=lines, text_layer=exact)


def _tax_rows(rows: list[Candidate]) -> list[tuple[Candidate, Optional[Candidate], Candidate]]:
    """The tax summary: the best row of each rate, best first (at most the schema's eight), each part a candidate
    with the row's score."""
    out, rates = [], set()
    for row in rows:
        rate, base, amount = row.value
        if rate in rates or len(out) >= 8:
            continue
        rates.add(rate)
        out.append(tuple(None if value is None else Candidate(value, row.score, row.page, row.boxes, row.text)
                         for value in (rate, base, amount)))
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


def _joint_totals(ranked: dict[str, list[Candidate]]) -> None:
    """Reorder subtotal, total_tax and total so that the first of each add up, when a combination among the first
    few does and costs little; the chosen candidates move first, their scores unchanged."""
    options = [ranked.get(path, [])[:JOINT_TOP] for path in TOTALS]
    if not all(options):
        return

    def cost(combo) -> float:
        return sum(math.log(max(c.score, 1e-4)) for c in combo)

    current = tuple(options[i][0] for i in range(3))
    if abs(current[0].value + current[1].value - current[2].value) <= CENT:
        return
    best, best_cost = None, cost(current)
    for combo in itertools.product(*options):
        subtotal, tax, total = (c.value for c in combo)
        if abs(subtotal + tax - total) <= CENT and len({subtotal, tax, total}) == 3:
            value = cost(combo) + JOINT_BONUS
            if value > best_cost:
                best, best_cost = combo, value
    if best is None:
        return
    for path, chosen in zip(TOTALS, best):
        items = ranked[path]
        items.remove(chosen)
        items.insert(0, chosen)


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
