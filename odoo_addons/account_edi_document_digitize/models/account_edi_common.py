from types import SimpleNamespace

from odoo import models
from odoo.addons.document_digitize.lib.carried_files import carried_files


class AccountEdiCommon(models.AbstractModel):
    _inherit = "account.edi.common"

    def _import_attachments(self, invoice, tree):
        """Odoo's decoder attaches a UBL invoice's embedded PDFs only; the files a CII invoice carries (XRechnung
        CII, a bare Factur-X XML) and a UBL invoice's other files (a time sheet) are attached here too, through
        the digitize path's one writer of carried files (once: a file already on the bill is not added again)."""
        attachments = super()._import_attachments(invoice, tree)
        files = carried_files(tree, skip_ubl_pdfs=True)
        if files and invoice:
            # its own chatter note says what was attached; Odoo posts only what it attached itself
            invoice._digitize_attach_carried(SimpleNamespace(attachments=files))
        return attachments
