"""Untrusted bytes are opened in worker processes whose memory and CPU time are capped.

A 1.5 MB PDF whose page content inflates to 1.5 GB, a PNG of 400 Mpx, a PDF attachment that is a zip
bomb: the native decoders (pdfium, libpng, libxml2) allocate whatever the file asks for, and in the
server's own process that takes the model and every other user's request down with it. So the whole
"bytes → pages" step (``inputs.open_document``) runs in a separate process with
``RLIMIT_AS`` (address space) set once at start and ``RLIMIT_CPU`` re-armed before every job (the limit
counts the process's whole life, so each job gets ``used + budget``). A document over a limit kills or
fails only its worker; it is replaced, the request gets INVALID_ARGUMENT saying what to send instead,
and the server keeps serving.

Workers are fresh interpreters (a fork of a process with gRPC and torch threads is unsafe), started
once and reused across documents, so an ordinary PDF pays one pipe round trip (milliseconds), not a start.
"""

from __future__ import annotations

import logging
import os
import queue
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable, Optional

from .errors import InvalidDocument, SidecarError

log = logging.getLogger("ocr_sidecar.sandbox")


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 2048  # address space of one worker (RLIMIT_AS), imports and the OCR models included
    cpu_s: int = 30  # CPU seconds one document may take to open and render (each page, when it is OCR'd)
    workers: int = 1  # documents opened at once
    pages: int = 1  # pages a document may have: each may get its own CPU budget (rearm_cpu)

    @property
    def wall_s(self) -> float:
        # a worker that sleeps or blocks instead of burning CPU is stopped too
        return self.cpu_s * (self.pages + 1) + 10


# --- the worker process ---------------------------------------------------------------------------


_JOB_CPU_S: Optional[int] = None  # in a worker: the CPU budget of the job being run


def rearm_cpu() -> None:
    """In a worker: give the job a fresh CPU budget from now (each page of a long document, before its OCR).
    Elsewhere (no sandbox): nothing to do."""
    if _JOB_CPU_S is None:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (int(usage.ru_utime + usage.ru_stime) + 1 + _JOB_CPU_S, hard))


