"""What every engine receives and returns. Engines never see raw gRPC messages."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional, Protocol

from PIL import Image

if TYPE_CHECKING:
    from ..words import WordLayer


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
    text: Optional[str] = None  # the word layer as layout-preserving text (the prompt reads it)
    words: Optional["WordLayer"] = None  # words with boxes: the PDF's text layer, or OCR of the pixels


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
    from_xml: bool = False  # read from the document's e-invoice XML: exact values, nothing inferred
    evidence: list = field(default_factory=list)  # from_xml: the XML elements of the values (locate.Evidence)


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
