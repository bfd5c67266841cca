from odoo import api, models
from odoo.addons.document_digitize.models.ir_attachment import is_document_image

IMAGE_FILE_TYPE = "digitize_image"


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
