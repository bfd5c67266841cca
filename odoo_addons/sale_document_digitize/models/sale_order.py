from odoo import api, fields, models

from odoo.addons.document_digitize.lib import AddressCandidate, match_address

_HEADER_FIELDS = ("partner_id", "client_order_ref", "date_order")


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "document.digitize.mixin"]

    def _digitize_target(self):
        return "sale_order"

    def _digitize_is_editable(self):
        return self.state in ("draft", "sent")

    def _digitize_document_type(self):
        return "purchase_order"  # the customer's purchase order

    @api.model
    def _create_order_from_attachment(self, attachment_ids):
        """Odoo's own "Upload" of the Sales Orders list imports e-orders (UBL) itself; the PDFs, scans and
        photos it cannot read are queued for digitization instead of staying empty quotations."""
        self._digitize_check_uploads(self.env["ir.attachment"].browse(attachment_ids))
        orders = super()._create_order_from_attachment(attachment_ids)
        placeholder = self._digitize_placeholder_partner()
        for order in orders.filtered(lambda o: not o.order_line and o._digitize_is_editable()):
            if not order._digitize_find_attachment():
                continue
            if order.partner_id == self.env.user.partner_id and placeholder:
                order.partner_id = placeholder  # core's stand-in is the user: never mistake it for the customer
            order.action_digitize()
        return orders

    def _digitize_import_edi(self, attachment):
        """Odoo's own e-order import first (sale_edi_ubl reads Peppol BIS 3 orders), as its Upload does."""
        self._extend_with_attachments(attachment)
        return bool(self.order_line)

    def _digitize_current(self):
        return self._digitize_order_current(_HEADER_FIELDS)

    def _digitize_apply(self, result):
        self.ensure_one()
        current = self._digitize_current()
        mapped = self._digitize_map(result, "sale_order", current, self._digitize_options("sale_fallback_product_id"))
        header = dict(mapped.header)
        self._digitize_partner_id(mapped, header)
        if "partner_id" in header:
            # invoice/delivery addresses, pricelist, payment terms and fiscal position follow the customer
            self.partner_id = header.pop("partner_id")
            self._digitize_set_addresses(mapped.document.buyer)
        self.write(header)
        if mapped.lines:
            self.write({"order_line": [fields.Command.create(vals) for vals in mapped.lines]})
        extra = []
        if self.partner_id == self._digitize_placeholder_partner():
            extra.append(self._digitize_unidentified_item())
        return self._digitize_verdict(mapped, extra)

    def _digitize_set_addresses(self, buyer):
        """Use the customer's invoice/delivery contact whose address is the one on the document."""
        if not buyer or not buyer.zip:
            return
        contacts = self.env["res.partner"].search([("id", "child_of", self.partner_id.commercial_partner_id.id),
                                                   ("type", "in", ("invoice", "delivery"))])
        candidates = [AddressCandidate(c.id, c.type, c.street or None, c.zip or None, c.city or None,
                                       c.country_id.code or None) for c in contacts]
        for kind, field_name in (("delivery", "partner_shipping_id"), ("invoice", "partner_invoice_id")):
            found = match_address(buyer.street, buyer.zip, buyer.city, candidates, kind)
            if found:
                self[field_name] = found

    def action_confirm(self):
        self._digitize_check_partner_identified()
        return super().action_confirm()

    # --- documents mailed to the alias set in Settings --------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        return self._digitize_message_new(msg_dict, custom_values)

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        self._digitize_mail_received(message)
        return result
