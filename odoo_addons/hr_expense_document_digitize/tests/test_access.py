"""Who may digitize an expense: the employee their own only; approvers as Odoo's expense rules say; nothing is sent
for an expense whose requester can no longer read it."""

from odoo.addons.document_digitize.tests.common import sidecar_requests
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ExpenseCase


@tagged("post_install", "-at_install")
class TestExpenseAccess(ExpenseCase):
    def test_an_employee_cannot_digitize_anothers_expense(self):
        janes = self.new_expense()
        before = sidecar_requests(self.sidecar)
        with self.assertRaises(AccessError):
            janes.with_user(self.john_user).action_digitize()
        self.assertFalse(janes.digitize_state)
        self.run_queue()
        self.assertEqual(sidecar_requests(self.sidecar), before, "nothing sent")

    def test_approvers_as_odoos_rules_say(self):
        team_lead = new_test_user(self.env, "digitize_lead", groups="hr_expense.group_hr_expense_team_approver")
        self.jane.parent_id = self.env["hr.employee"].create({"name": "Lead", "user_id": team_lead.id})
        other_lead = new_test_user(self.env, "digitize_other_lead", groups="hr_expense.group_hr_expense_team_approver")
        officer = new_test_user(self.env, "digitize_officer", groups="hr_expense.group_hr_expense_user")
        janes = self.new_expense()
        with self.assertRaises(AccessError, msg="not his team"):
            janes.with_user(other_lead).action_digitize()
        janes.with_user(team_lead).action_digitize()  # Jane's manager
        self.assertEqual((janes.digitize_state, janes.digitize_requested_by), ("queued", team_lead))
        self.run_queue()
        self.assertEqual(janes.total_amount_currency, 1203.39)
        johns = self.new_expense(user=self.john_user)
        johns.with_user(officer).action_digitize()  # all approver: every expense
        self.run_queue()
        self.assertEqual((johns.total_amount_currency, johns.employee_id), (1203.39, self.john))

    def test_nothing_is_sent_for_an_expense_its_requester_no_longer_reads(self):
        expense = self.new_expense()
        expense.with_user(self.jane_user).action_digitize()
        expense.sudo().employee_id = self.john  # reassigned while it waited in the queue
        before = sidecar_requests(self.sidecar)
        self.run_queue()
        self.assertEqual(sidecar_requests(self.sidecar), before, "nothing sent")
        self.assertEqual(expense.digitize_state, "error")
        self.assertIn("Jane Doe, who asked for it, may not read", expense.digitize_error)
        self.assertEqual(expense.total_amount_currency, 0.0, "nothing read onto it")
