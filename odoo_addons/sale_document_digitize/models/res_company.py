from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Per company: a product is one company's (or shared), and each company's sales orders need one it may use.
    document_digitize_sale_fallback_product_id = fields.Many2one(
        "product.product", "Fallback product (sales orders)", check_company=True,
        domain="[('sale_ok', '=', True), '|', ('company_id', '=', False), ('company_id', 'parent_of', id)]",
        help="Digitized order lines whose product is not found get this product and keep the document's description.")
