"""A draft at once (issue 34): Digitize on a born-digital PDF fills the bill in the same request from the sidecar's
words reader, marked as not yet confirmed; the model's reading in the queue then confirms or corrects each value and
keeps what a person changed in between — over real gRPC to an in-process sidecar (replay engine, words reader).

i2d_QualityHosting.pdf: the words reader reads its due date as 2014-05-31 (its first candidate), the model (the
gold) as 2014-05-21; both read the invoice number 30064443 and the dates of issue alike.
"""

import io

from odoo import fields
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import new_test_user, tagged
from PIL import Image

from ocr_sidecar.testing import ReplayReadingWords

QUALITY_HOSTING = DOCS / "i2d_QualityHosting.pdf"
PHOTO = DOCS / "img_contoso_invoice_INV-100.jpg"


@tagged("post_install", "-at_install")
class TestDraftAtOnce(DigitizeCase):
    sidecar_options = {"engine_instance": ReplayReadingWords(DOCS), "second_reader": "on"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.vendor = cls.env["res.partner"].create({"name": "QualityHosting AG", "is_company": True,
                                                    "vat": "DE232446240"})
        cls.company_b = cls.env["res.company"].create({"name": "Digitize Draft B", "currency_id": cls.eur.id})
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        cls.accountant = new_test_user(cls.env, "digitize_draft_accountant", groups="account.group_account_invoice",
                                       company_id=cls.company_a.id, company_ids=[cls.company_a.id, cls.company_b.id])

    def env_of(self, company=None):
        company = company or self.company_a
        return self.env(user=self.accountant, context={"allowed_company_ids": [company.id]})

    def digitize(self, content, name, company=None):
        """A new draft bill of ``company`` with ``content`` as its document, Digitize pressed by the accountant:
        the queue has not run."""
        env = self.env_of(company)
        bill = env["account.move"].with_company(company or self.company_a).create({"move_type": "in_invoice"})
        attachment = env["ir.attachment"].create({"name": name, "raw": content, "res_model": "account.move",
                                                  "res_id": bill.id})
        bill.message_main_attachment_id = attachment
        bill.action_digitize()
        return bill

    def run_queue(self, bill):
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)

    def test_a_born_digital_pdf_is_filled_at_once_then_confirmed_or_corrected(self):
        bill = self.digitize(QUALITY_HOSTING.read_bytes(), QUALITY_HOSTING.name)
        # filled in the same request, as the accountant, not yet confirmed: still queued for the model
        self.assertEqual(bill.digitize_state, "queued")
        self.assertTrue(bill.digitize_prefilled)
        self.assertEqual((bill.partner_id, bill.ref), (self.vendor, "30064443"))
        self.assertEqual(bill.invoice_date, fields.Date.to_date("2014-05-07"))
        self.assertEqual(bill.invoice_date_due, fields.Date.to_date("2014-05-31"), "the words reader's due date")
        self.assertFalse(bill.digitize_verified)
        self.assertIn("Due date", bill.digitize_unconfirmed_labels or "", "the form says what is not confirmed")
        self.assertIn(" invoice_date_due ", bill.digitize_unconfirmed_fields or "")
        self.assertIn("ref", bill.digitize_prefill)
        self.assertTrue(bill.message_ids.filtered(lambda m: "Filled in at once" in (m.body or "")))
        self.assertEqual(bill.write_uid, self.accountant, "written as the user who asked")
        drafted = bill.invoice_line_ids
        # the model's reading (the queue) confirms the number and corrects the due date
        self.run_queue(bill)
        self.assertFalse(bill.digitize_prefilled)
        self.assertFalse(bill.digitize_prefill)
        self.assertEqual((bill.partner_id, bill.ref), (self.vendor, "30064443"))
        self.assertEqual(bill.invoice_date_due, fields.Date.to_date("2014-05-21"), "corrected by the model's reading")
        self.assertTrue(bill.invoice_line_ids, "the lines are the model's")
        self.assertFalse(drafted & bill.invoice_line_ids, "a line of the draft (none here) makes way for the model's")
        self.assertNotIn("kept", (bill.digitize_review_html or "").lower(), "nothing a person typed to keep")

    def test_a_value_a_person_changed_meanwhile_is_kept(self):
        bill = self.digitize(QUALITY_HOSTING.read_bytes(), QUALITY_HOSTING.name)
        self.assertTrue(bill.digitize_prefilled)
        bill.write({"ref": "QH-30064443", "invoice_date_due": "2014-06-15"})  # the accountant corrects two values
        self.run_queue(bill)
        self.assertEqual(bill.ref, "QH-30064443", "a person's value is never overwritten")
        self.assertEqual(bill.invoice_date_due, fields.Date.to_date("2014-06-15"))
        self.assertEqual(bill.invoice_date, fields.Date.to_date("2014-05-07"), "an untouched value: the reading's")
        self.assertEqual(bill.partner_id, self.vendor)
        self.assertFalse(bill.digitize_prefilled)

    def test_in_the_users_other_company(self):
        bill = self.digitize(QUALITY_HOSTING.read_bytes(), QUALITY_HOSTING.name, self.company_b)
        self.assertEqual((bill.company_id, bill.digitize_state, bill.ref), (self.company_b, "queued", "30064443"))
        self.assertTrue(bill.digitize_prefilled)
        self.run_queue(bill)
        self.assertEqual((bill.company_id, bill.ref, bill.digitize_prefilled), (self.company_b, "30064443", False))

    def test_a_scan_or_a_photo_waits_for_the_queue(self):
        photo = self.digitize(PHOTO.read_bytes(), PHOTO.name)
        self.assertEqual((photo.digitize_state, photo.digitize_prefilled, photo.ref), ("queued", False, False))
        # a scanned PDF (an image, no text layer): the words reader's words would be OCR's, not a text layer's
        buffer = io.BytesIO()
        Image.open(PHOTO).convert("RGB").save(buffer, format="PDF")
        scan = self.digitize(buffer.getvalue(), "scan.pdf")
        self.assertEqual((scan.digitize_state, scan.digitize_prefilled, scan.ref), ("queued", False, False))
        self.assertFalse(scan.partner_id)

    def test_the_journal_upload_fills_the_draft_at_once(self):
        env = self.env_of()
        attachment = env["ir.attachment"].create({"name": QUALITY_HOSTING.name, "raw": QUALITY_HOSTING.read_bytes()})
        journal = env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", self.company_a.id)],
                                                limit=1)
        bill = journal.with_context(default_move_type="in_invoice")._create_document_from_attachment(attachment.ids)
        self.assertEqual(len(bill), 1)
        self.assertEqual((bill.digitize_state, bill.digitize_prefilled, bill.ref), ("queued", True, "30064443"))
