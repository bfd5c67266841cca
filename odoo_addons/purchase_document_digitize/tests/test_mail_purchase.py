"""Vendors' order confirmations mailed to the purchase alias set in Settings become draft purchase orders.

Real e-mails through Odoo's mail gateway, the real queue and a real gRPC sidecar (the production server with
the replay engine: gold JSON by content; it replaces only the model).
"""

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase, deliver, set_alias_domain, small_logo
from odoo.tests import tagged

ORDER_X = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"
HERO_PO = DOCS / "img_heroltd_po_Form_1.jpg"


@tagged("post_install", "-at_install")
class TestPurchaseOrdersByMail(DigitizeCase):
    def test_mailed_confirmation_fills_a_draft_purchase_order(self):
        self.ICP.set_param("document_digitize.auto_mail", "True")
        vendor = self.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789", "is_company": True})
        domain = set_alias_domain(self.env, "purchase.digitize.example.com")
        self.env["res.config.settings"].create({"document_digitize_purchase_alias": "vendor-orders"}).execute()
        alias = self.env.ref(f"purchase_document_digitize.mail_alias_purchase_documents_{self.env.company.id}")
        self.assertEqual(alias.alias_model_id.model, "purchase.order")

        [order] = deliver(self.env, "purchase.order", f"vendor-orders@{domain.name}", ORDER_X, HERO_PO,
                          ("logo.png", small_logo()), sender="Sales <sales@seller.example>", subject="Confirmation")
        self.assertEqual(order.partner_id, self.env.ref("document_digitize.partner_to_identify"))
        self.assertEqual((order.digitize_state, order.digitize_attachment_id.name), ("queued", ORDER_X.name),
                         "the PDF before the photo")
        self.assertEqual(order._digitize_find_attachment().name, ORDER_X.name,
                         "the Digitize button too: a PDF before a newer photo, never the logo")
        note = order.message_ids.filtered(lambda m: "queued" in (m.body or ""))[0].body
        self.assertIn(f"{ORDER_X.name}, {HERO_PO.name}.", note, "the chatter lists the documents, not the logo")
        self.env["purchase.order"]._digitize_process_queue(10, commit=False)
        self.assertEqual(order.digitize_state, "needs_review", order.digitize_error)
        self.assertEqual((order.partner_id, order.partner_ref), (vendor, "PO123456789"))
        self.assertEqual(order.state, "draft", "never confirmed")

    def test_only_the_mail_that_created_an_order_is_read_as_that_mail(self):
        """A mail's draft is queued by the post of that mail only: a later note with a file on it, in the same
        transaction, is not taken for the mail (the old cursor-wide mark was consumed by whatever came next)."""
        self.ICP.set_param("document_digitize.auto_mail", "True")
        created = self.env["purchase.order"].message_new({"subject": "Order", "from": "sales@seller.example"})
        order = self.env["purchase.order"].browse(created.id)  # as any later code in the transaction has it
        attachment = self.env["ir.attachment"].create({"name": ORDER_X.name, "raw": ORDER_X.read_bytes(),
                                                       "res_model": "purchase.order", "res_id": order.id})
        order.message_post(body="The vendor's confirmation, for the record", attachment_ids=attachment.ids)
        self.assertFalse(order.digitize_state, "a note is not the mail: nothing queued behind the user's back")

