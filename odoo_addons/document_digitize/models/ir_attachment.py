import io

from odoo import models
from PIL import Image

IMAGE_MIMETYPES = ("image/png", "image/jpeg", "image/tiff", "image/webp")
# Smaller images in a mail are logos, signatures and tracking pixels, not documents.
# A receipt scanned at 200 dpi is ~630 px wide; the smallest page of the corpus is 789 x 557.
DOCUMENT_IMAGE_MIN_SIDE = 400
KEEP_ORIGINAL = "document_digitize_keep_original"  # context: an uploaded document, to keep as sent


def document_mimetype(attachment):
    """The attachment's type as a document. Odoo's mail gateway stores mailed XML as text/plain (core's
    ``attachments_mime_plainxml``): an e-invoice or e-order sent by mail is XML all the same."""
    mimetype = attachment.mimetype or ""
    if mimetype != "text/plain":
        return mimetype
    head = (attachment.raw or b"")[:64].lstrip(b"\xef\xbb\xbf \t\r\n")  # BOM, blanks
    is_xml = (attachment.name or "").lower().endswith(".xml") or head.startswith((b"<?xml", b"<!--"))
    return "application/xml" if is_xml else mimetype


def is_document_image(attachment):
    """A scan or photo of a document, not a logo (images only)."""
    if attachment.mimetype not in IMAGE_MIMETYPES:
        return False
    try:
        with Image.open(io.BytesIO(attachment.raw)) as image:  # reads the header only
            return min(image.size) >= DOCUMENT_IMAGE_MIN_SIDE
    except Exception:  # noqa: BLE001 - unreadable here: let the sidecar judge, never drop a document
        return True


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _postprocess_contents(self, values):
        # Core re-encodes images over 1920 px as JPEG q80 (a 2-page TIFF becomes a 1-page JPEG): the document of
        # a digitizable record must reach the model as the user gave it. Files of digitizable records are kept as
        # sent, and so are the files Odoo's document uploaders (Upload on bills, quotations, journals) create
        # with no model yet and link to the new record afterwards: they say so with KEEP_ORIGINAL (their JS patch,
        # account_document_digitize). Every other attachment (website images, other apps') is re-encoded as usual.
        res_model = values.get("res_model")
        keep = res_model == "document.digitize.upload" or (
            res_model in self.env and hasattr(self.env[res_model], "_digitize_target")) or (
            not res_model and not values.get("res_field") and self.env.context.get(KEEP_ORIGINAL))
        if keep:
            values["mimetype"] = self._compute_mimetype(values)
            return values
        return super()._postprocess_contents(values)
