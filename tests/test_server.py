"""The gRPC server end to end over loopback: real server (port 0), real stubs, real pipeline.

The replay engine stands in for the model here (it answers gold JSON by content hash); everything
else — input decoding, limits, validation, checks, queueing, status codes, health, auth — is the
production code. The InternVL path through the same server is in test_server_internvl.py.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from ocr_sidecar.engines.base import BaseEngine
from ocr_sidecar.proto import document_service_pb2 as pb
from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
from ocr_sidecar.proto import model_pb2, model_pb2_grpc
from ocr_sidecar.schema import parse_document
from ocr_sidecar.testing import SidecarThread

import sidecar_helpers as h
from conftest import DOCUMENTS_DIR, load_gold

BILL = DOCUMENTS_DIR / "i2d_AmazonWebServices.pdf"
PHOTO = DOCUMENTS_DIR / "img_contoso_receipt_photo1.png"


@pytest.fixture(scope="module")
def sidecar_thread():
    thread = SidecarThread(engine="replay", max_pages=10, max_bytes=8 * 1024 * 1024)
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def sidecar(sidecar_thread):
    return sidecar_thread.target


@pytest.fixture(scope="module")
def channel(sidecar):
    with grpc.insecure_channel(sidecar) as ch:
        yield ch


def extract(channel, content: bytes, **kw):
    return pb_grpc.DocumentServiceStub(channel).Extract(pb.ExtractRequest(content=content, **kw), timeout=30)


def health_status(channel, service: str = "") -> str:
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def test_extract_returns_the_canonical_document_with_timings_and_request_id(channel):
    response, call = pb_grpc.DocumentServiceStub(channel).Extract.with_call(
        pb.ExtractRequest(content=BILL.read_bytes(), filename=BILL.name), timeout=30,
        metadata=[("x-request-id", "odoo-bill-42")])
    document = parse_document(response.document_json)
    assert document.seller.name == load_gold(BILL)["seller"]["name"]
    assert response.engine == "replay" and response.pages == 1
    assert response.request_id == "odoo-bill-42"
    assert ("x-request-id", "odoo-bill-42") in tuple(call.initial_metadata())
    assert response.timings.total_ms >= response.timings.decode_ms >= 0
    assert response.field_confidence["seller.name"] == pytest.approx(1.0)


def test_legacy_extract_ocr_returns_the_same_json_even_with_a_custom_prompt(channel):
    content = PHOTO.read_bytes()
    canonical = extract(channel, content).document_json
    legacy = model_pb2_grpc.ModelServiceStub(channel).ExtractOCR(
        model_pb2.UserRequest(image=content, prompt="Describe this picture as a poem, no JSON please."), timeout=30)
    assert legacy.output == canonical
    parse_document(legacy.output)


def test_legacy_wire_format_is_the_seeds(channel):
    # Byte compatibility: field numbers and types of the seed's messages, checked on the wire.
    assert model_pb2.UserRequest(image=b"\x01", prompt="p").SerializeToString() == b"\x0a\x01\x01\x12\x01p"
    assert model_pb2.ModelResponse(output="{}").SerializeToString() == b"\x0a\x02{}"
    assert model_pb2.DESCRIPTOR.package == "model"
    assert model_pb2.DESCRIPTOR.services_by_name["ModelService"].methods_by_name["ExtractOCR"]


def test_wrong_claimed_mime_type_the_bytes_win(channel):
    response = extract(channel, BILL.read_bytes(), mime_type="image/png")
    assert [w.code for w in response.warnings] == ["mime_mismatch"]
    assert json.loads(response.document_json)["seller"]["name"]


def test_multi_page_tiff_pages_are_counted(channel, sidecar_thread):
    # An unknown document reaches the replay engine only after decoding: register it first.
    content = h.tiff_pages(3)
    sidecar_thread.add(content, {"document_type": "invoice", "total": 10.0})
    response = extract(channel, content)
    assert response.pages == 3
    assert json.loads(response.document_json)["total"] == 10.0


BAD_INPUTS = [
    ("empty", lambda: b"", "empty"),
    ("random bytes", h.random_bytes, "not recognised"),
    ("text claiming to be a PDF", lambda: b"Dear supplier, please find attached...", "not recognised"),
    ("GIF (unsupported format)", h.gif, "not recognised"),
    ("truncated PDF", lambda: BILL.read_bytes()[: len(BILL.read_bytes()) // 3], "damaged or truncated"),
    ("encrypted PDF", lambda: h.encrypted_pdf(BILL.read_bytes()), "encrypted"),
    ("too many pages", lambda: h.pdf_with_pages(11), "at most 10"),
    ("oversize", lambda: b"%PDF-1.7\n" + b"0" * (8 * 1024 * 1024 + 1), "at most 8.0 MiB"),
    ("huge pixel count (bomb header)", lambda: h.huge_png_header_only(20000, 20000), "pixels"),
    ("truncated JPEG", lambda: h.jpeg()[:200], "cannot be decoded"),
    ("corrupt TIFF", lambda: h.tiff_pages(1)[:40] + b"\xff" * 100, "cannot be decoded"),
    ("tiny image", lambda: h.png(8, 8), "too small"),
    ("XML that is no e-invoice", lambda: b"<?xml version='1.0'?><note>hello</note>", "not an e-invoice"),
    ("XML bomb", lambda: h.XML_BOMB, "declares a DTD/entities"),
]


@pytest.mark.parametrize("name,make,expected", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_invalid_argument_and_the_server_keeps_serving(channel, name, make, expected):
    with pytest.raises(grpc.RpcError) as info:
        extract(channel, make(), filename=f"{name}.bin")
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value.details()
    assert expected.lower() in info.value.details().lower()
    assert "Traceback" not in info.value.details()
    assert health_status(channel) == "SERVING"
    assert extract(channel, PHOTO.read_bytes()).document_json


def test_get_info_describes_model_limits_and_schema(channel):
    info = pb_grpc.DocumentServiceStub(channel).GetInfo(pb.GetInfoRequest(), timeout=5)
    assert info.engine == "replay" and not info.demo
    assert info.limits.max_pages == 10 and info.limits.max_bytes == 8 * 1024 * 1024
    assert "application/pdf" in info.supported_mime_types
    assert info.schema_version == "1"
    assert "lines" in json.loads(info.json_schema)["properties"]


def test_reflection_lists_both_apis(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    names = {s.name for reply in replies for s in reply.list_services_response.service}
    assert {"ocr.v1.DocumentService", "model.ModelService", "grpc.health.v1.Health"} <= names


def test_full_queue_gives_resource_exhausted_with_a_retry_hint():
    sidecar = SidecarThread(engine="replay", concurrency=1, queue_size=1, delay_s=3.0)
    # a small document: four 75 kB bodies can be held back by HTTP/2 flow control and arrive one by one
    content = h.png(64, 64)
    with sidecar as target, grpc.insecure_channel(target) as ch:
        sidecar.add(content, load_gold(BILL))
        stub = pb_grpc.DocumentServiceStub(ch)

        # Four calls in flight at once (futures, not threads: they leave together).
        futures = [stub.Extract.future(pb.ExtractRequest(content=content), timeout=30) for _ in range(4)]
        results = []
        for future in futures:
            try:
                future.result()
                results.append(("OK", None))
            except grpc.RpcError as exc:
                results.append((exc.code().name, dict(exc.trailing_metadata() or ())))
        codes = sorted(code for code, _ in results)
        assert codes.count("OK") == 2, results  # one running + one waiting
        assert codes.count("RESOURCE_EXHAUSTED") == 2, results
        hints = [meta for code, meta in results if code == "RESOURCE_EXHAUSTED"]
        assert all(float(meta["retry-after-s"]) >= 1 for meta in hints)


def test_work_no_worker_takes_gives_its_queue_slot_back():
    """Handing a document to the worker pool can fail after it took a slot (the pool shut down by a drain):
    the slot and its admission must come back, or the server refuses everything once they are used up."""
    from concurrent.futures import ThreadPoolExecutor

    from ocr_sidecar import errors
    from ocr_sidecar.pipeline import ExtractParams

    sidecar = SidecarThread(engine="replay", concurrency=1, queue_size=1)
    with sidecar as target, grpc.insecure_channel(target) as ch:
        server, stub = sidecar.server, pb_grpc.DocumentServiceStub(ch)
        working = server._executor
        server._executor = ThreadPoolExecutor(1)
        server._executor.shutdown()
        for _ in range(server.workers + 2):  # more than the slots and the queue hold
            with pytest.raises(grpc.RpcError) as info:
                stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=5)
            assert info.value.code() == grpc.StatusCode.INTERNAL, info.value.details()
        assert server._admitted == 0 and server._slots._value == server.workers
        # while draining, the same failure is the retryable UNAVAILABLE, and gives its slot back too
        server.draining = True

        class Context:
            def time_remaining(self):
                return None

        with pytest.raises(errors.NotReady, match="shutting down"):
            sidecar.call(server._run(ExtractParams(content=BILL.read_bytes()), Context()))
        assert server._admitted == 0 and server._slots._value == server.workers
        server.draining, server._executor = False, working
        assert stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=10).document_json


def test_deadline_cancels_the_work_and_frees_the_worker():
    sidecar = SidecarThread(engine="replay", concurrency=1, delay_s=5.0)
    with sidecar as target, grpc.insecure_channel(target) as ch:
        stub = pb_grpc.DocumentServiceStub(ch)
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as info:
            stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=0.5)
        assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        sidecar.engine.delay_s = 0.0
        # The cancelled extraction stops at once (the engine saw the event): the next one is quick.
        stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=10)
        assert time.monotonic() - started < 4.0


def test_injected_transient_faults_map_to_precise_codes():
    sidecar = SidecarThread(engine="replay")
    with sidecar as target, grpc.insecure_channel(target) as ch:
        stub = pb_grpc.DocumentServiceStub(ch)
        for code in ("UNAVAILABLE", "RESOURCE_EXHAUSTED", "INTERNAL"):
            sidecar.fail_next(code)
            with pytest.raises(grpc.RpcError) as info:
                stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=10)
            assert info.value.code().name == code
        assert stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=10).document_json


def test_bearer_token_is_required_but_health_is_open():
    with SidecarThread(engine="replay", token="s3cret") as target, grpc.insecure_channel(target) as ch:
        stub = pb_grpc.DocumentServiceStub(ch)
        request = pb.ExtractRequest(content=BILL.read_bytes())
        for metadata, message in ((None, "missing"), ([("authorization", "Bearer wrong")], "invalid")):
            with pytest.raises(grpc.RpcError) as info:
                stub.Extract(request, timeout=10, metadata=metadata)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert message in info.value.details().lower()
        with pytest.raises(grpc.RpcError) as info:
            model_pb2_grpc.ModelServiceStub(ch).ExtractOCR(model_pb2.UserRequest(image=b"x"), timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert health_status(ch) == "SERVING"
        assert stub.Extract(request, timeout=10, metadata=[("authorization", "Bearer s3cret")]).document_json


class GatedEngine(BaseEngine):
    """Loads only when the test says so: makes the NOT_SERVING → SERVING transition observable."""

    name, model_name, device, dtype, demo = "replay", "gated", "cpu", "none", False

    def __init__(self):
        from ocr_sidecar.engines.replay import ReplayEngine

        self.inner = ReplayEngine()
        self.gate = threading.Event()

    def load(self):
        self.gate.wait(30)
        self.inner.load()

    def extract(self, doc, cancel=None):
        return self.inner.extract(doc, cancel)


async def test_health_goes_serving_after_load_and_not_serving_while_draining():
    from ocr_sidecar.server import DocumentServer
    from ocr_sidecar.settings import Settings

    engine = GatedEngine()
    server = DocumentServer(Settings(engine="replay", grpc_host="127.0.0.1", grpc_port=0, grace_s=2), engine)
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        health = health_pb2_grpc.HealthStub(ch)
        stub = pb_grpc.DocumentServiceStub(ch)

        async def status(service=""):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

        assert await status() == "NOT_SERVING"
        assert await status("ocr.v1.DocumentService") == "NOT_SERVING"
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=5)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE and "loading" in info.value.details()

        engine.gate.set()
        await server.wait_loaded()
        assert await status() == "SERVING"
        assert await status("model.ModelService") == "SERVING"

        # SIGTERM path: an in-flight request finishes, health flips, new work is refused.
        engine.inner.delay_s = 0.5
        async def call():
            return await stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=10)

        in_flight = asyncio.create_task(call())
        await asyncio.sleep(0.2)
        drain = asyncio.create_task(server.drain(grace=5))
        await asyncio.sleep(0.05)
        assert server.draining
        assert server.health._server_status[""] == health_pb2.HealthCheckResponse.NOT_SERVING
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Extract(pb.ExtractRequest(content=BILL.read_bytes()), timeout=5)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        response = await in_flight
        assert response.document_json
        await drain



def test_metrics_endpoint_counts_requests_by_status():
    port = h.free_port()
    with SidecarThread(engine="replay", metrics_port=port) as target, grpc.insecure_channel(target) as ch:
        extract(ch, BILL.read_bytes())
        with pytest.raises(grpc.RpcError):
            extract(ch, b"")
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'ocr_requests_total{code="OK",method="Extract"} 1.0' in text
    assert 'ocr_requests_total{code="INVALID_ARGUMENT",method="Extract"} 1.0' in text
    assert 'ocr_pages_total{engine="replay"} 1.0' in text
    assert "ocr_request_seconds_bucket" in text and "ocr_queue_depth" in text


class HeldEngine(BaseEngine):
    """The replay engine (gold answers) whose extract waits until the test releases it, counting how many
    documents it reads at once: stands in for a model busy on the GPU."""

    name, model_name, device, dtype, demo = "replay", "held", "cpu", "none", False

    def __init__(self):
        from ocr_sidecar.engines.replay import ReplayEngine

        self.inner = ReplayEngine()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.inside = self.most_inside = 0
        self._lock = threading.Lock()

    def load(self):
        self.inner.load()

    def extract(self, doc, cancel=None):
        with self._lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.entered.set()
        try:
            self.release.wait(20)
            return self.inner.extract(doc, cancel)
        finally:
            with self._lock:
                self.inside -= 1


@pytest.mark.parametrize("prefetch", ["1", "0"])
async def test_next_document_is_opened_while_the_model_reads_the_current_one(prefetch):
    """OCR_PREFETCH=1: with the model busy on one document (OCR_CONCURRENCY=1), the next is opened (its
    pages rendered, OCR'd) meanwhile and waits for the model with its pages ready; the model still reads
    one at a time. OCR_PREFETCH=0 (auto on a CPU): the next is not opened until the first is done."""
    from ocr_sidecar.server import DocumentServer
    from ocr_sidecar.settings import Settings

    engine = HeldEngine()
    server = DocumentServer(Settings(engine="replay", grpc_host="127.0.0.1", grpc_port=0, concurrency=1,
                                     prefetch=prefetch, parse_memory_mb=0), engine)
    assert server.prefetch == int(prefetch)
    opened: list[str] = []
    real_open = server.pipeline.open

    def recording_open(params, *args, **kwargs):
        result = real_open(params, *args, **kwargs)
        opened.append(params.filename)
        return result

    server.pipeline.open = recording_open
    port = await server.start()
    await server.wait_loaded()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = pb_grpc.DocumentServiceStub(ch)
            first = asyncio.ensure_future(stub.Extract(pb.ExtractRequest(content=BILL.read_bytes(),
                                                                         filename="a.pdf"), timeout=30))
            await asyncio.get_running_loop().run_in_executor(None, engine.entered.wait, 10)
            second = asyncio.ensure_future(stub.Extract(pb.ExtractRequest(content=PHOTO.read_bytes(),
                                                                        filename="b.png"), timeout=30))
            for _ in range(100):  # up to 5 s for the second document to be opened
                if "b.png" in opened:
                    break
                await asyncio.sleep(0.05)
            assert engine.inside == 1  # the model is still on the first document
            assert opened == (["a.pdf", "b.png"] if prefetch == "1" else ["a.pdf"])
            engine.release.set()
            replies = await asyncio.gather(first, second)
    finally:
        engine.release.set()
        await server.drain(grace=1)
    assert [json.loads(r.document_json)["total"] for r in replies] == [load_gold(BILL)["total"],
                                                                     load_gold(PHOTO)["total"]]
    assert engine.most_inside == 1  # never two documents in the model at once
    assert opened == ["a.pdf", "b.png"]
    if prefetch == "1":
        assert replies[1].timings.queue_ms > 0  # its wait for the model is queue time


def test_prefetch_setting():
    from ocr_sidecar.settings import Settings

    assert Settings.from_env({"OCR_PREFETCH": "4"}).prefetch_count(False) == 4
    assert Settings.from_env({"OCR_CONCURRENCY": "8"}).prefetch_count(True) == 8  # auto, model on a GPU
    assert Settings.from_env({"OCR_CONCURRENCY": "8"}).prefetch_count(False) == 0  # auto, model on this CPU
    for bad in ("-1", "lots", "999"):
        with pytest.raises(ValueError, match="OCR_PREFETCH"):
            Settings.from_env({"OCR_PREFETCH": bad})
