"""The pipeline's vocabulary: what a document is while it is read, and what reading it gives.

A ground-floor module: every stage, every engine and the sandbox's reply format speak these types, and it
imports nothing of the sidecar but the word layer's types. (``engines/base.py`` is the engine interface; the
canonical document itself is ``schema.py``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from PIL import Image

if TYPE_CHECKING:
    from .words import Box, WordLayer


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
    """What an engine reads: the document's bytes and its opened pages, with the client's request."""

    content: bytes
    mime_type: str  # sniffed (the bytes win over the client's claim)
    filename: str = ""
    pages: list[Page] = field(default_factory=list)
    total_pages: int = 0  # pages in the file (pages may hold fewer: max_pages)
    document_type: Optional[str] = None  # canonical name, None = let the model decide
    prompt: str = ""  # extra instruction from the client
    language_hint: str = ""


@dataclass
class Evidence:
    """Where one value of the document was printed (``locate.py``), or for an e-invoice its XML element."""

    path: str  # JSON path, as in field_confidence: ``lines[2].amount``
    page: int  # 1-based
    boxes: list["Box"] = field(default_factory=list)
    text: str = ""  # as printed
    source: str = ""  # "pdf" or "ocr"
    score: float = 1.0  # 1 for an exact (normalised) match, the fuzzy similarity (0.90–1.00) for text
    rows: list[int] = field(default_factory=list)  # the page's rows (word lines) it was printed on


@dataclass
class EmbeddedFile:
    """A file an e-invoice carries inside its XML (the visual PDF, a time sheet): BG-24's binary objects."""

    filename: str
    mime_type: str
    content: bytes
    description: str = ""


@dataclass
class EngineResult:
    """What reading a document gave: an engine's answer, or the e-invoice stage's."""

    document: dict  # canonical document (validated by the pipeline)
    field_confidence: dict[str, float] = field(default_factory=dict)  # JSON path -> 0..1
    warnings: list[Warning] = field(default_factory=list)
    tokens_out: int = 0
    preprocess_ms: int = 0
    generate_ms: int = 0
    engine: str = ""
    model: str = ""
    from_xml: bool = False  # read from the document's e-invoice XML: exact values, nothing inferred
    evidence: list[Evidence] = field(default_factory=list)  # from_xml: the XML elements of the values
    attachments: list[EmbeddedFile] = field(default_factory=list)  # from_xml: the files the XML carries
    candidates: dict = field(default_factory=dict)  # the words engine: JSON path -> [reader.Candidate], best first


@dataclass
class Opened:
    """What opening the untrusted bytes found (``inputs.open_document``, in the sandbox): the pages (rendered
    unless an e-invoice answered), and that answer."""

    mime_type: str
    pages: list[Page]
    total_pages: int
    warnings: list[Warning] = field(default_factory=list)
    einvoice: Optional[EngineResult] = None
    einvoice_tried: bool = False  # looked for an e-invoice XML (whether or not there was one)
    ocr_ms: int = 0  # of the opening, the time OCR took
