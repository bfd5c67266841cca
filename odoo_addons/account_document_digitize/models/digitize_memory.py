from odoo import api, fields, models
from odoo.addons.document_digitize.lib import Choice


class DocumentDigitizeMemory(models.Model):
    """What a person chose for a vendor's line (product, account, taxes, analytic), applied to the next
    documents of that vendor before the generic matching. Learned when a digitized bill is confirmed; per
    company; visible and editable (Accounting → Configuration → Digitization memory)."""

    _name = "document.digitize.memory"
    _description = "Digitization memory (per vendor)"
    _order = "partner_id, name"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", "Vendor", required=True, index=True, ondelete="cascade",
                                 check_company=True)
    key = fields.Char(required=True, index=True, help="code:<vendor product code> or text:<line description>")
    name = fields.Char("Document line", required=True)
    product_id = fields.Many2one("product.product", check_company=True, ondelete="set null")
    account_id = fields.Many2one("account.account", check_company=True, ondelete="set null")
    tax_ids = fields.Many2many("account.tax", string="Taxes", check_company=True)
    analytic_distribution = fields.Json()
    times_learned = fields.Integer(default=1, readonly=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [("vendor_key_unique", "unique(company_id, partner_id, key)",
                         "A vendor's line is remembered once per company.")]

    def _choice(self):
        self.ensure_one()
        return Choice.of(self.product_id.id, self.account_id.id, self.tax_ids.ids if self.tax_ids else None,
                         self.analytic_distribution or None)

    @api.model
    def _remember(self, company, partner, correction):
        values = correction.choice.as_values()
        vals = {"name": correction.description or correction.key, "product_id": values["product_id"] or False,
                "account_id": values["account_id"] or False,
                "tax_ids": [fields.Command.set(values["tax_ids"] or [])],
                "analytic_distribution": values["analytic_distribution"] or False}
        memory = self.with_context(active_test=False).search([
            ("company_id", "=", company.id), ("partner_id", "=", partner.id), ("key", "=", correction.key)], limit=1)
        if memory:
            memory.write(dict(vals, active=True, times_learned=memory.times_learned + 1))
        else:
            memory = self.create(dict(vals, company_id=company.id, partner_id=partner.id, key=correction.key))
        return memory
