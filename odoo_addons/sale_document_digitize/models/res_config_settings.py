from odoo import api, fields, models

ALIAS_XMLID = "sale_document_digitize.mail_alias_sale_documents"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_sale_fallback_product_id = fields.Many2one(
        related="company_id.document_digitize_sale_fallback_product_id", readonly=False)
    document_digitize_sale_alias = fields.Char(
        "Alias for customers' orders",
        help="Customers' purchase orders mailed to this address become draft quotations, digitized when "
             "\"Digitize mailed documents automatically\" is on. Empty: off.")

    @api.model
    def _digitize_alias_settings(self):
        return dict(super()._digitize_alias_settings(),
                    document_digitize_sale_alias=(ALIAS_XMLID, "sale.order"))
