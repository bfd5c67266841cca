"""Mailed and uploaded bills, and the scheduled action under concurrency and crashes.

Real .eml messages built from documents of the shared corpus go through the purchase journal's mail
alias (``message_process``), Odoo's own import runs, and the queue talks over real gRPC to an in-process
sidecar (the production server with the replay engine: gold JSON by content; it replaces only the model).
"""

import base64
import json
from email.message import EmailMessage
from email.utils import make_msgid

from odoo import SUPERUSER_ID, api, fields
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from ocr_sidecar.testing import SidecarThread

from .test_digitize_bill import DOCS, NETPRESSE

PHOTO = DOCS / "img_contoso_invoice_INV-100.jpg"
RECEIPT = DOCS / "img_contoso_receipt_photo1.png"
EINVOICE = DOCS / "fx_EN16931_Einfach.pdf"
MIME = {".pdf": ("application", "pdf"), ".jpg": ("image", "jpeg"), ".png": ("image", "png")}


def eml(to, *paths, sender="Billing <billing@vendor.example>", subject="Your invoice"):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid()
    message.set_content("Please find our invoice attached.")
    for path in paths:
        maintype, subtype = MIME[path.suffix]
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message.as_string()


class MailCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sidecar = SidecarThread(engine="replay", documents_dir=DOCS)
        cls.addClassCleanup(cls.sidecar.stop)
        cls.ICP = cls.env["ir.config_parameter"].sudo()
        cls.ICP.set_param("document_digitize.endpoint", cls.sidecar.start())
        cls.ICP.set_param("document_digitize.auto_mail", "True")
        cls.env.ref("base.EUR").active = True
        domain = cls.env["mail.alias.domain"].create({"name": "digitize.example.com"})
        cls.env.company.alias_domain_id = domain
        cls.journal = cls.env["account.journal"].search([("type", "=", "purchase"),
                                                         ("company_id", "=", cls.env.company.id)], limit=1)
        cls.journal.alias_name = "bills"
        cls.alias = f"bills@{domain.name}"

    def receive(self, *paths, **kwargs):
        before = self.env["account.move"].search([]).ids
        self.env["mail.thread"].message_process("account.move", eml(self.alias, *paths, **kwargs))
        return self.env["account.move"].search([("id", "not in", before)], order="id")

    def run_queue(self):
        return self.env["account.move"]._digitize_process_queue(20, commit=False)


