import dataclasses

from markupsafe import Markup
from odoo import models
from odoo.addons.document_digitize.lib import (
    BillLine,
    OrderCandidate,
    OrderLineCandidate,
    ReviewItem,
    find_order,
    match_order_lines,
    reference_key,
)


class AccountMove(models.Model):
    _inherit = "account.move"

    def _digitize_review_items(self, mapped):
        """The bill is linked to the purchase order it quotes; what differs is listed under its own heading."""
        group = self.env._("Purchase order")
        linked = self._digitize_link_purchase_order(mapped.order_reference)
        return super()._digitize_review_items(mapped) + [dataclasses.replace(item, group=group) for item in linked]

    def _digitize_find_purchase_order(self, reference):
        """The vendor's confirmed order the bill quotes (by number, else by the vendor's reference)."""
        key = reference_key(reference)
        if not key or not self.partner_id:
            return self.env["purchase.order"]
        domain = [("company_id", "=", self.company_id.id), ("state", "in", ("purchase", "done")),
                  ("partner_id", "child_of", self.partner_id.commercial_partner_id.id)]
        orders = self.env["purchase.order"].search(
            domain + ["|", ("name", "ilike", reference.strip()), ("partner_ref", "ilike", reference.strip())])
        if not orders:  # printed with other separators ('PO 0012' for P00012): compare compact forms
            orders = self.env["purchase.order"].search(domain + [("invoice_status", "!=", "invoiced")], limit=500)
        found = find_order(reference, [OrderCandidate(o.id, o.name, o.partner_ref or None, o.state) for o in orders])
        return self.env["purchase.order"].browse(found.id) if found else self.env["purchase.order"]

    def _digitize_link_purchase_order(self, reference):
        """Link the bill's lines to the lines of the order it quotes (``purchase_line_id``: the link Odoo's
        own PO-to-bill flow sets, so the order counts them as billed and the 3-way match sees them) and say
        where the bill differs from what was ordered and received.

        Odoo's ``_find_and_set_purchase_orders`` would replace the document's lines by the order's; here the
        lines stay as the vendor billed them so that differences are visible rather than overwritten."""
        self.ensure_one()
        if self.move_type != "in_invoice" or not reference:
            return []
        order = self._digitize_find_purchase_order(reference)
        if not order:
            return [ReviewItem("order_not_found", self.env._(
                "The bill quotes order %(order)s, which is not a confirmed purchase order of %(vendor)s.",
                order=reference, vendor=self.partner_id.display_name or "?"), "invoice_origin")]
        bill_lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product"
                                                    and not line.purchase_line_id)
        order_lines = order.order_line.filtered(lambda line: not line.display_type)
        match = match_order_lines(
            [BillLine(line.id, line.name or "", line.product_id.id or None, line.quantity, line.price_unit,
                      line.discount) for line in bill_lines],
            [OrderLineCandidate(line.id, line.name or "", line.product_id.id or None, line.product_qty,
                                line.qty_received, line.qty_invoiced, line.qty_to_invoice, line.price_unit,
                                line.discount) for line in order_lines],
            order_name=order.name,
            price_digits=self.env["decimal.precision"].precision_get("Product Price"),
            qty_digits=self.env["decimal.precision"].precision_get("Product Unit of Measure"))
        items = list(match.review)
        if order.currency_id != self.currency_id:
            items.append(ReviewItem("order_currency", self.env._("%(order)s is in %(po)s, the bill in %(bill)s.",
                                                                 order=order.name, po=order.currency_id.name,
                                                                 bill=self.currency_id.name), "currency_id",
                                    serious=True))
        for line in bill_lines:
            if line.id in match.links:
                line.purchase_line_id = match.links[line.id]
        if not self.invoice_origin:
            self.invoice_origin = order.name
        link = Markup('<a href="#" data-oe-model="purchase.order" data-oe-id="%s">%s</a>') % (order.id, order.name)
        self._digitize_post(Markup(self.env._("Linked to purchase order %s.")) % link)
        return items
