"""A salesperson of company B tries to have company A's customer order read onto B's own quotation: a plain
``write`` over RPC, the Digitize button after posting A's file in the chatter, the Upload dialog and the
Sales Orders list's own Upload. Each is refused with a readable error and the sidecar gets no request; a queue
entry pointing at another record's file goes to ``error`` unsent.
"""

from odoo import fields
from odoo.addons.document_digitize.tests.common import CrossCompanyCase, forged_values
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_digitize_sale import HERO_PO

REFUSED_FIELDS = "set by the digitization itself"


@tagged("post_install", "-at_install")
class TestCrossCompanySale(CrossCompanyCase):
    user_b_groups = "sales_team.group_sale_salesman"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create({"name": "Hero Limited", "email": "accounts@herolimited.com"})
        cls.order_a = cls.env["sale.order"].create({"partner_id": customer.id})
        cls.file_a = cls.env["ir.attachment"].create({"name": "company-a-po.jpg", "raw": HERO_PO.read_bytes(),
                                                      "res_model": "sale.order", "res_id": cls.order_a.id})
        cls.Order_b = cls.env["sale.order"].with_user(cls.user_b)
        cls.customer_b = cls.env["res.partner"].create({"name": "B's customer", "company_id": cls.company_b.id})

    def order_b(self):
        order = self.Order_b.create({"partner_id": self.customer_b.id})
        self.assertEqual(order.company_id, self.company_b)
        return order

    def run_scheduled_action(self):
        self.env["sale.order"]._digitize_process_queue(10, commit=False)

    def test_a_plain_write_of_any_digitization_field_is_refused(self):
        order = self.order_b()
        before = self.requests()
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
            order.write({"digitize_attachment_id": self.file_a.id, "digitize_state": "queued"})
        for name, value in forged_values(order, self.file_a, self.user_b).items():
            with self.subTest(field=name), self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
                order.write({name: value})
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
            self.Order_b.with_context(default_digitize_attachment_id=self.file_a.id).create(
                {"partner_id": self.customer_b.id})
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
        self.assertEqual((order.partner_id, order.client_order_ref), (self.customer_b, False))
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
        orders_before = self.env["sale.order"].search_count([])
        action = self.Order_b.action_digitize_upload()
        wizard = self.env["document.digitize.upload"].with_user(self.user_b).with_context(**action["context"]).create(
            {"attachment_ids": [fields.Command.set(self.file_a.ids)]})
        with self.assertRaisesRegex(AccessError, "already belongs to another record"):
            wizard.action_upload()
        self.assertEqual(self.env["sale.order"].search_count([]), orders_before, "no draft made")
        self.assert_nothing_sent(before)
        self.assert_still_company_as(self.file_a, self.order_a)

    def test_sales_orders_list_upload_with_another_companys_file(self):
        before = self.requests()
        orders_before = self.env["sale.order"].search_count([])
        with self.assertRaisesRegex(AccessError, "already belongs to another record"):
            self.Order_b.create_document_from_attachment(self.file_a.ids)
        self.assertEqual(self.env["sale.order"].search_count([]), orders_before, "no quotation made")
        self.assert_nothing_sent(before)
        self.assert_still_company_as(self.file_a, self.order_a)
