"""bytes → pages → engine → canonical JSON → checks → result. One path for every API and the CLI.

The server runs ``Pipeline.run`` in a worker thread; ``extract`` on the command line and the eval
harness call it directly. Nothing here knows about gRPC.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from pydantic import ValidationError

from . import checks, errors, sandbox
from .answer import leaf_paths
from .engines import make_engine
from .engines.base import Engine
from .evidence import attach as attach_evidence
from .formats import sniff_xml
from .inputs import Limits, open_document, open_words
from .sandbox import Sandbox, SandboxLimits
from .schema import DOCUMENT_TYPES, Document, parse_document
from .settings import Settings
from .types import DocumentInput, EmbeddedFile, Evidence, Opened, Warning

log = logging.getLogger("ocr_sidecar.pipeline")

DEMO_WARNING = Warning(
    "demo_model",
    "Demo model with random weights: the extracted content is meaningless. Put the InternVL3-1B weights in "
    "MODEL_PATH (ocr-sidecar download-model) and restart without --demo.",
    serious=True)


@dataclass
class ExtractParams:
    content: bytes
    mime_type: str = ""
    filename: str = ""
    document_type: Optional[str] = None  # canonical name; None = let the model decide
    prompt: str = ""
    max_pages: int = 0
    language_hint: str = ""
    words_only: bool = False  # the pages' word layer only, no model (an e-invoice is still read from its XML)
    include_attachments: bool = False  # the bytes of the files an e-invoice carries, not only their names
    words_reader: bool = False  # read by the words reader alone (engines/words.py): no VLM, no weights needed


WORDS_ENGINE = "words"  # the engine a words-only answer names


@dataclass
class Timings:
    decode_ms: int = 0
    preprocess_ms: int = 0
    generate_ms: int = 0
    total_ms: int = 0
    tokens_out: int = 0
    queue_ms: int = 0
    ocr_ms: int = 0  # part of decode_ms: OCR of scans and photos


@dataclass
class Result:
    document: dict[str, Any]
    document_json: str
    warnings: list[Warning] = field(default_factory=list)
    field_confidence: dict[str, float] = field(default_factory=dict)
    engine: str = ""
    model: str = ""
    pages: int = 0
    timings: Timings = field(default_factory=Timings)
    words: list = field(default_factory=list)  # the pages' word layers (WordLayer or None), for evidence and eval
    evidence: list[Evidence] = field(default_factory=list)  # where each value was printed (evidence.py)
    attachments: list[EmbeddedFile] = field(default_factory=list)  # the files an e-invoice's XML carries
    candidates: dict = field(default_factory=dict)  # the words reader's: JSON path -> [reader.Candidate], best first
    confirmed: list[str] = field(default_factory=list)  # fields both readers read alike (reader/agree.py)


# A client's extra instruction is a sentence or two; anything longer is either a mistake or an attempt
# to crowd the document out of the model's context.
MAX_PROMPT_CHARS = 4000


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)


class Pipeline:
    def __init__(self, settings: Settings, engine: Engine):
        self.settings = settings
        self.engine = engine
        # OCR costs seconds a page: only for an engine whose prompt reads the words (not replay, not e-invoices)
        words = settings.words if engine.reads_words or settings.words == "off" else "pdf"
        self.limits = Limits(max_bytes=settings.max_bytes, max_pages=settings.max_pages,
                             max_pixels=settings.max_pixels, max_tiles=settings.max_tiles, words=words)
        # a words-only request asks for the word layer itself: scans and photos get their OCR pass
        self.words_limits = dataclasses.replace(self.limits, words=settings.words)
        # The model reads at most OCR_CONCURRENCY documents at once. The server may admit more (OCR_PREFETCH):
        # those are opened — rendered, OCR'd — while the model works, then wait here with their pages ready.
        self.engine_slots = threading.Semaphore(settings.concurrency)
        self._words: Optional[Engine] = None
        # untrusted bytes are opened in limited worker processes (sandbox.py); 0 MiB turns that off
        self.sandbox: Optional[Sandbox] = None
        if settings.parse_memory_mb:
            self.sandbox = sandbox.shared(SandboxLimits(
                memory_mb=settings.parse_memory_mb, cpu_s=settings.parse_cpu_s, pages=settings.max_pages,
                workers=sandbox.default_workers(settings.concurrency)))

    def run(self, params: ExtractParams, cancel: Optional[threading.Event] = None, queue_ms: int = 0) -> Result:
        started = time.perf_counter()
        if params.document_type is not None and params.document_type not in DOCUMENT_TYPES:
            raise errors.InvalidDocument(f"Unknown document type {params.document_type!r}; "
                                         f"use one of {', '.join(DOCUMENT_TYPES)}.")
        if len(params.prompt) > MAX_PROMPT_CHARS:
            raise errors.InvalidDocument(f"The prompt is {len(params.prompt):,} characters; at most {MAX_PROMPT_CHARS:,} "
                                         "are accepted (it is an extra instruction, not a document).")
        # stage 1: the untrusted bytes → pages, and the e-invoice XML when there is one (no model needed);
        # an engine that answers a document itself (replay: its gold) is asked before that stage
        if params.words_only:
            return self._words_only(params, started, queue_ms)
        engine = self._words_engine() if params.words_reader else self.engine
        # without weights (engines/deferred.py) only the e-invoice is looked for: no rendering or OCR for a
        # document that will fail anyway
        model_missing = engine.model_missing()
        # an engine that reads no pages (einvoice) is answered by this stage alone, whatever OCR_EINVOICE says
        read_einvoice = self.settings.einvoice or not engine.reads_pages
        opened = self.open(params, read_einvoice=read_einvoice and not engine.knows(params.content),
                           render=model_missing is None, words_reader=params.words_reader)
        doc = DocumentInput(content=params.content, mime_type=opened.mime_type, filename=params.filename,
                            pages=opened.pages, total_pages=opened.total_pages, document_type=params.document_type,
                            prompt=params.prompt, language_hint=params.language_hint)
        warnings, result = list(opened.warnings), opened.einvoice
        engine_wait_ms = 0
        decode_ms = _ms(started)
        # stage 2: the engine reads the pages
        if result is None:
            if doc.mime_type == "application/xml" and engine.reads_pages:
                raise errors.InvalidDocument(
                    "The XML is not an e-invoice this server reads (Factur-X/ZUGFeRD/XRechnung CII, UBL, "
                    "Order-X). Send the PDF or an image of the document instead.")
            if model_missing is not None and engine.reads_pages:
                raise errors.ModelNotFound(f"{model_missing[0].upper()}{model_missing[1:]}.")
            if cancel is not None and cancel.is_set():
                raise errors.Cancelled("The request was cancelled before the document was read.")
            if engine is not self.engine:  # the words reader takes milliseconds: no model slot to wait for
                result = engine.extract(doc, cancel)
            else:
                engine_wait_ms = self._engine_slot(cancel)
                try:
                    result = engine.extract(doc, cancel)
                finally:
                    self.engine_slots.release()
        # stage 3: the canonical document, its checks
        document, repair_warnings = validate(result.document, None if result.from_xml else params.document_type)
        warnings += result.warnings + repair_warnings
        document_dict = document.model_dump(mode="json")
        warnings += checks.check_document(document_dict)
        evidence: list[Evidence] = []
        confirmed: list[str] = []
        confidence = {k: float(min(max(v, 0.0), 1.0)) for k, v in result.field_confidence.items()}
        if not result.from_xml:  # stages 4 and 5: evidence, the second reader (an e-invoice's values are its XML's)
            checked = check_pages(document_dict, [p.words for p in doc.pages], confidence,
                                  second_reader=engine.name != WORDS_ENGINE and self.settings.checks_with_words)
            warnings += checked.warnings
            evidence, confidence, confirmed = checked.evidence, checked.confidence, checked.confirmed
            if checked.candidates is not None:
                result.candidates = checked.candidates
        else:  # the XML elements the values were read from (located where the XML was parsed)
            kept = set(leaf_paths(document_dict))
            evidence = [e for e in result.evidence if e.path in kept]
        if engine.demo and not result.from_xml:
            warnings.insert(0, DEMO_WARNING)
        timings = Timings(decode_ms=decode_ms, preprocess_ms=result.preprocess_ms, generate_ms=result.generate_ms,
                          tokens_out=result.tokens_out, queue_ms=queue_ms + engine_wait_ms, ocr_ms=opened.ocr_ms)
        timings.total_ms = _ms(started) + queue_ms
        return Result(document=document_dict, document_json=document.to_json(), warnings=warnings,
                      field_confidence=confidence, engine=result.engine or engine.name,
                      model=result.model or engine.model_name, pages=len(doc.pages) or doc.total_pages,
                      timings=timings, words=[] if result.from_xml else [p.words for p in doc.pages],
                      evidence=evidence, attachments=result.attachments, candidates=result.candidates,
                      confirmed=confirmed)

    def _words_engine(self) -> Engine:
        """The words reader as an engine (a request asks for it, whatever engine the server runs)."""
        if self._words is None:
            from .engines.words import WordsEngine  # noqa: PLC0415

            words = WordsEngine()
            words.load()
            self._words = words
        return self._words

    def _engine_slot(self, cancel: Optional[threading.Event]) -> int:
        """Waits for one of the model's slots (milliseconds waited); a cancelled request stops waiting."""
        waited = time.perf_counter()
        while not self.engine_slots.acquire(timeout=0.05):
            if cancel is not None and cancel.is_set():
                raise errors.Cancelled("The request was cancelled while its pages waited for the model.")
        return _ms(waited)

    def _words_only(self, params: ExtractParams, started: float, queue_ms: int) -> Result:
        """The pages' word layers and an empty document, no engine: a client that reads the document itself
        (the Odoo addon, from a vendor's learned layout) asks for this first. An e-invoice is answered from its
        XML as in ``run`` — exact, and as quick as the words."""
        opened = self.open(params, read_einvoice=self.settings.einvoice, words_only=True)
        if opened.einvoice is not None:
            result = opened.einvoice
            document, repair = validate(result.document)
            document_dict = document.model_dump(mode="json")
            warnings = list(opened.warnings) + result.warnings + repair + checks.check_document(document_dict)
            engine, model = result.engine or "einvoice", result.model or "einvoice"
            confidence = {k: float(min(max(v, 0.0), 1.0)) for k, v in result.field_confidence.items()}
        else:
            document, warnings = Document(document_type=params.document_type), list(opened.warnings)
            document_dict, engine, model, confidence = document.model_dump(mode="json"), WORDS_ENGINE, "", {}
        layers = [p.words for p in opened.pages]
        timings = Timings(decode_ms=_ms(started), queue_ms=queue_ms, ocr_ms=opened.ocr_ms)
        timings.total_ms = _ms(started) + queue_ms
        return Result(document=document_dict, document_json=document.to_json(), warnings=warnings,
                      field_confidence=confidence, engine=engine, model=model,
                      pages=len(opened.pages) or opened.total_pages, timings=timings, words=layers,
                      attachments=opened.einvoice.attachments if opened.einvoice is not None else [])

    def open(self, params: ExtractParams, read_einvoice: bool, render: bool = True,
             words_only: bool = False, words_reader: bool = False) -> Opened:
        """The untrusted bytes → pages (and an e-invoice answer), in the sandbox unless it is turned off."""
        if words_only:
            args = (params.content, params.mime_type, params.filename, self.words_limits, params.max_pages,
                    read_einvoice)
            return open_words(*args) if self.sandbox is None else self.sandbox.run(
                open_words, *args, xml=sniff_xml(params.content))
        args = (params.content, params.mime_type, params.filename, self.limits)
        kwargs = dict(requested_pages=params.max_pages, read_einvoice=read_einvoice,
                      render=render and self.engine.reads_pages)  # the einvoice engine reads XML only
        if words_reader:
            args = (params.content, params.mime_type, params.filename, self.words_limits)
            kwargs["render"] = render
        if self.sandbox is None:
            return open_document(*args, **kwargs)
        return self.sandbox.run(_open_document, *args, *kwargs.values(), xml=sniff_xml(params.content))


