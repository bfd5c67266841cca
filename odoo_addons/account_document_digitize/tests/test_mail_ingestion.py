"""Mailed and uploaded bills, and the scheduled action under concurrency and crashes.

Real .eml messages built from documents of the shared corpus go through the purchase journal's mail
alias (``message_process``), Odoo's own import runs, and the queue talks over real gRPC to an in-process
sidecar (the production server with the replay engine: gold JSON by content; it replaces only the model).
"""

import base64
import json
import sys
import threading
import time
import traceback
from unittest.mock import patch

import psycopg2
from odoo import SUPERUSER_ID, api, fields
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase, deliver, set_alias_domain, small_logo
from odoo.tests import TransactionCase, tagged

from ocr_sidecar.testing import SidecarThread

from .test_digitize_bill import NETPRESSE, draft_lines

PHOTO = DOCS / "img_contoso_invoice_INV-100.jpg"
RECEIPT = DOCS / "img_contoso_receipt_photo1.png"
EINVOICE = DOCS / "fx_EN16931_Einfach.pdf"  # Factur-X: Odoo's account_edi_ubl_cii reads its XML


def gold(path):
    return json.loads(path.with_name(path.stem + ".gold.json").read_text())


class MailCase(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP.set_param("document_digitize.auto_mail", "True")
        cls.ICP.set_param("document_digitize.mail_split", "False")
        cls.env["account.tax"].create({"name": "VAT 20 % (purchase)", "amount": 20.0, "amount_type": "percent",
                                       "type_tax_use": "purchase", "company_id": cls.env.company.id})
        cls.vendor = cls.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})
        cls.env["res.partner.bank"].create({"acc_number": "FR7610107002450061705231739", "partner_id": cls.vendor.id})
        domain = set_alias_domain(cls.env, "digitize.example.com")
        cls.journal = cls.env["account.journal"].search([("type", "=", "purchase"),
                                                         ("company_id", "=", cls.env.company.id)], limit=1)
        cls.journal.alias_name = "bills"
        cls.alias = f"bills@{domain.name}"

    def receive(self, *files, **kwargs):
        """Deliver one e-mail to the journal's alias; the bills it created, oldest first."""
        return deliver(self.env, "account.move", self.alias, *files, **kwargs)

    def run_queue(self):
        return self.env["account.move"]._digitize_process_queue(20, commit=False)

    def run_scheduled_action(self):
        # the scheduled action itself, as Odoo's cron runner starts it (in the test's transaction)
        self.env.ref("document_digitize.ir_cron_digitize_queued").method_direct_trigger()

    def chatter(self, bill):
        return "".join(bill.message_ids.mapped("body"))


