"""The bill flow in a real browser (Odoo tour, headless Chromium from Debian's ``chromium`` package): click
Digitize on a bill with its document, see it queued; upload a PDF with the bills list's Upload button, see the
new bill queued; let the scheduled action run, see the badge in the list
and the bill filled in. Skipped (with Odoo's own notice) where no Chromium is installed."""

import shutil

from odoo.tests import HttpCase, tagged

from ocr_sidecar.testing import SidecarThread

from .test_digitize_bill import DOCS, NETPRESSE


@tagged("post_install", "-at_install")
class TestDigitizeTour(HttpCase):
    def test_click_digitize_then_see_the_filled_bill(self):
        if not (shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chromium-browser")):
            self.skipTest("no Chromium: `apt-get install chromium` to run the browser tour")
        sidecar = SidecarThread(engine="replay", documents_dir=DOCS)
        self.addCleanup(sidecar.stop)
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", sidecar.start())
        self.env.ref("base.EUR").active = True
        self.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": NETPRESSE.name, "raw": NETPRESSE.read_bytes(), "res_model": "account.move", "res_id": bill.id})
        self.start_tour(f"/odoo/action-account.action_move_in_invoice_type/{bill.id}", "document_digitize_bill_queue",
                        login="admin")
        self.assertEqual(bill.digitize_state, "queued")
        self.env["ir.attachment"].create({"name": "digitize_tour_source.pdf", "raw": NETPRESSE.read_bytes()})
        before = self.env["account.move"].search([]).ids
        self.start_tour("/odoo/action-account.action_move_in_invoice_type", "document_digitize_bill_upload",
                        login="admin")
        uploaded = self.env["account.move"].search([("id", "not in", before)])
        self.assertEqual(len(uploaded), 1)
        self.assertEqual(uploaded.digitize_state, "queued")
        self.assertEqual(uploaded.digitize_attachment_id.raw, NETPRESSE.read_bytes(), "the file as uploaded")
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertEqual(uploaded.digitize_state, "needs_review")
        self.start_tour("/odoo/action-account_document_digitize.action_digitize_queue_bills",
                        "document_digitize_bill_done", login="admin")
