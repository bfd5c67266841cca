"""The addon's pure-Python gRPC client and queue decisions, without Odoo.

Two real sidecar processes on loopback (replay engine) show the client spreading load over its
endpoint list and failing over when one is killed.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

import sidecar_helpers as h
from conftest import DOCUMENTS_DIR, ROOT, load_mapping_lib

lib = load_mapping_lib()
from document_digitize_lib import client, queue  # noqa: E402  (registered by load_mapping_lib)

BILL = DOCUMENTS_DIR / "i2d_NetpresseInvoice.pdf"
NOW = dt.datetime(2026, 11, 24, 12, 0)


def test_permanent_errors_fail_at_once():
    decision = queue.after_failure(transient=False, attempts=1, max_attempts=5, reason="bad pdf", now=NOW)
    assert decision == queue.Decision("error", None, "bad pdf")


def test_transient_errors_back_off_exponentially_then_give_up():
    delays = []
    for attempt in range(1, 5):
        d = queue.after_failure(transient=True, attempts=attempt, max_attempts=5, reason="down", now=NOW)
        assert d.state == "queued"
        delays.append((d.next_attempt - NOW).total_seconds())
    assert delays == [60, 120, 240, 480]
    last = queue.after_failure(transient=True, attempts=5, max_attempts=5, reason="down", now=NOW)
    assert last.state == "error" and "Gave up after 5 attempts" in last.message


def test_backoff_honours_the_servers_retry_hint_and_a_cap():
    assert queue.backoff_delay(1, retry_after=300) == 300
    assert queue.backoff_delay(20) == queue.MAX_DELAY_S


def test_stuck_processing_is_detected_after_the_longest_attempt_the_timeout_allows():
    assert queue.is_stuck(NOW - dt.timedelta(hours=2), NOW, 600)
    assert not queue.is_stuck(NOW - dt.timedelta(minutes=5), NOW, 600)
    assert not queue.is_stuck(None, NOW, 600)


def test_a_long_timeout_moves_the_stuck_threshold_with_it():
    """With a 2-hour timeout a record read for 90 minutes is still being read, not stuck: it is not claimed
    a second time (the fixed one-hour threshold did)."""
    assert not queue.is_stuck(NOW - dt.timedelta(minutes=90), NOW, 7200)
    longest_attempt = queue.CALLS_PER_ATTEMPT * 7200
    assert not queue.is_stuck(NOW - dt.timedelta(seconds=longest_attempt), NOW, 7200)
    assert queue.is_stuck(NOW - dt.timedelta(seconds=longest_attempt + queue.STUCK_MARGIN_S + 1), NOW, 7200)
    # a short timeout: a dead worker's record comes back soon
    assert queue.is_stuck(NOW - dt.timedelta(minutes=10), NOW, 60)


def test_no_endpoint_is_a_clear_permanent_error():
    with pytest.raises(client.PermanentError, match="No sidecar endpoint"):
        client.EndpointSettings.parse(" , ")



def _start(port: int, metrics: int) -> subprocess.Popen:
    env = {**os.environ, "OCR_ENGINE": "replay", "GRPC_HOST": "127.0.0.1", "GRPC_PORT": str(port),
           "OCR_METRICS_PORT": str(metrics), "OCR_GRACE_S": "0", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "ocr_sidecar", "serve"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _served(metrics: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith('ocr_requests_total{code="OK",method="Extract"}'):
            return float(line.split()[-1])
    return 0.0


def test_two_sidecar_processes_share_the_load_and_fail_over():
    ports, metrics = [h.free_port(), h.free_port()], [h.free_port(), h.free_port()]
    procs = [_start(p, m) for p, m in zip(ports, metrics)]
    try:
        settings = client.EndpointSettings.parse(",".join(f"127.0.0.1:{p}" for p in ports), timeout=20)
        content = BILL.read_bytes()
        from ocr_sidecar.healthcheck import probe

        deadline = time.monotonic() + 60
        while not all(probe(f"127.0.0.1:{p}", timeout=1) == 0 for p in ports):  # both loaded (SERVING)
            assert time.monotonic() < deadline, "sidecars did not start"
            time.sleep(0.3)
        results = [client.extract(settings, content, filename=BILL.name) for _ in range(6)]
        assert {r.document["document_number"] for r in results} == {"2022089083"}
        assert {r.endpoint for r in results} == {f"127.0.0.1:{p}" for p in ports}
        assert [_served(m) for m in metrics] == [3.0, 3.0]
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(10)
        after = [client.extract(settings, content, filename=BILL.name) for _ in range(4)]
        assert {r.endpoint for r in after} == {f"127.0.0.1:{ports[1]}"}
        assert len({r.request_id for r in results + after}) == 10
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def test_a_sidecar_restarted_at_the_same_address_answers_the_next_call():
    """The process's cached channel saw its sidecar go away and sits in reconnect backoff: without a fresh
    channel every call failed at once with "connection refused" for up to two minutes, sidecar back or not."""
    from ocr_sidecar.testing import SidecarThread

    content = BILL.read_bytes()
    first = SidecarThread(engine="replay", documents_dir=DOCUMENTS_DIR)
    endpoint = first.start()
    settings = client.EndpointSettings.parse(endpoint, timeout=20)
    assert client.extract(settings, content, filename=BILL.name).document["document_number"] == "2022089083"
    first.stop()
    with pytest.raises(client.TransientError, match="(?i)connect|unavailable"):
        client.extract(settings, content, filename=BILL.name)  # down: a fast, retryable failure
    again = SidecarThread(engine="replay", documents_dir=DOCUMENTS_DIR, port=int(endpoint.rsplit(":", 1)[1]))
    try:
        again.start()
        started = time.monotonic()
        result = client.extract(settings, content, filename=BILL.name)
        assert result.document["document_number"] == "2022089083" and result.endpoint == endpoint
        assert time.monotonic() - started < 10
    finally:
        again.stop()


def test_e_documents_are_recognised_for_the_immediate_path():
    """The button reads e-invoices/e-orders at once (XML inside); everything else goes to the queue."""
    for path in sorted(DOCUMENTS_DIR.iterdir()):
        if path.suffix.lower() not in (".pdf", ".jpg", ".png"):
            continue
        expected = path.name.startswith(("fx_", "ox_")) or path.name == "i2d_AzureInterior.pdf"
        assert client.carries_einvoice(path.read_bytes()) is expected, path.name
    assert client.carries_einvoice(b"<?xml version='1.0'?><Invoice/>")
    assert client.carries_einvoice(b"<Invoice/>", "application/xml")
    assert not client.carries_einvoice(b"%PDF-1.4 no attachments here")
