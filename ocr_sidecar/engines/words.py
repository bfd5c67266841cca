"""The words engine: a document read by the words reader alone (``ocr_sidecar.reader``) — the pages' word layer
(PDF text layer, or OCR of scans and photos) ranked by a small trained model, in milliseconds, with no VLM weights.
Its answer holds the header fields; lines are left to the VLM."""

from __future__ import annotations

import threading
import time
from typing import Optional

from ..answer import leaf_paths
from ..types import DocumentInput, EngineResult
from .base import BaseEngine


class WordsEngine(BaseEngine):
    name = "words"
    reads_words = True  # scans and photos get their OCR pass: the words are all it reads

    def __init__(self) -> None:
        self.model_name = "words-reader"

    def load(self) -> None:
        from ..reader.model import shared  # noqa: PLC0415

        trained = shared().trained
        self.model_name = f"words-reader (seed {trained.get('seed')}, {trained.get('documents')} generated documents)"

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        from ..reader import read_layers  # noqa: PLC0415

        started = time.perf_counter()
        reading = read_layers([page.words for page in doc.pages])
        document = dict(reading.document)
        if doc.document_type:
            document["document_type"] = doc.document_type
        answered = set(leaf_paths(document))
        confidence = {path: found[0].score for path, found in reading.candidates.items() if found and path in answered}
        return EngineResult(document=document, field_confidence=confidence, engine=self.name, model=self.model_name,
                            generate_ms=int((time.perf_counter() - started) * 1000), candidates=reading.candidates)

