"""A posted bill is no longer waiting for a review (issue #36): the *Needs review* banner, filter and marks let go
of it, and its chatter keeps what digitization had asked to check and nobody cleared."""

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged
from odoo.tools import html2plaintext

NETPRESSE = DOCS / "i2d_NetpresseInvoice.pdf"


@tagged("post_install", "-at_install")
class TestConfirmBill(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.tax"].create({"name": "VAT 20 % (purchase)", "amount": 20.0, "type_tax_use": "purchase",
                                       "company_id": cls.env.company.id})
        cls.vendor = cls.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})

    def digitize(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.attach(bill, NETPRESSE)
        bill.action_digitize()
        bill._digitize_process_queue(10, commit=False)
        return bill

    def notes(self, record):
        return record.message_ids.filtered(lambda m: "not checked" in (m.body or ""))

    def test_a_posted_bill_leaves_needs_review_and_says_what_was_not_checked(self):
        bill = self.digitize()  # the vendor is found by its name, but the bank account on the document is new
        self.assertEqual((bill.partner_id, bill.digitize_state), (self.vendor, "needs_review"))
        to_check = [item["message"] for item in bill.digitize_to_check]
        self.assertTrue(any("new bank account" in message for message in to_check), to_check)
        bill.action_post()
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.digitize_state, "done", "the banner goes")
        self.assertNotIn(bill, self.env["account.move"].search([("digitize_state", "=", "needs_review")]),
                         "the Needs review filter no longer lists it")
        self.assertFalse(bill.digitize_low_fields, "no marks on a posted bill")
        note = self.notes(bill)
        self.assertEqual(len(note), 1)
        text = " ".join(html2plaintext(note.body).split())
        self.assertIn("Confirmed with these items not checked:", text)
        for message in to_check:
            self.assertIn(" ".join(message.split()), text)

    def test_a_bill_posted_with_nothing_to_check_says_nothing_more(self):
        self.env["res.partner.bank"].create({"acc_number": "FR76 1010 7002 4500 6170 5231 739",
                                             "partner_id": self.vendor.id})
        bill = self.digitize()
        self.assertEqual(bill.digitize_state, "done")
        bill.action_post()
        self.assertEqual(bill.digitize_state, "done")
        self.assertFalse(self.notes(bill))