@tagged("post_install", "-at_install")
class TestMailIngestion(MailCase):
    def test_one_bill_per_mail_with_every_document_the_first_one_digitized(self):
        [bill] = self.receive(NETPRESSE, PHOTO, RECEIPT)
        self.assertEqual((bill.move_type, bill.state, bill.journal_id), ("in_invoice", "draft", self.journal))
        kept = {a.name: a.raw for a in bill.attachment_ids}
        self.assertEqual(kept, {p.name: p.read_bytes() for p in (NETPRESSE, PHOTO, RECEIPT)},
                         "PDF and images kept, byte for byte")
        self.assertEqual(bill.message_main_attachment_id.name, NETPRESSE.name)
        self.assertEqual(bill.digitize_state, "queued")
        self.assertEqual(bill.digitize_attachment_id, bill.message_main_attachment_id, "the first document")
        self.run_scheduled_action()
        self.assertEqual(bill.digitize_state, "done", bill.digitize_review_html or bill.digitize_error)
        self.assertEqual((bill.partner_id, bill.ref, bill.amount_total), (self.vendor, "2022089083", 56.02))
        self.assertEqual(bill.state, "draft", "never posted")

    def test_split_setting_one_bill_per_document_linked_to_each_other(self):
        self.ICP.set_param("document_digitize.mail_split", "True")
        bills = self.receive(NETPRESSE, PHOTO)
        self.assertEqual(len(bills), 2, "one bill per document")
        self.assertEqual(set(bills.mapped("move_type")), {"in_invoice"})
        self.assertEqual(bills.journal_id, self.journal)
        self.assertEqual(set(bills.mapped("digitize_state")), {"queued"})
        pdf_bill, photo_bill = (bills.filtered(lambda b, p=p: b.digitize_attachment_id.name == p.name)
                                for p in (NETPRESSE, PHOTO))
        self.assertEqual(photo_bill.attachment_ids.mapped("name"), [PHOTO.name], "each bill has its own document")
        self.assertEqual(photo_bill.message_main_attachment_id.raw, PHOTO.read_bytes(), "the photo is kept as sent")
        self.assertEqual(pdf_bill.message_main_attachment_id.name, NETPRESSE.name)
        self.assertIn(f'data-oe-model="account.move" data-oe-id="{pdf_bill.id}"', self.chatter(photo_bill))
        self.assertIn(f'data-oe-model="account.move" data-oe-id="{photo_bill.id}"', self.chatter(pdf_bill))
        self.run_scheduled_action()
        self.assertEqual((pdf_bill.digitize_state, pdf_bill.partner_id, pdf_bill.ref, pdf_bill.amount_total),
                         ("done", self.vendor, "2022089083", 56.02))
        expected = gold(PHOTO)
        self.assertEqual(photo_bill.ref, expected["document_number"])
        self.assertAlmostEqual(photo_bill.amount_untaxed, expected["subtotal"], places=2)
        # no 10 % purchase tax in this company: the bill cannot reach the document's total and says so
        self.assertEqual(photo_bill.digitize_state, "needs_review")
        self.assertIn(f"{expected['total']:.2f}", photo_bill.digitize_review_html)
        self.assertEqual(set(bills.mapped("state")), {"draft"})

    def test_a_phone_photo_alone(self):
        [bill] = self.receive(RECEIPT)
        self.assertEqual(bill.message_main_attachment_id.raw, RECEIPT.read_bytes(), "not re-encoded as JPEG")
        self.assertEqual(bill.digitize_state, "queued")
        self.run_queue()
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertEqual(fields.Date.to_string(bill.invoice_date), gold(RECEIPT)["issue_date"])
        self.assertTrue(bill.invoice_line_ids)

    def test_logos_in_a_mail_are_not_documents(self):
        self.ICP.set_param("document_digitize.mail_split", "True")
        [bill] = self.receive(NETPRESSE, ("logo.png", small_logo()))
        self.assertEqual(bill.attachment_ids.mapped("name"), [NETPRESSE.name], "dropped as Odoo does")
        self.assertEqual(bill.digitize_state, "queued")

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
        self.assertTrue(bill.partner_id)
        self.assertFalse(bill.digitize_state)
        self.assertIn("imported by Odoo from the e-invoice it carries", self.chatter(bill))
        self.run_queue()
        self.assertEqual(self.sidecar.engine.calls, calls)

    def test_an_e_invoice_and_a_photo_in_one_mail_when_split(self):
        self.ICP.set_param("document_digitize.mail_split", "True")
        einvoice_bill, photo_bill = self.receive(EINVOICE, PHOTO)
        self.assertEqual(einvoice_bill.attachment_ids.mapped("name"), [EINVOICE.name])
        self.assertTrue(einvoice_bill.invoice_line_ids)
        self.assertFalse(einvoice_bill.digitize_state, "left to Odoo's decoder")
        self.assertEqual((photo_bill.digitize_state, photo_bill.digitize_attachment_id.name), ("queued", PHOTO.name))

    def test_the_same_bill_mailed_twice_is_flagged_not_silently_created_twice(self):
        [first] = self.receive(NETPRESSE)
        self.run_queue()
        self.assertEqual(first.digitize_state, "done", first.digitize_review_html)
        [second] = self.receive(NETPRESSE, subject="Reminder: your invoice")
        self.run_queue()
        self.assertEqual(second.digitize_state, "needs_review")
        self.assertIn(f"Possible duplicate of {first.display_name}", second.digitize_review_html)
        self.assertIn("same vendor and reference 2022089083 and the same file", second.digitize_review_html)
        self.assertIn(f"Possible duplicate of {first.display_name}", self.chatter(second))
        self.assertEqual((first.exists(), first.state, first.digitize_state), (first, "draft", "done"),
                         "the first one is left alone")

    def test_a_rescan_of_a_booked_bill_is_flagged_by_vendor_and_reference(self):
        [first] = self.receive(NETPRESSE)
        self.run_queue()
        rescan = NETPRESSE.read_bytes() + b"\n% scanned again"  # another file, same invoice
        self.sidecar.add(rescan, dict(gold(NETPRESSE), document_number="2022-089083"))
        [second] = self.receive(("netpresse_scan.pdf", rescan))
        self.run_queue()
        self.assertEqual(second.digitize_state, "needs_review")
        self.assertIn(f"Possible duplicate of {first.display_name}: same vendor and reference 2022-089083.",
                      second.digitize_review_html)
        first.button_cancel()
        second.digitize_state = False
        second.action_digitize()
        self.run_queue()
        self.assertNotIn("Possible duplicate", second.digitize_review_html or "", "a cancelled bill does not count")

    def test_upload_from_the_vendor_bills_list_queues_each_file(self):
        # as Odoo's uploader creates them: no model yet, marked as documents by our patch of it
        attachments = self.env["ir.attachment"].with_context(document_digitize_keep_original=True).create([
            {"name": p.name, "datas": base64.b64encode(p.read_bytes())} for p in (NETPRESSE, RECEIPT)])
        action = self.journal.with_context(default_move_type="in_invoice").create_document_from_attachment(
            attachments.ids)
        bills = self.env["account.move"].search(action["domain"])
        self.assertEqual(len(bills), 2)
        self.assertEqual(set(bills.mapped("digitize_state")), {"queued"})
        self.assertIn(RECEIPT.read_bytes(), bills.mapped("digitize_attachment_id.raw"), "photo not re-encoded")


