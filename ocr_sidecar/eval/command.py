"""``ocr-sidecar eval``: the command line of the harness (``ocr_sidecar.cli`` registers it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from ..match import DEFAULT_FUZZY_THRESHOLD
from .extractors import EvalSetupError, einvoice_extractor, grpc_extractor, import_extractor, pipeline_extractor
from .report import DocumentResult, print_report
from .run import evaluate, find_documents


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
