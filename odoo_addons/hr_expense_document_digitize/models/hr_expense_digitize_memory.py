from odoo import api, fields, models


class HrExpenseDigitizeMemory(models.Model):
    """The category a person chose for a merchant's receipts, applied to that merchant's next receipts before the
    company's default category. Learned when a digitized expense whose category a person changed goes into an
    expense report; per company; visible and editable by expense managers (Expenses → Configuration)."""

    _name = "hr.expense.digitize.memory"
    _description = "Digitization memory (expense category per merchant)"
    _order = "name"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    merchant_key = fields.Char(required=True, index=True,
                               help="vat:<the merchant's VAT id> or name:<the merchant's name without numbers>")
    name = fields.Char("Merchant", required=True)
    product_id = fields.Many2one("product.product", "Category", required=True, check_company=True,
                                 ondelete="cascade", domain=[("can_be_expensed", "=", True)])
    times_learned = fields.Integer(default=1, readonly=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [("merchant_key_unique", "unique(company_id, merchant_key)",
                         "A merchant's category is remembered once per company.")]

    @api.model
    def _remember(self, company, key, merchant, product):
        memory = self.with_context(active_test=False).search([("company_id", "=", company.id),
                                                              ("merchant_key", "=", key)], limit=1)
        if memory:
            memory.write({"product_id": product.id, "name": merchant, "active": True,
                          "times_learned": memory.times_learned + 1})
            return memory
        return self.create({"company_id": company.id, "merchant_key": key, "name": merchant,
                            "product_id": product.id})
