from odoo import fields, models


class AccountMoveLayout(models.Model):
    """A posted digitized bill teaches its vendor's layout (document_digitize/models/digitize_layout.py): the bill as
    the person posted it, in document terms (``AccountMove._post`` calls the learning)."""

    _inherit = "account.move"

    def _digitize_confirmed_document(self):
        """The bill as posted, in document terms: what the person checked, not what was read."""
        self.ensure_one()
        lines = []  # amounts positive, as canonical documents print them: the type says credit note
        for line in self.invoice_line_ids.filtered(lambda l: l.display_type == "product"):
            rates = [tax.amount for tax in line.tax_ids if tax.amount_type == "percent"]
            lines.append({"description": line.name or None, "quantity": line.quantity,
                          "unit_price": line.price_unit, "discount_percent": line.discount or None,
                          "tax_rate": sum(rates) if rates else None, "amount": line.price_subtotal})
        taxes = []
        for tax_line in self.line_ids.filtered(lambda l: l.display_type == "tax" and l.tax_line_id):
            base = sum(self.invoice_line_ids.filtered(lambda p, t=tax_line.tax_line_id: t in p.tax_ids)
                       .mapped("price_subtotal"))
            taxes.append({"rate": tax_line.tax_line_id.amount, "base": base, "amount": abs(tax_line.amount_currency)})
        return {
            "document_type": "credit_note" if self.move_type == "in_refund" else "invoice",
            "document_number": self.ref or None,
            "payment_reference": self.payment_reference or None,
            "issue_date": fields.Date.to_string(self.invoice_date) if self.invoice_date else None,
            "due_date": fields.Date.to_string(self.invoice_date_due) if self.invoice_date_due else None,
            "currency": self.currency_id.name,
            "lines": lines, "taxes": taxes,
            "subtotal": abs(self.amount_untaxed), "total_tax": abs(self.amount_tax), "total": abs(self.amount_total),
        }
