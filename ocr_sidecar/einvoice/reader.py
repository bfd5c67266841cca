"""The e-invoice reader's entry point: find the XML (in a PDF or uploaded), parse it hardened, classify it,
map it with the CII or UBL mapper, fit it to the canonical schema, name the XML element of every value."""

from __future__ import annotations

import base64
import binascii
import codecs
import logging
import mimetypes
import re
import time
from typing import Optional

from lxml import etree

from ..answer import leaf_paths
from ..errors import BrokenEInvoice
from ..formats import is_pdf, sniff_xml, xml_attachments
from ..types import EmbeddedFile, EngineResult, Warning
from .cii import _CiiMapper
from .evidence import xml_evidence
from .finish import _fit_schema
from .ubl import _UblMapper

log = logging.getLogger("ocr_sidecar.einvoice")


ENGINE_NAME = "einvoice"

# Attachment names the e-invoice standards prescribe. A PDF carrying one of these that cannot be
# read is a broken e-invoice (warn), not a plain PDF.
STANDARD_ATTACHMENT_NAMES = frozenset({"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml"})

_UPLOADED = "The uploaded XML"
# A standard attachment's file name where a PDF declares it (a file specification, Factur-X's XMP): linear.
_NAMED_ATTACHMENT = re.compile(rb"(?i)(?:factur-x|zugferd-invoice|xrechnung|order-x)\.xml")
# The namespaces of the e-invoice syntaxes: an XML in one of them that is no known document is a broken one.
_EINVOICE_NAMESPACES = ("urn:un:unece:uncefact:data:standard:CrossIndustryInvoice",
                        "urn:ferd:CrossIndustryDocument", "urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure",
                        "urn:oasis:names:specification:ubl:schema:xsd:")


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network, default size limits: a billion-laughs or
    # external-entity document cannot expand or reach out. Documents that declare a DTD at all are
    # refused after parsing (see _parse_xml). A fresh parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"'][^>]*\?>")


