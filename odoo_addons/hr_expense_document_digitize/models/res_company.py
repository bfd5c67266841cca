from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Per company: a category is one company's (or shared), and each company's expenses need one it may use.
    document_digitize_expense_product_id = fields.Many2one(
        "product.product", "Default expense category (digitization)", check_company=True,
        domain="[('can_be_expensed', '=', True), '|', ('company_id', '=', False), ('company_id', 'parent_of', id)]",
        help="Digitized receipts get this category unless a person chose another one for the same merchant before.")
