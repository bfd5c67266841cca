"""A confirmed quotation is no longer waiting for a review (issue #36): the *Needs review* banner, filter and marks
let go of it, and its chatter keeps what digitization had asked to check and nobody cleared."""

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged

ORDER_X = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"


@tagged("post_install", "-at_install")
class TestConfirmSale(DigitizeCase):
    def test_a_confirmed_quotation_leaves_needs_review_and_says_what_was_not_checked(self):
        customer = self.env["res.partner"].create({"name": "BUYER_NAME", "vat": "FR05987654321", "is_company": True})
        fallback = self.env["product.product"].create({"name": "Unlisted item", "sale_ok": True})
        self.ICP.set_param("document_digitize.sale_fallback_product_id", str(fallback.id))
        # read at once from its XML; the fallback lines and the currency need a look
        order = self.digitize_new("sale.order", ORDER_X,
                                  partner_id=self.env.ref("document_digitize.partner_to_identify").id)
        self.assertEqual((order.digitize_state, order.partner_id), ("needs_review", customer))
        to_check = [item["message"] for item in order.digitize_to_check]
        self.assertTrue(to_check)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assert_review_ended(order, to_check)
