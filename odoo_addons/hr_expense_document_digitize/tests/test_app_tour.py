"""My Expenses, an employee's receipt in the browser: a phone photo of a receipt uploaded with the list's own Upload
by an employee (an internal user, not an administrator), read, looked at (description, date, total and currency
filled in, the photo beside them), its review followed, then put in a report
(document_digitize/tests/app_tour.py)."""

from odoo.addons.document_digitize.tests.app_tour import APPS, AppTourCase
from odoo.addons.document_digitize.tests.common import require_chromium
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestExpensesAppTour(AppTourCase):
    model = "hr.expense"

    def setUp(self):
        super().setUp()
        user = new_test_user(self.env, APPS[self.model].login, groups="base.group_user", name="Erin Employee")
        self.env["hr.employee"].create({"name": "Erin Employee", "user_id": user.id})
        # the receipt's rate (Contoso, 9.5 %), as the company would have it
        self.env["account.tax"].create({"name": "Sales tax 9.5 %", "amount": 9.5, "type_tax_use": "purchase",
                                        "company_id": self.env.company.id})


@tagged("post_install", "-at_install")
class TestExpenseSettingsTour(HttpCase):
    def test_the_receipt_digitization_settings_are_shown_and_kept(self):
        require_chromium(self)
        self.env.company.document_digitize_expense_product_id = self.env.ref("hr_expense.product_product_no_cost")
        self.start_tour("/odoo/settings#hr_expense", "hr_expense_document_digitize_settings", login="admin")
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("document_digitize.expense_max_age"), "45")
