"""MicroBatcher: the grouping of concurrent requests, without a model."""

from __future__ import annotations

import threading
import time

import pytest

from ocr_sidecar import errors
from ocr_sidecar.batching import MicroBatcher


def _run_together(batcher, items, cancels=None):
    results: dict = {}

    def call(i, item):
        try:
            results[i] = batcher.submit(item, (cancels or {}).get(i))
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i, item)) for i, item in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return [results.get(i) for i in range(len(items))]


def test_requests_arriving_together_share_a_batch_and_get_their_own_results():
    seen = []

    def run(batch):
        seen.append(list(batch))
        return [x * 10 for x in batch]

    batcher = MicroBatcher(run, max_size=8, wait_s=0.5)
    assert _run_together(batcher, [1, 2, 3]) == [10, 20, 30]
    assert batcher.batches == [3] and sorted(seen[0]) == [1, 2, 3]
    batcher.close()


def test_a_batch_never_exceeds_its_size():
    batcher = MicroBatcher(lambda batch: list(batch), max_size=2, wait_s=0.3)
    assert _run_together(batcher, list(range(5))) == list(range(5))
    assert max(batcher.batches) <= 2 and sum(batcher.batches) == 5
    batcher.close()


def test_one_request_does_not_wait_for_company_longer_than_the_window():
    batcher = MicroBatcher(lambda batch: list(batch), max_size=8, wait_s=0.05)
    started = time.monotonic()
    assert batcher.submit("alone") == "alone"
    assert time.monotonic() - started < 5
    batcher.close()


def test_per_request_errors_and_batch_failures_reach_their_callers_and_the_thread_survives():
    def run(batch):
        if "boom" in batch:
            raise RuntimeError("the batch failed")
        return [ValueError(x) if x == "bad" else x.upper() for x in batch]

    batcher = MicroBatcher(run, max_size=4, wait_s=0.3)
    good, bad = _run_together(batcher, ["ok", "bad"])
    assert good == "OK" and isinstance(bad, ValueError)
    failed = _run_together(batcher, ["boom"])
    assert isinstance(failed[0], RuntimeError)
    assert batcher.submit("again") == "AGAIN"
    batcher.close()


def test_a_request_cancelled_while_waiting_never_runs():
    ran = []
    cancel = threading.Event()
    cancel.set()
    batcher = MicroBatcher(lambda batch: ran.extend(batch) or list(batch), max_size=4, wait_s=0.3)
    kept, dropped = _run_together(batcher, ["kept", "dropped"], {1: cancel})
    assert kept == "kept" and isinstance(dropped, errors.Cancelled)
    assert ran == ["kept"]
    batcher.close()


def test_a_closed_batcher_refuses_new_work():
    batcher = MicroBatcher(lambda batch: list(batch), max_size=2, wait_s=0)
    batcher.close()
    with pytest.raises(errors.NotReady):
        batcher.submit(1)
    with pytest.raises(ValueError):
        MicroBatcher(lambda batch: batch, max_size=0, wait_s=0)


def test_a_request_that_slips_in_while_closing_is_refused_not_left_waiting():
    batcher = MicroBatcher(lambda batch: list(batch), max_size=2, wait_s=0)
    assert batcher.submit(1) == 1
    from concurrent.futures import Future

    late: Future = Future()
    batcher._queue.put(None)  # close() in progress ...
    batcher._queue.put((2, None, late))  # ... while a caller that passed the closed check enqueues
    batcher._thread.join(5)
    with pytest.raises(errors.NotReady):
        late.result(timeout=5)
