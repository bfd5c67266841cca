from odoo import api, fields, models

ALIAS_XMLID = "purchase_document_digitize.mail_alias_purchase_documents"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_purchase_fallback_product_id = fields.Many2one(
        related="company_id.document_digitize_purchase_fallback_product_id", readonly=False)
    document_digitize_purchase_alias = fields.Char(
        "Alias for vendors' orders",
        help="Quotations and order confirmations mailed to this address become draft purchase orders, digitized "
             "when \"Digitize mailed documents automatically\" is on. Empty: off.")

    @api.model
    def _digitize_alias_settings(self):
        return dict(super()._digitize_alias_settings(),
                    document_digitize_purchase_alias=(ALIAS_XMLID, "purchase.order"))
