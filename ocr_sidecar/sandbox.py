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

What a worker answers is data only, never a pickle: a JSON header of plain values and a few named record
types (``Opened``, ``Page``, ``WordLayer`` …), followed by raw byte frames (page pixels). A decoder that a
document took over could write anything to its pipe; unpickling that would run its code in the server, so
the server decodes the format above and nothing else, and refuses any other answer (the worker is replaced).
What the sandbox does and does not protect against is in docs/security.md.
"""

from __future__ import annotations

import dataclasses
import json
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

from . import errors
from .errors import InvalidDocument

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
            fn, args, cpu_s = conn.recv()  # from the server: trusted
        except (EOFError, OSError):
            return
        _JOB_CPU_S = cpu_s
        rearm_cpu()
        try:
            status, value = "ok", fn(*args)
        except MemoryError:
            status, value = "memory", None
        except InvalidDocument as exc:  # the decoders' own verdicts: damaged, encrypted, too many pages...
            status, value = "refused", [type(exc).__name__, exc.message]
        except BaseException as exc:  # noqa: BLE001 - a bug of ours, reported as INTERNAL by the parent
            status, value = "failed", f"{type(exc).__name__}: {exc}"
        try:
            frames = encode_reply(status, value)
        except MemoryError:  # the answer itself did not fit
            frames = encode_reply("memory", None)
        except Exception as exc:  # noqa: BLE001 - a value the format does not carry: our bug, said as such
            frames = encode_reply("failed", f"the reply cannot be sent: {exc}")
        value = None
        for frame in frames:
            conn.send_bytes(frame)


# --- the reply: data only ---------------------------------------------------------------------------------
#
# frames = [header, blob 0, blob 1, …]; header = JSON {"status", "value", "blobs": count}. In "value", JSON's
# own types stand for themselves; everything else is an object of one key: {"t": [...]} a tuple,
# {"d": [[key, value], ...]} a dict, {"b": n} the bytes of blob n, {"i": [mode, width, height, n]} an image
# whose pixels are blob n, {"c": name, "f": {field: value}} one of the record types below, by name.

MAX_HEADER_BYTES = 64 * 1024 * 1024  # word layers and an e-invoice's values: a few MB at most
MAX_BLOBS = 1024
IMAGE_BANDS = {"RGB": 3, "L": 1, "RGBA": 4}  # what pages are (RGB); the others cost nothing to allow
# the refusals a decoder makes (by name): a worker cannot make the server answer anything but INVALID_ARGUMENT
REFUSALS = {name: cls for name, cls in vars(errors).items()
            if isinstance(cls, type) and issubclass(cls, InvalidDocument)}


def _records() -> dict[str, type]:
    """The record types a reply may carry, by name (imported late: the sandbox imports nothing of the decoders)."""
    from .types import EmbeddedFile, EngineResult, Evidence, Opened, Page, Warning
    from .words import Word, WordLayer

    return {cls.__name__: cls for cls in (Opened, Page, Warning, EngineResult, Evidence, EmbeddedFile, WordLayer, Word)}


class BadReply(Exception):
    """A worker's answer that is not the reply format: the worker is not trusted again."""


def encode_reply(status: str, value: Any) -> list[bytes]:
    """The frames of a reply (in the worker)."""
    from PIL import Image

    records = _records()
    blobs: list[bytes] = []

    def blob(data: bytes) -> int:
        blobs.append(data)
        return len(blobs) - 1

    def enc(v: Any) -> Any:
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [enc(x) for x in v]
        if isinstance(v, tuple):
            return {"t": [enc(x) for x in v]}
        if isinstance(v, dict):
            return {"d": [[enc(k), enc(x)] for k, x in v.items()]}
        if isinstance(v, (bytes, bytearray, memoryview)):
            return {"b": blob(bytes(v))}
        if isinstance(v, Image.Image):
            if v.mode not in IMAGE_BANDS:
                v = v.convert("RGB")
            return {"i": [v.mode, v.width, v.height, blob(v.tobytes())]}
        if dataclasses.is_dataclass(v) and records.get(type(v).__name__) is type(v):
            return {"c": type(v).__name__, "f": {f.name: enc(getattr(v, f.name)) for f in dataclasses.fields(v)}}
        raise TypeError(f"a {type(v).__name__} is not part of the sandbox's reply format")

    header = json.dumps({"status": status, "value": enc(value), "blobs": len(blobs)}).encode()
    return [header, *blobs]


def decode_header(frame: bytes) -> tuple[str, Any, int]:
    """Status, undecoded value and blob count of a reply's first frame; ``BadReply`` for anything else."""
    try:
        header = json.loads(frame)
    except (ValueError, RecursionError):
        raise BadReply("its header is not JSON") from None
    if not (isinstance(header, dict) and set(header) == {"status", "value", "blobs"}
            and header["status"] in ("ok", "memory", "refused", "failed")
            and type(header["blobs"]) is int and 0 <= header["blobs"] <= MAX_BLOBS):
        raise BadReply("its header is not the reply header")
    return header["status"], header["value"], header["blobs"]


