"""A newcomer without weights: e-invoices are read, every other document fails alone with the ways forward,
and the model loads on the first document that needs it once the weights are there — no restart.

Real server on port 0 with the real InternVL engine (no weights at MODEL_PATH, later the tiny random model
copied in), real stubs; ``DeferredEngine`` alone with a stand-in engine for the load-once rule.
"""

from __future__ import annotations

import json
import shutil
import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ocr_sidecar import errors
from ocr_sidecar.engines import make_engine, weights_missing
from ocr_sidecar.engines.base import BaseEngine
from ocr_sidecar.engines.deferred import DeferredEngine
from ocr_sidecar.proto import document_service_pb2 as pb
from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
from ocr_sidecar.proto import model_pb2, model_pb2_grpc
from ocr_sidecar.settings import Settings
from ocr_sidecar.testing import SidecarThread
from ocr_sidecar.types import EngineResult

from conftest import DOCUMENTS_DIR, load_gold

FACTURX = DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"
PLAIN_PDF = DOCUMENTS_DIR / "i2d_oyo.pdf"
PHOTO = DOCUMENTS_DIR / "img_contoso_receipt_photo2.png"


def assert_names_the_three_ways_forward(message: str, model_path) -> None:
    assert str(model_path) in message
    assert "download-model" in message and "--demo" in message and "--engine einvoice" in message


def test_make_engine_defers_internvl_only_when_its_weights_are_missing(tmp_path, tiny_model_dir):
    assert isinstance(make_engine(Settings(model_path=tmp_path)), DeferredEngine)
    assert not isinstance(make_engine(Settings(model_path=tiny_model_dir)), DeferredEngine)
    assert not isinstance(make_engine(Settings(model_path=tmp_path, engine="einvoice")), DeferredEngine)
    assert weights_missing(tiny_model_dir) is None
    assert_names_the_three_ways_forward(weights_missing(tmp_path), tmp_path)


def test_a_folder_with_part_of_the_weights_is_no_weights_and_says_what_is_missing(tmp_path, tiny_model_dir):
    """A download cut short (config.json there, the weights not): the server must not try to load it."""
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_model_dir / name, partial)
    message = weights_missing(partial)
    assert message.startswith(f"incomplete InternVL3-1B weights in {partial} (missing: model.safetensors)")
    assert_names_the_three_ways_forward(message, partial)
    assert isinstance(make_engine(Settings(model_path=partial)), DeferredEngine)


def test_a_server_without_weights_reads_einvoices_refuses_the_rest_precisely_then_loads_them(tmp_path,
                                                                                             tiny_model_dir):
    weights = tmp_path / "InternVL3-1B-hf"
    weights.mkdir()
    thread = SidecarThread(engine="internvl", model_path=weights, max_tokens=32, max_tiles=2, device="cpu",
                           dtype="fp32")
    with thread as target, grpc.insecure_channel(target) as channel:
        stub = pb_grpc.DocumentServiceStub(channel)
        # Health says what is true: serving (e-invoices are answered) …
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        # … and GetInfo says without what.
        info = stub.GetInfo(pb.GetInfoRequest(), timeout=5)
        missing = [w for w in info.warnings if w.code == "model_missing"]
        assert len(missing) == 1 and missing[0].serious
        assert_names_the_three_ways_forward(missing[0].message, weights.absolute())
        assert not any(w.code == "not_ready" for w in info.warnings)

        # The Factur-X invoice is read from its XML, exactly.
        reply = stub.Extract(pb.ExtractRequest(content=FACTURX.read_bytes(), filename=FACTURX.name), timeout=30)
        assert reply.engine == "einvoice"
        assert json.loads(reply.document_json)["total"] == load_gold(FACTURX)["total"]

        # A plain PDF and a photo need the model: FAILED_PRECONDITION, fast (nothing rendered or OCR'd), saying how.
        for content, call in ((PLAIN_PDF.read_bytes(), stub.Extract),
                              (PHOTO.read_bytes(), model_pb2_grpc.ModelServiceStub(channel).ExtractOCR)):
            request = (pb.ExtractRequest(content=content) if call == stub.Extract
                       else model_pb2.UserRequest(image=content))
            started = time.perf_counter()
            with pytest.raises(grpc.RpcError) as info_:
                call(request, timeout=30)
            assert info_.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert_names_the_three_ways_forward(info_.value.details(), weights.absolute())
            assert time.perf_counter() - started < 5
        # Bad input is still bad input, whatever the weights.
        with pytest.raises(grpc.RpcError) as info_:
            stub.Extract(pb.ExtractRequest(content=b""), timeout=10)
        assert info_.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # An e-invoice still passes after a refusal: each document fails alone.
        assert stub.Extract(pb.ExtractRequest(content=FACTURX.read_bytes()), timeout=30).engine == "einvoice"
        # The words reader needs no weights: asked for, it reads the plain PDF and the photo (after its OCR).
        for path in (PLAIN_PDF, PHOTO):
            reply = stub.Extract(pb.ExtractRequest(content=path.read_bytes(), filename=path.name, words_reader=True),
                                 timeout=120)
            assert reply.engine == "words" and reply.model.startswith("words-reader")
            fields = {found.path: found.candidates for found in reply.candidates}
            first = fields["total"][0]
            if first.score >= 0.5:  # the best candidate is the answer where the reader is more right than wrong
                assert json.loads(reply.document_json)["total"] == json.loads(first.value_json)
            assert 0 < first.score <= 1 and first.page == 1 and first.boxes and first.text
            assert 0 <= first.boxes[0].x0 < first.boxes[0].x1 <= 1

        # The weights arrive (download-model finished): the next document that needs them loads the model.
        shutil.copytree(tiny_model_dir, weights, dirs_exist_ok=True)
        reply = stub.Extract(pb.ExtractRequest(content=PLAIN_PDF.read_bytes(), filename=PLAIN_PDF.name), timeout=300)
        assert reply.engine == "internvl" and reply.document_json
        assert reply.candidates  # the words reader read the page too, and checked the model's answer
        info = stub.GetInfo(pb.GetInfoRequest(), timeout=5)
        assert not any(w.code == "model_missing" for w in info.warnings)


class CountingEngine(BaseEngine):
    name = model_name = "counting"

    def __init__(self):
        self.loads = 0

    def load(self):
        time.sleep(0.2)  # long enough for the second document to arrive while the first loads
        self.loads += 1

    def extract(self, doc, cancel=None):
        assert self.loads == 1, "extract before load"
        return EngineResult(document={}, engine="counting")


def test_deferred_engine_loads_once_on_first_need_and_refuses_before(tmp_path):
    marker = tmp_path / "weights"
    inner = CountingEngine()
    engine = DeferredEngine(inner, lambda: None if marker.exists() else "no weights in the test folder")
    engine.load()  # at start, without weights: nothing loads, nothing fails
    assert inner.loads == 0 and engine.model_missing() == "no weights in the test folder"
    with pytest.raises(errors.ModelNotFound) as info:
        engine.extract(None)
    assert info.value.grpc_code_name == "FAILED_PRECONDITION"
    marker.touch()
    assert engine.model_missing() is None
    results = []
    threads = [threading.Thread(target=lambda: results.append(engine.extract(None).engine)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == ["counting"] * 4 and inner.loads == 1
    # what the server sets and reads passes through to the wrapped engine
    engine.on_batch = print
    assert inner.on_batch is print and engine.name == "counting" and engine.demo is False
