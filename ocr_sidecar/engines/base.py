"""What every engine receives and returns. Engines never see raw gRPC messages."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Optional, Protocol

from PIL import Image


@dataclass
class Warning:
    code: str
    message: str
    field: str = ""
    serious: bool = False


@dataclass
class Page:
    index: int  # 0-based
    image: Optional[Image.Image]  # RGB, EXIF-rotated; None when the engine needs no pixels
    text: Optional[str] = None  # PDF text layer, when the page has one


@dataclass
class DocumentInput:
    content: bytes
    mime_type: str  # sniffed (the bytes win over the client's claim)
    filename: str = ""
    pages: list[Page] = field(default_factory=list)
    total_pages: int = 0  # pages in the file (pages may hold fewer: max_pages)
    document_type: Optional[str] = None  # canonical name, None = let the model decide
    prompt: str = ""  # extra instruction from the client
    language_hint: str = ""
    einvoice_tried: bool = False  # the pipeline already looked for an e-invoice XML (in the sandbox)


@dataclass
class EngineResult:
    document: dict  # canonical document (validated by the pipeline)
    field_confidence: dict[str, float] = field(default_factory=dict)  # JSON path -> 0..1
    warnings: list[Warning] = field(default_factory=list)
    tokens_out: int = 0
    preprocess_ms: int = 0
    generate_ms: int = 0
    engine: str = ""
    model: str = ""


class Engine(Protocol):
    name: str  # "internvl" | "einvoice" | "replay"
    model_name: str  # name + revision, reported in responses
    device: str
    dtype: str
    demo: bool  # random-weight demo model: every response carries a warning

    def load(self) -> None:
        """Load weights; slow. The server reports NOT_SERVING until this returns."""

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        """Blocking; runs in a worker thread. Must stop soon after ``cancel`` is set (raise errors.Cancelled)."""
