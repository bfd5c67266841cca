"""The report of an evaluation: per document, per field, overall; as JSON, CSV, Markdown and a terminal table."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from .score import DocumentScore, Shares


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



@dataclass
class FieldStats(Shares):
    scored: int = 0
    matched: int = 0
    exact: int = 0


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

