"""Scoring for ``benchmarks/words_reader.py``: one reading against its gold (top-1 / top-3 per header field, the
tax rows paired as a set, the lines), the calibration (ECE), and the agreement check (wrong values injected into
the gold, given to ``agree.compare`` as another reader's answer)."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import random
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from evidence_recall import mutate  # noqa: E402

from ocr_sidecar.eval import hungarian_max, score_document  # noqa: E402
from ocr_sidecar.locate import value_at  # noqa: E402
from ocr_sidecar.match import values_match  # noqa: E402
from ocr_sidecar.reader import HEADER_PATHS, Reading  # noqa: E402

TAX_FIELDS = ("rate", "base", "amount")
TAX_PATHS = tuple(f"taxes[].{name}" for name in TAX_FIELDS)
SCORED_PATHS = HEADER_PATHS + TAX_PATHS
LINE_FIELDS = ("description", "quantity", "unit_price", "amount")
BINS = 10
DOCUMENT_TYPES = ("invoice", "credit_note", "purchase_order", "sales_order", "receipt")
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "INR", "SEK", "PLN", "JPY")
OTHER_NAMES = ("Northwind Traders Ltd", "Fabrikam Industrie GmbH", "Tailspin Toys SARL", "Woodgrove Handel B.V.",
               "Litware Soluciones S.L.", "Proseware Forniture S.p.A.")


# --- the gold's values ----------------------------------------------------------------------------------------


def has_value(value: Any) -> bool:
    if value is None or value == "" or isinstance(value, bool):
        return False
    if isinstance(value, dict):
        return any(has_value(v) for v in value.values())
    if isinstance(value, list):
        return any(has_value(v) for v in value)
    return True


def gold_at(document: dict, path: str) -> Any:
    try:
        return value_at(document, path)
    except (KeyError, IndexError, TypeError):
        return None


# --- scoring one reading --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    path: str  # a HEADER_PATHS path, or taxes[].rate / .base / .amount
    top1: bool
    top3: bool
    printed: bool  # the page prints the gold value (always, but for the public set's XML gold)
    gold: Any = None
    proposed: list = field(default_factory=list)  # the first three candidates' values


def _right(path: str, gold: Any, value: Any) -> bool:
    return values_match(path.rsplit(".", 1)[-1], gold, value)


def _tax_rows(candidates: dict) -> dict[int, dict[str, list]]:
    rows: dict[int, dict[str, list]] = defaultdict(dict)
    for path, found in candidates.items():
        match = re.fullmatch(r"taxes\[(\d+)\]\.(rate|base|amount)", path)
        if match:
            rows[int(match.group(1))][match.group(2)] = list(found or [])
    return dict(sorted(rows.items()))


def score_reading(gold: dict, reading: Reading, printed: Optional[set[str]] = None
                  ) -> tuple[list[Outcome], list[tuple[float, bool, bool]]]:
    """The outcome of every scored field whose gold has a value, and (score, right, printed) of every candidate
    of those fields: the calibration's points."""
    outcomes: list[Outcome] = []
    points: list[tuple[float, bool, bool]] = []
    candidates = reading.candidates or {}
    for path in HEADER_PATHS:
        value = gold_at(gold, path)
        if not has_value(value):
            continue
        found = list(candidates.get(path) or [])
        right = [_right(path, value, c.value) for c in found]
        shown = printed is None or path in printed
        outcomes.append(Outcome(path, bool(right[:1] and right[0]), any(right[:3]), shown, value,
                                [c.value for c in found[:3]]))
        points.extend((float(c.score), r, shown) for c, r in zip(found, right))
    gold_rows = [row if isinstance(row, dict) else {} for row in (gold.get("taxes") or [])]
    if not any(has_value(row.get(name)) for row in gold_rows for name in TAX_FIELDS):
        return outcomes, points
    rows = _tax_rows(candidates)
    ours = list(rows.values())

    def rights(g: dict, r: dict, name: str) -> list[bool]:
        return [_right(name, g.get(name), c.value) for c in r.get(name, [])] if has_value(g.get(name)) else []

    weights = [[sum(bool(rights(g, r, n)[:1] and rights(g, r, n)[0]) + 0.01 * any(rights(g, r, n)[:3])
                    for n in TAX_FIELDS) for r in ours] for g in gold_rows]
    pairs = dict(hungarian_max(weights)) if ours else {}
    for i, g in enumerate(gold_rows):
        r = ours[pairs[i]] if i in pairs else {}
        for name in TAX_FIELDS:
            if not has_value(g.get(name)):
                continue
            right = rights(g, r, name)
            shown = printed is None or f"taxes[{i}].{name}" in printed
            outcomes.append(Outcome(f"taxes[].{name}", bool(right[:1] and right[0]), any(right[:3]), shown,
                                    g.get(name), [c.value for c in r.get(name, [])[:3]]))
            points.extend((float(c.score), ok, shown) for c, ok in zip(r.get(name, []), right))
    for j, r in enumerate(ours):  # rows the reader proposed beyond the gold's: every candidate wrong
        if j not in pairs.values():
            points.extend((float(c.score), False, True) for name in TAX_FIELDS for c in r.get(name, []))
    return outcomes, points


def false_fills(gold: dict, reading: Reading) -> tuple[list[str], int]:
    """The header fields the reader's document fills where the gold has no value (a value made up: a clerk would
    have to clear it), and how many header fields the gold leaves empty."""
    empty = [path for path in HEADER_PATHS if not has_value(gold_at(gold, path))]
    document = reading.document or {}
    return [path for path in empty if has_value(gold_at(document, path))], len(empty)


