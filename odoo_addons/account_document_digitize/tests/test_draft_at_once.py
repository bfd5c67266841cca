"""A draft at once (issue 34): Digitize on a born-digital PDF fills the bill in the same request from the sidecar's
words reader, marked as not yet confirmed; the model's reading in the queue then confirms or corrects each value and
keeps what a person changed in between — over real gRPC to an in-process sidecar (replay engine, words reader).

i2d_QualityHosting.pdf: the words reader reads its due date as 2014-05-31 (its first candidate), the model (the
gold) as 2014-05-21; both read the invoice number 30064443 and the dates of issue alike.
"""

import io
import json
from unittest.mock import patch

from odoo import fields
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase, deliver, set_alias_domain
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
        drafted_due = bill.digitize_prefill.get("invoice_date_due")
        self.assertEqual(str(bill.invoice_date_due), drafted_due, "the due date as drafted (the words reader's, or "
                         "computed from the invoice date it filled: the model's reading may still set it)")
        self.assertFalse(bill.digitize_verified)
        self.assertIn("Bill date", bill.digitize_unconfirmed_labels or "", "the form says what is not confirmed")
        self.assertIn(" invoice_date ", bill.digitize_unconfirmed_fields or "")
        self.assertIn("ref", bill.digitize_prefill)
        self.assertTrue(bill.message_ids.filtered(lambda m: "Filled in at once" in (m.body or "")))
        self.assertEqual(bill.write_uid, self.accountant, "written as the user who asked")
        drafted = bill.invoice_line_ids
        # the model's reading (the queue) confirms the number and confirms or corrects the due date
        self.run_queue(bill)
        self.assertFalse(bill.digitize_prefilled)
        self.assertFalse(bill.digitize_prefill)
        self.assertEqual((bill.partner_id, bill.ref), (self.vendor, "30064443"))
        self.assertEqual(bill.invoice_date_due, fields.Date.to_date("2014-05-21"), "the model's reading's due date")
        self.assertTrue(bill.invoice_line_ids, "the lines are the model's")
        self.assertFalse(drafted & bill.invoice_line_ids, "a line of the draft (none here) makes way for the model's")
        self.assertNotIn("kept", (bill.digitize_review_html or "").lower(), "nothing a person typed to keep")

    def digitize_reading(self, due_date):
        """``digitize`` with the words reader's reading given a due date (or none): the draft at once goes by it."""
        apply_prefill = type(self.env["account.move"])._digitize_apply_prefill

        def reading(record, result, config):
            result.document.pop("due_date", None)
            if due_date:
                result.document["due_date"] = due_date
            return apply_prefill(record, result, config)

        with patch.object(type(self.env["account.move"]), "_digitize_apply_prefill", reading):
            return self.digitize(QUALITY_HOSTING.read_bytes(), QUALITY_HOSTING.name)

    def test_a_due_date_the_reader_did_not_read_is_the_models_to_set(self):
        for read, kept_by_person in ((None, None), ("2014-05-31", None), (None, "2014-06-15")):
            with self.subTest(read=read, kept_by_person=kept_by_person):
                bill = self.digitize_reading(read)
                self.assertEqual(bill.invoice_date, fields.Date.to_date("2014-05-07"))
                # drafted by the reader, or computed by Odoo once the draft had an invoice date: nobody's choice
                self.assertEqual(bill.digitize_prefill.get("invoice_date_due"), str(bill.invoice_date_due))
                self.assertEqual(read is not None, " invoice_date_due " in (bill.digitize_unconfirmed_fields or ""),
                                 "the form names the due date unconfirmed only where the reader read one")
                if read:
                    self.assertEqual(str(bill.invoice_date_due), read)
                if kept_by_person:
                    bill.write({"invoice_date_due": kept_by_person})
                self.run_queue(bill)
                self.assertEqual(bill.invoice_date_due, fields.Date.to_date(kept_by_person or "2014-05-21"),
                                 "the model's reading's due date, unless a person chose one meanwhile")

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

    def test_a_scan_or_a_photo_is_filled_once_its_ocr_is_done(self):
        photo = self.digitize(PHOTO.read_bytes(), PHOTO.name)
        # Digitize does not wait on an OCR: queued, nothing filled
        self.assertEqual((photo.digitize_state, photo.digitize_prefilled, photo.ref), ("queued", False, False))
        # a scanned PDF (an image, no text layer): the same
        buffer = io.BytesIO()
        Image.open(PHOTO).convert("RGB").save(buffer, format="PDF")
        # the model (replay) reads the scan as it reads the photo
        self.sidecar.add(buffer.getvalue(), json.loads(PHOTO.with_name(PHOTO.stem + ".gold.json").read_text()))
        scan = self.digitize(buffer.getvalue(), "scan.pdf")
        self.assertEqual((scan.digitize_state, scan.digitize_prefilled, scan.ref), ("queued", False, False))
        self.assertFalse(scan.partner_id)
        # the scheduled action: the words reader on the sidecar's OCR fills each draft before the model reads it
        seen = self.read_spied(photo | scan)
        for bill in (photo, scan):
            state, prefilled, ref, issued, filled = seen[bill.id]
            self.assertEqual((state, prefilled), ("processing", True), "filled before the model's reading")
            self.assertEqual(issued, "2019-11-15", "the words the OCR read (INVOICE DATE:11/15/2019)")
            self.assertIn("invoice_date", filled)
            self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
            self.assertFalse(bill.digitize_prefilled, "the model's reading confirmed or corrected it")
            self.assertTrue(bill.message_ids.filtered(lambda m: "Filled in at once" in (m.body or "")))

    def read_spied(self, records):
        """The scheduled action, each record's state as the model's reading starts: (state, not yet confirmed,
        ref, date of issue, the values the draft filled)."""
        seen = {}
        read_checked = type(records)._digitize_read_checked

        def spy(record, *args, **kwargs):
            seen[record.id] = (record.digitize_state, record.digitize_prefilled, record.ref,
                               record.invoice_date and record.invoice_date.isoformat(),
                               sorted(record.digitize_prefill or {}))
            return read_checked(record, *args, **kwargs)

        with patch.object(type(records), "_digitize_read_checked", spy):
            self.env["account.move"]._digitize_process_queue(10, commit=False)
        return seen

    def test_a_mailed_pdf_is_filled_before_the_model_reads_it(self):
        self.ICP.set_param("document_digitize.auto_mail", "True")
        domain = set_alias_domain(self.env, "draft.example.com")
        journal = self.env["account.journal"].search([("type", "=", "purchase"),
                                                      ("company_id", "=", self.company_a.id)], limit=1)
        journal.alias_name = "draftbills"
        bill = deliver(self.env, "account.move", f"draftbills@{domain.name}", QUALITY_HOSTING)
        self.assertEqual((len(bill), bill.digitize_state, bill.digitize_prefilled), (1, "queued", False),
                         "nobody asked: nothing is read in the mail gateway's request")
        state, prefilled, ref, issued, filled = self.read_spied(bill)[bill.id]
        self.assertEqual((state, prefilled, ref, issued), ("processing", True, "30064443", "2014-05-07"))
        self.assertIn("ref", filled)
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
        self.assertFalse(bill.digitize_prefilled)
        self.assertEqual(bill.invoice_date_due, fields.Date.to_date("2014-05-21"), "the model's reading's due date")
        self.assertTrue(bill.message_ids.filtered(lambda m: "document's text layer" in (m.body or "")))

    def test_the_journal_upload_fills_the_draft_at_once(self):
        env = self.env_of()
        attachment = env["ir.attachment"].create({"name": QUALITY_HOSTING.name, "raw": QUALITY_HOSTING.read_bytes()})
        journal = env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", self.company_a.id)],
                                                limit=1)
        bill = journal.with_context(default_move_type="in_invoice")._create_document_from_attachment(attachment.ids)
        self.assertEqual(len(bill), 1)
        self.assertEqual((bill.digitize_state, bill.digitize_prefilled, bill.ref), ("queued", True, "30064443"))
