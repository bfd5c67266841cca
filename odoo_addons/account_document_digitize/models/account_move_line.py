import json

from odoo import fields, models
from odoo.addons.document_digitize.lib import Choice


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    digitize_key = fields.Char(copy=False, readonly=True, help="Vendor memory key of the document line")
    digitize_proposal = fields.Text(copy=False, readonly=True,
                                    help="Product, account, taxes and analytic digitization gave this line")

    def _digitize_choice(self):
        self.ensure_one()
        return Choice.of(self.product_id.id, self.account_id.id, self.tax_ids.ids, self.analytic_distribution or None)

    def _digitize_snapshot(self):
        for line in self:
            line.digitize_proposal = json.dumps(line._digitize_choice().as_values())

    def _digitize_proposed_choice(self):
        self.ensure_one()
        if not self.digitize_proposal:
            return None
        return Choice.of(**json.loads(self.digitize_proposal))
