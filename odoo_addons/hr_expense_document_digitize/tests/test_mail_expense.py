"""Receipts mailed to hr_expense's own alias: Odoo finds the employee from the sender; the expense it makes gets the
receipt queued (auto-digitize on, the setting of bills), read in the employee's name, every file kept as sent."""

from odoo.addons.document_digitize.tests.common import deliver, read, set_alias_domain, small_logo
from odoo.tests import tagged

from .common import RECEIPT_2, ExpenseCase


@tagged("post_install", "-at_install")
class TestExpenseByMail(ExpenseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        domain = set_alias_domain(cls.env, "expenses.digitize.test")
        cls.alias = cls.env.ref("hr_expense.mail_alias_expense")
        cls.alias.alias_domain_id = domain
        cls.address = f"{cls.alias.alias_name}@{domain.name}"

    def receive(self, *files, sender="Jane Doe <jane.doe@staff.digitize.test>"):
        return deliver(self.env, "hr.expense", self.address, *files, sender=sender, subject="Client dinner")

    def test_a_mailed_photo_becomes_the_employees_digitized_expense(self):
        self.ICP.set_param("document_digitize.auto_mail", "True")
        [expense] = self.receive(("logo.png", small_logo()), RECEIPT_2)
        self.assertEqual(expense.employee_id, self.jane, "found from the sender, as Odoo does")
        files = {a.name: a.raw for a in self.env["ir.attachment"].search([("res_model", "=", "hr.expense"),
                                                                          ("res_id", "=", expense.id)])}
        self.assertEqual(files, {"logo.png": small_logo(), RECEIPT_2.name: RECEIPT_2.read_bytes()},
                         "every file kept as sent (the 2448 px photo too)")
        self.assertEqual((expense.digitize_state, expense.digitize_attachment_id.name), ("queued", RECEIPT_2.name),
                         "the photo is the receipt, not the logo")
        self.assertEqual(expense.message_main_attachment_id.name, RECEIPT_2.name)
        self.assertEqual(expense.digitize_requested_by, self.jane_user, "read and applied in Jane's name")
        self.run_queue()
        self.assertEqual(expense.name, "Client dinner", "the subject Jane typed is kept")
        self.assertEqual((expense.total_amount_currency, expense.tax_amount_currency), (2516.28, 218.31))
        self.assertEqual((expense.date.isoformat(), expense.merchant_name), ("2019-06-10", "Contoso"))
        self.assertIn(expense.digitize_state, ("done", "needs_review"))

    def test_without_auto_digitize_it_waits_for_the_button(self):
        self.ICP.set_param("document_digitize.auto_mail", "False")
        [expense] = self.receive(RECEIPT_2)
        self.assertFalse(expense.digitize_state)
        self.assertIn(f"Press Digitize to read {RECEIPT_2.name}", read(" ".join(expense.message_ids.mapped("body"))))
        self.digitize(expense)
        self.assertEqual(expense.total_amount_currency, 2516.28)

    def test_a_mail_without_a_receipt(self):
        self.ICP.set_param("document_digitize.auto_mail", "True")
        [expense] = self.receive(("logo.png", small_logo()))
        self.assertFalse(expense.digitize_state)
        self.assertIn("carries no PDF, scan or photo of a receipt", read(" ".join(expense.message_ids.mapped("body"))))
