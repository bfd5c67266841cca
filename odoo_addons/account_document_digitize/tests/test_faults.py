"""What the addon does when the sidecar misbehaves: killed mid-request, too slow, garbage or a document that
violates the schema. Every case: the bill keeps its data, lands in ``error`` or is retried, and the chatter
says why. A misbehaving server is a small gRPC servicer here (the real sidecar never sends such answers)."""

import json
import threading
import time
from concurrent import futures

import grpc
from odoo import fields
from odoo.addons.document_digitize.lib.proto import document_service_pb2 as pb
from odoo.addons.document_digitize.lib.proto import document_service_pb2_grpc as pb_grpc
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ocr_sidecar.testing import SidecarThread

from .test_digitize_bill import DOCS, NETPRESSE, draft_lines


class ScriptedSidecar(pb_grpc.DocumentServiceServicer):
    """Answers every Extract with ``document_json`` as given (a broken or foreign server)."""

    def __init__(self, document_json):
        self.document_json = document_json

    def Extract(self, request, context):
        return pb.ExtractResponse(document_json=self.document_json, engine="scripted", model="scripted")


@tagged("post_install", "-at_install")
class TestSidecarFaults(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP = cls.env["ir.config_parameter"].sudo()
        cls.ICP.set_param("document_digitize.max_attempts", "3")
        cls.user_ref = "MY-REF"

    def serve(self, servicer):
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        pb_grpc.add_DocumentServiceServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self.addCleanup(server.stop, None)
        self.ICP.set_param("document_digitize.endpoint", f"127.0.0.1:{port}")

    def bill(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice", "ref": self.user_ref})
        attachment = self.env["ir.attachment"].create({"name": "bill.pdf", "raw": NETPRESSE.read_bytes(),
                                                       "res_model": "account.move", "res_id": bill.id})
        bill.message_main_attachment_id = attachment
        bill.action_digitize()
        self.draft = (draft_lines(bill), bill.partner_id)  # what the words reader filled at once, if anything
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        return bill

    def chatter(self, bill):
        return "".join(bill.message_ids.mapped("body"))

    def assert_untouched(self, bill):
        """The user's values kept and nothing of the failed reading applied: the draft at once as it was."""
        self.assertEqual(bill.ref, self.user_ref)
        self.assertEqual((draft_lines(bill), bill.partner_id), self.draft)
        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.message_main_attachment_id.raw, NETPRESSE.read_bytes())

    def test_garbage_answer_is_an_error_with_a_note(self):
        self.serve(ScriptedSidecar("this is not JSON {"))
        bill = self.bill()
        self.assertEqual(bill.digitize_state, "error")
        self.assertIn("cannot be read", bill.digitize_error)
        self.assertIn("cannot be read", self.chatter(bill))
        self.assert_untouched(bill)

    def test_a_list_instead_of_a_document_is_an_error(self):
        self.serve(ScriptedSidecar("[1, 2, 3]"))
        bill = self.bill()
        self.assertEqual(bill.digitize_state, "error")
        self.assertIn("not a document", bill.digitize_error)
        self.assert_untouched(bill)

    def test_schema_violating_document_is_never_applied_silently(self):
        self.serve(ScriptedSidecar(json.dumps({
            "document_type": "invoice", "document_number": 12345, "issue_date": "31/31/2024", "currency": "EURO",
            "seller": "ACME", "lines": "two widgets", "total": "a lot", "taxes": {"rate": "x"}})))
        bill = self.bill()
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertEqual(bill.ref, self.user_ref, "the user's value is kept")
        self.assertFalse(bill.invoice_line_ids, "no line made up from garbage")
        self.assertFalse(bill.invoice_date, "an impossible date is not written")
        self.assertTrue(bill.digitize_review_html, "what could not be used is listed for review")
        self.assertIn("Digitiz", self.chatter(bill))

    def test_sidecar_killed_mid_request_is_retried(self):
        sidecar = SidecarThread(engine="replay", documents_dir=DOCS, delay_s=5.0)
        self.ICP.set_param("document_digitize.endpoint", sidecar.start())
        killer = threading.Timer(0.5, sidecar.stop)
        killer.start()
        started = time.monotonic()
        bill = self.bill()
        killer.join()
        self.assertLess(time.monotonic() - started, 5.0, "the call ended when the server went away")
        self.assertEqual(bill.digitize_state, "queued")
        self.assertTrue(bill.digitize_next_attempt)
        self.assertIn("retrying", self.chatter(bill))
        self.assert_untouched(bill)

    def test_network_timeout_is_retried_then_gives_up(self):
        sidecar = SidecarThread(engine="replay", documents_dir=DOCS, delay_s=3.0)
        self.addCleanup(sidecar.stop)
        self.ICP.set_param("document_digitize.endpoint", sidecar.start())
        self.ICP.set_param("document_digitize.timeout", "1")
        bill = self.bill()
        self.assertEqual(bill.digitize_state, "queued")
        self.assertIn("DEADLINE", bill.digitize_error.upper())
        self.assertIn("retrying", self.chatter(bill))
        for _attempt in range(2):
            bill.digitize_next_attempt = fields.Datetime.subtract(fields.Datetime.now(), minutes=1)
            self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertEqual(bill.digitize_state, "error")
        self.assertIn("Gave up after 3 attempts", bill.digitize_error)
        self.assert_untouched(bill)


@tagged("post_install", "-at_install")
class TestJsonAccess(TransactionCase):
    def test_who_cannot_read_the_bill_cannot_read_its_json(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice", "digitize_json": '{"total": 1}'})
        outsider = new_test_user(self.env, "digitize_outsider", groups="base.group_user")
        accountant = new_test_user(self.env, "digitize_reader_acc", groups="account.group_account_invoice")
        self.assertEqual(bill.with_user(accountant).digitize_json, '{"total": 1}')
        with self.assertRaises(AccessError):
            bill.with_user(outsider).read(["digitize_json"])