@tagged("post_install", "-at_install")
class TestQueueConcurrency(TransactionCase):
    """Workers on their own database connections, as Odoo's cron threads and worker processes are.

    A TransactionCase's ``registry.cursor()`` is a real second connection: what it commits is visible to
    the others. The bills are committed for that reason and deleted again after each test.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a slow model (0.3 s a document) that reads two documents at a time
        cls.sidecar = SidecarThread(engine="replay", documents_dir=DOCS, delay_s=0.3, concurrency=2)
        cls.addClassCleanup(cls.sidecar.stop)
        cls.target = cls.sidecar.start()

    def connection(self):
        cr = self.env.registry.cursor()
        return cr, api.Environment(cr, SUPERUSER_ID, {})

    def make_queued_bills(self, count):
        """``count`` committed bills queued with distinct files, removed again after the test."""
        document = gold(NETPRESSE)
        contents = [NETPRESSE.read_bytes() + f"\n% copy {i}".encode() for i in range(count)]
        for i, content in enumerate(contents):
            self.sidecar.add(content, dict(document, document_number=f"CONC-{i}"))
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param("document_digitize.endpoint", self.target)
            bills = env["account.move"].create([{"move_type": "in_invoice"} for _ in contents])
            for bill, content in zip(bills, contents):
                attachment = env["ir.attachment"].create({"name": f"copy-{bill.id}.pdf", "raw": content,
                                                          "res_model": "account.move", "res_id": bill.id})
                bill.write({"digitize_state": "queued", "digitize_attachment_id": attachment.id})
            ids = bills.ids
        self.addCleanup(self.drop, ids)
        return ids

    def drop(self, ids):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "in", ids)]).unlink()
            env["account.move"].browse(ids).exists().unlink()
            env["ir.config_parameter"].set_param("document_digitize.endpoint", "")

    def worker(self, results, name, limit=10, barrier=None, connection=None):
        """One worker: the scheduled action's processing on its own connection."""
        cr, env = connection or self.connection()
        try:
            with cr:
                if barrier:
                    barrier.wait(10)
                results[name] = env["account.move"]._digitize_process_queue(limit, commit=True)
        except Exception:  # noqa: BLE001 - reported by the test
            results[name] = traceback.format_exc()

    def start_workers(self, *names, staggered=False):
        """Worker threads that start processing at the same moment, or each once the previous one is in the
        middle of its batch (``staggered``: its first record is at the sidecar). Their environments are made
        here: while tests run, this thread holds the registry lock that making an environment takes."""
        results, barrier = {}, None if staggered else threading.Barrier(len(names))
        threads = [threading.Thread(target=self.worker, args=(results, name),
                                    kwargs={"barrier": barrier, "connection": self.connection()}, daemon=True)
                   for name in names]
        for thread in threads:
            calls = self.sidecar.engine.calls
            thread.start()
            deadline = time.monotonic() + 10
            while staggered and self.sidecar.engine.calls == calls and time.monotonic() < deadline:
                time.sleep(0.01)
        return results, threads

    def assert_each_processed_once(self, ids, results, calls):
        self.assertTrue(all(isinstance(r, tuple) for r in results.values()), results)
        self.assertEqual(sum(done for done, _left in results.values()), len(ids), results)
        self.assertTrue(all(done for done, _left in results.values()), f"every worker took records: {results}")
        self.assertEqual(self.sidecar.engine.calls - calls, len(ids), "one sidecar call per record, none twice")
        states = self.states(ids)
        for state, attempts, _request_id in states.values():
            self.assertEqual(state, "needs_review")
            self.assertEqual(attempts, 1, "processed exactly once")
        self.assertEqual(len({request_id for _s, _a, request_id in states.values()}), len(ids))
        again = {}
        self.worker(again, "again")
        self.assertEqual(again["again"], (0, 0), "nothing left, nothing processed twice")

    def states(self, ids):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return {b.id: (b.digitize_state, b.digitize_attempts, b.digitize_request_id)
                    for b in env["account.move"].browse(ids)}

    def join(self, threads):
        for thread in threads:
            thread.join(30)
        stuck = [t for t in threads if t.is_alive()]
        if stuck:
            frames = sys._current_frames()
            self.fail("workers hang:\n" + "\n".join("".join(traceback.format_stack(frames[t.ident])) for t in stuck))

    def test_two_workers_at_once_process_every_record_exactly_once(self):
        ids = self.make_queued_bills(6)
        calls = self.sidecar.engine.calls
        results, threads = self.start_workers("a", "b")
        self.join(threads)
        self.assert_each_processed_once(ids, results, calls)

    def test_a_worker_that_starts_while_another_is_mid_batch_takes_only_what_is_left(self):
        # the first worker has committed its first claim (which releases any row lock it held) and waits for
        # the sidecar: the second must not take records the first one is about to process
        ids = self.make_queued_bills(6)
        calls = self.sidecar.engine.calls
        results, threads = self.start_workers("first", "second", staggered=True)
        self.join(threads)
        self.assert_each_processed_once(ids, results, calls)

    def test_a_concurrent_update_while_applying_is_retried_not_an_error(self):
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", self.target)
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": NETPRESSE.name, "raw": NETPRESSE.read_bytes(), "res_model": "account.move", "res_id": bill.id})
        bill.action_digitize()
        draft = draft_lines(bill)
        conflict = psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")
        with patch.object(type(bill), "_digitize_apply", side_effect=conflict):
            self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertEqual(bill.digitize_state, "queued")
        self.assertTrue(bill.digitize_next_attempt)
        self.assertIn("another change to the same data got in the way", bill.digitize_error)
        self.assertEqual(draft_lines(bill), draft, "nothing of the failed apply; the draft at once as it was")

    def test_a_worker_that_dies_mid_batch_loses_nothing(self):
        ids = self.make_queued_bills(3)
        Move = type(self.env["account.move"])
        original = Move._digitize_run_one

        def dies_after_claiming(record, commit=True, **kwargs):
            # what a killed worker leaves: its claim committed ('processing'), then nothing more
            record.write({"digitize_state": "processing", "digitize_started": fields.Datetime.now(),
                          "digitize_attempts": record.digitize_attempts + 1})
            record.env.cr.commit()
            raise KeyboardInterrupt("worker killed")

        cr, env = self.connection()
        with cr:
            Move._digitize_run_one = dies_after_claiming
            try:
                with self.assertRaises(KeyboardInterrupt):
                    env["account.move"]._digitize_process_queue(10, commit=True)
            finally:
                Move._digitize_run_one = original
            cr.rollback()
        states = self.states(ids)
        self.assertEqual(sorted(s for s, _a, _r in states.values()), ["processing", "queued", "queued"],
                         "the worker had claimed one record; the others are still queued")
        results = {}
        self.worker(results, "next")
        self.assertEqual(results["next"], (2, 0))
        states = self.states(ids)
        [stuck] = [i for i, (s, _a, _r) in states.items() if s == "processing"]
        self.assertEqual([s for i, (s, _a, _r) in states.items() if i != stuck], ["needs_review"] * 2,
                        "the others are processed; the interrupted one waits for the stuck timeout (a live worker "
                        "may still be on it)")
        with self.env.registry.cursor() as cr:  # an hour later
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.move"].browse(stuck).digitize_started = fields.Datetime.subtract(fields.Datetime.now(),
                                                                                          hours=2)
        self.worker(results, "later")
        self.assertEqual(results["later"], (0, 0), "the interrupted attempt counts as failed: retried after backoff")
        self.assertEqual(self.states(ids)[stuck][:2], ("queued", 1))
        with self.env.registry.cursor() as cr:  # the backoff has passed
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.move"].browse(stuck)._digitize_write({"digitize_next_attempt": False})
        self.worker(results, "after backoff")
        self.assertEqual(results["after backoff"], (1, 0))
        states = self.states(ids)
        self.assertEqual(states[stuck][0], "needs_review", "recovered and processed on a later run")
        self.assertEqual(states[stuck][1], 2, "the interrupted attempt and the one that finished")
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertIn("interrupted", "".join(env["account.move"].browse(stuck).message_ids.mapped("body")))

