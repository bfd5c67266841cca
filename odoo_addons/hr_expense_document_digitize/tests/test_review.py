"""What a person must check before the expense goes on: each case puts it in *needs review* with a note that says
what to check, in the form's words."""

from odoo.addons.document_digitize.tests.common import read
from odoo.tests import tagged

from .common import RECEIPT_1, ExpenseCase


@tagged("post_install", "-at_install")
class TestExpenseReview(ExpenseCase):
    def needs_review(self, document, **values):
        expense = self.digitize(self.new_expense(content=self.told(document), **values))
        self.assertEqual(expense.digitize_state, "needs_review")
        return expense, read(expense.digitize_review_html)

    def test_total_missing(self):
        expense, note = self.needs_review({"issue_date": self.days_ago(1), "currency": "USD",
                                           "seller": {"name": "Yellow Cab"}})
        self.assertIn("The receipt's total could not be read: enter the amount paid.", note)
        self.assertEqual(expense.total_amount_currency, 0.0)

    def test_total_unreadable(self):
        _expense, note = self.needs_review({"issue_date": self.days_ago(1), "total": -4.0,
                                            "seller": {"name": "Yellow Cab"}})
        self.assertIn("read as -4.00, which no receipt charges", note)

    def test_a_date_in_the_future(self):
        expense, note = self.needs_review({"issue_date": self.days_ago(-40), "total": 20.0, "total_tax": 0.0,
                                           "seller": {"name": "Yellow Cab"}})
        self.assertIn("is in the future", note)
        self.assertEqual(expense.date.isoformat(), self.days_ago(-40), "filled all the same, to be checked")

    def test_a_receipt_older_than_the_setting(self):
        self.ICP.set_param("document_digitize.expense_max_age", "30")
        document = {"issue_date": self.days_ago(45), "total": 20.0, "total_tax": 0.0, "seller": {"name": "Yellow Cab"}}
        _expense, note = self.needs_review(document)
        self.assertIn("more than 30 days ago", note)
        self.ICP.set_param("document_digitize.expense_max_age", "60")
        fine = self.digitize(self.new_expense(content=self.told(document)))
        self.assertNotIn("days ago", read(fine.digitize_review_html))

    def test_the_same_receipt_file_twice(self):
        first = self.digitize(self.new_expense())
        self.assertEqual(first.digitize_state, "done")
        second = self.digitize(self.new_expense())
        note = read(second.digitize_review_html)
        self.assertEqual(second.digitize_state, "needs_review")
        self.assertIn(f"Possible duplicate of {first.display_name}", note)
        self.assertIn("the same receipt file is on it", note)

    def test_same_employee_date_total_and_merchant(self):
        first = self.digitize(self.new_expense())
        same = {"issue_date": "2019-06-10", "currency": "USD", "seller": {"name": "CONTOSO"}, "total": 1203.39,
                "total_tax": 104.40}
        second, note = self.needs_review(same)
        self.assertNotEqual(second.digitize_attachment_id.checksum, first.digitize_attachment_id.checksum)
        self.assertIn(f"Possible duplicate of {first.display_name}: same employee, date, total and merchant", note)
        # John's receipt of the same shop, day and amount is his own expense, not a duplicate of Jane's
        johns = self.new_expense(user=self.john_user, content=self.told(same, text="John's copy"))
        self.digitize(johns, user=self.john_user)
        self.assertNotIn("duplicate", read(johns.digitize_review_html))

    def test_several_tax_rates(self):
        self.purchase_tax(7.0)
        self.purchase_tax(19.0)
        _expense, note = self.needs_review({
            "issue_date": self.days_ago(3), "currency": "USD", "seller": {"name": "Gasthaus Adler"},
            "taxes": [{"rate": 7.0, "base": 20.0, "amount": 1.4}, {"rate": 19.0, "base": 10.0, "amount": 1.9}],
            "total_tax": 3.3, "total": 33.3})
        self.assertIn("the receipt has 7 % and 19 % tax", note)
        self.assertIn("Split Expense", note)

    def test_a_clean_receipt_needs_nothing(self):
        expense = self.digitize(self.new_expense(path=RECEIPT_1))
        self.assertEqual(expense.digitize_state, "done")
        self.assertNotIn("To check:", read(expense.digitize_review_html), "a note only: the rate it chose")
        self.assertIn("9.5 % is the rate that gives its tax of 104.40", read(expense.digitize_review_html))
