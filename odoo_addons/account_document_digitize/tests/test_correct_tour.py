"""Correcting on the page in a real browser (Odoo tours, headless Chromium): a bill whose total was misread is
corrected by clicking the printed total; a bill whose due date was misread gets it picked from the second reader's
candidates. Digitized by a replay sidecar with the words reader on. Skipped with a notice where no Chromium is
installed."""

import copy
import json

from odoo.addons.document_digitize.tests.common import DOCS, require_chromium
from odoo.tests import HttpCase, tagged

from ocr_sidecar.testing import ReplayReadingWords, SidecarThread

QUALITY_HOSTING = DOCS / "i2d_QualityHosting.pdf"
GOLD = json.loads((DOCS / "i2d_QualityHosting.gold.json").read_text())


@tagged("post_install", "-at_install")
class TestCorrectOnPageTour(HttpCase):
    def setUp(self):
        super().setUp()
        require_chromium(self)
        self.engine = ReplayReadingWords(DOCS)
        self.sidecar = SidecarThread(engine="replay", documents_dir=DOCS, engine_instance=self.engine,
                                     second_reader="on")
        self.addCleanup(self.sidecar.stop)
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", self.sidecar.start())
        self.env.ref("base.EUR").active = True
        self.browser_size = "1366x768"

    def misread(self, tag, **values):
        """A bill of QualityHosting's PDF (its bytes made distinct by ``tag``) that the model read with ``values``
        wrong, digitized through the queue."""
        content = QUALITY_HOSTING.read_bytes() + f"\n% {tag}\n".encode()
        self.engine.add(content, dict(copy.deepcopy(GOLD), **values))
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": QUALITY_HOSTING.name, "raw": content, "res_model": bill._name, "res_id": bill.id})
        bill.action_digitize()
        bill._digitize_process_queue(10, commit=False)
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
        return bill

    def test_correct_a_wrong_total_by_clicking_the_printed_total(self):
        bill = self.misread("total", total=43.73)
        self.assertEqual(bill.digitize_state, "needs_review")
        self.start_tour(f"/odoo/action-account.action_move_in_invoice_type/{bill.id}",
                        "document_digitize_correct_total", login="admin", timeout=120)
        self.assertEqual(json.loads(bill.digitize_json)["total"], 34.73)

    def test_pick_a_due_date_from_the_candidates(self):
        bill = self.misread("due", due_date="2014-06-21")
        offered = {c["value"] for c in bill.digitize_evidence_view["candidates"] if c["path"] == "due_date"}
        self.assertIn("2014-05-21", offered, "the printed due date is among the second reader's candidates")
        self.start_tour(f"/odoo/action-account.action_move_in_invoice_type/{bill.id}",
                        "document_digitize_pick_due_date", login="admin", timeout=120)
        self.assertEqual(str(bill.invoice_date_due), "2014-05-21")
