"""Evaluation harness: run an extractor over a folder of documents with gold JSON, score field by field.

A folder holds documents ``X.pdf`` / ``X.png`` / … each with ``X.gold.json`` (canonical schema) next
to it. Only keys present in a gold file are scored: a gold file lists what is visibly on the page.

Scoring, per scored leaf field:

- *exact*: the predicted value equals the gold value as is;
- *match* (normalised): numbers equal to the cent; dates equal once read as ISO dates; VAT ids and
  IBANs equal once compacted; names, descriptions, streets and cities similar by at least
  ``fuzzy_threshold`` (rapidfuzz ratio, 0..100, after case/punctuation folding); phone numbers equal
  digit for digit (a national form matches its international form); units equal as units (UN/ECE
  code ``KGM`` = printed ``kg``); a zero discount equals no discount; other codes and references
  equal ignoring case and spaces.

Lines and taxes are lists whose order carries no meaning: each gold item is paired with at most one
predicted item by an optimal assignment (Hungarian algorithm, maximising matched fields), so a
document read in a different line order loses nothing. Gold items left without a partner count
every field as missed; predicted items left over are reported as extra (they cannot lower the
accuracy, which is measured over gold fields, so they are shown next to it).

Python API: ``evaluate(documents_dir, extract_fn)`` with ``extract_fn(path) -> dict`` (the canonical
document) or ``-> Extraction`` (document plus engine/model/warnings). CLI: ``eval_command``, registered
by ``ocr_sidecar.cli`` as ``ocr-sidecar eval``.
"""

from __future__ import annotations

import csv
import importlib
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Optional, Union

import typer
from rapidfuzz import fuzz, utils

DOCUMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".xml")
DEFAULT_FUZZY_THRESHOLD = 90.0
LIST_FIELDS = ("lines", "taxes")

NUMBER_FIELDS = frozenset({"quantity", "unit_price", "discount_percent", "tax_rate", "amount", "rate", "base",
                           "subtotal", "total_tax", "total", "amount_due"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})
COMPACT_FIELDS = frozenset({"vat", "iban"})
FUZZY_FIELDS = frozenset({"name", "description", "street", "city"})
PHONE_FIELDS = frozenset({"phone"})
UNIT_FIELDS = frozenset({"unit"})
# Fields where "not stated" and zero mean the same thing on a document ("Disc. 0.00 %" vs no discount).
ZERO_IS_EMPTY_FIELDS = frozenset({"discount_percent"})

# One unit, many notations: UN/ECE Rec. 20 codes (what e-invoices carry) and the symbols and words
# printed on documents. A normalised match compares the unit, not its spelling.
_UNIT_SYNONYMS = {
    "piece": "c62 h87 ea nar pce pcs pc piece pieces unit units u each stk stück stueck st unité unités",
    "kg": "kgm kg kilogram kilograms kilo", "g": "grm g gr gram grams", "t": "tne t ton tons tonne tonnes",
    "l": "ltr l lt litre liter litres liters", "ml": "mlt ml", "m": "mtr m meter metre meters metres",
    "cm": "cmt cm", "mm": "mmt mm", "km": "ktm km", "m2": "mtk m2 m² sqm", "m3": "mtq m3 m³",
    "h": "hur h hr hrs hour hours std stunde stunden heure heures", "min": "min minute minutes",
    "day": "day d days tag tage jour jours", "week": "wee week weeks woche wochen semaine semaines",
    "month": "mon month months monat monate mois", "year": "ann year years jahr jahre an ans",
    "dozen": "dzn dozen dz", "pair": "pr pair pairs paar", "set": "set sets", "kwh": "kwh",
    "lump sum": "ls lumpsum pauschal psch pauschale forfait",
}
UNIT_ALIASES = {alias: unit for unit, aliases in _UNIT_SYNONYMS.items() for alias in aliases.split()}
CENT = 0.005 + 1e-9  # half a cent, and float noise