def _open_document(content, mime_type, filename, limits, requested_pages, read_einvoice, render) -> Opened:
    """``open_document`` with positional arguments only (what the sandbox sends to its worker)."""
    return open_document(content, mime_type, filename, limits, requested_pages=requested_pages,
                         read_einvoice=read_einvoice, render=render)


@dataclass
class PagesCheck:
    """What the pages say of an answer read from them: where each value is printed, the values printed nowhere,
    and (second reader) the fields both readers read alike, the words reader's candidates and its objections."""

    evidence: list[Evidence]
    warnings: list[Warning]
    confidence: dict[str, float]
    confirmed: list[str] = field(default_factory=list)
    candidates: Optional[dict] = None  # None: the words reader did not read


def check_pages(document: dict, layers: list, confidence: dict[str, float], second_reader: bool = True) -> PagesCheck:
    """Stages 4 and 5 of ``Pipeline.run`` for a canonical ``document`` read from pages with these word ``layers``
    (None for a page without one): evidence (``evidence.attach``) and, with ``second_reader``, the words reader's
    reading of the same pages compared with the answer (``reader/agree.py``). Pure: benchmarks/verified_injected.py
    runs it on generated word layers too."""
    evidence, warnings, confidence = attach_evidence(document, layers, confidence)
    checked = PagesCheck(evidence=evidence, warnings=list(warnings), confidence=confidence)
    if not second_reader or not any(layer is not None and layer.words for layer in layers):
        return checked
    try:
        from .reader import read_layers  # noqa: PLC0415
        from .reader.agree import compare  # noqa: PLC0415

        reading = read_layers(layers)
        agreement = compare(document, reading, confidence)
    except Exception:  # noqa: BLE001 - a check that fails must not cost the answer
        log.exception("the words reader failed; the answer is not cross-checked")
        return checked
    checked.candidates = reading.candidates
    checked.warnings += agreement.warnings
    checked.confidence, checked.confirmed = agreement.confidence, agreement.confirmed
    return checked


