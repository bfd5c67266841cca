"""gRPC client of the OCR sidecar — plain Python, no ORM (testable without Odoo).

Fork safety: Odoo forks its workers after import, and a gRPC channel must not cross a fork. Channels
are created lazily in the process that uses them, cached per (process id, endpoint settings), and
rebuilt when either changes. Nothing is created at import time. A call that could not connect is tried
once more on a new channel to the same endpoint before the next one: a cached channel whose sidecar
restarted stays in reconnect backoff and would refuse every call for up to two minutes.

TLS: server verified against the CA given (or the system's roots); mutual TLS when a client certificate
and its key are given (both PEM; ``normalize_pem`` restores line breaks a single-line input dropped). A
token sent without TLS is logged as a warning once per channel: anyone on the path can read it.

Several endpoints (comma-separated, or one ``dns:///name:port`` resolving to several addresses): the
client starts at a rotating position and fails over to the next endpoint on UNAVAILABLE, so load is
spread and a dead replica costs two fast failures (the second on a new channel), not a bill in error.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

_logger = logging.getLogger(__name__)

TRANSIENT_CODES = {"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "ABORTED", "INTERNAL", "UNKNOWN",
                   "CANCELLED"}


class DigitizeError(Exception):
    def __init__(self, reason: str, code: str = "", request_id: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.request_id = request_id


class TransientError(DigitizeError):
    """Worth retrying later: the sidecar is down, busy, or was too slow."""

    def __init__(self, reason: str, code: str = "", request_id: str = "", retry_after: Optional[float] = None):
        super().__init__(reason, code, request_id)
        self.retry_after = retry_after


class PermanentError(DigitizeError):
    """Retrying cannot help: the document is invalid, or the settings are wrong."""


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


def normalize_pem(text: str) -> str:
    """PEM blocks with their line breaks restored (a password or one-line input drops them) and nothing
    around them; text with no PEM block is returned stripped, for the TLS library to refuse."""
    blocks = _PEM_BLOCK.findall(text or "")
    if not blocks:
        return (text or "").strip()
    out = []
    for label, body in blocks:
        lines = [line.strip() for line in body.strip().splitlines()]
        headers = [line for line in lines if ":" in line]  # e.g. Proc-Type of an old encrypted key
        data = "".join(line for line in lines if line and ":" not in line)
        wrapped = [data[i:i + 64] for i in range(0, len(data), 64)]
        out.append("\n".join([f"-----BEGIN {label}-----", *headers, *([""] if headers else []), *wrapped,
                              f"-----END {label}-----"]))
    return "\n".join(out) + "\n"


@dataclass
class EndpointSettings:
    endpoints: tuple[str, ...]
    tls: bool = False
    ca_pem: str = ""
    token: str = ""
    timeout: float = field(kw_only=True)  # seconds; the setting and its default: config.DigitizeConfig.timeout
    cert_pem: str = ""  # client certificate (chain) for mutual TLS
    key_pem: str = ""  # its private key

    @classmethod
    def parse(cls, endpoints: str, **kwargs: Any) -> "EndpointSettings":
        items = tuple(e.strip() for e in (endpoints or "").replace(";", ",").split(",") if e.strip())
        if not items:
            raise PermanentError("No sidecar endpoint is configured: set it in Accounting > Settings > "
                                 "Document digitization.", code="FAILED_PRECONDITION")
        settings = cls(endpoints=items, **kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        if bool(self.cert_pem) != bool(self.key_pem):
            raise PermanentError("Mutual TLS needs both the client certificate and its private key: set the missing "
                                 "one in Settings > Document digitization (or clear both).",
                                 code="FAILED_PRECONDITION")
        if self.cert_pem and not self.tls:
            raise PermanentError("A client certificate is set but TLS is off: turn TLS on in Settings > Document "
                                 "digitization (mutual TLS needs it), or clear the certificate.",
                                 code="FAILED_PRECONDITION")

    def key(self) -> tuple:
        return (self.endpoints, self.tls, self.ca_pem, self.cert_pem, self.key_pem)


@dataclass
class ExtractResult:
    document: dict
    document_json: str
    warnings: list[dict] = field(default_factory=list)
    field_confidence: dict[str, float] = field(default_factory=dict)
    engine: str = ""
    model: str = ""
    pages: int = 0
    request_id: str = ""
    endpoint: str = ""
    total_ms: int = 0
    # the pages' word layers, [{"page", "source", "words": [[text, x0, y0, x1, y1, line], ...]}] (lib/layout/words.py)
    page_words: list[dict] = field(default_factory=list)
    # where each value was printed: [{"path", "page", "boxes": [[x0, y0, x1, y1], ...], "text", "source"}]
    # (page 1-based, 0 for an e-invoice's XML; boxes in 0..1 of the page, origin top left; lib/evidence.py)
    evidence: list[dict] = field(default_factory=list)
    # the files an e-invoice's XML carries: [{"filename", "mime_type", "size", "content" (bytes, when asked),
    # "description"}]
    attachments: list[dict] = field(default_factory=list)
    # the words reader's candidates per JSON path, best first: [{"value", "score", "page", "boxes", "text"}]
    candidates: dict[str, list[dict]] = field(default_factory=dict)
    # the paths whose value the model and the words reader read alike (lib/verified.py)
    confirmed: list[str] = field(default_factory=list)


class _Channels:
    """Per-process channel cache (see module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: Optional[int] = None
        self._key: Optional[tuple] = None
        self._channels: dict[str, Any] = {}
        self._counter = itertools.count()

    def get(self, settings: EndpointSettings) -> list[tuple[str, Any]]:
        with self._lock:
            if self._pid != os.getpid() or self._key != settings.key():
                # After a fork the inherited channels are unusable: drop them without closing.
                if self._pid == os.getpid():
                    for channel in self._channels.values():
                        channel.close()
                self._channels = {}
                self._pid, self._key = os.getpid(), settings.key()
            for endpoint in settings.endpoints:
                if endpoint not in self._channels:
                    self._channels[endpoint] = self._open(settings, endpoint)
            start = next(self._counter) % len(settings.endpoints)
            order = settings.endpoints[start:] + settings.endpoints[:start]
            return [(endpoint, self._channels[endpoint]) for endpoint in order]

    def renew(self, settings: EndpointSettings, endpoint: str, stale: Any) -> Any:
        """A fresh channel to ``endpoint`` in place of ``stale``, which failed: a channel whose server went away
        stays in reconnect backoff (up to two minutes) and fails every call at once, even after the sidecar
        is back at the same address (a restart, a redeploy)."""
        with self._lock:
            if self._pid != os.getpid() or self._key != settings.key():
                return stale  # the settings changed meanwhile: get() rebuilds everything
            current = self._channels.get(endpoint)
            if current is stale:  # not closed here: another thread may still be in a call on it
                current = self._channels[endpoint] = self._open(settings, endpoint)
            return current

    @staticmethod
    def _open(settings: EndpointSettings, endpoint: str) -> Any:
        import grpc

        options = [("grpc.max_send_message_length", 64 * 1024 * 1024),
                   ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                   ("grpc.lb_policy_name", "round_robin"),
                   ("grpc.enable_retries", 0),
                   # its own connections: a renewed channel must not share the failed one's (in backoff)
                   ("grpc.use_local_subchannel_pool", 1)]
        if settings.tls:
            creds = grpc.ssl_channel_credentials(
                root_certificates=normalize_pem(settings.ca_pem).encode() if settings.ca_pem else None,
                private_key=normalize_pem(settings.key_pem).encode() if settings.key_pem else None,
                certificate_chain=normalize_pem(settings.cert_pem).encode() if settings.cert_pem else None)
            return grpc.secure_channel(endpoint, creds, options=options)
        if settings.token:
            _logger.warning("digitize: the sidecar token is sent to %s without TLS: anyone on the "
                            "network path can read it. Turn TLS on in Settings > Document "
                            "digitization.", endpoint)
        return grpc.insecure_channel(endpoint, options=options)


_CHANNELS = _Channels()


def _metadata(settings: EndpointSettings, request_id: str) -> list[tuple[str, str]]:
    meta = [("x-request-id", request_id)]
    if settings.token:
        meta.append(("authorization", f"Bearer {settings.token}"))
    return meta


TLS_REFUSED_HINT = ("with TLS on, this is also how a refused TLS handshake looks: check the CA, the client "
                    "certificate and its key in Settings > Document digitization against the sidecar's "
                    "OCR_TLS_CERT and OCR_TLS_CLIENT_CA")


def _translate(exc: Any, endpoint: str, request_id: str, tls: bool = False) -> DigitizeError:
    code = exc.code().name if exc.code() else "UNKNOWN"
    details = exc.details() or code
    if tls and code == "UNAVAILABLE" and any(sign in details.lower() for sign in ("socket closed", "handshake", "ssl")):
        # gRPC says no more than that when the sidecar refuses our certificate (or we refuse its one)
        details = f"{details} ({TLS_REFUSED_HINT})"
    if code in TRANSIENT_CODES:
        retry_after = None
        for key, value in (exc.trailing_metadata() or ()):
            if key == "retry-after-s":
                try:
                    retry_after = float(value)
                except ValueError:
                    retry_after = None  # a malformed hint: retry on the usual schedule
        return TransientError(f"{endpoint}: {details}", code, request_id, retry_after)
    if code == "UNAUTHENTICATED":
        details = (f"The sidecar refused the token ({details}). Check the token in Accounting > Settings > "
                   "Document digitization.")
    return PermanentError(details, code, request_id)


# How gRPC says the channel could not connect (the sidecar never saw the call), as against an UNAVAILABLE the
# sidecar itself sent (draining, not loaded): only the first is worth a new channel.
_NOT_CONNECTED = ("failed to connect", "connections to all backends failing", "connection refused")


def _not_connected(exc: Any) -> bool:
    return any(sign in (exc.details() or "").lower() for sign in _NOT_CONNECTED)


def _call(settings: EndpointSettings, method: str, request: Any, request_id: str):
    import grpc

    from .proto import document_service_pb2_grpc as pb_grpc

    def once(channel):
        stub = pb_grpc.DocumentServiceStub(channel)
        return getattr(stub, method)(request, timeout=settings.timeout, metadata=_metadata(settings, request_id))

    last: Optional[DigitizeError] = None
    for endpoint, channel in _CHANNELS.get(settings):
        try:
            try:
                return endpoint, once(channel)
            except grpc.RpcError as exc:
                if not _not_connected(exc):
                    raise
                # a cached channel in reconnect backoff (its sidecar restarted?): once more on a new one
                return endpoint, once(_CHANNELS.renew(settings, endpoint, channel))
        except grpc.RpcError as exc:
            error = _translate(exc, endpoint, request_id, tls=settings.tls)
            _logger.info("digitize %s request_id=%s on %s failed: %s %s", method, request_id, endpoint,
                         error.code, error.reason)
            if error.code != "UNAVAILABLE":
                raise error from None
            last = error  # this replica is down or refused: try the next one
    assert last is not None
    raise last


def document_type_number(name: Optional[str]) -> int:
    """The ``ocr.v1.DocumentType`` number of a canonical type name ('credit_note' → DOCUMENT_TYPE_CREDIT_NOTE);
    0 (UNSPECIFIED: the sidecar decides) for None or a name the enum does not have."""
    from .proto import document_service_pb2 as pb

    try:
        return pb.DocumentType.Value(f"DOCUMENT_TYPE_{name.upper()}") if name else 0
    except ValueError:
        return 0


def extract(settings: EndpointSettings, content: bytes, *, filename: str = "", mime_type: str = "",
            document_type: Optional[str] = None, request_id: Optional[str] = None,
            words_only: bool = False, include_attachments: bool = False, words_reader: bool = False) -> ExtractResult:
    """``words_only``: the word layer without the model (engine "words"; an e-invoice is still read from its XML).
    ``include_attachments``: the bytes of the files an e-invoice carries (its visual PDF), not only their names.
    ``words_reader``: read by the words reader alone, no model (milliseconds on a PDF's text layer; engine "words",
    the header fields it reads, its candidates)."""
    from .proto import document_service_pb2 as pb

    request_id = request_id or uuid.uuid4().hex
    request = pb.ExtractRequest(content=content, filename=filename or "", mime_type=mime_type or "",
                                document_type=document_type_number(document_type), words_only=words_only,
                                include_attachments=include_attachments, words_reader=words_reader)
    endpoint, response = _call(settings, "Extract", request, request_id)
    try:
        document = json.loads(response.document_json)
    except ValueError:
        raise PermanentError("The sidecar answered with JSON that cannot be read.", "DATA_LOSS",
                             request_id) from None
    if not isinstance(document, dict):
        raise PermanentError("The sidecar's answer is not a document object.", "DATA_LOSS", request_id)
    return ExtractResult(
        document=document, document_json=response.document_json,
        warnings=[{"code": w.code, "message": w.message, "field": w.field, "serious": w.serious}
                  for w in response.warnings],
        field_confidence=dict(response.field_confidence), engine=response.engine, model=response.model,
        pages=response.pages, request_id=response.request_id or request_id, endpoint=endpoint,
        total_ms=int(response.timings.total_ms), page_words=_page_words(response),
        evidence=_evidence(response),
        attachments=[{"filename": a.filename, "mime_type": a.mime_type, "size": int(a.size), "content": a.content,
                      "description": a.description} for a in response.attachments],
        candidates=_candidates(response), confirmed=list(response.confirmed))


def _page_words(response: Any) -> list[dict]:
    """The pages' words as stored on the record (``layout.pages_from_json`` reads them): [text, x0, y0, x1, y1,
    line] and, for a word in the page's table, its column; the line of the table's header row per page."""
    return [{"page": page.page, "source": page.source, "table_header_line": page.table_header_line,
             "words": [[w.text, round(w.box.x0, 5), round(w.box.y0, 5), round(w.box.x1, 5), round(w.box.y1, 5), w.line,
                        *([w.column] if w.column else [])]
                       for w in page.words]} for page in response.page_words]


def _evidence(response: Any) -> list[dict]:
    return [{"path": e.path, "page": e.page, "text": e.text, "source": e.source,
             "boxes": [[round(b.x0, 5), round(b.y0, 5), round(b.x1, 5), round(b.y1, 5)] for b in e.boxes]}
            for e in response.evidence]


def _candidates(response: Any) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for field_candidates in response.candidates:
        items = []
        for c in field_candidates.candidates:
            try:
                value = json.loads(c.value_json)
            except ValueError:
                continue  # a candidate whose value cannot be read proposes nothing
            items.append({"value": value, "score": round(c.score, 4), "page": c.page, "text": c.text,
                          "boxes": [[round(b.x0, 5), round(b.y0, 5), round(b.x1, 5), round(b.y1, 5)] for b in c.boxes]})
        out[field_candidates.path] = items
    return out


def carries_einvoice(content: bytes, mime_type: str = "") -> bool:
    """An XML document, or a PDF with an embedded XML file (Factur-X/ZUGFeRD, Order-X, PDF with UBL): the
    sidecar reads it from the XML in milliseconds, without the model. A cheap byte scan, no parsing."""
    head = content[:1024].lstrip()
    if mime_type.endswith("/xml") or head.startswith(b"<?xml"):
        return True
    # file names may sit in compressed object streams: any embedded file counts (a PDF carrying another
    # kind of file costs one short attempt, then goes to the queue)
    return head.startswith(b"%PDF") and b"/EmbeddedFile" in content


def get_info(settings: EndpointSettings) -> dict:
    from .proto import document_service_pb2 as pb

    endpoint, info = _call(settings, "GetInfo", pb.GetInfoRequest(), uuid.uuid4().hex)
    return {"endpoint": endpoint, "version": info.version, "model": info.model, "device": info.device,
            "dtype": info.dtype, "engine": info.engine, "demo": info.demo,
            "warnings": [w.message for w in info.warnings]}