def _serve(fd: int, memory_bytes: int) -> None:  # pragma: no cover - runs in the child process
    global _JOB_CPU_S
    conn = Connection(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            fn, args, cpu_s = conn.recv()
        except (EOFError, OSError):
            return
        _JOB_CPU_S = cpu_s
        rearm_cpu()
        try:
            reply: tuple = ("ok", fn(*args))
        except MemoryError:
            reply = ("memory", None)
        except SidecarError as exc:  # the decoders' own verdicts: damaged, encrypted, too many pages...
            reply = ("refused", (type(exc), exc.message))
        except BaseException as exc:  # noqa: BLE001 - a bug of ours, reported as INTERNAL by the parent
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except MemoryError:
            reply = None
        if reply is None:  # pickling the answer itself did not fit
            conn.send(("memory", None))


class _Worker:
    """One child ``python -c`` process on one end of a socket pair. Not ``multiprocessing``'s spawn: that
    re-runs the parent's main script in the child, which breaks (or starts a second server) whenever the
    sidecar is embedded in a script, Odoo's launcher or a test runner."""

    def __init__(self, limits: SandboxLimits):
        parent, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [package_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        code = f"from ocr_sidecar.sandbox import _serve; _serve({child.fileno()}, {limits.memory_mb * 1024 * 1024})"
        try:
            self.process = subprocess.Popen([sys.executable, "-c", code], pass_fds=(child.fileno(),), env=env,
                                            stdin=subprocess.DEVNULL, close_fds=True)
        finally:
            child.close()
        self.conn = Connection(parent.detach())

    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def exitcode(self) -> Optional[int]:
        return self.process.poll()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
            pass
        self.conn.close()


class WorkerDied(Exception):
    def __init__(self, exitcode: Optional[int], timed_out: bool = False):
        super().__init__(f"sandbox worker died (exit code {exitcode}, timed out {timed_out})")
        self.exitcode = exitcode
        self.timed_out = timed_out


class Sandbox:
    """A small pool of limited worker processes; ``run(fn, *args)`` calls ``fn`` in one of them.

    ``fn`` must be a module-level function (it is pickled by name) and its arguments and result
    picklable. Refusals (``SidecarError``) raised in the worker are raised again here; a worker that
    runs out of memory, CPU time or wall time, or crashes, becomes an ``InvalidDocument``.
    """

    def __init__(self, limits: SandboxLimits):
        self.limits = limits
        self._idle: "queue.Queue[_Worker]" = queue.Queue()
        self._lock = threading.Lock()
        self._started = 0
        self._closed = False
        self.replaced = 0  # workers killed by a limit (or a crash) and replaced: a metric of hostile input

    def warm(self) -> None:
        """Start one worker now (server start-up), so the first document does not pay for it."""
        self._release(self._acquire())

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        worker = self._acquire()
        try:
            status, value = self._call(worker, fn, args)
        except WorkerDied as died:
            self._replace(worker)
            raise self._refusal(died) from None
        except BaseException:
            self._replace(worker)  # interrupted mid-call: its pipe may hold half a message
            raise
        self._release(worker)
        if status == "ok":
            return value
        if status == "refused":
            exc_type, message = value
            raise exc_type(message)
        if status == "memory":
            raise InvalidDocument(self._memory_message())
        raise RuntimeError(f"opening the document failed in the sandbox: {value}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return

    # --- internals -------------------------------------------------------------------------------

    def _call(self, worker: _Worker, fn, args) -> tuple:
        try:
            worker.conn.send((fn, args, self.limits.cpu_s))
            deadline = time.monotonic() + self.limits.wall_s
            while not worker.conn.poll(0.2):
                if not worker.alive():
                    break
                if time.monotonic() > deadline:
                    worker.kill()
                    raise WorkerDied(None, timed_out=True)
            return worker.conn.recv()
        except (EOFError, OSError):
            try:
                worker.process.wait(5)
            except subprocess.TimeoutExpired:
                worker.kill()
            raise WorkerDied(worker.exitcode) from None

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("the sandbox is closed")
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
            if self._started < self.limits.workers:
                self._started += 1
                start = True
            else:
                start = False
        if start:
            try:
                return _Worker(self.limits)
            except BaseException:
                with self._lock:
                    self._started -= 1
                raise
        return self._idle.get()

    def _release(self, worker: _Worker) -> None:
        if worker.alive() and not self._closed:
            self._idle.put(worker)
        else:
            worker.kill()
            with self._lock:
                self._started -= 1

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self.replaced += 1
        with self._lock:
            self._started -= 1

    def _memory_message(self) -> str:
        return (f"Opening the document needs more than {self.limits.memory_mb} MiB of memory "
                "(OCR_PARSE_MEMORY_MB): it expands to far more than its size on the wire (a compressed page "
                "or image of enormous size). Send a scan or photo of the pages, or print it to a new PDF.")

    def _refusal(self, died: WorkerDied) -> InvalidDocument:
        code = died.exitcode
        if died.timed_out or code == -signal.SIGXCPU or code == -signal.SIGKILL:
            log.warning("sandbox: a document hit the CPU/time limit (exit code %s)", code)
            return InvalidDocument(
                f"Opening the document takes more than {self.limits.cpu_s} s (OCR_PARSE_CPU_S): its pages are far "
                "too complex or it expands enormously. Send a scan or photo of the pages, or print it to a new PDF.")
        log.warning("sandbox: the decoder died on a document (exit code %s)", code)
        # pdfium aborts (SIGABRT) when an allocation over the limit fails: most deaths are the memory limit
        return InvalidDocument(
            f"The document could not be opened within this server's limit of {self.limits.memory_mb} MiB per "
            "document (OCR_PARSE_MEMORY_MB): it expands to far more than its size on the wire, or it is damaged. "
            "Send a scan or photo of the pages, or print it to a new PDF.")


_SHARED: dict[SandboxLimits, Sandbox] = {}
_SHARED_LOCK = threading.Lock()


def shared(limits: SandboxLimits) -> Sandbox:
    """One sandbox per process and limits (tests build many pipelines; each must not start workers)."""
    with _SHARED_LOCK:
        box = _SHARED.get(limits)
        if box is None:
            box = _SHARED[limits] = Sandbox(limits)
        return box


def default_workers(concurrency: int) -> int:
    return max(1, min(concurrency, os.cpu_count() or 1, 4))
