"""The Upload of the vendor bills list (issue #36): Odoo's own file chooser there, and the digitization upload method
answers the web client's call with the list's selection (the RFQ and quotation lists' button, tested in their
addons)."""

from odoo.addons.document_digitize.tests.common import assert_upload_action, require_chromium
from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestUploadMethod(TransactionCase):
    def test_the_upload_method_takes_the_list_selection(self):
        assert_upload_action(self, self.env["account.move"].create({"move_type": "in_invoice"}))


@tagged("post_install", "-at_install")
class TestBillListUploadTour(HttpCase):
    def test_upload_on_the_bills_list(self):
        require_chromium(self)
        self.start_tour("/odoo/action-account.action_move_in_invoice", "document_digitize_list_upload_file_chooser",
                        login="admin")
