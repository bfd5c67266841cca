"""The Upload of the quotation lists (issue #36): the addon's button, where Odoo has none, is called by the web client
with the ids selected in the list, none or some, and the upload dialog opens either way; the Quotations menu's list
has Odoo's own Upload only."""

import shutil

from odoo.api import call_kw
from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestUploadMethod(TransactionCase):
    def test_the_list_button_is_called_with_the_selected_ids(self):
        """As the web client calls a list's header button: ``[ids]``, an empty list when nothing is selected."""
        customer = self.env["res.partner"].create({"name": "Some Customer", "is_company": True})
        order = self.env["sale.order"].create({"partner_id": customer.id})
        for selected in ([], [order.id]):
            action = call_kw(self.env["sale.order"], "action_digitize_upload", [selected], {})
            self.assertEqual((action["res_model"], action["target"]), ("document.digitize.upload", "new"))
            self.assertEqual(action["context"]["default_res_model"], "sale.order")


@tagged("post_install", "-at_install")
class TestSaleUploadTour(HttpCase):
    def test_upload_on_the_quotation_lists(self):
        if not (shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chromium-browser")):
            self.skipTest("no Chromium: `apt-get install chromium` to run the browser tour")
        customer = self.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        # a row to select, in the lists' default filter "My Quotations"
        self.env["sale.order"].create({"partner_id": customer.id, "user_id": self.env.ref("base.user_admin").id})
        self.start_tour("/odoo/action-sale.action_quotations", "document_digitize_list_upload", login="admin")
        self.start_tour("/odoo/action-sale.action_quotations", "document_digitize_list_upload_selected",
                        login="admin")
        # the Quotations menu's list has Odoo's own Upload (it queues what Odoo cannot import): that one only
        self.start_tour("/odoo/action-sale.action_quotations_with_onboarding",
                        "document_digitize_list_upload_file_chooser", login="admin")
