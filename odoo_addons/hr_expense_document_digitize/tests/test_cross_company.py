"""An employee of company B tries to have company A's receipt read onto B's own expense: every path of
``document_digitize/tests/cross_company.py`` (a plain ``write`` over RPC, create/copy defaults, a queue entry with
another record's file, the chatter, the Upload dialog), and the expenses list's own Upload."""

from odoo.addons.document_digitize.tests.cross_company import CrossCompanyCase, CrossCompanyTests
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RECEIPT_1


@tagged("post_install", "-at_install")
class TestCrossCompanyExpense(CrossCompanyTests, CrossCompanyCase):
    user_b_groups = "base.group_user"
    model = "hr.expense"
    document_a = RECEIPT_1

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee_b = cls.env["hr.employee"].create({"name": "Bea", "user_id": cls.user_b.id,
                                                        "company_id": cls.company_b.id})

    @classmethod
    def record_a_values(cls):
        employee_a = cls.env["hr.employee"].create({"name": "Ann", "company_id": cls.env.company.id})
        return {"name": "A's receipt", "employee_id": employee_a.id,
                "product_id": cls.env.ref("hr_expense.product_product_no_cost").id}

    def record_b_values(self):
        return {"name": "B's taxi", "employee_id": self.employee_b.id}

    def assert_untouched(self, record):
        self.assertEqual((record.name, record.total_amount_currency, record.merchant_name), ("B's taxi", 0.0, False))

    def test_b_cannot_digitize_as_nor_see_company_as_expense(self):
        with self.assertRaises(AccessError):
            self.record_a.with_user(self.user_b).action_digitize()
        self.assertFalse(self.record_a.digitize_state)

    def test_expenses_list_upload_with_another_companys_file(self):
        before = self.requests()
        count = self.env["hr.expense"].search_count([])
        with self.assertRaisesRegex(AccessError, "already belongs to another record"):
            self.env["hr.expense"].with_user(self.user_b).create_expense_from_attachments(self.file_a.ids)
        self.assertEqual(self.env["hr.expense"].search_count([]), count, "no expense made")
        self.assert_nothing_sent(before)
        self.assert_still_company_as(self.file_a, self.record_a)
