"""Micro-batching: documents that arrive together are generated together.

On a GPU one decode step of a 1B model costs about the same for one sequence as for sixteen (it is bound by
reading the weights, not by arithmetic), so running concurrent requests as one batch multiplies throughput.
The server's worker threads each call ``MicroBatcher.submit``; one batching thread takes the first waiting
request, waits at most ``wait_s`` for more (up to ``max_size``), runs them as one batch and hands each caller
its own result or its own error. Nothing here knows about models: ``run_batch`` does the work.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Callable, Generic, Optional, Sequence, TypeVar, Union

from . import errors

log = logging.getLogger("ocr_sidecar.batching")

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    def __init__(self, run_batch: Callable[[list[T]], Sequence[Union[R, BaseException]]], max_size: int,
                 wait_s: float, name: str = "ocr-batcher"):
        if max_size < 1:
            raise ValueError("a batch holds at least one request")
        self.run_batch = run_batch
        self.max_size = max_size
        self.wait_s = max(0.0, wait_s)
        self.name = name
        self.batches: list[int] = []  # sizes of the last batches run (metrics, tests), most recent last
        self._queue: "queue.Queue[Optional[tuple[T, Optional[threading.Event], Future]]]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self._start_lock = threading.Lock()
        self._closed = False

    def submit(self, item: T, cancel: Optional[threading.Event] = None) -> R:
        """Run ``item`` in the next batch and return its result (blocks). A request whose ``cancel`` is set
        before its batch starts is dropped with ``errors.Cancelled``."""
        if self._closed:
            raise errors.NotReady("The server is shutting down.")
        self._ensure_thread()
        future: Future = Future()
        self._queue.put((item, cancel, future))
        return future.result()

    def close(self) -> None:
        """Stop the batching thread once the requests already queued have run."""
        self._closed = True
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def _collect(self, first) -> tuple[list, bool]:
        """The first request and those arriving within ``wait_s`` of it, up to ``max_size``."""
        batch, stop = [first], False
        deadline = time.monotonic() + self.wait_s
        while len(batch) < self.max_size:
            try:
                nxt = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if nxt is None:
                stop = True
                break
            batch.append(nxt)
        return batch, stop

    def _loop(self) -> None:
        try:
            self._serve()
        finally:  # a request that slipped in while closing is refused, never left waiting for ever
            while True:
                try:
                    pending = self._queue.get_nowait()
                except queue.Empty:
                    break
                if pending is not None:
                    pending[2].set_exception(errors.NotReady("The server is shutting down."))

    def _serve(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            batch, stop = self._collect(first)
            live = []
            for item, cancel, future in batch:
                if cancel is not None and cancel.is_set():
                    future.set_exception(errors.Cancelled("The request was cancelled before generation started."))
                else:
                    live.append((item, future))
            if not live:
                continue
            self.batches = (self.batches + [len(live)])[-100:]
            try:
                results = list(self.run_batch([item for item, _ in live]))
                if len(results) != len(live):
                    raise RuntimeError(f"the batch gave {len(results)} results for {len(live)} requests")
            except BaseException as exc:  # one failure fails the batch, never the thread
                log.exception("batch of %d failed", len(live))
                results = [exc] * len(live)
            for (_, future), result in zip(live, results):
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
