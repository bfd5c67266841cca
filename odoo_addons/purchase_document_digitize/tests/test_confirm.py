"""A confirmed RFQ is no longer waiting for a review (issue #36): the *Needs review* banner, filter and marks let go
of it, and its chatter keeps what digitization had asked to check and nobody cleared."""

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged

ORDER_X = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"


@tagged("post_install", "-at_install")
class TestConfirmPurchase(DigitizeCase):
    def test_a_confirmed_rfq_leaves_needs_review_and_says_what_was_not_checked(self):
        self.purchase_tax(20.0)
        vendor = self.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789", "is_company": True})
        fallback = self.env["product.product"].create({"name": "Unlisted purchase", "purchase_ok": True})
        self.ICP.set_param("document_digitize.purchase_fallback_product_id", str(fallback.id))
        # an Order-X: read at once; its fallback lines and its allowance need a look
        order = self.digitize_new("purchase.order", ORDER_X, partner_id=vendor.id)
        self.assertEqual(order.digitize_state, "needs_review")
        to_check = [item["message"] for item in order.digitize_to_check]
        self.assertTrue(to_check)
        order.button_confirm()
        self.assertEqual(order.state, "purchase")
        self.assert_review_ended(order, to_check)