@tagged("post_install", "-at_install")
class TestMailIngestion(MailCase):
    def test_a_pdf_and_a_photo_make_two_linked_bills_digitized_without_user_action(self):
        bills = self.receive(NETPRESSE, PHOTO)
        self.assertEqual(len(bills), 2, "one bill per document")
        self.assertEqual(set(bills.mapped("move_type")), {"in_invoice"})
        self.assertEqual(bills.journal_id, self.journal)
        self.assertEqual(set(bills.mapped("digitize_state")), {"queued"})
        by_name = {bill.digitize_attachment_id.name: bill for bill in bills}
        self.assertEqual(set(by_name), {NETPRESSE.name, PHOTO.name})
        photo_bill = by_name[PHOTO.name]
        self.assertEqual(photo_bill.digitize_attachment_id.raw, PHOTO.read_bytes(), "the photo is kept as sent")
        self.assertIn(f'data-oe-id="{by_name[NETPRESSE.name].id}"', "".join(photo_bill.message_ids.mapped("body")),
                      "bills of the same mail are linked")
        self.assertEqual(self.run_queue(), (2, 0))
        self.assertEqual(by_name[NETPRESSE.name].ref, "2022089083")
        gold = json.loads(PHOTO.with_name(PHOTO.stem + ".gold.json").read_text())
        self.assertEqual(photo_bill.ref, gold["document_number"])
        self.assertAlmostEqual(photo_bill.amount_untaxed, gold["subtotal"], places=2)
        # no 10 % purchase tax in this company: the bill cannot reach the document's total and says so
        self.assertEqual(photo_bill.digitize_state, "needs_review")
        self.assertIn(f"{gold['total']:.2f}", photo_bill.digitize_review_html)
        for bill in bills:
            self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
            self.assertEqual(bill.state, "draft")

    def test_a_phone_photo_alone(self):
        [bill] = self.receive(RECEIPT)
        self.assertEqual(bill.digitize_state, "queued")
        self.run_queue()
        self.assertIn(bill.digitize_state, ("done", "needs_review"))
        self.assertTrue(bill.invoice_line_ids)

    def test_one_bill_per_mail_when_set(self):
        self.ICP.set_param("document_digitize.mail_single_bill", "True")
        [bill] = self.receive(NETPRESSE, PHOTO)
        self.assertEqual(sorted(bill.attachment_ids.mapped("name")), sorted([NETPRESSE.name, PHOTO.name]))
        self.assertEqual(bill.digitize_state, "queued")
        self.assertEqual(bill.digitize_attachment_id.name, NETPRESSE.name)

    def test_without_auto_digitize_bills_wait_for_the_button(self):
        self.ICP.set_param("document_digitize.auto_mail", "False")
        [bill] = self.receive(PHOTO)
        self.assertFalse(bill.digitize_state)
        self.assertEqual(bill.message_main_attachment_id.raw, PHOTO.read_bytes(), "image kept")
        bill.action_digitize()
        self.assertEqual(bill.digitize_state, "queued")

    def test_e_invoices_odoo_reads_are_not_sent_to_the_model(self):
        calls = self.sidecar.engine.calls
        [bill] = self.receive(EINVOICE)
        self.assertTrue(bill.invoice_line_ids, "Odoo imported the Factur-X XML")
        self.assertFalse(bill.digitize_state)
        self.assertIn("not sent to the model", "".join(bill.message_ids.mapped("body")))
        self.run_queue()
        self.assertEqual(self.sidecar.engine.calls, calls)

    def test_the_same_bill_mailed_twice_is_flagged_not_silently_created_twice(self):
        [first] = self.receive(NETPRESSE)
        self.run_queue()
        [second] = self.receive(NETPRESSE, subject="Reminder: your invoice")
        self.run_queue()
        self.assertEqual(second.digitize_state, "needs_review")
        self.assertIn("Possible duplicate of", second.digitize_review_html)
        self.assertIn(first.display_name, second.digitize_review_html)
        self.assertEqual(first.state, "draft")

    def test_upload_from_the_vendor_bills_list_queues_each_file(self):
        attachments = self.env["ir.attachment"].create([
            {"name": p.name, "datas": base64.b64encode(p.read_bytes())} for p in (NETPRESSE, RECEIPT)])
        action = self.journal.with_context(default_move_type="in_invoice").create_document_from_attachment(
            attachments.ids)
        bills = self.env["account.move"].search(action["domain"])
        self.assertEqual(len(bills), 2)
        self.assertEqual(set(bills.mapped("digitize_state")), {"queued"})
        self.assertIn(RECEIPT.read_bytes(), bills.mapped("digitize_attachment_id.raw"), "photo not re-encoded")


