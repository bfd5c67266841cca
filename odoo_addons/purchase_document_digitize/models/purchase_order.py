from odoo import models


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["document.digitize.order.mixin", "purchase.order"]  # the mixin first: see its docstring

    _digitize_target = "purchase_order"
    _digitize_header_fields = ("partner_id", "partner_ref", "date_order", "currency_id")
    _digitize_confirmed_states = ("to approve", "purchase")
    _digitize_prefill_enabled = True  # Digitize on a born-digital PDF fills the draft at once (digitize_prefill.py)

    def _digitize_fallback_product_id(self):
        return self.company_id.document_digitize_purchase_fallback_product_id.id or None

    def _digitize_current(self):
        current = super()._digitize_current()
        current["date_planned"] = self.date_planned if self.order_line else False
        return current

    def _digitize_set_partner(self, partner_id, mapped, current):
        # as the form does: fiscal position, payment terms and currency follow the vendor
        result = super()._digitize_set_partner(partner_id, mapped, current)
        self.onchange_partner_id()
        if current["currency_id"]:
            self.currency_id = current["currency_id"]
        return result

    def _digitize_header_values(self, mapped):
        header = super()._digitize_header_values(mapped)
        header.pop("date_planned", None)  # goes on the lines; the order's own is computed from theirs
        return header

    def _digitize_line_values(self, mapped):
        date_planned = mapped.header.get("date_planned")
        return [dict(vals, date_planned=date_planned) if date_planned and not vals.get("display_type") else vals
                for vals in super()._digitize_line_values(mapped)]

    def _digitize_after_lines(self, mapped, current):
        result = super()._digitize_after_lines(mapped, current)
        date_planned = mapped.header.get("date_planned")
        if not mapped.lines and date_planned and not current["date_planned"]:  # no new lines to carry it
            self.date_planned = date_planned
            self.onchange_date_planned()
        return result

    # --- the vendor's layout, learned when a person confirms the order -------------------------------

    def button_confirm(self):
        return self._digitize_confirm_and_learn(super().button_confirm)

    def _digitize_order_type(self):
        return "sales_order"  # a vendor's quotation or order confirmation

    def _digitize_line_product_code(self, line):
        """The vendor's own code for the product (its price list), else the product's."""
        vendor = self.partner_id.commercial_partner_id
        seller = line.product_id.seller_ids.filtered(
            lambda s: s.partner_id.commercial_partner_id == vendor and s.product_code)[:1]
        return seller.product_code or super()._digitize_line_product_code(line)
