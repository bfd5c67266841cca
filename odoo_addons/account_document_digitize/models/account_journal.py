from odoo import models
from odoo.addons.document_digitize.models.digitize_mixin import DIGITIZABLE_MIMETYPES
from odoo.addons.document_digitize.models.ir_attachment import document_mimetype


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _create_document_from_attachment(self, attachment_ids):
        """Upload on the vendor bills list / drop on the purchase journal's dashboard card: every bill Odoo could
        not read itself (a PDF without e-invoice, a scan, a photo) is queued for digitization — one per file."""
        self.env["account.move"]._digitize_check_uploads(self.env["ir.attachment"].browse(attachment_ids))
        invoices = super()._create_document_from_attachment(attachment_ids)
        for bill in invoices.filtered(lambda m: m.move_type in ("in_invoice", "in_refund") and m.state == "draft"
                                      and not m.invoice_line_ids and not m.digitize_state):
            attachment = bill._digitize_find_attachment()
            if attachment and document_mimetype(attachment) in DIGITIZABLE_MIMETYPES:
                bill._digitize_enqueue(attachment, self.env._("Uploaded %s: queued for digitization.",
                                                             attachment.name))
                bill._digitize_prefill(attachment)  # a born-digital PDF: its draft filled at once (words reader)
        return invoices
