"""A purchase user of company B tries to have company A's order document read onto B's own RFQ: a plain
``write`` over RPC, the Digitize button after posting A's file in the chatter, and the Upload dialog. Each is
refused with a readable error and the sidecar gets no request; a queue entry pointing at another record's file
goes to ``error`` unsent. An Order-X PDF is used: the button reads such a file at once, without the queue.
"""

from odoo import fields
from odoo.addons.document_digitize.tests.common import CrossCompanyCase, forged_values
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_digitize_purchase import ORDER_X

REFUSED_FIELDS = "set by the digitization itself"


@tagged("post_install", "-at_install")
class TestCrossCompanyPurchase(CrossCompanyCase):
    user_b_groups = "purchase.group_purchase_user"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        vendor = cls.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789", "is_company": True})
        cls.order_a = cls.env["purchase.order"].create({"partner_id": vendor.id})
        cls.file_a = cls.env["ir.attachment"].create({"name": "company-a-order.pdf", "raw": ORDER_X.read_bytes(),
                                                      "res_model": "purchase.order", "res_id": cls.order_a.id})
        cls.Order_b = cls.env["purchase.order"].with_user(cls.user_b)
        cls.vendor_b = cls.env["res.partner"].create({"name": "B's vendor", "company_id": cls.company_b.id})

    def order_b(self):
        order = self.Order_b.create({"partner_id": self.vendor_b.id})
        self.assertEqual(order.company_id, self.company_b)
        return order

    def run_scheduled_action(self):
        self.env["purchase.order"]._digitize_process_queue(10, commit=False)

    def test_a_plain_write_of_any_digitization_field_is_refused(self):
        order = self.order_b()
        before = self.requests()
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
            order.write({"digitize_attachment_id": self.file_a.id, "digitize_state": "queued"})
        for name, value in forged_values(order, self.file_a, self.user_b).items():
            with self.subTest(field=name), self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
                order.write({name: value})
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
            self.Order_b.create({"partner_id": self.vendor_b.id, "digitize_attachment_id": self.file_a.id,
                                 "digitize_state": "queued"})
        self.run_scheduled_action()
        self.assertFalse(order.digitize_state)
        self.assert_nothing_sent(before, order)
        self.assert_still_company_as(self.file_a, self.order_a)

    def test_a_queue_entry_with_another_records_file_goes_to_error_unsent(self):
        order = self.order_b()
        order.sudo().write({"digitize_state": "queued", "digitize_attachment_id": self.file_a.id,
                            "digitize_requested_by": self.user_b.id})
        before = self.requests()
        self.run_scheduled_action()
        self.assertEqual(order.digitize_state, "error")
        self.assertEqual(order.digitize_error, f"The file queued for {order.display_name} is not one of its own "
                                               "files: it was not sent. Attach the document to this record and "
                                               "press Digitize.")
        self.assertEqual((order.partner_id, order.partner_ref, order.order_line), (self.vendor_b, False,
                                                                                   self.env["purchase.order.line"]))
        self.assert_nothing_sent(before, order)

    def test_another_companys_file_cannot_be_posted_nor_digitized_from_the_chatter(self):
        order = self.order_b()
        before = self.requests()
        with self.assertRaises(AccessError):  # mail checks that the poster can read the files
            order.message_post(body="their order", attachment_ids=self.file_a.ids)
        with self.assertRaisesRegex(UserError, "Attach the PDF, scan or photo of the document"):
            order.action_digitize()
        self.assertFalse(order.digitize_state)
        self.assert_nothing_sent(before, order)
        self.assert_still_company_as(self.file_a, self.order_a)

    def test_upload_dialog_with_another_companys_file(self):
        before = self.requests()
        orders_before = self.env["purchase.order"].search_count([])
        action = self.Order_b.action_digitize_upload()
        wizard = self.env["document.digitize.upload"].with_user(self.user_b).with_context(**action["context"]).create(
            {"attachment_ids": [fields.Command.set(self.file_a.ids)]})
        with self.assertRaisesRegex(AccessError, "already belongs to another record"):
            wizard.action_upload()
        self.assertEqual(self.env["purchase.order"].search_count([]), orders_before, "no draft made")
        self.assert_nothing_sent(before)
        self.assert_still_company_as(self.file_a, self.order_a)
