"""Scoring one document: every gold leaf compared with its prediction; lines and taxes paired first (the
assignment that matches most fields), so their order carries no meaning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ..match import DEFAULT_FUZZY_THRESHOLD, _leaf_name, values_exact, values_match

LIST_FIELDS = ("lines", "taxes")


@dataclass
class FieldResult:
    path: str  # JSON path in the gold document, e.g. "lines[2].amount"
    field: str  # the path with list positions removed, e.g. "lines[].amount"
    gold: Any
    predicted: Any
    exact: bool
    match: bool


@dataclass
class ListResult:
    gold: int
    predicted: int
    paired: int
    extra: int  # predicted items with no gold partner
    missing: int  # gold items with no predicted partner


class Shares:
    """``accuracy`` and ``exact_accuracy`` of whatever counts ``scored``, ``matched`` and ``exact`` fields;
    ``NOTHING_SCORED``: the share when no field was scored."""

    NOTHING_SCORED = 0.0
    scored: int
    matched: int
    exact: int

    @property
    def accuracy(self) -> float:
        return self.matched / self.scored if self.scored else self.NOTHING_SCORED

    @property
    def exact_accuracy(self) -> float:
        return self.exact / self.scored if self.scored else self.NOTHING_SCORED


@dataclass
class DocumentScore(Shares):
    NOTHING_SCORED = 1.0  # a gold file that lists nothing: nothing was missed
    fields: list[FieldResult]
    lists: dict[str, ListResult]

    @property
    def scored(self) -> int:
        return len(self.fields)

    @property
    def matched(self) -> int:
        return sum(f.match for f in self.fields)

    @property
    def exact(self) -> int:
        return sum(f.exact for f in self.fields)

    def mismatches(self) -> list[FieldResult]:
        return [f for f in self.fields if not f.match]


def _leaves(gold: Any, predicted: Any, path: str, generic: str) -> Iterable[tuple[str, str, Any, Any]]:
    """(path, generic path, gold value, predicted value) for every scored leaf below ``path``."""
    if isinstance(gold, dict):
        pred = predicted if isinstance(predicted, dict) else {}
        for key, sub in gold.items():
            yield from _leaves(sub, pred.get(key), f"{path}.{key}" if path else key,
                               f"{generic}.{key}" if generic else key)
    else:
        yield path, generic, gold, predicted


def _score_pair(gold: Any, predicted: Any, path: str, generic: str, threshold: float) -> list[FieldResult]:
    out = []
    for p, g_path, g, v in _leaves(gold, predicted, path, generic):
        name = _leaf_name(g_path)
        out.append(FieldResult(p, g_path, g, v, values_exact(g, v), values_match(name, g, v, threshold)))
    return out


def hungarian_max(weights: list[list[float]]) -> list[tuple[int, int]]:
    """Pairs (row, column) maximising the summed weights, one column per row at most.

    The Kuhn–Munkres algorithm with potentials, O(n²·m); rows and columns are padded to a square
    so either side may be longer. Small and exact, because the lists scored here are short
    (the schema caps lines at 60) and a greedy pairing can lose points a better pairing keeps.
    """
    rows = len(weights)
    cols = len(weights[0]) if rows else 0
    if rows == 0 or cols == 0:
        return []
    n = max(rows, cols)
    top = max(max(r) for r in weights)
    # Minimise cost = top - weight on a square matrix; padding cells cost as much as a zero weight.
    cost = [[(top - weights[i][j]) if i < rows and j < cols else top for j in range(n)] for i in range(n)]
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (n + 1)
    match_col = [0] * (n + 1)  # match_col[j] = row (1-based) assigned to column j
    way = [0] * (n + 1)
    for i in range(1, n + 1):
        match_col[0] = i
        j0 = 0
        minv = [inf] * (n + 1)
        used = [False] * (n + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match_col[j0], inf, 0
            for j in range(1, n + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(n + 1):
                if used[j]:
                    u[match_col[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if match_col[j0] == 0:
                break
        while True:
            j1 = way[j0]
            match_col[j0] = match_col[j1]
            j0 = j1
            if j0 == 0:
                break
    return sorted((match_col[j] - 1, j - 1) for j in range(1, n + 1)
                  if match_col[j] and match_col[j] - 1 < rows and j - 1 < cols)


def _score_list(name: str, gold: list, predicted: Any, threshold: float) -> tuple[list[FieldResult], ListResult]:
    preds = [p for p in predicted if isinstance(p, dict)] if isinstance(predicted, list) else []
    generic = f"{name}[]"
    pairs: dict[int, int] = {}
    if gold and preds:
        weights = [[float(sum(f.match for f in _score_pair(g, p, "", "", threshold))) for p in preds] for g in gold]
        pairs = dict(hungarian_max(weights))
    results: list[FieldResult] = []
    for i, g in enumerate(gold):
        partner = preds[pairs[i]] if i in pairs else None
        results.extend(_score_pair(g, partner, f"{name}[{i}]", generic, threshold))
    summary = ListResult(gold=len(gold), predicted=len(preds), paired=len(pairs),
                         extra=len(preds) - len(pairs), missing=len(gold) - len(pairs))
    return results, summary


def score_document(gold: dict, predicted: Optional[dict],
                   fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD) -> DocumentScore:
    """Score one prediction against its gold document; only keys present in gold are scored."""
    predicted = predicted if isinstance(predicted, dict) else {}
    fields: list[FieldResult] = []
    lists: dict[str, ListResult] = {}
    for key, value in gold.items():
        if key in LIST_FIELDS and isinstance(value, list):
            results, summary = _score_list(key, value, predicted.get(key), fuzzy_threshold)
            fields.extend(results)
            lists[key] = summary
        else:
            fields.extend(_score_pair(value, predicted.get(key), key, key, fuzzy_threshold))
    return DocumentScore(fields=fields, lists=lists)

