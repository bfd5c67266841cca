from odoo import api, models
from odoo.addons.document_digitize.lib import AddressCandidate, match_address


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["document.digitize.order.mixin", "sale.order"]  # the mixin first: see its docstring

    _digitize_target = "sale_order"
    _digitize_header_fields = ("partner_id", "client_order_ref", "date_order")
    _digitize_confirmed_states = ("sale",)
    _digitize_prefill_enabled = True  # Digitize on a born-digital PDF fills the draft at once (digitize_prefill.py)

    def _digitize_fallback_product_id(self):
        return self.company_id.document_digitize_sale_fallback_product_id.id or None

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

    def _digitize_set_partner(self, partner_id, mapped, current):
        # invoice/delivery addresses, pricelist, payment terms and fiscal position follow the customer
        result = super()._digitize_set_partner(partner_id, mapped, current)
        self._digitize_set_addresses(mapped.document.buyer)
        return result

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
        # the customer's layout, learned when a person confirms the quotation digitized from its purchase order
        return self._digitize_confirm_and_learn(super().action_confirm)
