"""What a document's bytes are: sniffing (the bytes win over the client's claim) and the XML files a PDF
carries. Used by ``inputs`` (limits, pages) and the e-invoice reader; nothing here renders or maps."""

from __future__ import annotations

import logging
import re
from io import BytesIO
from typing import Optional

log = logging.getLogger(__name__)

SUPPORTED_MIME_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp",
                        "application/xml", "text/xml")
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
            "image/tif": "image/tiff", "text/xml": "application/xml"}

PDF_MAGIC = b"%PDF-"
_XML_START = re.compile(
    rb"\A(?:\s|<!--.*?-->|<\?(?!xml)[^>]*\?>)*"  # whitespace, comments, processing instructions
    rb"(?:<\?xml[\s?]|<[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?[\s/>])",
    re.DOTALL,
)
_BOMS = (b"\xef\xbb\xbf",)


def sniff_xml(content: bytes) -> bool:
    """True when the bytes look like an XML document (declaration, or a root element first)."""
    head = content[:4096]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 BOM: decode enough to look
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return bool(_XML_START.match(head))


def is_pdf(content: bytes) -> bool:
    # The PDF spec tolerates bytes before the header; readers look in the first KiB.
    return PDF_MAGIC in content[:1024]


def sniff_mime(content: bytes) -> Optional[str]:
    head = content[:16]
    if is_pdf(content):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if sniff_xml(content):
        return "application/xml"
    return None


def xml_attachments(content: bytes) -> list[tuple[str, bytes]]:
    """(name, bytes) of the XML files a PDF carries as attachments (an e-invoice or e-order), [] when none
    can be read. The PDF is opened by pypdf, factur-x's own PDF library (imported late: only PDFs need it)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(content))
        attachments = [(a.name or "", a.content) for a in reader.attachment_list]
    except MemoryError:  # over the memory limit: not a damaged file (sandbox.py)
        raise
    except Exception as exc:  # noqa: BLE001 - hostile PDFs make pypdf raise anything
        # Encrypted, truncated or odd PDFs: the pipeline's own PDF decoder reports those properly.
        log.debug("no attachments readable from PDF: %s", exc)
        return []
    return [(name, data) for name, data in attachments if name.lower().endswith(".xml") and data]
