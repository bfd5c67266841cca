"""Verified bills: marked when every value was confirmed, confirmed from the list as the user, posted automatically
for a vendor that asks so — over real gRPC to an in-process sidecar (replay engine; e-invoices read from their XML).

Given a Factur-X invoice of a known vendor (its XML: every value exact) the bill is verified; the same vendor's
PDF read by the replay engine and checked by the words reader is not, and the form says which values no second
reading confirmed; a person's change ends "verified". The list's "Confirm verified bills" posts the verified drafts
as a plain accountant of two companies, names the others; "Post verified bills automatically" (off by default)
posts them as the person who asked, in the lock dates' rules, and leaves a refused one in draft with a note.
"""

from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.addons.document_digitize.lib import evidence, review
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ocr_sidecar.testing import ReplayReadingWords

EINVOICE = Path(__file__).parent / "data" / "factur-x_INV-2025-0042.xml"
VAT = "DE812345673"  # the seller's VAT id in the e-invoice
QUALITY_HOSTING = DOCS / "i2d_QualityHosting.pdf"


ORDER_REFERENCE = (b"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO-7731</ram:IssuerAssignedID>"
                   b"</ram:BuyerOrderReferencedDocument>")


def einvoice(number):
    """The made-up e-invoice (CII XML) with another invoice number and no purchase order quoted (none exists here:
    that would be an item to review): the vendor's next bill."""
    content = EINVOICE.read_bytes()
    assert ORDER_REFERENCE in content
    return content.replace(b"INV-2025-0042", number.encode()).replace(ORDER_REFERENCE, b"")


