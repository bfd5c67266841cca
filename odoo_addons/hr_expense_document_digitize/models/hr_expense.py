from odoo import api, fields, models
from odoo.addons.document_digitize.lib import ExpenseKey, expense_duplicate_items, merchant_key
from odoo.addons.document_digitize.models.digitize_mixin import documents_of, pick_document
from odoo.addons.document_digitize.models.odoo_catalog import OdooCatalog

# context of the expense a mail just created (``message_new`` returns it so): the mail gateway posts that mail on
# that very recordset, and only that post queues its receipt — no state outlives the call
MAILED_KEY = "hr_expense_document_digitize_mailed"
GENERIC_CATEGORY_CODE = "EXP_GEN"  # the category Odoo's own Upload gives every file (hr_expense's data)


class ExpenseCatalog(OdooCatalog):
    """The mapping's catalog plus the expense memory: the category a person chose for a merchant before."""

    def remembered_category(self, key):
        memory = self.env["hr.expense.digitize.memory"].sudo().search([
            ("company_id", "=", self.company_rec.id), ("merchant_key", "=", key)], limit=1)
        return memory.product_id.id or None


class HrExpense(models.Model):
    _name = "hr.expense"
    _inherit = ["hr.expense", "document.digitize.mixin"]

    _digitize_target = "expense"
    # tax_ids is added by _digitize_current (a many2many: the mixin reads many2one ids only)
    _digitize_header_fields = ("name", "date", "total_amount_currency", "currency_id", "product_id", "vendor_id",
                               "merchant_name", "merchant_vat")
    _digitize_partner_field = "vendor_id"

    merchant_name = fields.Char("Merchant", copy=False, help="Who the receipt is from, as printed on it")
    merchant_vat = fields.Char("Merchant VAT", copy=False, help="The merchant's VAT id, as printed on the receipt")
    digitize_proposed_category_id = fields.Many2one(
        "product.product", "Category digitization chose", copy=False, readonly=True,
        help="Compared with the category the expense is reported with: a person's other choice is remembered for "
             "the merchant")

    # --- what the expense says about itself -----------------------------------------------------------

    def _digitize_is_editable(self):
        return self.state == "draft"

    def _digitize_document_type(self):
        return "receipt"

    def _digitize_fallback_product_id(self):
        return self.company_id.document_digitize_expense_product_id.id or None

    def _digitize_catalog(self):
        return ExpenseCatalog(self.env, self.company_id)

    def _digitize_totals(self):
        return {"amount_untaxed": self.untaxed_amount_currency, "amount_tax": self.tax_amount_currency,
                "amount_total": self.total_amount_currency}

    def _digitize_placeholder_categories(self):
        """Categories nobody chose: the company's default one and Odoo's generic one (its Upload gives it)."""
        generic = self.env["product.product"].search([("default_code", "=", GENERIC_CATEGORY_CODE)], limit=1)
        return self.company_id.document_digitize_expense_product_id | generic

    def _digitize_current(self):
        """What an upload, a mail or a form default put there counts as empty: the file's name as the description
        (Odoo's Upload names the expense so), the category's name, the day the expense was created as its date, a
        category nobody chose and its default taxes."""
        current = super()._digitize_current()
        file = self.sudo().digitize_attachment_id
        placeholders = {file.name, (file.name or "").rsplit(".", 1)[0], self.product_id.display_name}
        if current.get("name") in placeholders:
            current["name"] = False
        if self.date and self.create_date and self.date == fields.Date.context_today(self, self.create_date):
            current["date"] = False
        if self.product_id in self._digitize_placeholder_categories():
            current["product_id"] = False
        defaults = self.product_id.supplier_taxes_id.filtered_domain(
            self.env["account.tax"]._check_company_domain(self.company_id))
        current["tax_ids"] = self.tax_ids.ids if self.tax_ids != defaults else []
        return current

    def _digitize_after_lines(self, mapped, current):
        result = super()._digitize_after_lines(mapped, current)
        # what digitization proposed, to learn from the category the person reports the expense with
        self.sudo().digitize_proposed_category_id = self.product_id
        return result

    def _digitize_review_items(self, mapped):
        return super()._digitize_review_items(mapped) + self._digitize_duplicates()

    # --- duplicates ---------------------------------------------------------------------------------

    def _digitize_duplicates(self):
        """Review items for the company's other expenses of the same employee, date, total and merchant, or with
        this receipt's file (whoever's they are: the same receipt claimed twice). The ORM fetches the candidates,
        lib/duplicates.py decides."""
        self.ensure_one()
        Expense = self.sudo()
        base = [("id", "!=", self.id), ("company_id", "=", self.company_id.id)]
        candidates = Expense.browse()
        if self.employee_id and self.date:
            candidates |= Expense.search(base + [("employee_id", "=", self.employee_id.id), ("date", "=", self.date),
                                                 ("currency_id", "=", self.currency_id.id)], limit=50)
        checksum = self.sudo().digitize_attachment_id.checksum
        twins = {}
        if checksum:
            for file in self.env["ir.attachment"].sudo().search([("checksum", "=", checksum),
                                                                 ("res_model", "=", self._name),
                                                                 ("res_id", "not in", [self.id, 0])]):
                twins.setdefault(file.res_id, set()).add(checksum)
            candidates |= Expense.search(base + [("id", "in", list(twins))])
        keys = [self._digitize_expense_key(expense, twins.get(expense.id, ())) for expense in candidates]
        return expense_duplicate_items(self._digitize_expense_key(self, [checksum]), keys)

    @staticmethod
    def _digitize_expense_key(expense, checksums):
        return ExpenseKey(id=expense.id, name=expense.sudo().display_name, employee_id=expense.employee_id.id or None,
                          date=expense.date or None, total=expense.total_amount_currency,
                          currency=expense.currency_id.name, merchant=merchant_key(expense.merchant_name,
                                                                                   expense.merchant_vat),
                          checksums=frozenset(c for c in checksums if c), company_id=expense.company_id.id,
                          refused=expense.state == "refused")

    # --- reported: the person's review is over, their category choice is remembered -------------------------

    def write(self, vals):
        reported = self.browse()
        if vals.get("sheet_id"):  # into an expense report: however it is made, the expense's sheet is written
            reported = self.filtered(lambda expense: expense.digitize_state and not expense.sheet_id)
        result = super().write(vals)
        if reported:
            reported._digitize_learn_category()
            reported._digitize_confirmed()
        return result

    def _digitize_learn_category(self):
        """The category a person reported a digitized expense with, when it is not the one digitization chose, is
        remembered for the merchant (the company's expense memory) and given to the merchant's next receipts."""
        Memory = self.env["hr.expense.digitize.memory"].sudo()
        for expense in self:
            key = merchant_key(expense.merchant_name, expense.merchant_vat)
            product = expense.product_id
            proposed = expense.digitize_proposed_category_id
            if expense.digitize_state not in ("done", "needs_review") or not key or not proposed \
                    or not product or product == proposed:
                continue
            Memory._remember(expense.company_id, key, expense.merchant_name or expense.merchant_vat, product)
            expense._digitize_post(self.env._("Remembered for %(merchant)s: category %(category)s.",
                                              merchant=expense.merchant_name or expense.merchant_vat,
                                              category=product.display_name))

    # --- receipts uploaded ----------------------------------------------------------------------------

    @api.model
    def _digitize_create_from_upload(self, attachment):
        """The upload dialog: an expense of the current user's employee, named after the file until it is read."""
        name = (attachment.name or "").rsplit(".", 1)[0] or attachment.name or self.env._("Receipt")
        category = self.env.company.document_digitize_expense_product_id
        return self.create({"name": name, "product_id": category.id or False})

    @api.model
    def create_expense_from_attachments(self, attachment_ids=None, view_type="list"):
        """Odoo's own Upload of the expenses list and kanban: one expense per file (Odoo's), each receipt queued."""
        self._digitize_check_uploads(self.env["ir.attachment"].browse(attachment_ids or []))
        action = super().create_expense_from_attachments(attachment_ids=attachment_ids, view_type=view_type)
        for expense in self.search(action.get("domain") or [("id", "=", False)]):
            if expense._digitize_is_editable() and expense._digitize_find_attachment():
                expense.action_digitize()
        return action

    # --- receipts mailed to the expense alias ------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """hr_expense's own: the employee is found from the sender. The receipt is queued once the mail and its files
        are posted on the expense (``_digitize_mail_received``)."""
        expense = super().message_new(msg_dict, custom_values=custom_values)
        return expense.with_context(**{MAILED_KEY: f"{expense._name},{expense.id}"})

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        self._digitize_mail_received(message)
        return result

    def _digitize_mail_received(self, message):
        """After ``message`` is posted on the expense its mail just created: its receipt (the first PDF, else the
        first scan or photo; logos skipped) becomes the main attachment and, with auto-digitize on, is queued in
        the name of the employee's user (their rights apply, they are notified). Every file stays as sent."""
        mailed = self.env.context.get(MAILED_KEY)
        expenses = self.filtered(lambda expense: mailed == f"{expense._name},{expense.id}")
        if not expenses or message.message_type != "email":
            return
        auto = self._digitize_config().auto_mail
        for expense in expenses.with_context(**{MAILED_KEY: False}):
            attachments = message.attachment_ids.sorted("id")
            receipt = pick_document(attachments)
            if not receipt or not expense.employee_id:
                expense._digitize_post(self.env._(
                    "This e-mail carries no PDF, scan or photo of a receipt: nothing to digitize. Attach the receipt, "
                    "then press Digitize."))
                continue
            expense._message_set_main_attachment_id(receipt, force=True)
            note = self.env._("Received by e-mail: %s.", ", ".join(documents_of(attachments).mapped("name")))
            if not auto:
                expense._digitize_post(note + " " + self.env._("Press Digitize to read %s.", receipt.name))
                continue
            expense._digitize_enqueue(receipt, note + " " + self.env._("%s is queued for digitization.",
                                                                      receipt.name))
            user = expense.employee_id.user_id
            if user and user.active:  # read and applied as the employee, who is told when it is done
                expense._digitize_write({"digitize_requested_by": user.id})
