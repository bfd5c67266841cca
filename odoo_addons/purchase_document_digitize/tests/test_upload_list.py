"""The Upload button of the RFQ and purchase order lists (issue #36): the web client calls it with the ids selected
in the list, none or some, and the upload dialog opens either way."""

import shutil

from odoo.api import call_kw
from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestUploadMethod(TransactionCase):
    def test_the_list_button_is_called_with_the_selected_ids(self):
        """As the web client calls a list's header button: ``[ids]``, an empty list when nothing is selected."""
        vendor = self.env["res.partner"].create({"name": "Some Vendor", "is_company": True})
        order = self.env["purchase.order"].create({"partner_id": vendor.id})
        for selected in ([], [order.id]):
            action = call_kw(self.env["purchase.order"], "action_digitize_upload", [selected], {})
            self.assertEqual((action["res_model"], action["target"]), ("document.digitize.upload", "new"))
            self.assertEqual(action["context"]["default_res_model"], "purchase.order")


@tagged("post_install", "-at_install")
class TestPurchaseUploadTour(HttpCase):
    def test_upload_on_the_rfq_and_purchase_order_lists(self):
        if not (shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chromium-browser")):
            self.skipTest("no Chromium: `apt-get install chromium` to run the browser tour")
        vendor = self.env["res.partner"].create({"name": "Tour Vendor", "is_company": True})
        self.env["purchase.order"].create({"partner_id": vendor.id})  # a row to select
        self.start_tour("/odoo/action-purchase.purchase_rfq", "document_digitize_list_upload", login="admin")
        self.start_tour("/odoo/action-purchase.purchase_rfq", "document_digitize_list_upload_selected", login="admin")
        self.start_tour("/odoo/action-purchase.purchase_form_action", "document_digitize_list_upload", login="admin")
