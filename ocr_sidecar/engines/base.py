"""The engine interface: what the pipeline asks of an engine, and the defaults. Engines never see raw gRPC
messages; what they read and return (``DocumentInput``, ``EngineResult``) is the pipeline's vocabulary,
``ocr_sidecar.types``."""

from __future__ import annotations

import threading
from typing import Callable, Optional, Protocol

from ..types import DocumentInput, EngineResult


class Engine(Protocol):
    """What the pipeline asks of an engine; every engine declares each of these (``BaseEngine`` has defaults)."""

    name: str  # "internvl" | "openai" | "einvoice" | "replay"
    model_name: str  # name + revision, reported in responses
    device: str
    dtype: str
    demo: bool  # random-weight demo model: every response carries a warning
    reads_pages: bool  # it reads rendered pages; False: the document's XML only (the e-invoice engine)
    reads_words: bool  # its prompt takes the pages' words: scans and photos are worth an OCR pass
    on_batch: Optional[Callable[[int], None]]  # told the size of each batch it runs (server metrics)

    def knows(self, content: bytes) -> bool:
        """True when this engine answers the document itself, before the pipeline's e-invoice stage (replay:
        its gold documents, so an e-invoice of the corpus replays its gold)."""

    def load(self) -> None:
        """Load weights; slow. The server reports NOT_SERVING until this returns."""

    def model_missing(self) -> Optional[str]:
        """Why a document that needs the model cannot be read now (no weights: ``deferred.DeferredEngine``), or
        None. The pipeline asks before rendering, so such a document fails fast and an e-invoice still passes."""

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        """Blocking; runs in a worker thread. Must stop soon after ``cancel`` is set (raise errors.Cancelled)."""


class BaseEngine:
    """The defaults of ``Engine``: an engine that reads pages, is no demo, does not batch, knows nothing itself."""

    name = "engine"
    model_name = "engine"
    device = "cpu"
    dtype = "none"
    demo = False
    reads_pages = True
    reads_words = False
    on_batch: Optional[Callable[[int], None]] = None

    def knows(self, content: bytes) -> bool:
        return False

    def load(self) -> None:
        return None

    def model_missing(self) -> Optional[str]:
        return None
