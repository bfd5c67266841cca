"""The Upload button of the RFQ and purchase order lists (issue #36): the web client calls it with the ids selected
in the list, none or some, and the upload dialog opens either way."""

from odoo.addons.document_digitize.tests.common import assert_upload_action, require_chromium
from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestUploadMethod(TransactionCase):
    def test_the_list_button_is_called_with_the_selected_ids(self):
        vendor = self.env["res.partner"].create({"name": "Some Vendor", "is_company": True})
        assert_upload_action(self, self.env["purchase.order"].create({"partner_id": vendor.id}))


@tagged("post_install", "-at_install")
class TestPurchaseUploadTour(HttpCase):
    def test_upload_on_the_rfq_and_purchase_order_lists(self):
        require_chromium(self)
        vendor = self.env["res.partner"].create({"name": "Tour Vendor", "is_company": True})
        self.env["purchase.order"].create({"partner_id": vendor.id})  # a row to select
        self.start_tour("/odoo/action-purchase.purchase_rfq", "document_digitize_list_upload", login="admin")
        self.start_tour("/odoo/action-purchase.purchase_rfq", "document_digitize_list_upload_selected", login="admin")
        self.start_tour("/odoo/action-purchase.purchase_form_action", "document_digitize_list_upload", login="admin")
