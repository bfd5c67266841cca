from odoo import api, models

IMAGE_FILE_TYPE = "digitize_image"
IMAGE_MIMETYPES = ("image/png", "image/jpeg", "image/tiff", "image/webp")


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _get_edi_supported_formats(self):
        """Scans and photos are documents (Odoo's import otherwise treats them as rogue binaries and unlinks
        them when they come through a mail alias). Same weight as a PDF: one bill per document."""
        formats = super()._get_edi_supported_formats()
        image = {"format": IMAGE_FILE_TYPE, "check": lambda attachment: attachment.mimetype in IMAGE_MIMETYPES,
                 "decoder": self._decode_digitize_image}
        return [fmt for fmt in formats if fmt.get("format") != "binary"] + [image] + \
            [fmt for fmt in formats if fmt.get("format") == "binary"]

    def _decode_digitize_image(self, filename, content):
        return [{"filename": filename, "content": content, "attachment": self, "sort_weight": 20,
                 "type": IMAGE_FILE_TYPE}]
