"""The Digitize button on a draft expense with its receipt, end to end over real gRPC (the production sidecar with
the replay engine: gold JSON by content; it replaces only the model): client, queue, mapping and ORM writes are
the real ones. What the receipt says lands in the expense's own fields; what the employee typed stays."""

from odoo import fields
from odoo.addons.document_digitize.tests.common import read
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RECEIPT_1, ExpenseCase


@tagged("post_install", "-at_install")
class TestDigitizeExpense(ExpenseCase):
    def test_a_photographed_receipt_fills_the_expense(self):
        expense = self.new_expense()
        self.assertEqual(expense.employee_id, self.jane, "the employee's own expense")
        expense.with_user(self.jane_user).action_digitize()
        self.assertEqual((expense.digitize_state, expense.digitize_requested_by), ("queued", self.jane_user),
                         "queued in Jane's name: the scheduled action reads it")
        self.run_queue()
        self.assertEqual(expense.digitize_state, "done", expense.digitize_review_html)
        self.assertEqual(expense.name, "Contoso: Surface Pro 6 256GB / Intel Core i5 / 8GB RAM (Black), SurfacePen",
                         "merchant and what was bought")
        self.assertEqual(expense.date, fields.Date.to_date("2019-06-10"))
        self.assertEqual((expense.total_amount_currency, expense.currency_id), (1203.39, self.usd))
        self.assertEqual(expense.tax_ids, self.tax_95, "the rate that gives the printed tax from the total")
        self.assertEqual((expense.tax_amount_currency, expense.untaxed_amount_currency), (104.40, 1098.99),
                         "tax included as printed")
        self.assertEqual((expense.product_id, expense.merchant_name), (self.general, "Contoso"))
        self.assertEqual((expense.state, expense.employee_id), ("draft", self.jane), "never reported by itself")
        self.assertEqual(expense.digitize_attachment_id.raw, RECEIPT_1.read_bytes(), "the photo kept as sent")
        self.assertIn("Digitized by replay", read(" ".join(expense.message_ids.mapped("body"))))

    def test_what_the_employee_typed_is_kept(self):
        expense = self.new_expense(name="Tablet for the trade fair", total_amount_currency=1200.0,
                                   product_id=self.meals.id)
        self.digitize(expense)
        self.assertEqual((expense.name, expense.total_amount_currency, expense.product_id),
                         ("Tablet for the trade fair", 1200.0, self.meals))
        self.assertEqual(expense.date, fields.Date.to_date("2019-06-10"), "the date was the form's default: filled")
        self.assertEqual(expense.digitize_state, "needs_review", "the total differs from the receipt's")
        note = read(expense.digitize_review_html)
        self.assertIn("kept “Tablet for the trade fair”", note)
        self.assertIn("Total: kept “1200”; the document says “1203.39”", note)

    def test_a_receipt_in_another_currency_without_a_rate_needs_review(self):
        gbp = self.env.ref("base.GBP")
        gbp.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", gbp.id)]).unlink()
        tax_20 = self.purchase_tax(20.0)
        content = self.told({"issue_date": self.days_ago(2), "currency": "GBP",
                             "seller": {"name": "Pret A Manger", "vat": "GB123456782"},
                             "lines": [{"description": "Sandwich and coffee", "amount": 12.0}],
                             "taxes": [{"rate": 20.0, "base": 10.0, "amount": 2.0}], "total_tax": 2.0, "total": 12.0})
        expense = self.digitize(self.new_expense(content=content))
        self.assertEqual((expense.currency_id, expense.total_amount_currency, expense.tax_ids),
                         (gbp, 12.0, tax_20))
        self.assertEqual((expense.merchant_name, expense.merchant_vat), ("Pret A Manger", "GB123456782"),
                         "the merchant's VAT id where the form shows it")
        self.assertEqual(expense.digitize_state, "needs_review")
        self.assertIn("the receipt is in GBP and the company has no exchange rate for it",
                      read(expense.digitize_review_html))
        # with a rate, the same receipt is fine
        self.env["res.currency.rate"].create({"currency_id": gbp.id, "rate": 0.8, "name": self.days_ago(30)})
        again = self.digitize(self.new_expense(content=content))
        self.assertNotIn("exchange rate", read(again.digitize_review_html))
        self.assertEqual(again.total_amount, 15.0, "12 GBP at 0.8 GBP per USD")

    def test_only_draft_expenses_with_a_receipt(self):
        empty = self.env["hr.expense"].with_user(self.jane_user).create({"name": "Taxi", "product_id": self.general.id,
                                                                         "total_amount_currency": 20.0})
        with self.assertRaisesRegex(UserError, "Attach the PDF, scan or photo"):
            empty.with_user(self.jane_user).action_digitize()
        expense = self.new_expense(total_amount_currency=20.0)
        expense.with_user(self.jane_user).action_submit_expenses()
        expense.sheet_id.action_submit_sheet()
        self.assertEqual(expense.state, "submitted")
        with self.assertRaisesRegex(UserError, "Only draft documents can be digitized"):
            expense.action_digitize()
