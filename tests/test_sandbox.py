"""The sandbox that opens untrusted bytes: limits hold, a worker over a limit is replaced, the next job runs.

The jobs here are small functions of this module (the worker imports it by name), standing in for a
decoder that allocates or loops without end; the real decoders on real bombs are in test_hostile.py.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ocr_sidecar.errors import InvalidDocument
from ocr_sidecar.sandbox import Sandbox, SandboxLimits


def allocate(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def spin() -> None:
    while True:
        pass


def pid() -> int:
    return os.getpid()


def refuse() -> None:
    raise InvalidDocument("The PDF is encrypted.")


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
