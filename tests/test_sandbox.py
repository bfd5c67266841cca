"""The sandbox that opens untrusted bytes: limits hold, a worker over a limit is replaced, the next job runs.

The jobs here are small functions of this module (the worker imports it by name), standing in for a
decoder that allocates or loops without end; the real decoders on real bombs are in test_hostile.py.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
import struct
import time
from pathlib import Path

import pytest
from PIL import Image

from ocr_sidecar.errors import BrokenEInvoice, InvalidDocument
from ocr_sidecar.sandbox import Sandbox, SandboxLimits
from ocr_sidecar.types import EngineResult, Evidence, Opened, Page, Warning
from ocr_sidecar.words import Word, WordLayer


def allocate(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def spin() -> None:
    while True:
        pass


def pid() -> int:
    return os.getpid()


def refuse() -> None:
    raise InvalidDocument("The PDF is encrypted.")


def refuse_einvoice() -> None:
    raise BrokenEInvoice("The e-invoice XML is not well-formed.")


def opened() -> Opened:
    """Everything a real reply carries: pages with pixels and word layers, warnings, an e-invoice answer."""
    image = Image.new("RGB", (40, 30), (250, 240, 230))
    image.putpixel((3, 4), (1, 2, 3))
    layer = WordLayer("ocr", [Word("Total", (0.1, 0.2, 0.3, 0.25), line=2, confidence=0.9)], angle=90)
    einvoice = EngineResult(document={"total": 12.5, "lines": [{"amount": 1.0}], "seller": None},
                            field_confidence={"total": 1.0}, warnings=[Warning("w", "m", "total", True)],
                            engine="einvoice", model="cii", from_xml=True,
                            evidence=[Evidence("total", 0, [(0.0, 0.0, 1.0, 1.0)], "12.50", "xml", rows=[3])])
    return Opened("application/pdf", [Page(0, image, "Total 12.50", layer), Page(1, None)], 2,
                  [Warning("pages_skipped", "Only the first 2 of 3 pages were read.", serious=True)], einvoice, True,
                  ocr_ms=7)


def unsupported() -> object:
    return {1, 2}


def _my_socket() -> int:
    """In a worker: the socket to the server (the only socket it has)."""
    for name in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                return int(name)
        except OSError:
            continue
    raise RuntimeError("no socket")


def answer_with(frames: list[bytes]) -> None:
    """In a worker: what a decoder that a document took over could do — write any frames to the server."""
    fd = _my_socket()
    for frame in frames:
        os.write(fd, struct.pack("!i", len(frame)) + frame)
    time.sleep(60)  # and never answer properly


class _RunsCodeWhenUnpickled:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))  # unpickling creates the file


def _header(value, blobs: int = 0, status: str = "ok") -> bytes:
    return json.dumps({"status": status, "value": value, "blobs": blobs}).encode()


@pytest.fixture
def box(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    sandbox = Sandbox(SandboxLimits(memory_mb=512, cpu_s=2, workers=1))
    yield sandbox
    sandbox.close()


def test_a_worker_is_reused_across_documents(box):
    first = box.run(pid)
    assert box.run(pid) == first != os.getpid()


def test_memory_over_the_limit_is_a_readable_refusal_and_the_worker_lives_on(box):
    assert box.run(allocate, 64) == 64 * 1024 * 1024
    with pytest.raises(InvalidDocument) as info:
        box.run(allocate, 2048)
    assert "more than 512 MiB" in info.value.message and "OCR_PARSE_MEMORY_MB" in info.value.message
    assert box.run(allocate, 64) == 64 * 1024 * 1024


def test_cpu_time_over_the_limit_kills_the_worker_and_a_new_one_takes_the_next_job(box):
    before = box.run(pid)
    started = time.monotonic()
    with pytest.raises(InvalidDocument) as info:
        box.run(spin)
    assert "more than 2 s" in info.value.message and "OCR_PARSE_CPU_S" in info.value.message
    assert time.monotonic() - started < 10
    assert box.replaced == 1
    assert box.run(pid) != before


def test_an_xml_over_the_cpu_limit_is_told_about_its_xml_not_its_pages(box):
    """An e-invoice has no pages to scan: the refusal speaks of the XML and of asking the sender (issue #32)."""
    with pytest.raises(InvalidDocument) as info:
        box.run(spin, xml=True)
    assert "Reading the XML takes more than 2 s" in info.value.message
    assert "scan or photo" not in info.value.message and "pages" not in info.value.message


def test_the_decoders_own_refusals_come_back_as_they_were(box):
    with pytest.raises(InvalidDocument, match="The PDF is encrypted."):
        box.run(refuse)
    assert box.replaced == 0


def test_a_memory_error_while_decoding_is_resource_exhausted_not_a_damaged_file(monkeypatch):
    """In the server's own process (sandbox off) a MemoryError is the server's shortage, not the file's fault."""
    import grpc

    from ocr_sidecar import inputs
    from ocr_sidecar.proto import document_service_pb2 as pb
    from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
    from ocr_sidecar.testing import SidecarThread

    import sidecar_helpers as h

    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(inputs.Image, "open", no_memory)
    with SidecarThread(engine="replay", parse_memory_mb=0) as target, grpc.insecure_channel(target) as channel:
        with pytest.raises(grpc.RpcError) as info:
            pb_grpc.DocumentServiceStub(channel).Extract(pb.ExtractRequest(content=h.png(300, 400)), timeout=20)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, info.value.details()
    assert "ran out of memory" in info.value.details()


def test_a_reply_comes_back_as_it_was_sent_and_as_data(box):
    assert box.run(opened) == opened()
    assert box.run(pid) != os.getpid()


def test_the_decoders_refusals_keep_their_kind_and_a_value_outside_the_format_is_our_bug(box):
    with pytest.raises(BrokenEInvoice, match="not well-formed"):
        box.run(refuse_einvoice)
    with pytest.raises(RuntimeError, match="set is not part of the sandbox's reply format"):
        box.run(unsupported)
    assert box.replaced == 0


HOSTILE_REPLIES = {
    "a pickle that runs code": lambda marker: [pickle.dumps(("ok", _RunsCodeWhenUnpickled(marker)))],
    "not JSON": lambda marker: [b"\x80\x04garbage"],
    "an unknown record": lambda marker: [_header({"c": "Popen", "f": {"args": ["touch", marker]}})],
    "a record with a field it lacks": lambda marker: [_header({"c": "Warning", "f": {"__class__": 1}})],
    "an unknown tag": lambda marker: [_header({"x": 1})],
    "pixels that do not fit the image": lambda marker: [_header({"i": ["RGB", 1000, 1000, 0]}, 1), b"\x00" * 10],
    "a blob that is not there": lambda marker: [_header({"b": 3}, 1), b"x"],
    "a refusal of another kind": lambda marker: [_header(["SystemExit", "bye"], status="refused")],
    "a header of another shape": lambda marker: [json.dumps(["ok", 1]).encode()],
    "nested without end": lambda marker: [b"[" * 100_000 + b"]" * 100_000],
}


@pytest.mark.parametrize("name", list(HOSTILE_REPLIES))
def test_a_worker_reply_outside_the_format_is_refused_cleanly_and_the_worker_replaced(box, tmp_path, name):
    marker = tmp_path / "code-ran"
    before = box.run(pid)
    started = time.monotonic()
    with pytest.raises(InvalidDocument, match="could not be opened safely"):
        box.run(answer_with, HOSTILE_REPLIES[name](str(marker)))
    assert time.monotonic() - started < 5  # refused on reading, not at the time limit
    assert not marker.exists()  # nothing the worker sent ran here
    assert box.replaced == 1 and box.run(pid) != before


def test_a_frame_longer_than_a_reply_may_be_is_refused_unread(box):
    from ocr_sidecar.sandbox import MAX_HEADER_BYTES

    with pytest.raises(InvalidDocument, match="could not be opened safely"):
        box.run(announce, MAX_HEADER_BYTES + 1)
    assert box.replaced == 1


def announce(length: int) -> None:
    """In a worker: announce a frame of ``length`` bytes and send none of it."""
    os.write(_my_socket(), struct.pack("!i", length))
    time.sleep(60)
