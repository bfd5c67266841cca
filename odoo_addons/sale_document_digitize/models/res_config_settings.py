from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_sale_fallback_product_id = fields.Many2one(
        "product.product", "Fallback product (sales orders)",
        config_parameter="document_digitize.sale_fallback_product_id", domain=[("sale_ok", "=", True)],
        help="Order lines whose product is not found get this product and keep the document's description.")
