"""grpc.aio server: ocr.v1.DocumentService + legacy model.ModelService, health, reflection.

Inference never runs on the event loop: requests wait for one of ``OCR_CONCURRENCY`` worker slots
(at most ``OCR_QUEUE_SIZE`` may wait; more get RESOURCE_EXHAUSTED with a ``retry-after-s`` hint), then
the blocking pipeline runs in a worker thread. A client deadline or cancellation sets the worker's
cancel event, which the engine checks between decode steps.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from . import __version__, errors
from .engines import make_engine
from .engines.base import Engine
from .inputs import SUPPORTED_MIME_TYPES
from .metrics import Metrics
from .pipeline import ExtractParams, Pipeline, Result
from .proto import document_service_pb2 as pb
from .proto import document_service_pb2_grpc as pb_grpc
from .proto import model_pb2, model_pb2_grpc
from .schema import DOCUMENT_TYPE_BY_NUMBER, SCHEMA_VERSION, contract_json_schema
from .settings import Settings
from .words import find_table, unturned

DEADLINE_MARGIN_S = 0.05  # the server gives up this much before the client deadline, so its status arrives
log = logging.getLogger("ocr_sidecar.server")

DOCUMENT_SERVICE = pb.DESCRIPTOR.services_by_name["DocumentService"].full_name
LEGACY_SERVICE = model_pb2.DESCRIPTOR.services_by_name["ModelService"].full_name
HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
SERVICES = ("", DOCUMENT_SERVICE, LEGACY_SERVICE)



def log_event(level: int, event: str, **fields: Any) -> None:
    """One JSON object per line: grep-able and ingestible (the Odoo addon logs the same request_id)."""
    log.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))


# --- auth ---------------------------------------------------------------------------------------


class TokenAuthInterceptor(grpc.aio.ServerInterceptor):
    """Bearer token on every method but health checks (probes carry no secrets). Constant-time compare."""

    def __init__(self, token: str):
        self._expected = f"Bearer {token}".encode()

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(f"/{HEALTH_SERVICE}/"):
            return handler
        metadata = dict(handler_call_details.invocation_metadata or ())
        supplied = str(metadata.get("authorization", "")).encode()
        if hmac.compare_digest(supplied, self._expected):
            return handler
        message = ("Missing bearer token: send metadata 'authorization: Bearer <OCR_AUTH_TOKEN>'." if not supplied
                   else "Invalid bearer token.")
        return _abort_handler(handler, grpc.StatusCode.UNAUTHENTICATED, message)


def _abort_handler(handler, code: grpc.StatusCode, message: str):
    async def unary(request, context):
        await context.abort(code, message)

    async def streaming(request_or_iterator, context):
        await context.abort(code, message)
        yield  # pragma: no cover - makes this an async generator

    kwargs = dict(request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(streaming, **kwargs)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(unary, **kwargs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(streaming, **kwargs)
    return grpc.unary_unary_rpc_method_handler(unary, **kwargs)


# --- the server ---------------------------------------------------------------------------------


def _model_elsewhere(engine: Engine) -> bool:
    """Whether the model works where the OCR of the next documents does not slow it: on a GPU, or on
    another server (OCR_ENGINE=openai). On this machine's CPU both would share the same cores."""
    if engine.name == "openai":
        return True
    if engine.name == "internvl":
        from .device import choose_device

        try:
            return choose_device(engine.device).startswith("cuda")
        except ValueError:  # cuda asked for and none visible: the engine's load says so
            return False
    return False


