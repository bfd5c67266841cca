"""What the expense tests share: employees with their users, a 9.5 % purchase tax (the Contoso receipts' rate),
the default category, and receipts made for one test (a generated photo whose reading the replay sidecar is
told)."""

import datetime
import io

from odoo import fields
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import new_test_user
from PIL import Image, ImageDraw

RECEIPT_1 = DOCS / "img_contoso_receipt_photo1.png"  # Contoso, 2019-06-10, USD 1,203.39 with 104.40 tax (9.5 %)
RECEIPT_2 = DOCS / "img_contoso_receipt_photo2.png"  # Contoso, 2019-06-10, USD 2,516.28 with 218.31 tax; 2448 px wide


def receipt_photo(text):
    """A photo of a receipt of our own (a PNG, 600 × 900 px, ``text`` printed on it): new bytes for each text."""
    image = Image.new("RGB", (600, 900), "white")
    ImageDraw.Draw(image).multiline_text((30, 30), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class ExpenseCase(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.usd = cls.company.currency_id
        # the corpus' receipts are from 2019: the age check has its own test
        cls.ICP.set_param("document_digitize.expense_max_age", "36500")
        cls.tax_95 = cls.env["account.tax"].create({"name": "Sales tax 9.5 %", "amount": 9.5,
                                                    "type_tax_use": "purchase", "company_id": cls.company.id})
        cls.general = cls.env.ref("hr_expense.product_product_no_cost")  # Odoo's "Expenses" (EXP_GEN)
        cls.meals = cls.env.ref("hr_expense.expense_product_meal")
        cls.company.document_digitize_expense_product_id = cls.general
        cls.jane_user = new_test_user(cls.env, "digitize_jane", groups="base.group_user",
                                      email="jane.doe@staff.digitize.test", name="Jane Doe")
        cls.jane = cls.env["hr.employee"].create({"name": "Jane Doe", "user_id": cls.jane_user.id,
                                                  "work_email": "jane.doe@staff.digitize.test"})
        cls.john_user = new_test_user(cls.env, "digitize_john", groups="base.group_user", name="John Roe")
        cls.john = cls.env["hr.employee"].create({"name": "John Roe", "user_id": cls.john_user.id})

    def new_expense(self, user=None, path=RECEIPT_1, content=None, **values):
        """A draft expense of ``user``'s employee (Jane) with the receipt ``path`` (or ``content``) attached as its main
        file, named after the file as Odoo's Upload names it (a name nobody typed)."""
        user = user or self.jane_user
        name = path.name if content is None else "receipt.png"
        expense = self.env["hr.expense"].with_user(user).create({"name": name.rsplit(".", 1)[0],
                                                                  "product_id": self.general.id, **values})
        attachment = self.env["ir.attachment"].with_user(user).create({
            "name": name, "raw": content or path.read_bytes(), "res_model": "hr.expense", "res_id": expense.id})
        expense.message_main_attachment_id = attachment
        return expense

    def run_queue(self):
        return self.env["hr.expense"]._digitize_process_queue(10, commit=False)

    def digitize(self, expense, user=None):
        expense.with_user(user or self.jane_user).action_digitize()
        self.assertEqual(expense.digitize_state, "queued")
        self.run_queue()
        self.assertIn(expense.digitize_state, ("done", "needs_review"), expense.digitize_error)
        return expense

    def told(self, document, text=None):
        """A generated receipt the sidecar reads as ``document`` (canonical JSON; a receipt by default)."""
        content = receipt_photo(text or repr(sorted(document.items())))
        self.sidecar.add(content, {"document_type": "receipt", **document})
        return content

    @staticmethod
    def days_ago(days):
        return (fields.Date.today() - datetime.timedelta(days=days)).isoformat()