def validate(data: dict[str, Any], document_type: Optional[str] = None) -> tuple[Document, list[Warning]]:
    """The canonical ``Document`` of an engine's output; invalid fields are dropped with a warning.

    Grammar-constrained output is valid by construction; this is the safety net for engines that are
    not constrained (the e-invoice mapper, an OpenAI-compatible server) so one bad value never costs
    the whole document.
    """
    warnings: list[Warning] = []
    data = dict(data or {})
    if document_type and data.get("document_type") in (None, ""):
        data["document_type"] = document_type
    for _ in range(50):
        try:
            return parse_document(data), warnings
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = [p for p in first["loc"]]
            path = _path(loc)
            if not _drop(data, loc):
                warnings.append(Warning("schema_repair", f"The extracted document was unusable ({first['msg']}) "
                                                         "and was replaced by an empty one.", serious=True))
                return Document(document_type=document_type), warnings
            warnings.append(Warning("schema_repair", f"{path}: {first['msg']}; the value was dropped.", path,
                                    serious=True))
    return Document(document_type=document_type), warnings


def _path(loc: list) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _drop(data: Any, loc: list) -> bool:
    """Set the value at ``loc`` to None (or delete an unknown key, or a list item that is not an object);
    False when nothing can be dropped."""
    if not loc:
        return False
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    key = loc[-1]
    if isinstance(parent, dict) and key in parent:
        if parent[key] is None:
            del parent[key]
        else:
            parent[key] = None
        return True
    if isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
        # The item itself is not an object (null, a number, a list): a list of lines or taxes has no use for a
        # null item, so the item goes in one step and the items after it move up. (Nulling it first and
        # popping it on the next round wrote the null over its neighbour, or past the list's end.)
        del parent[key]
        return True
    return False


def build_extractor(engine: Optional[str] = None, settings: Optional[Settings] = None
                    ) -> Callable[[bytes, str], Result]:
    """A loaded pipeline as a plain function ``(content, filename) -> Result`` (eval harness, CLI)."""
    settings = settings or Settings.from_env()
    if engine:
        settings = settings.replace(engine=engine)
    eng = make_engine(settings)
    eng.load()
    pipeline = Pipeline(settings, eng)

    def extract(content: bytes, filename: str = "") -> Result:
        return pipeline.run(ExtractParams(content=content, filename=filename))

    extract.pipeline = pipeline  # type: ignore[attr-defined]
    return extract