@dataclass
class Extraction:
    """What an extractor returns when it knows more than the document."""

    document: dict
    engine: str = ""
    model: str = ""
    warnings: list[str] = field(default_factory=list)
    server_ms: Optional[int] = None  # the service's own total_ms, when it reports one
    words: Optional[list] = None  # the pages' word layers (ocr_sidecar.words.WordLayer), when known


ExtractFn = Callable[[Path], Union[dict, Extraction]]


# --- field comparison ---------------------------------------------------------------------------


def _leaf_name(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _empty(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_empty(v) for v in value)
    return False


def _as_float(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(" ", ""))
        except ValueError:
            return None
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_date(value: Any) -> Optional[date]:
    text = _as_text(value).strip()
    for parse in (lambda s: date.fromisoformat(s[:10]), lambda s: datetime.strptime(s, "%Y%m%d").date(),
                  lambda s: datetime.strptime(s, "%d.%m.%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _phone_digits(value: Any) -> str:
    return re.sub(r"\D", "", _as_text(value)).lstrip("0")


def values_match(field_name: str, gold: Any, predicted: Any, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD) -> bool:
    """Normalised comparison of one leaf value (see the module docstring for the rules)."""
    if field_name in ZERO_IS_EMPTY_FIELDS:
        gold = None if _as_float(gold) == 0 else gold
        predicted = None if _as_float(predicted) == 0 else predicted
    if _empty(gold):
        return _empty(predicted)
    if _empty(predicted):
        return False
    if field_name in NUMBER_FIELDS:
        g, p = _as_float(gold), _as_float(predicted)
        return g is not None and p is not None and abs(g - p) <= CENT
    if field_name in DATE_FIELDS:
        g, p = _as_date(gold), _as_date(predicted)
        return g is not None and g == p
    if field_name in COMPACT_FIELDS:
        return re.sub(r"[^0-9A-Za-z]", "", _as_text(gold)).upper() == re.sub(r"[^0-9A-Za-z]", "", _as_text(predicted)).upper()
    if field_name in FUZZY_FIELDS:
        g, p = utils.default_process(_as_text(gold)), utils.default_process(_as_text(predicted))
        return g == p or fuzz.ratio(g, p) >= fuzzy_threshold
    if field_name in UNIT_FIELDS:
        g, p = (re.sub(r"[\s.]+", "", _as_text(v)).casefold() for v in (gold, predicted))
        return UNIT_ALIASES.get(g, g) == UNIT_ALIASES.get(p, p)
    if field_name in PHONE_FIELDS:
        g, p = _phone_digits(gold), _phone_digits(predicted)
        if g == p:
            return bool(g)
        short, long_ = sorted((g, p), key=len)
        # "+49 89 1234567" and "089 1234567" are one number: the national form ends the international one.
        return len(short) >= 7 and long_.endswith(short) and len(long_) - len(short) <= 3
    return re.sub(r"\s+", "", _as_text(gold)).casefold() == re.sub(r"\s+", "", _as_text(predicted)).casefold()


def values_exact(gold: Any, predicted: Any) -> bool:
    if isinstance(gold, (int, float)) and isinstance(predicted, (int, float)) and not isinstance(predicted, bool):
        return float(gold) == float(predicted)
    return gold == predicted


# --- document scoring ---------------------------------------------------------------------------


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


@dataclass
class DocumentScore:
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

    @property
    def accuracy(self) -> float:
        return self.matched / self.scored if self.scored else 1.0

    @property
    def exact_accuracy(self) -> float:
        return self.exact / self.scored if self.scored else 1.0

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


# --- running over a folder ----------------------------------------------------------------------


@dataclass
class DocumentResult:
    name: str
    latency_ms: float
    score: DocumentScore
    error: str = ""
    engine: str = ""
    model: str = ""
    warnings: list[str] = field(default_factory=list)
    server_ms: Optional[int] = None
    # gold values the page prints and the word layer holds (located, printable): the ceiling of what the
    # prompt's text and evidence can use; None when the extractor gives no word layer (gRPC, e-invoice)
    in_words: Optional[tuple[int, int]] = None


def word_layer_recall(gold: dict, layers: Optional[list]) -> Optional[tuple[int, int]]:
    """(gold values found in the word layer, gold values a page can print), numbers and dates normalised."""
    if not layers or not any(layer is not None and layer.words for layer in layers):
        return None
    from .locate import locate, printed_paths

    paths = printed_paths(gold)
    found = locate(gold, layers)
    return sum(path in found for path in paths), len(paths)


@dataclass
class FieldStats:
    scored: int = 0
    matched: int = 0
    exact: int = 0

    @property
    def accuracy(self) -> float:
        return self.matched / self.scored if self.scored else 0.0

    @property
    def exact_accuracy(self) -> float:
        return self.exact / self.scored if self.scored else 0.0


@dataclass
class EvalReport:
    documents_dir: str
    source: str  # what was evaluated: "in-process einvoice", "grpc localhost:50051", …
    fuzzy_threshold: float
    documents: list[DocumentResult]
    started_at: str = ""

    def per_field(self) -> dict[str, FieldStats]:
        stats: dict[str, FieldStats] = defaultdict(FieldStats)
        for doc in self.documents:
            for f in doc.score.fields:
                s = stats[f.field]
                s.scored += 1
                s.matched += f.match
                s.exact += f.exact
        return dict(sorted(stats.items()))

    def overall(self) -> FieldStats:
        total = FieldStats()
        for doc in self.documents:
            total.scored += doc.score.scored
            total.matched += doc.score.matched
            total.exact += doc.score.exact
        return total

    def to_dict(self) -> dict:
        overall = self.overall()
        latencies = sorted(d.latency_ms for d in self.documents if not d.error)
        return {
            "documents_dir": self.documents_dir,
            "source": self.source,
            "started_at": self.started_at,
            "fuzzy_threshold": self.fuzzy_threshold,
            "overall": {"scored": overall.scored, "matched": overall.matched, "exact": overall.exact,
                        "accuracy": overall.accuracy, "exact_accuracy": overall.exact_accuracy,
                        "documents": len(self.documents), "errors": sum(bool(d.error) for d in self.documents),
                        "latency_ms_median": _median(latencies), "latency_ms_max": max(latencies, default=None)},
            "fields": {name: {"scored": s.scored, "matched": s.matched, "exact": s.exact,
                              "accuracy": s.accuracy, "exact_accuracy": s.exact_accuracy}
                       for name, s in self.per_field().items()},
            "documents": [{
                "name": d.name, "latency_ms": round(d.latency_ms, 1), "server_ms": d.server_ms,
                "engine": d.engine, "model": d.model, "error": d.error, "warnings": d.warnings,
                "scored": d.score.scored, "matched": d.score.matched, "exact": d.score.exact,
                "accuracy": d.score.accuracy,
                "in_word_layer": None if d.in_words is None else {"found": d.in_words[0], "printable": d.in_words[1]},
                "lists": {k: asdict(v) for k, v in d.score.lists.items()},
                "fields": [asdict(f) for f in d.score.fields],
            } for d in self.documents],
        }

    def to_markdown(self) -> str:
        """Per-document and overall tables in Markdown, for a README or a pull request."""
        out = [f"Source: {self.source}; {len(self.documents)} documents from `{self.documents_dir}`; "
               f"fuzzy threshold {self.fuzzy_threshold:g}.", "",
               "| document | engine / model | fields | match | exact | lines gold/pred/extra | in word layer | latency ms "
               "| note |",
               "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for d in self.documents:
            lines = d.score.lists.get("lines")
            note = d.error or ", ".join(d.warnings)
            out.append(f"| {d.name} | {d.model or d.engine or '—'} | {d.score.scored} | {d.score.accuracy:.1%} | "
                       f"{d.score.exact_accuracy:.1%} | "
                       f"{'' if lines is None else f'{lines.gold}/{lines.predicted}/{lines.extra}'} | "
                       f"{_share(d.in_words)} | {d.latency_ms:.0f} | {note.replace('|', '/')} |")
        o = self.overall()
        latencies = sorted(d.latency_ms for d in self.documents if not d.error)
        out += ["", f"Overall: {o.matched}/{o.scored} gold fields match ({o.accuracy:.1%}), exact {o.exact_accuracy:.1%}; "
                    f"latency median {_median(latencies) or 0:.0f} ms, max {max(latencies, default=0):.0f} ms."]
        counted = [d.in_words for d in self.documents if d.in_words]
        if counted:
            found, printable = sum(c[0] for c in counted), sum(c[1] for c in counted)
            out.append(f"In the word layer: {found}/{printable} printable gold values ({found / max(printable, 1):.1%}) "
                       f"over {len(counted)} documents with one.")
        return "\n".join(out) + "\n"

    def write(self, out_dir: Path) -> list[Path]:
        """report.json (everything), documents.csv, fields.csv, details.csv (one row per scored field), report.md."""
        out_dir.mkdir(parents=True, exist_ok=True)
        data = self.to_dict()
        written = [out_dir / "report.json", out_dir / "documents.csv", out_dir / "fields.csv", out_dir / "details.csv",
                   out_dir / "report.md"]
        written[0].write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written[4].write_text(self.to_markdown(), encoding="utf-8")
        with written[1].open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["document", "engine", "model", "latency_ms", "server_ms", "scored", "matched", "exact",
                        "accuracy", "gold_lines", "predicted_lines", "extra_lines", "missing_lines", "error"])
            for d in self.documents:
                lines = d.score.lists.get("lines")
                w.writerow([d.name, d.engine, d.model, f"{d.latency_ms:.1f}", d.server_ms if d.server_ms is not None else "",
                            d.score.scored, d.score.matched, d.score.exact, f"{d.score.accuracy:.4f}",
                            *(("", "", "", "") if lines is None else (lines.gold, lines.predicted, lines.extra, lines.missing)),
                            d.error])
        with written[2].open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["field", "scored", "matched", "exact", "accuracy", "exact_accuracy"])
            for name, s in self.per_field().items():
                w.writerow([name, s.scored, s.matched, s.exact, f"{s.accuracy:.4f}", f"{s.exact_accuracy:.4f}"])
            o = self.overall()
            w.writerow(["(overall)", o.scored, o.matched, o.exact, f"{o.accuracy:.4f}", f"{o.exact_accuracy:.4f}"])
        with written[3].open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["document", "path", "field", "gold", "predicted", "match", "exact"])
            for d in self.documents:
                for f in d.score.fields:
                    w.writerow([d.name, f.path, f.field, _cell(f.gold), _cell(f.predicted), int(f.match), int(f.exact)])
        return written


def _share(counts: Optional[tuple[int, int]]) -> str:
    return "—" if not counts else f"{counts[0]}/{counts[1]} ({counts[0] / max(counts[1], 1):.0%})"


def _cell(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _median(values: list[float]) -> Optional[float]:
    if not values:
        return None
    mid = len(values) // 2
    return round(values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2, 1)


def find_documents(documents_dir: Path, glob: Optional[str] = None) -> list[Path]:
    """Documents in the folder that have a gold file, sorted by name."""
    paths = documents_dir.glob(glob) if glob else documents_dir.iterdir()
    return sorted(p for p in paths if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
                  and p.with_name(p.stem + ".gold.json").is_file())


def evaluate(documents_dir: Union[str, Path], extract_fn: ExtractFn, *, limit: Optional[int] = None,
             glob: Optional[str] = None, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD, source: str = "",
             on_result: Optional[Callable[[DocumentResult], None]] = None) -> EvalReport:
    """Run ``extract_fn`` on every document with a gold file and score it.

    An exception from ``extract_fn`` is recorded on that document (all its gold fields missed) and
    the run goes on: one unreadable file must not hide the rest of the report.
    """
    documents_dir = Path(documents_dir)
    docs = find_documents(documents_dir, glob)
    if limit is not None:
        docs = docs[:limit]
    report = EvalReport(documents_dir=str(documents_dir), source=source, fuzzy_threshold=fuzzy_threshold,
                        documents=[], started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    for path in docs:
        gold = json.loads(path.with_name(path.stem + ".gold.json").read_text(encoding="utf-8"))
        started = time.perf_counter()
        error, extraction = "", None
        try:
            out = extract_fn(path)
            extraction = out if isinstance(out, Extraction) else Extraction(document=out)
        except Exception as exc:  # noqa: BLE001 - recorded per document, see docstring
            error = f"{type(exc).__name__}: {exc}"
        latency_ms = (time.perf_counter() - started) * 1000
        predicted = extraction.document if extraction else None
        result = DocumentResult(
            name=path.name, latency_ms=latency_ms, score=score_document(gold, predicted, fuzzy_threshold),
            error=error, engine=extraction.engine if extraction else "", model=extraction.model if extraction else "",
            warnings=list(extraction.warnings) if extraction else [],
            server_ms=extraction.server_ms if extraction else None,
            in_words=word_layer_recall(gold, extraction.words) if extraction else None)
        report.documents.append(result)
        if on_result:
            on_result(result)
    return report


# --- extractors ---------------------------------------------------------------------------------


class EvalSetupError(Exception):
    """The evaluation cannot start (nothing to reach, nothing to import); the message says what to do."""


def einvoice_extractor() -> ExtractFn:
    """The e-invoice fast path alone: documents without an e-invoice score as empty predictions."""
    from . import einvoice

    def extract(path: Path) -> Extraction:
        result = einvoice.try_extract(path.read_bytes(), "")
        if result is None:
            return Extraction(document={}, engine="einvoice", model="", warnings=["no_einvoice"])
        return Extraction(document=result.document, engine=result.engine, model=result.model,
                          warnings=[w.code for w in result.warnings])

    return extract


def pipeline_extractor(engine: str) -> ExtractFn:
    """The sidecar's own pipeline in this process (the same path a server request takes).

    Expects ``ocr_sidecar.pipeline`` to provide ``build_extractor(engine: str | None)``, returning a
    callable ``(content: bytes, filename: str) -> result`` whose result has ``document_json`` (or
    ``document``), ``engine``, ``model`` and ``warnings``, the way the server builds its responses.
    """
    try:
        pipeline = importlib.import_module("ocr_sidecar.pipeline")
    except ImportError as exc:
        raise EvalSetupError(
            f"In-process evaluation needs ocr_sidecar.pipeline, which cannot be imported here ({exc}). "
            "Evaluate a running server with --target host:port, or the e-invoice path with --engine einvoice.") from None
    build = getattr(pipeline, "build_extractor", None)
    if build is None:
        raise EvalSetupError(
            "ocr_sidecar.pipeline has no build_extractor(engine) in this version. Evaluate a running server "
            "with --target host:port, or the e-invoice path with --engine einvoice.")
    run = build(None if engine == "auto" else engine)

    def extract(path: Path) -> Extraction:
        result = run(path.read_bytes(), path.name)
        doc = getattr(result, "document", None)
        if doc is None:
            doc = json.loads(result.document_json)
        return Extraction(document=doc, engine=getattr(result, "engine", ""), model=getattr(result, "model", ""),
                          warnings=[getattr(w, "code", str(w)) for w in getattr(result, "warnings", [])],
                          words=getattr(result, "words", None))

    return extract


def grpc_extractor(target: str, timeout_s: float, token: Optional[str] = None,
                   tls_ca: Optional[Path] = None, connect_timeout_s: float = 15.0) -> tuple[ExtractFn, Callable[[], None]]:
    """Call a running sidecar's ``ocr.v1.DocumentService/Extract``; returns (extract, close)."""
    import grpc

    from .proto import document_service_pb2 as pb
    from .proto import document_service_pb2_grpc as pb_grpc

    if tls_ca is not None:
        channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=tls_ca.read_bytes()))
    else:
        channel = grpc.insecure_channel(target)
    try:
        grpc.channel_ready_future(channel).result(timeout=connect_timeout_s)
    except grpc.FutureTimeoutError:
        channel.close()
        raise EvalSetupError(
            f"No sidecar answers at {target} within {connect_timeout_s:.0f} s. Start one with "
            "`ocr-sidecar serve` (or check host, port and TLS settings).") from None
    stub = pb_grpc.DocumentServiceStub(channel)
    metadata = [("authorization", f"Bearer {token}")] if token else None

    def extract(path: Path) -> Extraction:
        request = pb.ExtractRequest(content=path.read_bytes(), filename=path.name)
        try:
            response = stub.Extract(request, timeout=timeout_s, metadata=metadata)
        except grpc.RpcError as exc:
            raise RuntimeError(f"{exc.code().name}: {exc.details()}") from None
        return Extraction(document=json.loads(response.document_json), engine=response.engine, model=response.model,
                          warnings=[w.code for w in response.warnings],
                          server_ms=int(response.timings.total_ms) if response.HasField("timings") else None)

    return extract, channel.close


def import_extractor(spec: str) -> ExtractFn:
    """``package.module:function`` — any callable ``(path) -> dict | Extraction`` (a baseline, a stub)."""
    module_name, _, attr = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise EvalSetupError(f"Cannot import extractor {spec!r}: {exc}") from None
    if not callable(fn):
        raise EvalSetupError(f"{spec!r} is not callable")
    return fn


# --- output -------------------------------------------------------------------------------------


def print_report(report: EvalReport, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    docs = Table(title=f"Documents — {report.source}", title_justify="left")
    for col, justify in (("document", "left"), ("engine / model", "left"), ("latency ms", "right"),
                         ("fields", "right"), ("match", "right"), ("exact", "right"), ("lines g/p/extra", "right"),
                         ("error", "left")):
        docs.add_column(col, justify=justify, overflow="fold")
    for d in report.documents:
        lines = d.score.lists.get("lines")
        docs.add_row(d.name, d.model or d.engine, f"{d.latency_ms:.0f}", str(d.score.scored),
                     f"{d.score.accuracy:.1%}", f"{d.score.exact_accuracy:.1%}",
                     "" if lines is None else f"{lines.gold}/{lines.predicted}/{lines.extra}", d.error)
    console.print(docs)
    fields = Table(title="Fields", title_justify="left")
    for col, justify in (("field", "left"), ("scored", "right"), ("match", "right"), ("exact", "right")):
        fields.add_column(col, justify=justify)
    for name, s in report.per_field().items():
        fields.add_row(name, str(s.scored), f"{s.accuracy:.1%}", f"{s.exact_accuracy:.1%}")
    o = report.overall()
    fields.add_row("(overall)", str(o.scored), f"{o.accuracy:.1%}", f"{o.exact_accuracy:.1%}", style="bold")
    console.print(fields)
    latencies = sorted(d.latency_ms for d in report.documents if not d.error)
    errors = sum(bool(d.error) for d in report.documents)
    console.print(f"{len(report.documents)} documents, {errors} errors; overall match {o.accuracy:.1%} "
                  f"({o.matched}/{o.scored} fields), exact {o.exact_accuracy:.1%}; latency median "
                  f"{_median(latencies) or 0:.0f} ms, max {max(latencies, default=0):.0f} ms")


def eval_command(
    documents_dir: Annotated[Path, typer.Argument(
        help="Folder of documents, each X.pdf/X.png/… with its X.gold.json", exists=True, file_okay=False,
        dir_okay=True, readable=True, show_default=False, metavar="DIR")],
    target: Annotated[Optional[str], typer.Option(
        "--target", help="host:port of a running sidecar (ocr.v1 Extract); default: run in this process")] = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="In-process engine: auto (the pipeline: e-invoice fast path, then the configured "
                         "model), einvoice (XML only), internvl, replay, or module:function for any "
                         "callable (path) -> document dict")] = "auto",
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Write report.json, report.md, documents.csv, fields.csv and details.csv into this folder",
        file_okay=False, dir_okay=True)] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Evaluate the first N documents only")] = None,
    glob: Annotated[Optional[str], typer.Option("--glob", help="Only documents matching this pattern, e.g. 'fx_*'")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1.0, help="Deadline per document with --target, seconds (CPU inference takes minutes)")] = 900.0,
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="OCR_AUTH_TOKEN", help="Bearer token for --target", show_default=False)] = None,
    tls_ca: Annotated[Optional[Path], typer.Option(
        "--tls-ca", exists=True, dir_okay=False, help="CA/server certificate (PEM) to reach --target over TLS")] = None,
    fuzzy_threshold: Annotated[float, typer.Option(
        "--fuzzy-threshold", min=0.0, max=100.0, help="Similarity (0-100) at which names/descriptions/streets match")]
        = DEFAULT_FUZZY_THRESHOLD,
    min_accuracy: Annotated[Optional[float], typer.Option(
        "--min-accuracy", min=0.0, max=1.0, help="Exit with status 1 when overall match accuracy is below this (0-1)")]
        = None,
) -> None:
    """Score extraction against gold JSON: per document, per field, overall, with latencies."""
    close: Callable[[], None] = lambda: None  # noqa: E731
    try:
        if target:
            if engine != "auto":
                raise EvalSetupError("--engine selects an in-process engine; a server (--target) uses its own. "
                                     "Drop one of the two options.")
            extract, close = grpc_extractor(target, timeout, token, tls_ca)
            source = f"grpc {target}"
        elif engine == "einvoice":
            extract, source = einvoice_extractor(), "in-process einvoice"
        elif ":" in engine:
            extract, source = import_extractor(engine), f"in-process {engine}"
        else:
            extract, source = pipeline_extractor(engine), f"in-process pipeline ({engine})"
    except EvalSetupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    total = len(find_documents(documents_dir, glob))
    total = min(total, limit) if limit else total
    if total == 0:
        close()
        typer.echo(f"error: no documents with a .gold.json next to them in {documents_dir}"
                   + (f" matching {glob!r}" if glob else ""), err=True)
        raise typer.Exit(2)
    done = [0]

    def progress(result: DocumentResult) -> None:
        done[0] += 1
        status = f"error: {result.error}" if result.error else f"{result.score.accuracy:.1%}"
        print(f"[{done[0]}/{total}] {result.name}: {status} ({result.latency_ms:.0f} ms)", file=sys.stderr, flush=True)

    try:
        report = evaluate(documents_dir, extract, limit=limit, glob=glob, fuzzy_threshold=fuzzy_threshold,
                          source=source, on_result=progress)
    finally:
        close()
    print_report(report)
    if out is not None:
        for path in report.write(out):
            typer.echo(f"wrote {path}")
    overall = report.overall()
    if all(d.error for d in report.documents):
        typer.echo("error: every document failed; see the error column", err=True)
        raise typer.Exit(1)
    if min_accuracy is not None and overall.accuracy < min_accuracy:
        typer.echo(f"overall accuracy {overall.accuracy:.1%} is below --min-accuracy {min_accuracy:.1%}", err=True)
        raise typer.Exit(1)
