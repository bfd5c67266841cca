import io

from PIL import Image

from odoo import api, models

IMAGE_FILE_TYPE = "digitize_image"
IMAGE_MIMETYPES = ("image/png", "image/jpeg", "image/tiff", "image/webp")
# Smaller images in a mail are logos, signatures and tracking pixels, not documents: Odoo drops them as before.
# A receipt scanned at 200 dpi is ~630 px wide; the smallest page of the corpus is 789 x 557.
DOCUMENT_IMAGE_MIN_SIDE = 400


def is_document_image(attachment):
    if attachment.mimetype not in IMAGE_MIMETYPES:
        return False
    try:
        with Image.open(io.BytesIO(attachment.raw)) as image:  # reads the header only
            return min(image.size) >= DOCUMENT_IMAGE_MIN_SIDE
    except Exception:  # noqa: BLE001 - unreadable here: let the sidecar judge, never drop a document
        return True


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _get_edi_supported_formats(self):
        """Scans and photos are documents (Odoo's import otherwise treats them as rogue binaries and unlinks
        them when they come through a mail alias). Same weight as a PDF: one bill per document."""
        formats = super()._get_edi_supported_formats()
        image = {"format": IMAGE_FILE_TYPE, "check": is_document_image, "decoder": self._decode_digitize_image}
        return [fmt for fmt in formats if fmt.get("format") != "binary"] + [image] + \
            [fmt for fmt in formats if fmt.get("format") == "binary"]

    def _decode_digitize_image(self, filename, content):
        return [{"filename": filename, "content": content, "attachment": self, "sort_weight": 20,
                 "type": IMAGE_FILE_TYPE}]