class DocumentServer(pb_grpc.DocumentServiceServicer, model_pb2_grpc.ModelServiceServicer):
    def __init__(self, settings: Settings, engine: Optional[Engine] = None):
        self.settings = settings
        self.engine = engine if engine is not None else make_engine(settings)
        self.pipeline = Pipeline(settings, self.engine)
        self.metrics = Metrics()
        self.engine.on_batch = self.metrics.batch_size.observe  # engines that batch report each batch's size
        self.health = health.aio.HealthServicer()
        self.port: Optional[int] = None
        self.ready = False
        self.draining = False
        self.load_error: Optional[BaseException] = None
        self._server: Optional[grpc.aio.Server] = None
        # documents in stage 1 or 2 at once: the model's OCR_CONCURRENCY, and those opened ahead of it
        self.prefetch = settings.prefetch_count(_model_elsewhere(self.engine))
        self.workers = settings.concurrency + self.prefetch
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="ocr-worker")
        self._slots: Optional[asyncio.Semaphore] = None
        self._waiting = 0
        self._admitted = 0  # requests held: running or waiting for a slot (admission control)
        self._running = 0
        self._avg_s = 10.0  # EWMA of processing time, for the retry hint
        self._load_task: Optional[asyncio.Task] = None
        self._metrics_server = None

    # lifecycle --------------------------------------------------------------------------------

    async def start(self, load: bool = True) -> int:
        s = self.settings
        self._slots = asyncio.Semaphore(self.workers)
        interceptors = [TokenAuthInterceptor(s.auth_token)] if s.auth_token else []
        self._server = grpc.aio.server(
            interceptors=interceptors,
            options=[("grpc.max_receive_message_length", s.max_message_bytes),
                     ("grpc.max_send_message_length", 64 * 1024 * 1024),
                     ("grpc.so_reuseport", 0)],
            maximum_concurrent_rpcs=None)
        pb_grpc.add_DocumentServiceServicer_to_server(self, self._server)
        model_pb2_grpc.add_ModelServiceServicer_to_server(self, self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection((DOCUMENT_SERVICE, LEGACY_SERVICE, HEALTH_SERVICE,
                                             reflection.SERVICE_NAME), self._server)
        address = f"{s.grpc_host}:{s.grpc_port}"
        if s.tls_cert:
            client_ca = s.tls_client_ca.read_bytes() if s.tls_client_ca else None
            credentials = grpc.ssl_server_credentials([(s.tls_key.read_bytes(), s.tls_cert.read_bytes())],
                                                      root_certificates=client_ca,
                                                      require_client_auth=client_ca is not None)
            self.port = self._server.add_secure_port(address, credentials)
        else:
            self.port = self._server.add_insecure_port(address)
        if not self.port:
            raise OSError(f"cannot listen on {address}")
        for service in SERVICES:
            await self.health.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self._server.start()
        if s.metrics_port:
            self._metrics_server = self.metrics.serve(s.metrics_port)
        log_event(logging.INFO, "listening", address=f"{s.grpc_host}:{self.port}", tls=bool(s.tls_cert),
                  auth=bool(s.auth_token), engine=self.engine.name)
        if load:
            self._load_task = asyncio.create_task(self._load())
        return self.port

    async def _load(self) -> None:
        started = time.perf_counter()
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.engine.load)
            if self.pipeline.sandbox is not None:
                self.pipeline.sandbox.warm()  # the first document does not wait for a worker to start
        except BaseException as exc:  # keep serving NOT_SERVING; the reason is in the log and in errors
            self.load_error = exc
            log_event(logging.ERROR, "model_load_failed", error=str(exc))
            return
        self.ready = True
        self.metrics.ready.set(1)
        for service in SERVICES:
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        missing = self.engine.model_missing()
        if missing:  # serving what needs no model (e-invoices); the model loads once its weights are there
            log_event(logging.WARNING, "serving_without_model", reason=missing,
                      status="documents that need the model get FAILED_PRECONDITION")
            return
        log_event(logging.INFO, "model_loaded", model=self.engine.model_name, device=self.engine.device,
                  dtype=self.engine.dtype, demo=self.engine.demo, seconds=round(time.perf_counter() - started, 2))

    async def wait_loaded(self) -> None:
        if self._load_task is not None:
            await self._load_task
        if self.load_error is not None:
            raise self.load_error

    async def drain(self, grace: Optional[float] = None) -> None:
        """SIGTERM: stop taking work (UNAVAILABLE), health NOT_SERVING, let in-flight requests finish."""
        if self.draining:
            return
        self.draining = True
        self.ready = False
        self.metrics.ready.set(0)
        grace = self.settings.grace_s if grace is None else grace
        log_event(logging.INFO, "draining", grace_s=grace, in_flight=self._running, waiting=self._waiting)
        await self.health.enter_graceful_shutdown()
        # While documents are still being read the server stays up and refuses new work itself, with
        # UNAVAILABLE and a message: a call that reaches gRPC's own shutdown instead may be reset (the
        # client sees CANCELLED, which retry policies rightly do not retry).
        deadline = time.monotonic() + grace
        while self._admitted and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self._server is not None:
            await self._server.stop(max(0.0, deadline - time.monotonic()))
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._metrics_server is not None:
            self._metrics_server[0].shutdown()
        log_event(logging.INFO, "stopped")

    async def wait_for_termination(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()

    # RPCs -------------------------------------------------------------------------------------

    async def Extract(self, request: pb.ExtractRequest, context) -> pb.ExtractResponse:
        params = ExtractParams(content=request.content, mime_type=request.mime_type, filename=request.filename,
                               document_type=DOCUMENT_TYPE_BY_NUMBER.get(request.document_type), prompt=request.prompt,
                               max_pages=request.max_pages, language_hint=request.language_hint,
                               words_only=request.words_only, include_attachments=request.include_attachments,
                               words_reader=request.words_reader)
        return await self._handle("Extract", context, params,
                                  lambda result, rid: _to_response(result, rid, request.include_attachments))

    async def ExtractOCR(self, request: model_pb2.UserRequest, context) -> model_pb2.ModelResponse:
        # The seed's clients send their own prompt; it becomes an extra instruction — the output is
        # always the canonical JSON, which is what they parse.
        params = ExtractParams(content=request.image, prompt=request.prompt)
        return await self._handle("ExtractOCR", context, params,
                                  lambda result, _rid: model_pb2.ModelResponse(output=result.document_json))

    async def GetInfo(self, request, context) -> pb.ServiceInfo:
        s, e = self.settings, self.engine
        info = pb.ServiceInfo(
            version=__version__, model=e.model_name, device=e.device, dtype=e.dtype,
            max_tiles=getattr(e, "max_tiles", s.max_tiles),
            limits=pb.Limits(max_bytes=s.max_bytes, max_pages=s.max_pages, max_pixels=s.max_pixels,
                             max_tiles=s.max_tiles, max_tokens=s.max_tokens, queue_size=s.queue_size,
                             concurrency=s.concurrency),
            supported_mime_types=list(SUPPORTED_MIME_TYPES), schema_version=SCHEMA_VERSION,
            json_schema=json.dumps(contract_json_schema()), engine=e.name, demo=bool(e.demo))
        if e.demo:
            from .pipeline import DEMO_WARNING
            info.warnings.append(pb.Warning(code=DEMO_WARNING.code, message=DEMO_WARNING.message, serious=True))
        missing = e.model_missing()
        if missing:
            info.warnings.append(pb.Warning(code="model_missing", message=f"E-invoices only: {missing}.",
                                            serious=True))
        if not self.ready:
            reason = str(self.load_error) if self.load_error else "the model is loading"
            info.warnings.append(pb.Warning(code="not_ready", message=f"Not serving yet: {reason}.", serious=True))
        self.metrics.requests.labels("GetInfo", "OK").inc()
        return info

    async def _handle(self, method: str, context, params: ExtractParams,
                      build: Callable[[Result, str], Any]):
        metadata = dict(context.invocation_metadata() or ())
        request_id = str(metadata.get("x-request-id") or uuid.uuid4().hex)[:64]
        await context.send_initial_metadata((("x-request-id", request_id),))
        started = time.perf_counter()
        code, result, abort_with = "OK", None, None
        try:
            if self.draining:
                raise errors.NotReady("The server is shutting down; retry (another replica will answer).")
            if not self.ready:
                raise errors.NotReady("The model is still loading; retry in a few seconds." if self.load_error is None
                                      else f"The model failed to load: {self.load_error}")
            result = await self._run(params, context)
            return build(result, request_id)
        except errors.SidecarError as exc:
            code = exc.grpc_code_name
            if isinstance(exc, errors.QueueFull):
                context.set_trailing_metadata((("retry-after-s", f"{exc.retry_after_s:.0f}"),
                                               ("x-request-id", request_id)))
            abort_with = (grpc.StatusCode[code], exc.message)
        except asyncio.CancelledError:
            code = "CANCELLED"
            raise
        except MemoryError:
            # the server itself is short of memory (not the document's fault: a document over its limit is
            # refused by the sandbox as INVALID_ARGUMENT): retry later, elsewhere, or with fewer at once
            code = "RESOURCE_EXHAUSTED"
            log.error("request %s: the server ran out of memory", request_id)
            abort_with = (grpc.StatusCode.RESOURCE_EXHAUSTED, "The server ran out of memory on this request; retry "
                                                              "in a moment (fewer documents at once).")
        except Exception:
            code = "INTERNAL"
            log.exception("request %s failed", request_id)
            abort_with = (grpc.StatusCode.INTERNAL, f"Internal error (request id {request_id}); see the "
                                                    "sidecar's log.")
        finally:
            if abort_with is not None and context.cancelled():
                code = "CANCELLED"  # the client went away (deadline, cancel): no status will reach it
            # Accounted before the status is sent, so a client that reads /metrics after its error sees it.
            self._account(method, code, started, params, request_id, result)
        try:
            await context.abort(*abort_with)
        except grpc.aio.AbortError:
            raise
        except Exception:  # noqa: BLE001 - the call ended meanwhile (client deadline): no status to send
            raise asyncio.CancelledError() from None

    def _account(self, method: str, code: str, started: float, params: ExtractParams, request_id: str,
                 result: Result | None) -> None:
        elapsed = time.perf_counter() - started
        self.metrics.requests.labels(method, code).inc()
        self.metrics.latency.labels(method).observe(elapsed)
        fields: dict[str, Any] = {"request_id": request_id, "method": method, "code": code,
                                  "ms": int(elapsed * 1000), "bytes": len(params.content),
                                  "filename": params.filename}
        if result is not None:
            self.metrics.observe_result(result)
            fields.update(engine=result.engine, pages=result.pages, tokens_out=result.timings.tokens_out,
                          queue_ms=result.timings.queue_ms, warnings=[w.code for w in result.warnings])
        log_event(logging.INFO if code in ("OK", "INVALID_ARGUMENT") else logging.WARNING, "request", **fields)

    async def _run(self, params: ExtractParams, context) -> Result:
        assert self._slots is not None
        s = self.settings
        # Admission is decided on the requests the server holds (running or waiting), counted synchronously
        # here: a count of waiters alone raced with the semaphore (acquired, but its waiter not yet resumed).
        if self._admitted >= self.workers + s.queue_size:
            retry = max(1.0, self._avg_s * (self._admitted - s.concurrency + 1) / s.concurrency)
            raise errors.QueueFull(f"The server is busy ({self._admitted - self._running} documents waiting); "
                                   f"retry in {retry:.0f} s.", retry_after_s=retry)
        self._admitted += 1
        queued = time.perf_counter()
        self._waiting += 1
        self.metrics.queue_depth.set(self._waiting)
        try:
            remaining = context.time_remaining()
            try:
                await asyncio.wait_for(self._slots.acquire(), timeout=remaining)
            except asyncio.TimeoutError:
                raise errors.Cancelled("The deadline passed while the document waited in the queue.") from None
        except BaseException:
            self._admitted -= 1
            raise
        finally:
            self._waiting -= 1
            self.metrics.queue_depth.set(self._waiting)
        queue_ms = int((time.perf_counter() - queued) * 1000)
        cancel = threading.Event()
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, self.pipeline.run, params, cancel, queue_ms)
        except BaseException as exc:
            # Handed to no worker, so no done-callback will give the slot back: give it back here, or every
            # such request (executor shut down by a drain) shrinks the server's capacity for good.
            self._admitted -= 1
            self._slots.release()
            if isinstance(exc, RuntimeError) and self.draining:  # "cannot schedule new futures after shutdown"
                raise errors.NotReady("The server is shutting down; retry (another replica will answer).") from None
            raise
        self._running += 1
        self.metrics.in_flight.set(self._running)

        def finished(_f) -> None:
            # The slot is released when the worker really stops, not when the caller gives up: a
            # cancelled generate keeps its thread until the next decode step sees the event.
            if not _f.cancelled():
                _f.exception()  # retrieved first, when the caller gave up (deadline, cancel): no stray log
            self._running -= 1
            self._admitted -= 1
            self.metrics.in_flight.set(self._running)
            self._slots.release()

        future.add_done_callback(finished)
        started = time.perf_counter()
        try:
            remaining = context.time_remaining()
            if remaining is not None:  # answer DEADLINE_EXCEEDED just before the client stops listening
                remaining = max(remaining - DEADLINE_MARGIN_S, 0.0)
            result = await asyncio.wait_for(asyncio.shield(future), timeout=remaining)
        except asyncio.TimeoutError:
            cancel.set()
            raise errors.Cancelled("The deadline passed; the extraction was stopped. Give the request more "
                                   "time (CPU inference takes minutes per page).") from None
        except asyncio.CancelledError:
            cancel.set()
            raise
        self._avg_s = 0.8 * self._avg_s + 0.2 * (time.perf_counter() - started)
        return result