@tagged("post_install", "-at_install")
class TestQueueConcurrency(TransactionCase):
    """Two workers on their own database connections (as two Odoo workers or cron threads are)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sidecar = SidecarThread(engine="replay", documents_dir=DOCS, delay_s=0.3)
        cls.addClassCleanup(cls.sidecar.stop)
        cls.target = cls.sidecar.start()

    def connection(self):
        cr = db_connect(self.env.cr.dbname).cursor()
        return cr, api.Environment(cr, SUPERUSER_ID, {})

    def make_queued_bills(self, count):
        """Committed bills (other connections must see them), removed again after the test."""
        base = NETPRESSE.read_bytes()
        document = json.loads(NETPRESSE.with_name(NETPRESSE.stem + ".gold.json").read_text())
        contents = [base + f"\n% copy {i}".encode() for i in range(count)]
        for i, content in enumerate(contents):
            self.sidecar.add(content, dict(document, document_number=f"CONC-{i}"))
        cr, env = self.connection()
        with cr:
            env["ir.config_parameter"].set_param("document_digitize.endpoint", self.target)
            bills = env["account.move"].create([{"move_type": "in_invoice"} for _ in contents])
            for bill, content in zip(bills, contents):
                attachment = env["ir.attachment"].create({"name": f"{bill.id}.pdf", "raw": content,
                                                          "res_model": "account.move", "res_id": bill.id})
                bill.write({"digitize_state": "queued", "digitize_attachment_id": attachment.id})
            ids = bills.ids
            cr.commit()
        self.addCleanup(self.drop, ids)
        return ids

    def drop(self, ids):
        cr, env = self.connection()
        with cr:
            bills = env["account.move"].browse(ids).exists()
            env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "in", ids)]).unlink()
            bills.unlink()
            env["ir.config_parameter"].set_param("document_digitize.endpoint", "")
            cr.commit()

    def worker(self, results, key, limit=10):
        cr, env = self.connection()
        with cr:
            results[key] = env["account.move"]._digitize_process_queue(limit, commit=True)
            cr.commit()

    def states(self, ids):
        cr, env = self.connection()
        with cr:
            return {b.id: (b.digitize_state, b.digitize_attempts) for b in env["account.move"].browse(ids)}

    def test_two_workers_never_process_the_same_record(self):
        ids = self.make_queued_bills(4)
        calls_before = self.sidecar.engine.calls
        cr_a, env_a = self.connection()
        cr_b, env_b = self.connection()
        with cr_a, cr_b:
            # worker A is in the middle of its batch: it holds the row locks of the records it claimed
            done_a, _ = env_a["account.move"]._digitize_process_queue(2, commit=False)
            # worker B runs meanwhile on its own connection: it skips the locked rows and takes the others
            done_b, left_b = env_b["account.move"]._digitize_process_queue(10, commit=True)
            cr_b.commit()
            cr_a.commit()
        self.assertEqual((done_a, done_b), (2, 2))
        self.assertEqual(self.sidecar.engine.calls - calls_before, 4, "one sidecar call per record")
        for state, attempts in self.states(ids).values():
            self.assertIn(state, ("done", "needs_review"))
            self.assertEqual(attempts, 1, "processed exactly once")
        results = {}
        self.worker(results, "again")
        self.assertEqual(results["again"], (0, 0), "nothing left, nothing processed twice")

    def test_a_crash_in_the_middle_loses_nothing(self):
        ids = self.make_queued_bills(3)
        cr, env = self.connection()
        Move = type(env["account.move"])
        original = Move._digitize_run_one

        def dies_after_claiming(record, commit=True):
            # what a killed worker leaves: its claim committed ('processing'), then nothing more
            record.write({"digitize_state": "processing", "digitize_started": fields.Datetime.now(),
                          "digitize_attempts": record.digitize_attempts + 1})
            record.env.cr.commit()
            raise KeyboardInterrupt("worker killed")

        with cr:
            Move._digitize_run_one = dies_after_claiming
            try:
                with self.assertRaises(KeyboardInterrupt):
                    env["account.move"]._digitize_process_queue(10, commit=True)
            finally:
                Move._digitize_run_one = original
            cr.rollback()
        states = self.states(ids)
        self.assertEqual(sorted(s for s, _ in states.values()), ["processing", "queued", "queued"])
        results = {}
        self.worker(results, "next")
        states = self.states(ids)
        stuck = [i for i, (s, _) in states.items() if s == "processing"]
        self.assertEqual(len(stuck), 1, "the interrupted one waits for the stuck timeout; the others are done")
        cr, env = self.connection()
        with cr:  # an hour later
            env["account.move"].browse(stuck).write({"digitize_started": fields.Datetime.subtract(
                fields.Datetime.now(), hours=2)})
            cr.commit()
        self.worker(results, "later")
        for state, _attempts in self.states(ids).values():
            self.assertIn(state, ("done", "needs_review"))
