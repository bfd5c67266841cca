from odoo import api, fields, models

_HEADER_FIELDS = ("partner_id", "partner_ref", "date_order", "currency_id")


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "document.digitize.mixin"]

    def _digitize_target(self):
        return "purchase_order"

    def _digitize_is_editable(self):
        return self.state in ("draft", "sent")

    def _digitize_current(self):
        current = self._digitize_order_current(_HEADER_FIELDS)
        if self.currency_id == self.company_id.currency_id:
            current["currency_id"] = False
        current["date_planned"] = self.date_planned if self.order_line else False
        return current

    def _digitize_apply(self, result):
        self.ensure_one()
        current = self._digitize_current()
        mapped = self._digitize_map(result, "purchase_order", current,
                                    self._digitize_options("purchase_fallback_product_id"))
        header = dict(mapped.header)
        partner_id = self._digitize_partner_id(mapped, header)
        if "partner_id" in header:
            # as the form does: fiscal position, payment terms and currency follow the vendor
            self.partner_id = header.pop("partner_id")
            self.onchange_partner_id()
            if current["currency_id"]:
                self.currency_id = current["currency_id"]
        date_planned = header.pop("date_planned", None)
        self.write(header)
        if mapped.lines:
            lines = []
            for vals in mapped.lines:
                if date_planned and not vals.get("display_type"):
                    vals = dict(vals, date_planned=date_planned)
                lines.append(fields.Command.create(vals))
            self.write({"order_line": lines})
        elif date_planned and not current["date_planned"]:
            self.date_planned = date_planned
            self.onchange_date_planned()
        extra = []
        if not partner_id or self.partner_id == self._digitize_placeholder_partner():
            extra.append(self._digitize_unidentified_item())
        return self._digitize_verdict(mapped, extra)

    def button_confirm(self):
        self._digitize_check_partner_identified()
        return super().button_confirm()

    # --- documents mailed to the alias set in Settings --------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        return self._digitize_message_new(msg_dict, custom_values)

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        self._digitize_mail_received(message)
        return result
