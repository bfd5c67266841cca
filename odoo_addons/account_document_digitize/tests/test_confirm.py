"""A posted bill is no longer waiting for a review (issue #36): the *Needs review* banner, filter and marks let go
of it, and its chatter keeps what digitization had asked to check and nobody cleared."""

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged

NETPRESSE = DOCS / "i2d_NetpresseInvoice.pdf"


@tagged("post_install", "-at_install")
class TestConfirmBill(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchase_tax(20.0)
        cls.vendor = cls.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})

    def test_a_posted_bill_leaves_needs_review_and_says_what_was_not_checked(self):
        # the vendor is found by its name, but the bank account on the document is new to it
        bill = self.digitize_new("account.move", NETPRESSE, move_type="in_invoice")
        self.assertEqual((bill.partner_id, bill.digitize_state), (self.vendor, "needs_review"))
        to_check = [item["message"] for item in bill.digitize_to_check]
        self.assertTrue(any("new bank account" in message for message in to_check), to_check)
        bill.action_post()
        self.assertEqual(bill.state, "posted")
        self.assert_review_ended(bill, to_check)

    def test_a_bill_posted_with_nothing_to_check_says_nothing_more(self):
        self.env["res.partner.bank"].create({"acc_number": "FR76 1010 7002 4500 6170 5231 739",
                                             "partner_id": self.vendor.id})
        bill = self.digitize_new("account.move", NETPRESSE, move_type="in_invoice")
        self.assertEqual(bill.digitize_state, "done")
        bill.action_post()
        self.assertEqual(bill.digitize_state, "done")
        self.assertFalse(bill.message_ids.filtered(lambda m: "not checked" in (m.body or "")))
