"""Replay engine: answers the gold JSON of known documents, by content hash.

It replaces only the model: requests still go through the real server, input decoding, limits,
schema validation and checks; e-invoices it has no gold for are read by the e-invoice path, as in
production (those it knows are answered from gold, so evals score the corpus the same way). Used by
the Odoo addon tests (a sidecar on loopback that answers what a perfect model would), by demos of
the Odoo side on machines without weights, and by the eval harness to prove that a perfect
extraction scores 100 %.

Test hooks: ``add(content, document)`` registers more documents; ``fail_next(code)`` makes the next
requests fail with a gRPC status (transient or permanent) so clients' retry logic can be tested;
``delay_s`` simulates inference time (it honours cancellation, like the real engine).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from pathlib import Path
from typing import Optional

from .. import errors
from ..answer import leaf_paths
from ..types import DocumentInput, EngineResult
from .base import BaseEngine

DOCUMENT_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".xml"}

FAULTS = {
    "UNAVAILABLE": lambda: errors.NotReady("Injected fault: the sidecar is unavailable (test)."),
    "RESOURCE_EXHAUSTED": lambda: errors.QueueFull("Injected fault: the queue is full (test).", retry_after_s=1.0),
    "DEADLINE_EXCEEDED": lambda: errors.Cancelled("Injected fault: the deadline passed (test)."),
    "INVALID_ARGUMENT": lambda: errors.InvalidDocument("Injected fault: the document is invalid (test)."),
    "INTERNAL": lambda: errors.SidecarError("Injected fault: internal error (test)."),
}


def default_documents_dir() -> Optional[Path]:
    here = Path(__file__).resolve().parents[2]  # repository root in a checkout
    candidate = here.parent / "shared" / "data" / "documents"
    return candidate if candidate.is_dir() else None


class ReplayEngine(BaseEngine):
    name = "replay"

    def __init__(self, documents_dir: Optional[Path] = None, delay_s: float = 0.0):
        self.documents_dir = Path(documents_dir) if documents_dir else default_documents_dir()
        self.model_name = "replay (gold files)"
        self.delay_s = delay_s
        self._by_hash: dict[str, dict] = {}
        self._faults: deque = deque()
        self._lock = threading.Lock()
        self.calls = 0

    def load(self) -> None:
        if self.documents_dir is None or not self.documents_dir.is_dir():
            return  # nothing to replay but what tests add()
        for path in sorted(self.documents_dir.iterdir()):
            gold = path.with_name(path.stem + ".gold.json")
            if path.suffix.lower() in DOCUMENT_SUFFIXES and gold.exists():
                self._by_hash[hashlib.sha256(path.read_bytes()).hexdigest()] = json.loads(gold.read_text())

    def add(self, content: bytes, document: dict) -> None:
        with self._lock:
            self._by_hash[hashlib.sha256(content).hexdigest()] = document

    def knows(self, content: bytes) -> bool:
        with self._lock:
            return hashlib.sha256(content).hexdigest() in self._by_hash

    def fail_next(self, code: str, times: int = 1) -> None:
        if code not in FAULTS:
            raise ValueError(f"unknown fault {code!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend([code] * times)

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        with self._lock:
            self.calls += 1
            fault = self._faults.popleft() if self._faults else None
        if fault:
            raise FAULTS[fault]()
        started = time.perf_counter()
        if self.delay_s:
            if cancel is not None and cancel.wait(self.delay_s):
                raise errors.Cancelled("The request was cancelled before the document was read.")
            if cancel is None:
                time.sleep(self.delay_s)
        if cancel is not None and cancel.is_set():
            raise errors.Cancelled("The request was cancelled before the document was read.")
        document = self._by_hash.get(hashlib.sha256(doc.content).hexdigest())
        if document is None:
            raise errors.InvalidDocument(
                "The replay engine knows no gold JSON for this document (it answers only the corpus "
                "documents and those a test registered). Run the internvl engine to read new documents.")
        document = json.loads(json.dumps(document))
        return EngineResult(document=document, field_confidence={p: 1.0 for p in leaf_paths(document)},
                            generate_ms=int((time.perf_counter() - started) * 1000), engine=self.name,
                            model=self.model_name)
