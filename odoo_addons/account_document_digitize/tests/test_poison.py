"""A document that fails on every try — a stored layout edited by hand, a bug in applying what was read, a worker
that dies on it — is tried the configured number of times, counted, and ends in ``error`` with a reason a person
can read; the scheduled action reads the other queued documents in the same run, and nothing of the poisoned bill
is changed. Before, any exception but the sidecar's own left the record in 'processing' and stopped the run, and
recovery queued it again every hour without counting: it cycled forever."""

from unittest.mock import patch

from odoo import fields
from odoo.addons.document_digitize.lib.layout import LAYOUT_VERSION
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged

from .test_digitize_bill import NETPRESSE, draft_lines

COOLBLUE = DOCS / "i2d_coolblue1.pdf"
MAX_ATTEMPTS = 3
QUEUE_LOGGER = "odoo.addons.document_digitize.models.digitize_queue"  # an unforeseen error is logged with its trace


@tagged("post_install", "-at_install")
class TestPoisonDocuments(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP.set_param("document_digitize.max_attempts", str(MAX_ATTEMPTS))
        cls.coolblue = cls.env["res.partner"].create({"name": "Coolblue B.V.", "is_company": True,
                                                      "vat": "NL810433941B01"})
        cls.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})

    def queued_bill(self, path, ref):
        bill = self.env["account.move"].create({"move_type": "in_invoice", "ref": ref})
        bill.message_main_attachment_id = self.attach(bill, path)
        bill.action_digitize()
        return bill

    def run_scheduled_action(self, expect_logged_error=True):
        # as Odoo's cron runner starts it (in the test's transaction: no commits)
        if not expect_logged_error:
            self.env.ref("document_digitize.ir_cron_digitize_queued").method_direct_trigger()
            return
        with self.assertLogs(QUEUE_LOGGER, "ERROR") as logged:
            self.env.ref("document_digitize.ir_cron_digitize_queued").method_direct_trigger()
        self.assertIn("unexpected error", logged.output[0])

    def make_due(self, bill):
        bill._digitize_write({"digitize_next_attempt": fields.Datetime.subtract(fields.Datetime.now(), minutes=1)})

    def chatter(self, bill):
        return "".join(bill.message_ids.mapped("body"))

    def assert_poisoned_to_the_end(self, poison, reason):
        # what it had: its own values and the draft filled at once on Digitize (a born-digital PDF's words reader)
        lines = poison.invoice_line_ids
        for attempt in range(1, MAX_ATTEMPTS):
            self.assertEqual((poison.digitize_state, poison.digitize_attempts), ("queued", attempt))
            self.assertIn(reason, poison.digitize_error)
            self.assertTrue(poison.digitize_next_attempt, "tried again later, with backoff")
            self.make_due(poison)
            self.run_scheduled_action()
        self.assertEqual((poison.digitize_state, poison.digitize_attempts), ("error", MAX_ATTEMPTS))
        self.assertIn(f"Gave up after {MAX_ATTEMPTS} attempts", poison.digitize_error)
        self.assertIn(reason, poison.digitize_error)
        self.assertIn("Gave up", self.chatter(poison))
        self.assertEqual(poison.ref, "KEEP-ME", "the poisoned bill keeps what it had")
        self.assertEqual(poison.invoice_line_ids, lines)
        self.make_due(poison)
        self.run_scheduled_action(expect_logged_error=False)
        self.assertEqual((poison.digitize_state, poison.digitize_attempts), ("error", MAX_ATTEMPTS),
                         "an error is final: not picked up again")

    def test_a_layout_edited_by_hand_fails_each_try_then_errors_and_the_others_are_read(self):
        # a stored layout someone edited: its field lost its anchor (KeyError deep in lib/layout.read)
        self.env["document.digitize.layout"].create({
            "partner_id": self.coolblue.id, "target": "vendor_bill",
            "layout": {"version": LAYOUT_VERSION, "fields": {"document_number": {"page": 1}}}})
        poison = self.queued_bill(COOLBLUE, "KEEP-ME")
        others = self.queued_bill(NETPRESSE, "A") | self.queued_bill(NETPRESSE, "B")
        self.run_scheduled_action()
        for bill in others:
            self.assertIn(bill.digitize_state, ("done", "needs_review"), "the rest of the run went on")
        self.assert_poisoned_to_the_end(poison, "KeyError")

    def test_a_bug_in_applying_what_was_read_fails_each_try_then_errors(self):
        poison = self.queued_bill(NETPRESSE, "KEEP-ME")
        Move = type(self.env["account.move"])
        drafts = []  # the bill's lines after each try: the draft at once (made before the first reading), if any
        with patch.object(Move, "_digitize_after_lines", side_effect=TypeError("a bug of ours")):
            for _attempt in range(MAX_ATTEMPTS):
                self.make_due(poison)
                self.run_scheduled_action()
                drafts.append(draft_lines(poison))
        self.assertEqual((poison.digitize_state, poison.digitize_attempts), ("error", MAX_ATTEMPTS))
        self.assertIn("TypeError: a bug of ours", poison.digitize_error)
        self.assertEqual(poison.ref, "KEEP-ME")
        self.assertEqual(drafts, [drafts[0]] * MAX_ATTEMPTS, "each failed apply was rolled back")
        self.assertTrue(not drafts[0] or poison.digitize_prefilled, "lines only from the draft at once")

    def test_a_worker_that_dies_on_a_document_every_time_ends_it_in_error(self):
        """Killed mid-attempt (the memory limit, a crash): recovery counts it as a failed attempt."""
        poison = self.queued_bill(NETPRESSE, "KEEP-ME")
        config = self.env["account.move"]._digitize_config()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            # what a killed worker leaves behind: its claim, long enough ago that the attempt cannot still run
            poison._digitize_write({"digitize_state": "processing", "digitize_attempts": attempt,
                                    "digitize_started": fields.Datetime.subtract(fields.Datetime.now(),
                                                                                 seconds=2 * config.timeout + 400)})
            self.env["account.move"]._digitize_recover_stuck(config=config)
            if attempt < MAX_ATTEMPTS:
                self.assertEqual(poison.digitize_state, "queued")
                self.assertTrue(poison.digitize_next_attempt)
        self.assertEqual(poison.digitize_state, "error")
        self.assertIn("interrupted", poison.digitize_error)
        self.assertIn(f"Gave up after {MAX_ATTEMPTS} attempts", poison.digitize_error)

    def test_a_record_still_within_its_timeout_is_not_taken_for_stuck(self):
        """With a long timeout setting, a record being read for over an hour is still being read."""
        self.ICP.set_param("document_digitize.timeout", "7200")
        bill = self.queued_bill(NETPRESSE, "X")
        bill._digitize_write({"digitize_state": "processing", "digitize_attempts": 1,
                              "digitize_started": fields.Datetime.subtract(fields.Datetime.now(), minutes=90)})
        self.env["account.move"]._digitize_recover_stuck()
        self.assertEqual(bill.digitize_state, "processing", "not queued again while it may still be read")
