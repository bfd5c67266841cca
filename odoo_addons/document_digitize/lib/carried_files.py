"""The files an e-invoice's XML carries inside it (EN 16931 BG-24: its visual PDF, a time sheet), read from the
parsed XML: UN/CEFACT CII ``AdditionalReferencedDocument/AttachmentBinaryObject`` and UBL
``AdditionalDocumentReference/Attachment/EmbeddedDocumentBinaryObject``. Pure (lxml only), no ORM."""

from __future__ import annotations

import base64
import binascii
import mimetypes

_CII_PATH = ".//{*}AdditionalReferencedDocument/{*}AttachmentBinaryObject"
_UBL_PATH = "./{*}AdditionalDocumentReference/{*}Attachment/{*}EmbeddedDocumentBinaryObject"


def carried_files(tree, skip_ubl_pdfs: bool = False) -> list[dict]:
    """``[{"filename", "mime_type", "content", "description"}]`` in document order; payloads that are not
    base64 are left out. ``skip_ubl_pdfs``: UBL PDFs are left to a reader that attaches them already (Odoo's own
    UBL decoder does)."""
    ubl = tree.findall(_UBL_PATH)
    found = []
    for index, element in enumerate(tree.findall(_CII_PATH) + ubl, start=1):
        mime_type = (element.get("mimeCode") or "").strip() or "application/octet-stream"
        if skip_ubl_pdfs and element in ubl and mime_type == "application/pdf":
            continue
        try:
            content = base64.b64decode("".join((element.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if not content:
            continue
        reference = element.getparent()
        if reference is not None and reference.tag.endswith("}Attachment"):
            reference = reference.getparent()
        ident = _text(reference, "IssuerAssignedID") or _text(reference, "ID")
        description = _text(reference, "Name") or _text(reference, "DocumentDescription")
        filename = (element.get("filename") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not filename:
            filename = f"{ident or f'attachment-{index}'}{mimetypes.guess_extension(mime_type) or '.bin'}"
        found.append({"filename": filename, "mime_type": mime_type, "content": content,
                      "description": description or ident or ""})
    return found


def _text(element, name: str) -> str:
    if element is None:
        return ""
    child = element.find("{*}" + name)
    return " ".join((child.text or "").split()) if child is not None else ""
