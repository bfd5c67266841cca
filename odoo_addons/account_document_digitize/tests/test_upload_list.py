"""The Upload of the vendor bills list (issue #36): Odoo's own file chooser there, and the digitization upload method
answers the web client's call with the list's selection (the RFQ and quotation lists' button, tested in their
addons)."""

import shutil

from odoo.api import call_kw
from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestUploadMethod(TransactionCase):
    def test_the_upload_method_takes_the_list_selection(self):
        """The web client calls a list's header button with ``[ids]`` (an empty list when nothing is selected)."""
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        for selected in ([], [bill.id]):
            action = call_kw(self.env["account.move"], "action_digitize_upload", [selected], {})
            self.assertEqual((action["res_model"], action["target"]), ("document.digitize.upload", "new"))
            self.assertEqual(action["context"]["default_res_model"], "account.move")


@tagged("post_install", "-at_install")
class TestBillListUploadTour(HttpCase):
    def test_upload_on_the_bills_list(self):
        if not (shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chromium-browser")):
            self.skipTest("no Chromium: `apt-get install chromium` to run the browser tour")
        self.start_tour("/odoo/action-account.action_move_in_invoice", "document_digitize_list_upload_file_chooser",
                        login="admin")
