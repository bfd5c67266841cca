"""Vendor bills digitized end to end: real gRPC to an in-process sidecar on loopback.

The sidecar is the production server with the replay engine (it answers the gold JSON of the shared
corpus by content hash) — it replaces only the model. Everything else is real: the gRPC client, the
queue, the mapping library and the ORM writes.
"""

import json

from odoo import fields
from odoo.addons.document_digitize.models.odoo_catalog import OdooCatalog
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ocr_sidecar.testing import SidecarThread

NETPRESSE = DOCS / "i2d_NetpresseInvoice.pdf"


def draft_lines(bill):
    """A bill's lines as a failed reading must leave them: none, or the draft's that the words reader filled at
    once (issue #34; a born-digital PDF's draft is filled before the model reads it)."""
    return [(line.id, line.name, line.quantity, line.price_unit, line.tax_ids.ids) for line in bill.invoice_line_ids]


@tagged("post_install", "-at_install")
class TestDigitizeBill(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP.set_param("document_digitize.max_attempts", "2")
        cls.company = cls.env.company
        cls.tax20 = cls.env["account.tax"].create({
            "name": "VAT 20 % (purchase)", "amount": 20.0, "amount_type": "percent", "type_tax_use": "purchase",
            "company_id": cls.company.id})
        cls.vendor = cls.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})
        cls.env["res.partner.bank"].create({"acc_number": "FR76 1010 7002 4500 6170 5231 739",
                                            "partner_id": cls.vendor.id})
        cls.accountant = new_test_user(cls.env, "digitize_accountant", groups="account.group_account_invoice")
        cls.reader = new_test_user(cls.env, "digitize_reader", groups="base.group_user")

    def new_bill(self, content, name="bill.pdf", **values):
        bill = self.env["account.move"].create({"move_type": "in_invoice", **values})
        attachment = self.env["ir.attachment"].create({"name": name, "raw": content, "res_model": "account.move",
                                                       "res_id": bill.id})
        bill.message_main_attachment_id = attachment
        return bill

    def run_queue(self):
        return self.env["account.move"]._digitize_process_queue(10, commit=False)

    def test_pdf_bill_is_filled_from_the_document(self):
        bill = self.new_bill(NETPRESSE.read_bytes())
        bill.action_digitize()
        self.assertEqual(bill.digitize_state, "queued")
        self.assertEqual(self.run_queue(), (1, 0))
        self.assertEqual(bill.digitize_state, "done", bill.digitize_error)
        self.assertEqual(bill.partner_id, self.vendor, "vendor found by its IBAN")
        self.assertEqual(bill.ref, "2022089083")
        self.assertEqual(bill.invoice_date, fields.Date.to_date("2022-11-28"))
        self.assertEqual(bill.currency_id, self.eur)
        self.assertEqual(bill.state, "draft", "never posted")
        self.assertEqual(bill.amount_untaxed, 46.68)
        self.assertEqual(bill.amount_tax, 9.34)
        self.assertEqual(bill.amount_total, 56.02)
        self.assertIn(self.tax20, bill.invoice_line_ids.tax_ids)
        self.assertTrue(bill.digitize_request_id and bill.digitize_engine)
        self.assertEqual(json.loads(bill.digitize_json)["document_number"], "2022089083")
        self.assertTrue(any("Digitized by" in (m.body or "") for m in bill.message_ids))

    def test_re_digitize_refills_the_lines_the_last_reading_wrote_and_keeps_a_persons(self):
        bill = self.new_bill(NETPRESSE.read_bytes())
        bill.action_digitize()
        self.run_queue()
        first = bill.invoice_line_ids
        self.assertEqual(len(first), 3)
        bill.action_digitize_retry()  # Re-digitize: the lines are the reading's own, untouched
        self.run_queue()
        self.assertEqual(bill.digitize_state, "done", bill.digitize_review_html)
        self.assertEqual(len(bill.invoice_line_ids), 3, "refilled, not doubled and not kept")
        self.assertFalse(bill.invoice_line_ids & first, "the document's lines read again")
        self.assertEqual(bill.amount_total, 56.02)
        # a person changes a line: reading again keeps every line and says so
        bill.invoice_line_ids[0].price_unit += 1.0
        kept = bill.invoice_line_ids
        bill.action_digitize_retry()
        self.run_queue()
        self.assertEqual(bill.invoice_line_ids, kept)
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertIn("already has lines", bill.digitize_review_html)

    def test_totals_that_do_not_add_up_need_review_with_a_note(self):
        content = NETPRESSE.read_bytes() + b"\n% variant"
        document = json.loads(NETPRESSE.with_name(NETPRESSE.stem + ".gold.json").read_text())
        document["total"] = 99.99
        self.sidecar.add(content, document)
        bill = self.new_bill(content)
        bill.action_digitize()
        self.run_queue()
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertIn("99.99", bill.digitize_review_html)
        self.assertTrue(any("To check" in (m.body or "") for m in bill.message_ids))

    def test_values_the_user_entered_are_kept(self):
        other = self.env["res.partner"].create({"name": "Chosen vendor"})
        bill = self.new_bill(NETPRESSE.read_bytes(), ref="MY-OWN-REF", partner_id=other.id)
        bill.action_digitize()
        self.run_queue()
        self.assertEqual(bill.ref, "MY-OWN-REF")
        self.assertEqual(bill.partner_id, other)
        self.assertIn("MY-OWN-REF", bill.digitize_review_html or "".join(m.body or "" for m in bill.message_ids))

    def test_sidecar_down_retries_then_errors_and_loses_nothing(self):
        content = NETPRESSE.read_bytes()
        bill = self.new_bill(content)
        attachment = bill.message_main_attachment_id
        bill.action_digitize()
        draft = draft_lines(bill)
        self.sidecar.fail_next("UNAVAILABLE", times=2)
        self.run_queue()
        self.assertEqual(bill.digitize_state, "queued")
        self.assertTrue(bill.digitize_next_attempt)
        self.assertIn("retrying", bill.digitize_error)
        bill.digitize_next_attempt = fields.Datetime.subtract(fields.Datetime.now(), minutes=1)
        self.run_queue()
        self.assertEqual(bill.digitize_state, "error")
        self.assertIn("Gave up after 2 attempts", bill.digitize_error)
        self.assertEqual(attachment.raw, content, "the document is untouched")
        self.assertEqual(draft_lines(bill), draft, "nothing of the failed reading; the draft at once as it was")
        self.assertEqual(bill.state, "draft")

    def test_stopped_sidecar_is_a_transient_error(self):
        sidecar = SidecarThread(engine="replay", documents_dir=DOCS)
        target = sidecar.start()
        sidecar.stop()
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", target)
        bill = self.new_bill(NETPRESSE.read_bytes())
        bill.action_digitize()
        self.run_queue()
        self.assertEqual(bill.digitize_state, "queued")
        self.assertIn("Attempt 1 of 2", bill.digitize_error)

    def test_failover_to_the_next_endpoint(self):
        dead = SidecarThread(engine="replay", documents_dir=DOCS)
        dead_target = dead.start()
        dead.stop()
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", f"{dead_target},{self.target}")
        document = json.loads(NETPRESSE.with_name(NETPRESSE.stem + ".gold.json").read_text())
        for i in range(2):  # whichever endpoint the rotation starts with; two bills, neither a duplicate
            # the same page (its values are printed on it: no evidence warning), another file, and the first
            # bill cancelled so the second is not its duplicate
            content = NETPRESSE.read_bytes() + f"\n% failover {i}".encode()
            self.sidecar.add(content, document)
            bill = self.new_bill(content)
            bill.action_digitize()
            self.run_queue()
            self.assertEqual(bill.digitize_state, "done", bill.digitize_review_html or bill.digitize_error)
            self.assertEqual(bill.ref, document["document_number"])
            bill.button_cancel()

    def test_invalid_document_is_an_error_at_once(self):
        bill = self.new_bill(b"%PDF-1.4 this is not a real pdf", name="broken.pdf")
        bill.action_digitize()
        self.run_queue()
        self.assertEqual(bill.digitize_state, "error")
        self.assertIn("damaged or truncated", bill.digitize_error)
        self.assertEqual(bill.digitize_attempts, 1)

    def test_button_needs_an_attachment_and_a_draft(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        with self.assertRaises(UserError):
            bill.action_digitize()

    def test_only_users_who_can_edit_the_bill_can_digitize_it(self):
        bill = self.new_bill(NETPRESSE.read_bytes())
        with self.assertRaises(AccessError):
            bill.with_user(self.reader).action_digitize()
        bill.with_user(self.accountant).action_digitize()
        self.assertEqual(bill.digitize_state, "queued")

    def test_large_images_are_kept_as_sent(self):
        photo = (DOCS / "img_contoso_receipt_photo1.png").read_bytes()
        bill = self.new_bill(photo, name="photo.png")
        self.assertEqual(bill.message_main_attachment_id.raw, photo)

    def test_only_documents_skip_odoos_image_resizing(self):
        """Files of digitizable records and files Odoo's document uploaders mark are kept as sent; any other
        attachment with no model (a website image, another app's) is re-encoded by core as before."""
        photo = (DOCS / "img_contoso_receipt_photo1.png").read_bytes()
        Attachment = self.env["ir.attachment"]
        other = Attachment.create({"name": "banner.png", "raw": photo})
        self.assertNotEqual(other.raw, photo, "core's resizing of other attachments is left alone")
        uploaded = Attachment.with_context(document_digitize_keep_original=True).create({"name": "bill.png",
                                                                                          "raw": photo})
        self.assertEqual(uploaded.raw, photo, "a document given to Odoo's Upload is kept whole")

    def test_other_companys_taxes_and_vendors_are_not_used(self):
        other_company = self.env["res.company"].create({"name": "Other Co", "currency_id": self.eur.id})
        other_vendor = self.env["res.partner"].create({"name": "Netpresse (other co)", "company_id": other_company.id})
        self.env["res.partner.bank"].create({"acc_number": "FR7610107002450061705231739",
                                             "partner_id": other_vendor.id, "company_id": other_company.id})
        bill = self.new_bill(NETPRESSE.read_bytes())
        bill.action_digitize()
        self.run_queue()
        self.assertEqual(bill.partner_id, self.vendor)
        self.assertFalse(bill.invoice_line_ids.tax_ids.filtered(lambda t: t.company_id == other_company))

    def test_documents_are_applied_with_the_rights_of_who_asked_on_every_path(self):
        """One rule on both paths — the scheduled action (superuser) and the button's own e-invoice reading: what
        was read is applied as the user who asked, in the bill's company. A clerk who may not create contacts gets
        no vendor created (the review says why); one who may gets it, in the bill's company."""
        self.ICP.set_param("document_digitize.create_partner", "True")
        clerk = new_test_user(self.env, "digitize_clerk_no_contacts", groups="account.group_account_invoice")
        self.assertFalse(self.env["res.partner"].with_user(clerk).has_access("create"))
        Partner = self.env["res.partner"].with_context(active_test=False)
        saeco, mustang = DOCS / "i2d_saeco.pdf", DOCS / "fx_MustangGnuaccountingBeispielRE-20201121_508.pdf"
        for path, vendor, path_kind in ((saeco, "e-Luscious Nederland B.V.", "queue"),
                                        (mustang, "Bei Spiel GmbH", "e-invoice button")):
            with self.subTest(path=path_kind):
                bill = self.new_bill(path.read_bytes(), name=path.name)
                bill.with_user(clerk).action_digitize()
                self.run_queue()
                self.assertEqual(bill.digitize_state, "needs_review", bill.digitize_error)
                self.assertFalse(bill.partner_id)
                self.assertFalse(Partner.search([("name", "=", vendor)]), "not created for a clerk who may not")
                self.assertIn("may not create contacts", bill.digitize_review_html)
        allowed = new_test_user(self.env, "digitize_clerk_contacts",
                                groups="account.group_account_invoice,base.group_partner_manager")
        bill = self.new_bill(saeco.read_bytes(), name=saeco.name)
        bill.with_user(allowed).action_digitize()
        self.run_queue()
        self.assertEqual((bill.partner_id.name, bill.partner_id.company_id), ("e-Luscious Nederland B.V.", self.company))
        self.assertEqual(bill.partner_id.create_uid, allowed, "created by the user who asked, not the superuser")

    def test_who_clicked_gets_notified_and_sees_the_queue_position(self):
        from unittest.mock import patch

        first = self.new_bill(NETPRESSE.read_bytes())
        first.with_user(self.accountant).action_digitize()
        second = self.new_bill(NETPRESSE.read_bytes() + b"\n% second")
        self.sidecar.add(NETPRESSE.read_bytes() + b"\n% second",
                         json.loads(NETPRESSE.with_name(NETPRESSE.stem + ".gold.json").read_text()))
        second.with_user(self.accountant).action_digitize()
        self.assertEqual((first.digitize_queue_position, second.digitize_queue_position), (1, 2))
        self.assertEqual(first.digitize_requested_by, self.accountant)
        sent = []
        with patch.object(type(self.env["res.users"]), "_bus_send",
                          lambda users, kind, payload, **kw: sent.append((users, kind, payload))):
            self.run_queue()
        updates = [(u, p) for u, k, p in sent if k == "document_digitize/updated"]
        self.assertEqual({p["id"] for _u, p in updates}, {first.id, second.id})
        self.assertTrue(all(u == self.accountant for u, _p in updates))
        notes = [p for _u, k, p in sent if k == "simple_notification"]
        self.assertEqual(len(notes), 2)
        self.assertTrue(all(p["type"] in ("success", "warning") for p in notes))
        self.assertEqual(first.digitize_queue_position, 0)


@tagged("post_install", "-at_install")
class TestVendorMemory(DigitizeCase):
    """A correction confirmed on a digitized bill is applied to the vendor's next bill, and to no other
    vendor or company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})
        cls.env["res.partner.bank"].create({"acc_number": "FR7610107002450061705231739", "partner_id": cls.vendor.id})
        cls.subscription = cls.env["product.product"].create({"name": "Press subscription", "purchase_ok": True})
        cls.expense = cls.env["account.account"].create({"name": "Press and documentation", "code": "623100",
                                                         "account_type": "expense"})
        cls.document = json.loads(NETPRESSE.with_name(NETPRESSE.stem + ".gold.json").read_text())

    def digitized_bill(self, number, vendor_iban=None):
        content = NETPRESSE.read_bytes() + f"\n% {number}".encode()
        document = dict(self.document, document_number=number)
        if vendor_iban:
            document["seller"] = dict(document["seller"], iban=vendor_iban)
        self.sidecar.add(content, document)
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create(
            {"name": f"{number}.pdf", "raw": content, "res_model": "account.move", "res_id": bill.id})
        bill.action_digitize()
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        return bill

    def correct_and_post(self, bill):
        line = bill.invoice_line_ids.filtered(lambda l: l.display_type == "product")[:1]
        line.write({"product_id": self.subscription.id, "account_id": self.expense.id})
        bill.invoice_date = bill.invoice_date or fields.Date.today()
        bill.action_post()
        return line

    def test_a_confirmed_correction_is_applied_to_the_next_bill(self):
        first = self.digitized_bill("MEM-1")
        self.assertEqual(first.partner_id, self.vendor)
        corrected = self.correct_and_post(first)
        memory = self.env["document.digitize.memory"].search([("partner_id", "=", self.vendor.id)])
        self.assertEqual(len(memory), 1)
        self.assertEqual((memory.product_id, memory.account_id), (self.subscription, self.expense))
        self.assertEqual(memory.key, corrected.digitize_key)
        second = self.digitized_bill("MEM-2")
        line = second.invoice_line_ids.filtered(lambda l: l.digitize_key == memory.key)
        self.assertEqual((line.product_id, line.account_id), (self.subscription, self.expense))
        self.assertIn("chosen last time", second.digitize_review_html or "".join(second.message_ids.mapped("body")))

    def test_memory_is_per_vendor(self):
        self.correct_and_post(self.digitized_bill("MEM-3"))
        other = self.env["res.partner"].create({"name": "Another press"})
        self.env["res.partner.bank"].create({"acc_number": "DE89370400440532013000", "partner_id": other.id})
        bill = self.digitized_bill("MEM-4", vendor_iban="DE89370400440532013000")
        self.assertEqual(bill.partner_id, other)
        self.assertNotIn(self.subscription, bill.invoice_line_ids.product_id)

    def test_memory_is_per_company(self):
        self.correct_and_post(self.digitized_bill("MEM-5"))
        memory = self.env["document.digitize.memory"].search([("partner_id", "=", self.vendor.id)])
        other_company = self.env["res.company"].create({"name": "Other Co"})
        user = new_test_user(self.env, "digitize_other_co", groups="account.group_account_invoice",
                             company_id=other_company.id, company_ids=[other_company.id])
        self.assertFalse(self.env["document.digitize.memory"].with_user(user).search([("id", "=", memory.id)]))
        catalog_other = OdooCatalog(self.env, other_company)
        self.assertIsNone(catalog_other.remembered(self.vendor.id, memory.key))
        self.assertIsNotNone(OdooCatalog(self.env, self.env.company).remembered(self.vendor.id, memory.key))

    def test_an_unchanged_bill_teaches_nothing(self):
        bill = self.digitized_bill("MEM-6")
        bill.invoice_date = bill.invoice_date or fields.Date.today()
        bill.action_post()
        self.assertFalse(self.env["document.digitize.memory"].search([("partner_id", "=", self.vendor.id)]))


@tagged("post_install", "-at_install")
class TestLowConfidenceMarkers(DigitizeCase):
    def test_fields_read_with_low_confidence_are_marked(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.digitize_confidence = json.dumps({"issue_date": 0.3, "document_number": 0.99, "lines[0].amount": 0.2})
        self.assertEqual(bill.digitize_low_fields, " invoice_date invoice_line_ids ")
        arch = bill.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("' invoice_date ' not in (digitize_low_fields or '')", arch)