def _to_response(result: Result, request_id: str, include_attachments: bool = False) -> pb.ExtractResponse:
    t = result.timings
    return pb.ExtractResponse(
        document_json=result.document_json,
        warnings=[pb.Warning(code=w.code, message=w.message, field=w.field, serious=w.serious)
                  for w in result.warnings],
        field_confidence=result.field_confidence, engine=result.engine, model=result.model, pages=result.pages,
        timings=pb.Timings(decode_ms=t.decode_ms, preprocess_ms=t.preprocess_ms, generate_ms=t.generate_ms,
                           total_ms=t.total_ms, tokens_out=t.tokens_out, queue_ms=t.queue_ms),
        request_id=request_id,
        evidence=[pb.Evidence(path=e.path, page=e.page, text=e.text, source=e.source,
                              boxes=[_box(b, _angle(result.words, e.page)) for b in e.boxes])
                  for e in result.evidence],
        page_words=page_words(result.words),
        attachments=[pb.Attachment(filename=a.filename, mime_type=a.mime_type, size=len(a.content),
                                   content=a.content if include_attachments else b"", description=a.description)
                     for a in result.attachments],
        candidates=[pb.FieldCandidates(path=path, candidates=[
            pb.Candidate(value_json=json.dumps(c.value, ensure_ascii=False), score=c.score, page=c.page, text=c.text,
                         boxes=[_box(b, _angle(result.words, c.page)) for b in c.boxes]) for c in found])
            for path, found in result.candidates.items()],
        confirmed=result.confirmed)