def _fromstring(data: bytes) -> etree._Element:
    """The XML parsed hardened; leniently where only its declaration is odd: a declared encoding that is no
    encoding name (``UTF-8-W/O-BOM``, seen in Factur-X files) is read as UTF-8 when the bytes are UTF-8."""
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        declared = _DECLARATION.match(data)
        if declared is None or _known_encoding(declared.group(2)) or not _is_utf8(data[declared.end():]):
            raise
    return etree.fromstring(b'<?xml version="1.0" encoding="UTF-8"?>' + data[declared.end():], _parser())


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _known_encoding(name: bytes) -> bool:
    try:
        codecs.lookup(name.decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return False
    return re.fullmatch(rb"[A-Za-z][A-Za-z0-9._-]*", name) is not None


# --- public entry point --------------------------------------------------------------------------


def try_extract(content: bytes, mime_type: str = "") -> Optional[EngineResult]:
    """Canonical document from an e-invoice (PDF with XML attachment, or XML), else ``None``.

    ``mime_type`` is the caller's claim; the bytes decide (a PDF is read as a PDF whatever it is
    called). Raises ``BrokenEInvoice`` as described in the module docstring.
    """
    started = time.perf_counter()
    if not content:
        return None
    if is_pdf(content):
        found = _xml_from_pdf(content)
        if found is None:
            return None
        name, xml = found
        source = f"The PDF's attachment {name}"
    elif sniff_xml(content):
        source, xml = _UPLOADED, content
    else:
        return None
    root = _parse_xml(xml, source)
    syntax = _classify(root)
    if syntax is None:
        qname = etree.QName(root) if isinstance(root.tag, str) else None
        namespace = (qname.namespace or "") if qname is not None else ""
        if source == _UPLOADED and not namespace.startswith(_EINVOICE_NAMESPACES):
            return None
        found = f"<{qname.localname}>" if qname is not None else "no element"
        if source == _UPLOADED:
            raise BrokenEInvoice(
                f"{source} uses an e-invoice's namespace ({namespace}) but its root element is {found}, not an "
                "invoice, credit note or order of that syntax. Ask the sender for a valid e-invoice.")
        raise BrokenEInvoice(
            f"{source} is XML but no known e-invoice (root element {found}); the document was read from its "
            "pages instead.")
    mapper = _CiiMapper(root, syntax) if syntax != "ubl" else _UblMapper(root)
    doc, warnings = mapper.run()
    doc, more = _fit_schema(doc)
    warnings.extend(more)
    evidence = xml_evidence(doc, root)
    attachments = embedded_files(root)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    return EngineResult(
        document=doc,
        field_confidence={path: 1.0 for path in leaf_paths(doc)},
        warnings=warnings,
        tokens_out=0,
        preprocess_ms=elapsed_ms,
        generate_ms=0,
        engine=ENGINE_NAME,
        from_xml=True,
        evidence=evidence,
        attachments=attachments,
        model=f"{ENGINE_NAME}/{syntax}" + (f":{mapper.profile}" if mapper.profile else ""),
    )


def read_einvoice(content: bytes, mime_type: str, warnings: list[Warning]) -> Optional[EngineResult]:
    """The pipeline's first stage: the e-invoice answer of a PDF or XML (``mime_type`` as sniffed), or None.
    A PDF whose e-invoice attachment is broken is still read from its pages: the reason is added to
    ``warnings`` (serious); an uploaded XML has no pages to fall back to, so ``BrokenEInvoice`` propagates."""
    if mime_type not in ("application/pdf", "application/xml"):
        return None
    try:
        return try_extract(content, mime_type)
    except BrokenEInvoice as exc:
        if mime_type == "application/xml":
            raise
        warnings.append(Warning(exc.code, exc.message, serious=True))
        return None


def embedded_files(root: etree._Element) -> list[EmbeddedFile]:
    """The files the XML carries (BG-24: CII's ``AttachmentBinaryObject``, UBL's ``EmbeddedDocumentBinaryObject``),
    decoded; one that is no valid base64 is left out (it is no file a person could open)."""
    files = []
    for element in root.iter():
        if not isinstance(element.tag, str) or not etree.QName(element).localname.endswith("BinaryObject"):
            continue
        try:
            content = base64.b64decode("".join((element.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if not content:
            continue
        mime = element.get("mimeCode") or "application/octet-stream"
        name = element.get("filename") or f"attachment-{len(files) + 1}{mimetypes.guess_extension(mime) or ''}"
        parent = element.getparent()
        reference = parent.getparent() if parent is not None and etree.QName(parent).localname == "Attachment" else parent
        description = ""
        for child in reference if reference is not None else ():
            if isinstance(child.tag, str) and etree.QName(child).localname in ("Name", "DocumentDescription") \
                    and (child.text or "").strip():
                description = child.text.strip()
                break
        files.append(EmbeddedFile(filename=name, mime_type=mime, content=content, description=description))
    return files


# --- locating and parsing the XML --------------------------------------------------------------


def _xml_from_pdf(content: bytes) -> Optional[tuple[str, bytes]]:
    """(attachment name, XML bytes) of the PDF's e-invoice, or None when it carries none."""
    attachments = xml_attachments(content)
    if not attachments:
        named = _NAMED_ATTACHMENT.search(content)
        if named:  # the file says it carries an e-invoice, but its attachment tree cannot be followed
            raise BrokenEInvoice(
                f"The PDF names an e-invoice attachment ({named.group(0).decode('latin-1')}) that cannot be read: "
                "the file is damaged. It was read from its pages; ask the sender for an intact copy.")
        return None  # the common case: a plain PDF, skip factur-x (and its "no XML found" warning)

    import facturx

    # factur-x parses candidates with lxml's default parser (internal entities only since lxml 5,
    # amplification capped by libxml2); what it returns is parsed again, hardened, below.
    try:
        name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
    except MemoryError:  # over the memory limit: not a damaged file (sandbox.py)
        raise
    except Exception as exc:  # factur-x raises bare Exceptions; the fallback below still applies
        log.debug("factur-x could not read the PDF: %s", exc)
        name, xml = None, None
    if xml:
        return str(name), xml
    # factur-x silently skips attachments it cannot parse or classify. A standard e-invoice name
    # that fails is a broken e-invoice; any other XML attachment we can classify (a UBL Order,
    # an XRechnung under a custom name) is still used.
    for att_name, data in attachments:
        if att_name.lower() in STANDARD_ATTACHMENT_NAMES:
            return att_name, data  # parsing it raises BrokenEInvoice with the reason
    for att_name, data in attachments:
        try:
            root = _fromstring(data)
        except etree.XMLSyntaxError:
            continue
        if _classify(root) is not None:
            return att_name, data
    return None


def _parse_xml(xml: bytes, source: str) -> etree._Element:
    try:
        root = _fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise BrokenEInvoice(
            f"{source} is not well-formed XML ({exc.msg or exc}). Ask the sender for a valid "
            "e-invoice; the document is read from its pages when it has any.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise BrokenEInvoice(
            f"{source} declares a DTD/entities, which e-invoices never do and XML attacks do; "
            "it was refused unread. Ask the sender for a standard e-invoice.")
    return root


def _classify(root: etree._Element) -> Optional[str]:
    if not isinstance(root.tag, str):
        return None
    qname = etree.QName(root)
    local, ns = qname.localname, qname.namespace or ""
    if local == "CrossIndustryInvoice":
        return "cii"
    if local == "CrossIndustryDocument":
        return "zugferd1"
    if local == "SCRDMCCBDACIOMessageStructure":
        return "order-x"
    if ns.startswith("urn:oasis:names:specification:ubl:schema:xsd:") and local in (
            "Invoice", "CreditNote", "Order", "OrderResponse"):
        return "ubl"
    return None
