"""Running an extractor over a folder of documents with gold JSON: one ``DocumentResult`` per document, an
``EvalReport`` for them all."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional, Union

from ..match import DEFAULT_FUZZY_THRESHOLD
from .report import DocumentResult, EvalReport
from .score import score_document

DOCUMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".xml")


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


def word_layer_recall(gold: dict, layers: Optional[list]) -> Optional[tuple[int, int]]:
    """(gold values found in the word layer, gold values a page can print), numbers and dates normalised."""
    if not layers or not any(layer is not None and layer.words for layer in layers):
        return None
    from ..locate import locate, printed_paths

    paths = printed_paths(gold)
    found = locate(gold, layers)
    return sum(path in found for path in paths), len(paths)


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