class VerifiedCase(DigitizeCase):
    # the model's path: the pages get their words and the words reader checks every answer
    sidecar_options = {"engine_instance": ReplayReadingWords(DOCS), "second_reader": "on"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.vendor = cls.env["res.partner"].create({"name": "Example Office Supplies GmbH", "is_company": True,
                                                    "vat": VAT})
        cls.env["res.partner.bank"].create({"acc_number": "DE89370400440532013000", "partner_id": cls.vendor.id})
        cls.tax19_a = cls.purchase_tax(19.0)
        cls.company_b = cls.env["res.company"].create({"name": "Digitize Verified B", "currency_id": cls.eur.id})
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        cls.env["account.tax"].create({"name": "VAT 19 % (purchase)", "amount": 19.0, "type_tax_use": "purchase",
                                       "company_id": cls.company_b.id})
        cls.accountant = new_test_user(cls.env, "digitize_verified_accountant", groups="account.group_account_invoice",
                                       company_id=cls.company_a.id, company_ids=[cls.company_a.id, cls.company_b.id])

    def new_bill(self, content, name, company=None, user=None):
        """A draft bill of ``company`` with ``content`` as its document, digitized (button, then the queue) by
        ``user`` (the accountant by default) in that company."""
        company = company or self.company_a
        env = self.env(user=user or self.accountant, context={"allowed_company_ids": [company.id]})
        Move = env["account.move"].with_company(company)
        bill = Move.create({"move_type": "in_invoice"})
        attachment = env["ir.attachment"].create({"name": name, "raw": content, "res_model": "account.move",
                                                  "res_id": bill.id})
        bill.message_main_attachment_id = attachment
        bill.action_digitize()
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
        return bill


@tagged("post_install", "-at_install")
class TestVerifiedBill(VerifiedCase):
    def test_an_einvoice_of_a_known_vendor_is_verified(self):
        bill = self.new_bill(einvoice("INV-2025-0101"), "INV-2025-0101.xml")
        self.assertTrue(bill.digitize_engine.startswith("einvoice"), bill.digitize_engine)
        self.assertEqual((bill.digitize_state, bill.partner_id, bill.ref), ("done", self.vendor, "INV-2025-0101"))
        self.assertTrue(bill.digitize_verified, bill.digitize_verification)
        self.assertFalse(bill.digitize_unconfirmed_labels)
        self.assertEqual(bill.amount_total, 348.79)
        self.assertEqual(bill.state, "draft", "verified is a mark, posting stays a person's decision")
        verified = self.env["account.move"].search([("digitize_verified", "=", True)])
        self.assertEqual(verified, bill, "the Verified filter lists it")

    def test_a_pdf_whose_header_the_words_reader_did_not_read_alike_is_not_verified_and_says_which(self):
        bill = self.new_bill(QUALITY_HOSTING.read_bytes(), QUALITY_HOSTING.name)
        self.assertFalse(bill.digitize_verified)
        unconfirmed = bill.digitize_verification["unconfirmed"]
        # whichever header values the words reader read otherwise (its subtotal and tax on this page, as of this
        # model): each is named on the form and marks its field
        target = bill._digitize_target
        marked = [path for path in unconfirmed if review.record_field(path, target)]
        self.assertTrue(marked, "some header value of this page is not the words reader's first candidate")
        for path in marked:
            self.assertIn(evidence.field_label(path, target), bill.digitize_unconfirmed_labels)
            self.assertIn(f" {review.record_field(path, target)} ", bill.digitize_unconfirmed_fields,
                          "the form marks the field")
        self.assertNotIn(" ref ", bill.digitize_unconfirmed_fields, "the invoice number was read alike by both")

    def test_an_unknown_vendor_or_a_missing_tax_leaves_it_unverified(self):
        self.vendor.vat = False
        self.vendor.name = "Someone else"
        bill = self.new_bill(einvoice("INV-2025-0102"), "INV-2025-0102.xml")
        self.assertFalse(bill.digitize_verified)
        self.assertIn("applying it left items to check", " ".join(bill.digitize_verification["reasons"]))

    def test_a_persons_change_ends_verified(self):
        bill = self.new_bill(einvoice("INV-2025-0103"), "INV-2025-0103.xml")
        self.assertTrue(bill.digitize_verified)
        bill.with_user(self.accountant).invoice_line_ids[0].quantity = 5  # a line changed on its own
        bill.with_user(self.accountant).write({"ref": "INV-2025-0103"})  # an unchanged value: still what was read
        self.assertFalse(bill.digitize_verified, "a line no longer as verified")
        self.assertTrue(bill.message_ids.filtered(lambda m: "no longer marked verified" in (m.body or "")))
        other = self.new_bill(einvoice("INV-2025-0104"), "INV-2025-0104.xml")
        other.with_user(self.accountant).write({"invoice_date": fields.Date.to_date("2025-03-15")})
        self.assertFalse(other.digitize_verified, "the bill date changed")
        self.assertIn("changed after it was verified", " ".join(other.digitize_verification["reasons"]))


@tagged("post_install", "-at_install")
class TestConfirmVerifiedBills(VerifiedCase):
    def test_the_list_action_posts_the_verified_drafts_of_both_companies_as_the_accountant(self):
        bill_a = self.new_bill(einvoice("INV-2025-0201"), "INV-2025-0201.xml", self.company_a)
        bill_b = self.new_bill(einvoice("INV-2025-0202"), "INV-2025-0202.xml", self.company_b)
        unverified = self.new_bill(QUALITY_HOSTING.read_bytes(), QUALITY_HOSTING.name, self.company_b)
        self.assertEqual((bill_a.company_id, bill_b.company_id), (self.company_a, self.company_b))
        self.assertTrue(bill_a.digitize_verified, bill_a.digitize_verification)
        self.assertTrue(bill_b.digitize_verified, bill_b.digitize_verification)
        env = self.env(user=self.accountant, context={"allowed_company_ids": [self.company_a.id, self.company_b.id]})
        selected = env["account.move"].browse((bill_a | bill_b | unverified).ids)
        action = env.ref("account_document_digitize.action_digitize_confirm_verified").with_context(
            active_model="account.move", active_ids=selected.ids, active_id=selected[:1].id).run()
        self.assertEqual((bill_a.state, bill_b.state, unverified.state), ("posted", "posted", "draft"))
        self.assertEqual((bill_a.write_uid, bill_b.write_uid), (self.accountant, self.accountant), "as the user")
        message = action["params"]["message"]
        self.assertIn("Posted 2 verified bill(s)", message)
        self.assertIn(f"{unverified.display_name} (not verified)", message, "the other one is named, with why")
        self.assertEqual(action["params"]["type"], "warning")

    def test_a_user_of_one_company_cannot_post_the_other_companys_verified_bill(self):
        bill_b = self.new_bill(einvoice("INV-2025-0203"), "INV-2025-0203.xml", self.company_b)
        clerk_a = new_test_user(self.env, "digitize_verified_clerk_a", groups="account.group_account_invoice",
                                company_id=self.company_a.id, company_ids=[self.company_a.id])
        with self.assertRaises(AccessError):  # the record rule: company B's bill is not readable by A's clerk
            self.env["account.move"].with_user(clerk_a).browse(bill_b.id).action_digitize_confirm_verified()
        self.assertEqual(bill_b.state, "draft")

    def test_a_bill_changed_since_it_was_verified_is_not_posted(self):
        bill = self.new_bill(einvoice("INV-2025-0204"), "INV-2025-0204.xml")
        bill.invoice_line_ids[0].with_user(self.accountant).write({"price_unit": 1.0})  # not through the bill
        self.assertTrue(bill.digitize_verified, "a line written on its own is caught when confirming")
        action = bill.with_user(self.accountant).action_digitize_confirm_verified()
        self.assertEqual(bill.state, "draft")
        self.assertFalse(bill.digitize_verified)
        self.assertIn("changed since it was verified", action["params"]["message"])


@tagged("post_install", "-at_install")
class TestAutoPostVerified(VerifiedCase):
    def test_off_by_default_a_verified_bill_waits_for_a_person(self):
        self.assertFalse(self.vendor.digitize_autopost_verified)
        bill = self.new_bill(einvoice("INV-2025-0301"), "INV-2025-0301.xml")
        self.assertTrue(bill.digitize_verified, bill.digitize_verification)
        self.assertEqual(bill.state, "draft")

    def test_on_the_vendors_verified_bill_is_posted_as_the_requester_after_the_lock_date(self):
        self.vendor.with_company(self.company_a).digitize_autopost_verified = True
        self.company_a.fiscalyear_lock_date = fields.Date.to_date("2025-03-31")  # the bill is of 2025-03-14
        bill = self.new_bill(einvoice("INV-2025-0302"), "INV-2025-0302.xml")
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.invoice_date, fields.Date.to_date("2025-03-14"))
        self.assertGreater(bill.date, self.company_a.fiscalyear_lock_date, "booked after the lock date, not in it")
        self.assertEqual(bill.write_uid, self.accountant)
        self.assertTrue(bill.message_ids.filtered(lambda m: "posted automatically in the name of" in (m.body or "")))
        # the setting is the company's: the same vendor's bill in company B waits
        bill_b = self.new_bill(einvoice("INV-2025-0303"), "INV-2025-0303.xml", self.company_b)
        self.assertEqual((bill_b.digitize_verified, bill_b.state), (True, "draft"))

    def test_an_unverified_bill_or_a_refused_post_stays_in_draft_with_a_note(self):
        self.vendor.with_company(self.company_a).digitize_autopost_verified = True
        bill = self.new_bill(QUALITY_HOSTING.read_bytes(), QUALITY_HOSTING.name)
        self.assertEqual(bill.state, "draft", "not verified: never posted")
        refusal = UserError("The journal is closed for this period (test).")
        with patch.object(self.env.registry["account.move"], "action_post", side_effect=refusal):
            refused = self.new_bill(einvoice("INV-2025-0304"), "INV-2025-0304.xml")
        self.assertEqual((refused.digitize_verified, refused.state), (True, "draft"))
        note = refused.message_ids.filtered(lambda m: "could not be posted automatically" in (m.body or ""))
        self.assertTrue(note)
        self.assertIn("The journal is closed for this period (test).", note.body)
