"""The Upload of the quotation lists (issue #36): the addon's button, where Odoo has none, is called by the web client
with the ids selected in the list, none or some, and the upload dialog opens either way; the Quotations menu's list
has Odoo's own Upload only."""

from odoo.addons.document_digitize.tests.common import assert_upload_action, require_chromium
from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestUploadMethod(TransactionCase):
    def test_the_list_button_is_called_with_the_selected_ids(self):
        customer = self.env["res.partner"].create({"name": "Some Customer", "is_company": True})
        assert_upload_action(self, self.env["sale.order"].create({"partner_id": customer.id}))


@tagged("post_install", "-at_install")
class TestSaleUploadTour(HttpCase):
    def test_upload_on_the_quotation_lists(self):
        require_chromium(self)
        customer = self.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        # a row to select, in the lists' default filter "My Quotations"
        self.env["sale.order"].create({"partner_id": customer.id, "user_id": self.env.ref("base.user_admin").id})
        self.start_tour("/odoo/action-sale.action_quotations", "document_digitize_list_upload", login="admin")
        self.start_tour("/odoo/action-sale.action_quotations", "document_digitize_list_upload_selected",
                        login="admin")
        # the Quotations menu's list has Odoo's own Upload (it queues what Odoo cannot import): that one only
        self.start_tour("/odoo/action-sale.action_quotations_with_onboarding",
                        "document_digitize_list_upload_file_chooser", login="admin")
