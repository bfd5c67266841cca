"""A confirmed RFQ is no longer waiting for a review (issue #36): the *Needs review* banner, filter and marks let go
of it, and its chatter keeps what digitization had asked to check and nobody cleared."""

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged
from odoo.tools import html2plaintext

ORDER_X = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"


@tagged("post_install", "-at_install")
class TestConfirmPurchase(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.tax"].create({"name": "VAT 20 % (purchase)", "amount": 20.0, "type_tax_use": "purchase",
                                       "company_id": cls.env.company.id})
        cls.vendor = cls.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789", "is_company": True})
        fallback = cls.env["product.product"].create({"name": "Unlisted purchase", "purchase_ok": True})
        cls.ICP.set_param("document_digitize.purchase_fallback_product_id", str(fallback.id))

    def test_a_confirmed_rfq_leaves_needs_review_and_says_what_was_not_checked(self):
        order = self.env["purchase.order"].create({"partner_id": self.vendor.id})
        self.attach(order, ORDER_X)
        order.action_digitize()  # an Order-X: read at once; its fallback lines and its allowance need a look
        self.assertEqual(order.digitize_state, "needs_review", order.digitize_error)
        to_check = [item["message"] for item in order.digitize_to_check]
        self.assertTrue(to_check)
        order.button_confirm()
        self.assertEqual(order.state, "purchase")
        self.assertEqual(order.digitize_state, "done", "the banner goes: it is the buyer's order now")
        self.assertNotIn(order, self.env["purchase.order"].search([("digitize_state", "=", "needs_review")]),
                         "the Needs review filter no longer lists it")
        self.assertFalse(order.digitize_low_fields, "no marks on a confirmed order")
        note = order.message_ids.filtered(lambda m: "not checked" in (m.body or ""))
        self.assertEqual(len(note), 1)
        text = " ".join(html2plaintext(note.body).split())
        self.assertIn("Confirmed with these items not checked:", text)
        for message in to_check:
            self.assertIn(" ".join(message.split()), text)