def score_lines(gold: dict, reading: Reading) -> tuple[int, int]:
    """(matched, scored) of the gold lines' description, quantity, unit price and amount, the reader's lines paired
    with them as the eval harness pairs them; (0, 0) where the gold has no lines."""
    lines = [{k: v for k, v in (line or {}).items() if k in LINE_FIELDS and has_value(v)}
             for line in (gold.get("lines") or [])]
    lines = [line for line in lines if line]
    if not lines:
        return 0, 0
    result = score_document({"lines": lines}, {"lines": (reading.document or {}).get("lines") or []})
    return result.matched, result.scored


def ece(points: Iterable[tuple[float, bool]], bins: int = BINS) -> Optional[float]:
    """Expected calibration error: over equal-width bins of the score, the share of candidates in the bin times
    |share right − mean score|."""
    total = [0] * bins
    score_sum = [0.0] * bins
    right_sum = [0] * bins
    for score, right in points:
        score = min(max(score, 0.0), 1.0)
        b = min(int(score * bins), bins - 1)
        total[b] += 1
        score_sum[b] += score
        right_sum[b] += bool(right)
    n = sum(total)
    return sum(abs(right_sum[b] - score_sum[b]) for b in range(bins)) / n if n else None


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


# --- agreement: another reader's answer, right and with wrong values injected ----------------------------------


def _set_at(document: dict, path: str, value: Any) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = document
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node.setdefault(part, {})
    last = parts[-1]
    node[int(last[1:-1]) if last.startswith("[") else last] = value


def gold_paths(gold: dict, taxes: bool = True, only: Optional[set] = None) -> list[str]:
    """The scored paths with a gold value, tax rows by their index (``taxes``); with ``only``, those among it."""
    paths = [p for p in HEADER_PATHS if has_value(gold_at(gold, p))]
    for i, row in enumerate(gold.get("taxes") or [] if taxes else []):
        paths.extend(f"taxes[{i}].{n}" for n in TAX_FIELDS if isinstance(row, dict) and has_value(row.get(n)))
    return paths if only is None else [p for p in paths if p in only]


def wrong_value(gold: dict, path: str, changed: dict, rng: random.Random) -> Any:
    """A wrong value for ``path``: ``changed`` (``mutate``'s document) where it changed the value, else one a
    reader gets wrong (a date moved or day and month swapped, the other party's name, another currency or type)."""
    value = gold_at(gold, path)
    name = path.rsplit(".", 1)[-1]
    new = gold_at(changed, path)
    if new is not None and new != value:
        return new
    if name in ("issue_date", "due_date"):
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
        if day.day <= 12 and day.day != day.month and rng.random() < 0.5:
            return day.replace(month=day.day, day=day.month).isoformat()
        return (day + dt.timedelta(days=rng.choice([-1, 1]) * rng.randint(1, 60))).isoformat()
    if name == "currency":
        return rng.choice([c for c in CURRENCIES if c != str(value).upper()])
    if name == "document_type":
        return rng.choice([t for t in DOCUMENT_TYPES if t != value])
    if name == "name":
        other = gold_at(gold, ("buyer" if path.startswith("seller") else "seller") + ".name")
        if has_value(other) and not values_match("name", value, other):
            return other
        return rng.choice(OTHER_NAMES)
    return None


def inject(gold: dict, share: float, rng: random.Random, taxes: bool = True, only: Optional[set] = None
           ) -> tuple[dict, list[str]]:
    """The gold with wrong values in ``share`` of its scored fields (one at least; tax rows with ``taxes``; with
    ``only``, of those among it), and their paths."""
    paths = gold_paths(gold, taxes, only)
    if not paths:
        return copy.deepcopy(gold), []
    changed, _ = mutate(gold)
    chosen = rng.sample(paths, max(1, round(share * len(paths))))
    document = copy.deepcopy(gold)
    injected = []
    for path in chosen:
        new = wrong_value(gold, path, changed, rng)
        if new is None or values_match(path.rsplit(".", 1)[-1], gold_at(gold, path), new):
            continue
        _set_at(document, path, new)
        injected.append(path)
    return document, injected


def flagged_paths(result: Any) -> set[str]:
    """The paths ``compare`` says disagree: its result's ``disagreements`` (or the result itself, a list), each a
    path or an object or dict naming one."""
    out = set()
    for item in getattr(result, "disagreements", result) or ():
        if isinstance(item, str):
            out.add(item)
        elif isinstance(item, dict):
            out.add(str(item.get("path") or item.get("field")))
        else:
            out.add(str(getattr(item, "path", None) or getattr(item, "field", None)))
    return out


def agreement(gold: dict, reading: Reading, share: float, rng: random.Random, taxes: bool = False,
              only: Optional[set] = None) -> tuple[int, int, int, int]:
    """(injected, injected flagged, right, right flagged) over the gold's header fields (and tax rows with
    ``taxes``; with ``only``, those among it: the values the page prints), the gold given as is and with wrong
    values."""
    compare = importlib.import_module("ocr_sidecar.reader.agree").compare
    paths = gold_paths(gold, taxes, only)
    clean = flagged_paths(compare(copy.deepcopy(gold), reading))
    right, right_flagged = len(paths), sum(p in clean for p in paths)
    document, injected = inject(gold, share, rng, taxes, only)
    flagged = flagged_paths(compare(document, reading))
    kept = [p for p in paths if p not in injected]
    return (len(injected), sum(p in flagged for p in injected), right + len(kept),
            right_flagged + sum(p in flagged for p in kept))
