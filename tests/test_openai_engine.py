"""The ``openai`` engine behind the real gRPC server and pipeline, against a stand-in OpenAI-compatible
inference server (what vLLM/LMDeploy would be on a GPU host): it checks the request the sidecar sends (page
images, the bounded JSON schema for guided decoding, greedy) and answers like such a server does."""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from PIL import Image

from ocr_sidecar.proto import document_service_pb2 as pb
from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
from ocr_sidecar.settings import Settings
from ocr_sidecar.testing import SidecarThread

from conftest import DOCUMENTS_DIR, load_gold

PHOTO = DOCUMENTS_DIR / "img_contoso_simple_invoice.png"


class FakeInferenceServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.answer_text = json.dumps(load_gold(PHOTO), separators=(",", ":"))
        self.finish_reason = "stop"
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._send(200, {"data": [{"id": "OpenGVLab/InternVL3-1B"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                if outer.status != 200:
                    self._send(outer.status, {"error": "overloaded"})
                    return
                text = outer.answer_text
                tokens = [text[i:i + 3] for i in range(0, len(text), 3)]
                self._send(200, {"choices": [{"message": {"role": "assistant", "content": text},
                                              "finish_reason": outer.finish_reason,
                                              "logprobs": {"content": [{"token": t, "logprob": -0.05}
                                                                       for t in tokens]}}],
                                 "usage": {"completion_tokens": len(tokens)}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def inference():
    server = FakeInferenceServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sidecar(inference):
    thread = SidecarThread(engine="openai", openai_url=inference.url)
    target = thread.start()
    channel = grpc.insecure_channel(target)
    yield pb_grpc.DocumentServiceStub(channel)
    channel.close()
    thread.stop()


def test_a_photo_is_read_by_the_inference_server(sidecar, inference):
    inference.requests.clear()
    response = sidecar.Extract(pb.ExtractRequest(content=PHOTO.read_bytes(), filename=PHOTO.name), timeout=30)
    assert response.engine == "openai" and "InternVL3-1B" in response.model
    assert json.loads(response.document_json)["document_number"] == load_gold(PHOTO)["document_number"]
    assert response.field_confidence and all(0.9 < v <= 1.0 for v in response.field_confidence.values())
    [request] = inference.requests
    assert request["temperature"] == 0 and request["max_tokens"] > 0
    schema = request["response_format"]["json_schema"]["schema"]
    assert "document_number" in schema["properties"] and request["response_format"]["type"] == "json_schema"
    head, image_part, tail = request["messages"][0]["content"]
    raw = base64.b64decode(image_part["image_url"]["url"].split(",", 1)[1])
    assert Image.open(io.BytesIO(raw)).format == "JPEG"
    assert head["type"] == tail["type"] == "text", "the fixed instruction first (prefix cache), the page's own after"
    assert "exactly these keys" in head["text"] and tail["text"].endswith("Answer with the JSON object.")


def test_e_invoices_never_reach_the_inference_server(sidecar, inference):
    inference.requests.clear()
    pdf = DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"
    response = sidecar.Extract(pb.ExtractRequest(content=pdf.read_bytes(), filename=pdf.name), timeout=30)
    assert response.engine == "einvoice" and inference.requests == []


def test_a_cut_off_answer_is_repaired_and_flagged(sidecar, inference):
    inference.answer_text = inference.answer_text[:40]
    inference.finish_reason = "length"
    try:
        response = sidecar.Extract(pb.ExtractRequest(content=PHOTO.read_bytes(), filename=PHOTO.name), timeout=30)
    finally:
        inference.answer_text = json.dumps(load_gold(PHOTO), separators=(",", ":"))
        inference.finish_reason = "stop"
    assert any(w.code == "output_truncated" and w.serious for w in response.warnings)
    json.loads(response.document_json)


def test_an_overloaded_inference_server_is_unavailable_for_the_client(sidecar, inference):
    inference.status = 503
    try:
        with pytest.raises(grpc.RpcError) as info:
            sidecar.Extract(pb.ExtractRequest(content=PHOTO.read_bytes(), filename=PHOTO.name), timeout=30)
    finally:
        inference.status = 200
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_engine_needs_its_url():
    with pytest.raises(ValueError, match="OCR_OPENAI_URL"):
        Settings.from_env({"OCR_ENGINE": "openai"})
