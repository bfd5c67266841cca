"""`ocr-sidecar` command line: serve, extract, eval, random-model, download-model."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import SidecarError
from .eval import eval_command
from .schema import DOCUMENT_TYPES

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Document digitization sidecar: document bytes → canonical JSON with InternVL3-1B.")
app.command("eval")(eval_command)

MODEL_REPO = "OpenGVLab/InternVL3-1B-hf"
TYPES = DOCUMENT_TYPES  # the proto enum's, see schema.py


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def weights_missing(model_path: Path) -> Optional[str]:
    """One-line explanation when MODEL_PATH holds no usable weights, else None."""
    has_config = (model_path / "config.json").is_file()
    has_weights = any(model_path.glob("*.safetensors")) or any(model_path.glob("*.bin"))
    if has_config and has_weights:
        return None
    return (f"no InternVL3-1B weights in {model_path} — get them with `./run.sh download-model` (needs internet) "
            f"or copy the {MODEL_REPO} files there; `./run.sh serve --demo` serves a random demo model")


def _settings(**overrides):
    from .settings import Settings

    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        _fail(str(exc))


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address [env GRPC_HOST, default [::]]")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port [env GRPC_PORT, default 50051]; 0 = any free port")] = None,
    model_path: Annotated[Optional[Path], typer.Option(help="InternVL HF folder [env MODEL_PATH]")] = None,
    engine: Annotated[Optional[str], typer.Option(help="internvl | openai | replay | einvoice [env OCR_ENGINE]")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto | cpu | cuda [env OCR_DEVICE]")] = None,
    dtype: Annotated[Optional[str], typer.Option(help="auto | fp32 | bf16 [env OCR_DTYPE]")] = None,
    max_tiles: Annotated[Optional[int], typer.Option(help="Tile budget per page [env OCR_MAX_TILES]")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(help="Generated tokens per document [env MAX_TOKENS]")] = None,
    queue_size: Annotated[Optional[int], typer.Option(help="Waiting requests [env OCR_QUEUE_SIZE]")] = None,
    concurrency: Annotated[Optional[int], typer.Option(help="Parallel documents [env OCR_CONCURRENCY]")] = None,
    metrics_port: Annotated[Optional[int], typer.Option(help="Prometheus port, 0 = off [env OCR_METRICS_PORT]")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Serve a tiny random-weight model (every answer says so)")] = False,
    log_level: Annotated[str, typer.Option(help="debug | info | warning")] = "info",
) -> None:
    """Serve ocr.v1.DocumentService and the legacy model.ModelService over gRPC until SIGTERM."""
    settings = _settings(grpc_host=host, grpc_port=port, model_path=model_path, engine=engine, device=device,
                         dtype=dtype, max_tiles=max_tiles, max_tokens=max_tokens, queue_size=queue_size,
                         concurrency=concurrency, metrics_port=metrics_port, demo=demo or None)
    if settings.engine == "internvl" and not settings.demo:
        missing = weights_missing(settings.model_path)
        if missing:
            _fail(missing)
    _setup_logging(log_level)
    from .settings import is_loopback

    risk = settings.insecure_serving()
    if risk and not (settings.demo or settings.allow_insecure):
        _fail(f"refusing to serve: {risk}. For a demo or a trusted network: --demo or OCR_ALLOW_INSECURE=1.")
    if risk:
        logging.getLogger("ocr_sidecar").warning("serving insecurely (%s): %s", "demo" if settings.demo
                                                 else "OCR_ALLOW_INSECURE", risk)
    elif settings.auth_token and not settings.tls_cert and not is_loopback(settings.grpc_host):
        logging.getLogger("ocr_sidecar").warning(
            "the bearer token travels in clear text: serve TLS (OCR_TLS_CERT/OCR_TLS_KEY) unless the network "
            "between Odoo and the sidecar is private")
    from .server import serve as run_server

    try:
        asyncio.run(run_server(settings))
    except SidecarError as exc:
        _fail(exc.message)
    except OSError as exc:
        _fail(f"cannot serve on {settings.grpc_host}:{settings.grpc_port}: {exc}")


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True, help="Documents")],
    json_out: Annotated[Optional[Path], typer.Option("--json-out", file_okay=False,
                                                     help="Write <name>.json per document here")] = None,
    engine: Annotated[Optional[str], typer.Option(help="internvl | openai | replay | einvoice [env OCR_ENGINE]")] = None,
    model_path: Annotated[Optional[Path], typer.Option(help="InternVL HF folder [env MODEL_PATH]")] = None,
    document_type: Annotated[Optional[str], typer.Option(help=f"One of {', '.join(TYPES)}; default: the model decides")]
        = None,
    max_tiles: Annotated[Optional[int], typer.Option(help="Tile budget per page [env OCR_MAX_TILES]")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(help="Generated tokens per document [env MAX_TOKENS]")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Use a tiny random-weight model")] = False,
) -> None:
    """Run the server's pipeline in this process on FILE(s): JSON to stdout, or one file each with --json-out."""
    from .engines import make_engine
    from .pipeline import ExtractParams, Pipeline

    if document_type is not None and document_type not in TYPES:
        _fail(f"--document-type must be one of {', '.join(TYPES)}")
    settings = _settings(engine=engine, model_path=model_path, max_tiles=max_tiles, max_tokens=max_tokens,
                         demo=demo or None)
    if settings.engine == "internvl" and not settings.demo:
        missing = weights_missing(settings.model_path)
        if missing:
            _fail(missing)
    if len(files) > 1 and json_out is None:
        _fail("several files need --json-out DIR (one JSON file each)")
    try:
        eng = make_engine(settings)
        eng.load()
    except SidecarError as exc:
        _fail(exc.message)
    pipeline = Pipeline(settings, eng)
    if json_out:
        json_out.mkdir(parents=True, exist_ok=True)
    failed = 0
    from rich.progress import Progress

    with Progress(transient=True, disable=len(files) < 2) as progress:
        task = progress.add_task("extracting", total=len(files))
        for path in files:
            try:
                result = pipeline.run(ExtractParams(content=path.read_bytes(), filename=path.name,
                                                    document_type=document_type))
            except SidecarError as exc:
                failed += 1
                progress.console.print(f"[red]{path.name}: {exc.message}[/red]")
                progress.advance(task)
                continue
            payload = {"document": result.document, "warnings": [w.__dict__ for w in result.warnings],
                       "field_confidence": result.field_confidence, "engine": result.engine, "model": result.model,
                       "pages": result.pages, "timings": result.timings.__dict__}
            for w in result.warnings:
                typer.echo(f"{path.name}: {'WARNING' if w.serious else 'note'} {w.code}: {w.message}", err=True)
            if json_out:
                (json_out / f"{path.stem}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
            else:
                typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
            progress.advance(task)
    if failed:
        typer.echo(f"{failed} of {len(files)} documents failed", err=True)
        raise typer.Exit(1)


@app.command("random-model")
def random_model(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Folder to write the model into")],
    size: Annotated[str, typer.Option(help="tiny (tests, < 1 MB) | 1b (exact InternVL3-1B shape, ~2 GB)")] = "tiny",
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
) -> None:
    """Write an InternVL folder with random weights and a working tokenizer (loads like the real weights)."""
    from .random_model import build_random_model

    if size not in ("tiny", "1b"):
        _fail("--size must be tiny or 1b")
    path = build_random_model(directory, size=size, seed=seed)
    typer.echo(f"random InternVL ({size}) written to {path}")


@app.command("download-model")
def download_model(
    directory: Annotated[Optional[Path], typer.Option("--dest", file_okay=False,
                                                      help="Target folder [env MODEL_PATH]")] = None,
    repo: Annotated[str, typer.Option(help="Hugging Face repository")] = MODEL_REPO,
    revision: Annotated[Optional[str], typer.Option(help="Branch, tag or commit")] = None,
) -> None:
    """Download the InternVL3-1B-hf weights from the Hugging Face Hub (needs internet)."""
    target = directory or _settings().model_path
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(repo_id=repo, revision=revision, local_dir=str(target))
    except Exception as exc:  # offline, proxy, auth: one readable line, no traceback
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _fail(f"cannot download {repo} ({type(exc).__name__}: {reason[:200]}). Check internet access "
              f"(HF_ENDPOINT / proxy), or copy the model files into {target} by hand.")
    typer.echo(f"{repo} downloaded to {path}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
