"""`ocr-sidecar` command line: serve, extract, call, eval, random-model, download-model."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .engines import MODEL_REPO, model_files_missing, weights_missing
from .errors import SidecarError
from .eval import eval_command
from .schema import DOCUMENT_TYPES

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]}, rich_markup_mode=None,
                  help="Document digitization sidecar: document bytes → canonical JSON with InternVL3-1B.")
app.command("eval")(eval_command)

TYPES = DOCUMENT_TYPES  # the proto enum's, see schema.py


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


DEMO_BANNER = ("DEMO MODEL: random weights, every answer is meaningless (each carries a `demo_model` warning). "
               "For real extraction put the InternVL3-1B weights in MODEL_PATH and run without --demo.")


def _loud(message: str) -> None:
    typer.secho(message, err=True, fg=typer.colors.YELLOW, bold=True)


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
    engine: Annotated[Optional[str], typer.Option(help="internvl | openai | replay | einvoice | words [env OCR_ENGINE]")] = None,
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
    if settings.demo and settings.engine == "internvl":
        _loud(DEMO_BANNER)
    elif settings.engine == "internvl" and (missing := weights_missing(settings.model_path)):
        # e-invoices need no model: serve them, and answer the rest FAILED_PRECONDITION until the weights are there
        _loud(f"warning: {missing}. Serving e-invoices only meanwhile; other documents get FAILED_PRECONDITION "
              "and the model loads on the first one after the weights appear.")
    from .server import serve as run_server

    try:
        asyncio.run(run_server(settings))
    except SidecarError as exc:
        _fail(exc.message)
    except OSError as exc:
        _fail(f"cannot serve on {settings.grpc_host}:{settings.grpc_port}: {exc}")


def output_names(files: list[Path]) -> list[Path]:
    """Where each document's JSON goes below --json-out: its path below the deepest folder all the documents
    share, suffix replaced by .json (``a/x.pdf``, ``b/x.pdf`` → ``a/x.json``, ``b/x.json``). Should two
    documents still meet (``x.pdf`` and ``x.png``), every name keeps its suffix (``x.pdf.json``)."""
    paths = [Path(os.path.abspath(f)) for f in files]  # as typed: a symlink is mirrored where it lies
    base = Path(os.path.commonpath([p.parent for p in paths]))
    relative = [p.relative_to(base) for p in paths]
    names = [r.with_suffix(".json") for r in relative]
    if len(set(names)) < len(names):
        names = [r.with_name(r.name + ".json") for r in relative]
    return names


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _Progress:
    """A progress bar on a terminal; elsewhere (CI logs, pipes) one plain line per document on stderr."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.bar = None
        if total > 1 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("extracting", total=total)

    def __enter__(self) -> "_Progress":
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def echo(self, line: str) -> None:
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            typer.echo(line, err=True)

    def advance(self, name: str, outcome: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.advance(self.task)
        else:
            typer.echo(f"[{self.done}/{self.total}] {name}: {outcome}", err=True)


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True, metavar="FILE",
                                                help="Documents")],
    json_out: Annotated[Optional[Path], typer.Option(
        "--json-out", file_okay=False,
        help="Write one JSON per document here, mirroring the documents' folders (a/x.pdf → DIR/a/x.json)")] = None,
    engine: Annotated[Optional[str], typer.Option(help="internvl | openai | replay | einvoice | words [env OCR_ENGINE]")] = None,
    model_path: Annotated[Optional[Path], typer.Option(help="InternVL HF folder [env MODEL_PATH]")] = None,
    document_type: Annotated[Optional[str], typer.Option(help=f"One of {', '.join(TYPES)}; default: the model decides")]
        = None,
    max_tiles: Annotated[Optional[int], typer.Option(help="Tile budget per page [env OCR_MAX_TILES]")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(help="Generated tokens per document [env MAX_TOKENS]")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Use a tiny random-weight model")] = False,
) -> None:
    """Run the server's pipeline in this process on FILE(s): JSON to stdout, or one file each with --json-out.

    E-invoices are read from their XML without weights; without weights any other document fails alone,
    with the ways forward. Ends with a summary line on stderr; exit status 1 when a document failed."""
    from .engines import make_engine
    from .pipeline import ExtractParams, Pipeline

    if document_type is not None and document_type not in TYPES:
        _fail(f"--document-type must be one of {', '.join(TYPES)}")
    settings = _settings(engine=engine, model_path=model_path, max_tiles=max_tiles, max_tokens=max_tokens,
                         demo=demo or None)
    files = list(dict.fromkeys(Path(os.path.abspath(f)) for f in files))  # the same file twice is read once
    if len(files) > 1 and json_out is None:
        _fail("several files need --json-out DIR (one JSON file each)")
    started = time.perf_counter()
    try:
        eng = make_engine(settings)
        eng.load()
    except SidecarError as exc:
        _fail(exc.message)
    if eng.demo:
        _loud(DEMO_BANNER)
    pipeline = Pipeline(settings, eng)
    names = output_names(files) if json_out else []
    failed = einvoices = 0
    with _Progress(len(files)) as progress:
        for i, path in enumerate(files):
            shown = str(names[i].with_suffix("")) if json_out else path.name
            doc_started = time.perf_counter()
            try:
                result = pipeline.run(ExtractParams(content=path.read_bytes(), filename=path.name,
                                                    document_type=document_type))
            except SidecarError as exc:
                failed += 1
                progress.echo(f"{path}: failed: {exc.message}")
                progress.advance(shown, "failed")
                continue
            einvoices += result.engine == "einvoice"
            more = {"candidates": {p: [c.as_json() for c in found] for p, found in result.candidates.items()},
                    "confirmed": result.confirmed} if result.candidates else {}
            payload = _payload(path, result.document, [w.__dict__ for w in result.warnings], result.field_confidence,
                               result.engine, result.model, result.pages, result.timings.__dict__, **more)
            for w in result.warnings:
                progress.echo(f"{path.name}: {'WARNING' if w.serious else 'note'} {w.code}: {w.message}")
            text = json.dumps(payload, indent=2, ensure_ascii=False)
            if json_out:
                target = json_out / names[i]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            else:
                typer.echo(text)
            progress.advance(shown, f"{result.model or result.engine}, {_count(len(result.warnings), 'warning')}, "
                                    f"{time.perf_counter() - doc_started:.1f} s")
    where = f"; JSON in {json_out}" if json_out else ""
    typer.echo(f"{_count(len(files), 'document')}: {_count(einvoices, 'e-invoice')}, {failed} failed, "
               f"{time.perf_counter() - started:.1f} s{where}", err=True)
    if failed:
        raise typer.Exit(1)


