"""A confirmed quotation is no longer waiting for a review (issue #36): the *Needs review* banner, filter and marks
let go of it, and its chatter keeps what digitization had asked to check and nobody cleared."""

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged
from odoo.tools import html2plaintext

ORDER_X = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"


@tagged("post_install", "-at_install")
class TestConfirmSale(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "BUYER_NAME", "vat": "FR05987654321",
                                                      "is_company": True})
        fallback = cls.env["product.product"].create({"name": "Unlisted item", "sale_ok": True})
        cls.ICP.set_param("document_digitize.sale_fallback_product_id", str(fallback.id))

    def test_a_confirmed_quotation_leaves_needs_review_and_says_what_was_not_checked(self):
        order = self.env["sale.order"].create({"partner_id": self.env.ref("document_digitize.partner_to_identify").id})
        self.attach(order, ORDER_X)
        order.action_digitize()  # read at once from its XML; the fallback lines and the currency need a look
        self.assertEqual((order.digitize_state, order.partner_id), ("needs_review", self.customer))
        to_check = [item["message"] for item in order.digitize_to_check]
        self.assertTrue(to_check)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.digitize_state, "done")
        self.assertNotIn(order, self.env["sale.order"].search([("digitize_state", "=", "needs_review")]),
                         "the Needs review filter no longer lists it")
        self.assertFalse(order.digitize_low_fields, "no marks on a confirmed order")
        note = order.message_ids.filtered(lambda m: "not checked" in (m.body or ""))
        self.assertEqual(len(note), 1)
        text = " ".join(html2plaintext(note.body).split())
        self.assertIn("Confirmed with these items not checked:", text)
        for message in to_check:
            self.assertIn(" ".join(message.split()), text)