def page_words(layers) -> list[pb.PageWords]:
    """The pages' word layers as messages (pages without words are left out)."""
    out = []
    for page, layer in enumerate(layers or (), start=1):
        if layer is None or not layer.words:
            continue
        table = find_table(layer)

        def column(word, table=table):
            return (table.column_of(word) or "") if table is not None and word.line >= table.header_line else ""
        out.append(pb.PageWords(page=page, source=layer.source, angle=layer.angle, words=[
            pb.Word(text=w.text, line=w.line, confidence=w.confidence, box=_box(w.box, layer.angle),
                    column=column(w))
            for w in layer.words], table_header_line=table.header_line if table is not None else -1))
    return out


def _angle(layers, page: int) -> int:
    layer = layers[page - 1] if layers and 0 < page <= len(layers) else None
    return layer.angle if layer is not None else 0


def _box(box, angle: int) -> pb.Box:
    """A box of the word layer as sent: on the page as the file shows it (a page read turned, mapped back)."""
    x0, y0, x1, y1 = unturned(box, angle)
    return pb.Box(x0=x0, y0=y0, x1=x1, y1=y1)


async def serve(settings: Settings, engine: Optional[Engine] = None) -> None:
    """Run until SIGTERM/SIGINT, then drain gracefully."""
    import signal

    server = DocumentServer(settings, engine)
    await server.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait([waiter, asyncio.create_task(server.wait_for_termination())],
                       return_when=asyncio.FIRST_COMPLETED)
    await server.drain()