def decode_value(value: Any, blobs: list[bytes]) -> Any:
    """The value of a reply, rebuilt from plain data and the record types above; ``BadReply`` for anything else."""
    from PIL import Image

    records = _records()

    def dec(v: Any) -> Any:
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [dec(x) for x in v]
        if not isinstance(v, dict):
            raise BadReply(f"a {type(v).__name__} in its value")
        if set(v) == {"c", "f"}:
            cls = records.get(v["c"]) if isinstance(v["c"], str) else None
            names = {f.name for f in dataclasses.fields(cls) if f.init} if cls else set()
            if cls is None or not isinstance(v["f"], dict) or not set(v["f"]) <= names:
                raise BadReply(f"an unknown record {str(v['c'])[:40]!r}")
            return cls(**{name: dec(x) for name, x in v["f"].items()})
        if len(v) != 1:
            raise BadReply("an object that is no tagged value")
        ((tag, body),) = v.items()
        if tag == "t" and isinstance(body, list):
            return tuple(dec(x) for x in body)
        if tag == "d" and isinstance(body, list) and all(isinstance(p, list) and len(p) == 2 for p in body):
            pairs = [(dec(k), dec(x)) for k, x in body]
            if not all(k is None or isinstance(k, (bool, int, float, str)) for k, _ in pairs):
                raise BadReply("a dict key that is no plain value")
            return dict(pairs)
        if tag == "b" and type(body) is int and 0 <= body < len(blobs):
            return blobs[body]
        if tag == "i" and isinstance(body, list) and len(body) == 4:
            mode, width, height, index = body
            if (mode in IMAGE_BANDS and type(width) is int and type(height) is int and width > 0 and height > 0
                    and type(index) is int and 0 <= index < len(blobs)
                    and len(blobs[index]) == width * height * IMAGE_BANDS[mode]):
                return Image.frombytes(mode, (width, height), blobs[index])
            raise BadReply("an image whose pixels do not match its size")
        raise BadReply(f"an unknown tag {str(tag)[:20]!r}")

    try:
        return dec(value)
    except RecursionError:
        raise BadReply("its value is nested too deeply") from None
    except (TypeError, ValueError) as exc:  # a record's own checks
        raise BadReply(f"a record that cannot be built ({exc})") from None


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

    ``fn`` must be a module-level function (it is pickled by name, to the worker) and its arguments
    picklable; its result must be of the reply format (plain values, bytes, images and the record types of
    ``_records``), which is all that comes back. Refusals (``InvalidDocument``) raised in the worker are
    raised again here; a worker that runs out of memory, CPU time or wall time, crashes, or answers
    anything but the reply format becomes an ``InvalidDocument``.
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

    def run(self, fn: Callable[..., Any], *args: Any, xml: bool = False) -> Any:
        """``fn(*args)`` in a worker; ``xml``: the document is an XML (a refusal then speaks of its XML)."""
        worker = self._acquire()
        try:
            status, value = self._call(worker, fn, args)
        except WorkerDied as died:
            self._replace(worker)
            raise self._refusal(died, xml) from None
        except BadReply as bad:
            self._replace(worker)  # it spoke out of turn once: never trusted with another document
            log.warning("sandbox: a worker answered outside the reply format (%s); it was replaced", bad)
            raise InvalidDocument("The document could not be opened safely: its decoder gave an answer that is "
                                  "not the sandbox's reply format. Send a scan or photo of the pages, or print it "
                                  "to a new PDF.") from None
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

    def _call(self, worker: _Worker, fn, args) -> tuple[str, Any]:
        """Send one job, read its reply (data only): status and value, checked. ``BadReply`` for any other answer."""
        try:
            worker.conn.send((fn, args, self.limits.cpu_s))
            deadline = time.monotonic() + self.limits.wall_s
            status, value, count = decode_header(self._frame(worker, deadline, MAX_HEADER_BYTES))
            budget = self.limits.memory_mb * 1024 * 1024  # more than this the worker could not have held
            blobs = []
            for _ in range(count):
                blobs.append(self._frame(worker, deadline, max(budget, 1)))
                budget -= len(blobs[-1])
            value = decode_value(value, blobs)
        except (EOFError, OSError):
            try:
                worker.process.wait(5)
            except subprocess.TimeoutExpired:
                worker.kill()
            raise WorkerDied(worker.exitcode) from None
        if status == "refused":
            if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
                    and value[0] in REFUSALS and isinstance(value[1], str)):
                raise BadReply("a refusal of no known kind")
            return status, (REFUSALS[value[0]], value[1])
        if status == "failed" and not isinstance(value, str):
            raise BadReply("a failure without its message")
        return status, None if status == "memory" else value

    def _frame(self, worker: _Worker, deadline: float, maxlength: int) -> bytes:
        """The next frame of the worker's reply, at most ``maxlength`` bytes, before the wall-time deadline."""
        while not worker.conn.poll(0.2):
            if not worker.alive():
                raise EOFError
            if time.monotonic() > deadline:
                worker.kill()
                raise WorkerDied(None, timed_out=True)
        try:
            return worker.conn.recv_bytes(maxlength)
        except OSError:
            if worker.alive():  # the frame announced more than it may hold (a dead worker ends in EOFError)
                raise BadReply(f"a frame of more than {maxlength:,} bytes") from None
            raise

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

    def _refusal(self, died: WorkerDied, xml: bool = False) -> InvalidDocument:
        code = died.exitcode
        if (died.timed_out or code == -signal.SIGXCPU or code == -signal.SIGKILL) and xml:
            log.warning("sandbox: an XML hit the CPU/time limit (exit code %s)", code)
            return InvalidDocument(
                f"Reading the XML takes more than {self.limits.cpu_s} s (OCR_PARSE_CPU_S): it is far larger or "
                "more deeply nested than an e-invoice. Ask the sender for the e-invoice again, or send the invoice "
                "as a PDF.")
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