def _payload(path: Path, document: dict, warnings: list[dict], confidence: dict, engine: str, model: str, pages: int,
             timings: dict, **more) -> dict:
    """What `extract` and `call` print for one document: the same keys either way."""
    return {"source": str(path), "document": document, "warnings": warnings, "field_confidence": confidence,
            "engine": engine, "model": model, "pages": pages, "timings": timings, **more}


# What a failed call means for the one who made it, by status (the message itself comes from the server).
CALL_HINTS = {
    "UNAVAILABLE": "is a server running at {address}? Start one with `{prog} serve --demo`; one that is still loading "
                   "or shutting down answers this too",
    "UNAUTHENTICATED": "the server wants its token: --token, or OCR_AUTH_TOKEN / OCR_AUTH_TOKEN_FILE as the server has",
    "DEADLINE_EXCEEDED": "give it more time (--timeout): on a CPU the model takes minutes per page",
    "RESOURCE_EXHAUSTED": "the server is busy: try again in a moment",
}


@app.command()
def call(
    files: Annotated[Optional[list[Path]], typer.Argument(exists=True, dir_okay=False, readable=True, metavar="FILE",
                                                          help="Documents to send", show_default=False)] = None,
    address: Annotated[Optional[str], typer.Option(
        help="The server's host:port [default localhost:$GRPC_PORT, i.e. localhost:50051]", show_default=False)] = None,
    token: Annotated[Optional[str], typer.Option(
        help="Bearer token [env OCR_AUTH_TOKEN or OCR_AUTH_TOKEN_FILE, as `serve` reads them]", show_default=False)]
        = None,
    info: Annotated[bool, typer.Option("--info", help="Print the server's GetInfo (model, limits, warnings; its JSON "
                                                      "schema is protos/document.schema.json)")] = False,
    document_type: Annotated[Optional[str], typer.Option(help=f"One of {', '.join(TYPES)}; default: the model decides")]
        = None,
    timeout: Annotated[float, typer.Option(help="Seconds each call may take (the model: minutes per page on a CPU)")]
        = 600.0,
    tls_ca: Annotated[Optional[Path], typer.Option(help="Speak TLS, trusting this PEM (the CA of the server's "
                                                        "certificate)", exists=True, dir_okay=False)] = None,
    tls_cert: Annotated[Optional[Path], typer.Option(help="Client certificate (PEM), for mutual TLS", exists=True,
                                                     dir_okay=False)] = None,
    tls_key: Annotated[Optional[Path], typer.Option(help="Its private key (PEM)", exists=True, dir_okay=False)] = None,
    server_name: Annotated[Optional[str], typer.Option(help="The name the server's certificate is checked against "
                                                            "[default: the address's host]")] = None,
) -> None:
    """Call a running server (`serve`) over gRPC: Extract each FILE and print its JSON (as `extract` does), or
    GetInfo with --info. Exit status 1 when a call failed."""
    import grpc
    from google.protobuf.json_format import MessageToDict

    from .healthcheck import channel
    from .proto import document_service_pb2 as pb
    from .proto import document_service_pb2_grpc as pb_grpc
    from .schema import DOCUMENT_TYPE_BY_NUMBER

    if not files and not info:
        _fail("name a document to send (e.g. samples/invoice.pdf), or --info for what the server runs")
    if document_type is not None and document_type not in TYPES:
        _fail(f"--document-type must be one of {', '.join(TYPES)}")
    if bool(tls_cert) != bool(tls_key):
        _fail("--tls-cert and --tls-key go together")
    settings = _settings()
    address = address or f"localhost:{settings.grpc_port or 50051}"
    token = token or settings.auth_token
    metadata = [("authorization", f"Bearer {token}")] if token else []
    type_number = {name: number for number, name in DOCUMENT_TYPE_BY_NUMBER.items()}.get(document_type or "", 0)

    def as_dict(message) -> dict:
        # protobuf's JSON writes 64-bit integers as strings (JavaScript's numbers cannot hold them all); ours are
        # milliseconds and byte counts, printed as the numbers they are, as `extract` prints them
        out = MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
        for field in message.DESCRIPTOR.fields:
            value = out.get(field.name)
            if isinstance(value, dict) and field.message_type and not field.message_type.GetOptions().map_entry:
                out[field.name] = as_dict(getattr(message, field.name))
            elif field.cpp_type in (field.CPPTYPE_INT64, field.CPPTYPE_UINT64) and isinstance(value, str):
                out[field.name] = int(value)
        return out

    failed = 0
    with channel(address, str(tls_ca) if tls_ca else None, str(tls_cert) if tls_cert else None,
                 str(tls_key) if tls_key else None, server_name,
                 options=(("grpc.max_send_message_length", 64 * 1024 * 1024),
                          ("grpc.max_receive_message_length", 64 * 1024 * 1024))) as ch:
        stub = pb_grpc.DocumentServiceStub(ch)
        calls = ([("GetInfo", None)] if info else []) + [("Extract", path) for path in files or []]
        for method, path in calls:
            try:
                if path is None:
                    reply = as_dict(stub.GetInfo(pb.GetInfoRequest(), timeout=min(timeout, 30), metadata=metadata))
                    reply.pop("json_schema", None)
                    typer.echo(json.dumps(reply, indent=2, ensure_ascii=False))
                    continue
                response = stub.Extract(pb.ExtractRequest(content=path.read_bytes(), filename=path.name,
                                                          document_type=type_number),
                                        timeout=timeout, metadata=metadata)
            except grpc.RpcError as exc:
                failed += 1
                code = exc.code().name
                hint = CALL_HINTS.get(code, "").format(prog=_prog_name(), address=address)
                typer.echo(f"{path or address}: {method} failed: {code}: {exc.details()}"
                           + (f" ({hint})" if hint else ""), err=True)
                continue
            reply = as_dict(response)
            payload = _payload(Path(os.path.abspath(path)), json.loads(response.document_json), reply["warnings"], reply["field_confidence"],
                               response.engine, response.model, response.pages, reply["timings"],
                               request_id=response.request_id, server=address)
            typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    if failed:
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
    check: Annotated[bool, typer.Option("--check", help="Download nothing: only check that the folder holds "
                                                        "every file the model needs (exit 1 naming what is missing)")]
        = False,
) -> None:
    """Download the InternVL3-1B-hf weights from the Hugging Face Hub (needs internet), then check them.

    Exits 0 only when the folder holds every file the model loads (the same check `serve` makes); otherwise
    names what is missing and exits 1 — so `download-model && touch .download-complete` never marks a
    partial folder complete."""
    target = directory or _settings().model_path
    if not check:
        try:
            from huggingface_hub import snapshot_download

            snapshot_download(repo_id=repo, revision=revision, local_dir=str(target))
        except Exception as exc:  # offline, proxy, auth: one readable line, no traceback
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            _fail(f"cannot download {repo} ({type(exc).__name__}: {reason[:200]}). Check internet access "
                  f"(HF_ENDPOINT / proxy), or copy the model files into {target} by hand.")
    # The hub's client may return without downloading anything (offline, with the folder already there: it
    # holds our README), so what counts is the files, never its return or the folder.
    missing = model_files_missing(Path(target))
    where = Path(target).absolute()
    if missing:
        if check:
            _fail(f"{where} holds no complete model: missing {', '.join(missing)}. Run `download-model` on a machine "
                  "with internet access, or copy the model files there by hand.", code=1)
        _fail(f"{repo} was not downloaded into {where}: missing {', '.join(missing)}. Check internet access "
              "(HF_ENDPOINT / proxy, HF_HUB_OFFLINE unset) and run it again, or copy the model files there by hand.",
              code=1)
    typer.echo(f"{where}: every file the model loads is there" + ("" if check else f" ({repo})"))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _prog_name() -> str:
    """What the user typed to run this: ./run.sh sets OCR_SIDECAR_PROG to itself; else the entry point's name
    (never `python -m ocr_sidecar`, which is what Click would show for `python -m`)."""
    return os.environ.get("OCR_SIDECAR_PROG") or "ocr-sidecar"


def main() -> None:
    app(prog_name=_prog_name())
