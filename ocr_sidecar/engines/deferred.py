"""An engine whose weights were absent at start: what needs no model is served, the model loads on first need.

E-invoices are read from their XML by the pipeline, before any engine is asked, so a server or an
``extract`` run without weights still answers them. A document that needs the model asks
``model_missing()`` first (the pipeline does, before rendering or OCR): while the weights are absent it
fails alone with ``errors.ModelNotFound`` (gRPC FAILED_PRECONDITION), whose message names the three ways
forward. Once the weights are in place the next such document loads the model (once, under a lock) and
is read as usual — no restart needed.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Optional

from .. import errors
from ..types import DocumentInput, EngineResult
from .base import Engine

log = logging.getLogger("ocr_sidecar.engines")


class DeferredEngine:
    """Wraps ``inner`` (not loaded); ``missing()`` says why it cannot load yet (None: it can)."""

    def __init__(self, inner: Engine, missing: Callable[[], Optional[str]]):
        self.inner = inner
        self._missing = missing
        self._loaded = False
        self._lock = threading.Lock()

    def __getattr__(self, name: str):  # name, model_name, device, dtype, demo, reads_pages, max_tiles, ...
        if name == "inner":  # not set yet (copy, pickle): never recurse
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def on_batch(self):
        return self.inner.on_batch

    @on_batch.setter
    def on_batch(self, callback) -> None:
        self.inner.on_batch = callback

    def model_missing(self) -> Optional[str]:
        """Why a document that needs the model cannot be read now, or None (loaded, or loadable)."""
        return None if self._loaded else self._missing()

    def knows(self, content: bytes) -> bool:
        return self.inner.knows(content)

    def load(self) -> None:
        """At start: load when the weights are there already, else leave it to the first document that needs them."""
        if self._missing() is None:
            self._ensure_loaded()

    def _ensure_loaded(self) -> None:
        with self._lock:
            if self._loaded:
                return
            reason = self._missing()
            if reason is not None:
                raise errors.ModelNotFound(reason)
            log.info("weights found: loading the model now")
            self.inner.load()
            self._loaded = True

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        self._ensure_loaded()
        return self.inner.extract(doc, cancel)
