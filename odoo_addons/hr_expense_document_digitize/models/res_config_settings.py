from odoo import fields, models
from odoo.addons.document_digitize.lib import DigitizeConfig


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_expense_product_id = fields.Many2one(
        related="company_id.document_digitize_expense_product_id", readonly=False)
    document_digitize_expense_max_age = fields.Integer(
        "Oldest receipt (days)", config_parameter="document_digitize.expense_max_age",
        default=DigitizeConfig.default("expense_max_age"),
        help="A digitized receipt dated more than this many days ago needs review.")
