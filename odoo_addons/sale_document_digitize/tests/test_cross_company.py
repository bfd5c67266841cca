"""A salesperson of company B tries to have company A's customer order read onto B's own quotation: every path of
``document_digitize/tests/cross_company.py`` (a plain ``write`` over RPC, create/copy defaults, a queue entry with
another record's file, the chatter, the Upload dialog), and the Sales Orders list's own Upload.
"""

from odoo.addons.document_digitize.tests.cross_company import CrossCompanyCase, CrossCompanyTests
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_digitize_sale import HERO_PO


@tagged("post_install", "-at_install")
class TestCrossCompanySale(CrossCompanyTests, CrossCompanyCase):
    user_b_groups = "sales_team.group_sale_salesman"
    model = "sale.order"

    document_a = HERO_PO

    @classmethod
    def record_a_values(cls):
        customer = cls.env["res.partner"].create({"name": "Hero Limited", "email": "accounts@herolimited.com"})
        cls.customer_b = cls.env["res.partner"].create({"name": "B's customer", "company_id": cls.company_b.id})
        return {"partner_id": customer.id}

    def record_b_values(self):
        return {"partner_id": self.customer_b.id}

    def assert_untouched(self, record):
        self.assertEqual((record.partner_id, record.client_order_ref, record.order_line),
                         (self.customer_b, False, self.env["sale.order.line"]))

    def test_sales_orders_list_upload_with_another_companys_file(self):
        before = self.requests()
        orders_before = self.env["sale.order"].search_count([])
        with self.assertRaisesRegex(AccessError, "already belongs to another record"):
            self.env["sale.order"].with_user(self.user_b).create_document_from_attachment(self.file_a.ids)
        self.assertEqual(self.env["sale.order"].search_count([]), orders_before, "no quotation made")
        self.assert_nothing_sent(before)
        self.assert_still_company_as(self.file_a, self.record_a)
