"""The expense memory: when an employee reports a digitized expense with another category than digitization chose,
the merchant's next receipts get that category (before the company's default one)."""

from odoo.addons.document_digitize.tests.common import read
from odoo.tests import tagged

from .common import RECEIPT_1, RECEIPT_2, ExpenseCase


@tagged("post_install", "-at_install")
class TestExpenseMemory(ExpenseCase):
    def test_the_category_a_person_chose_is_given_to_the_merchants_next_receipt(self):
        first = self.digitize(self.new_expense(path=RECEIPT_1))
        self.assertEqual((first.product_id, first.digitize_proposed_category_id), (self.general, self.general))
        first.with_user(self.jane_user).product_id = self.meals
        first.with_user(self.jane_user).tax_ids = self.tax_95  # the category brought its own taxes: Jane keeps the rate
        Memory = self.env["hr.expense.digitize.memory"]
        self.assertFalse(Memory.search([]), "nothing learned before the expense is reported")
        first.with_user(self.jane_user).action_submit_expenses()
        self.assertTrue(first.sheet_id)
        [memory] = Memory.search([])
        self.assertEqual((memory.name, memory.merchant_key, memory.product_id, memory.company_id),
                         ("Contoso", "name:contoso", self.meals, self.company))
        self.assertIn("Remembered for Contoso: category", read(" ".join(first.message_ids.mapped("body"))))

        second = self.digitize(self.new_expense(path=RECEIPT_2))
        self.assertEqual(second.product_id, self.meals, "the merchant's category, not the default one")
        self.assertIn("Category: Meals, as chosen last time for Contoso", read(second.digitize_review_html))
        self.assertEqual(second.tax_ids, self.tax_95, "the receipt's rate all the same")

    def test_a_category_left_as_digitization_chose_teaches_nothing(self):
        expense = self.digitize(self.new_expense())
        expense.with_user(self.jane_user).action_submit_expenses()
        self.assertTrue(expense.sheet_id)
        self.assertFalse(self.env["hr.expense.digitize.memory"].search([]))

    def test_reporting_ends_the_review(self):
        expense = self.digitize(self.new_expense(total_amount_currency=99.0, name="Tablet"))
        self.assertEqual(expense.digitize_state, "needs_review")
        expense.with_user(self.jane_user).action_submit_expenses()
        self.assert_review_ended(expense, ["Total: Odoo computes 99.00, the document says 1203.39"])
