"""Receipts uploaded from the expenses list: Odoo's own Upload (list and kanban call
``create_expense_from_attachments``) and the upload dialog make one expense per file, the uploader's employee's,
queued; the files are kept as sent (a 2448 px photo is not re-encoded)."""

import base64

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RECEIPT_1, RECEIPT_2, ExpenseCase


@tagged("post_install", "-at_install")
class TestExpenseUpload(ExpenseCase):
    def uploaded(self, *paths, user=None):
        """Files as Odoo's expense Upload posts them (/web/binary/upload_attachment: model hr.expense, id 0)."""
        return self.env["ir.attachment"].with_user(user or self.jane_user).create([
            {"name": path.name, "datas": base64.b64encode(path.read_bytes()), "res_model": "hr.expense", "res_id": 0}
            for path in paths])

    def test_odoos_upload_makes_one_queued_expense_per_receipt(self):
        files = self.uploaded(RECEIPT_1, RECEIPT_2)
        action = self.env["hr.expense"].with_user(self.jane_user).create_expense_from_attachments(files.ids)
        expenses = self.env["hr.expense"].search(action["domain"], order="id")
        self.assertEqual(len(expenses), 2, "one expense per file")
        self.assertEqual(expenses.employee_id, self.jane, "the uploader's employee")
        self.assertEqual(expenses.mapped("digitize_state"), ["queued", "queued"])
        self.assertEqual(expenses.mapped("digitize_requested_by"), self.jane_user)
        self.assertEqual(expenses[1].digitize_attachment_id.raw, RECEIPT_2.read_bytes(),
                         "a photo over 1920 px kept as sent, not re-encoded")
        self.run_queue()
        self.assertEqual(expenses.mapped("total_amount_currency"), [1203.39, 2516.28])
        self.assertEqual(expenses.mapped("name")[1], "Contoso: Surface Pro 6, Surface Pen")
        self.assertEqual(expenses.mapped("tax_amount_currency"), [104.40, 218.31])

    def test_the_upload_dialog_too(self):
        files = self.env["ir.attachment"].with_user(self.jane_user).create([
            {"name": RECEIPT_1.name, "datas": base64.b64encode(RECEIPT_1.read_bytes()),
             "res_model": "document.digitize.upload", "res_id": 0}])
        action = self.env["hr.expense"].with_user(self.jane_user).action_digitize_upload()
        wizard = self.env["document.digitize.upload"].with_user(self.jane_user).with_context(**action["context"]) \
            .create({"attachment_ids": [fields.Command.set(files.ids)]})
        expense = self.env["hr.expense"].browse(wizard.action_upload()["res_id"])
        self.assertEqual((expense.employee_id, expense.digitize_state), (self.jane, "queued"))
        self.run_queue()
        self.assertEqual((expense.total_amount_currency, expense.date.isoformat()), (1203.39, "2019-06-10"))

    def test_a_file_of_another_expense_cannot_be_uploaded(self):
        johns = self.new_expense(user=self.john_user)
        before = self.env["hr.expense"].search_count([])
        with self.assertRaises(AccessError):
            self.env["hr.expense"].with_user(self.jane_user).create_expense_from_attachments(
                johns.message_main_attachment_id.ids)
        self.assertEqual(self.env["hr.expense"].search_count([]), before, "no expense made")
