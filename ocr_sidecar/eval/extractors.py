"""What an evaluation reads documents with: the e-invoice stage alone, the pipeline in this process, a running
sidecar over gRPC, or any importable callable."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Callable, Optional

from .run import ExtractFn, Extraction


class EvalSetupError(Exception):
    """The evaluation cannot start (nothing to reach, nothing to import); the message says what to do."""


def einvoice_extractor() -> ExtractFn:
    """The e-invoice fast path alone: documents without an e-invoice score as empty predictions."""
    from .. import einvoice

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

    from ..proto import document_service_pb2 as pb
    from ..proto import document_service_pb2_grpc as pb_grpc

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

