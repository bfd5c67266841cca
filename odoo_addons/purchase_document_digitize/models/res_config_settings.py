from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_purchase_fallback_product_id = fields.Many2one(
        "product.product", "Fallback product (purchase orders)",
        config_parameter="document_digitize.purchase_fallback_product_id", domain=[("purchase_ok", "=", True)],
        help="Order lines whose product is not found get this product and keep the document's description.")
