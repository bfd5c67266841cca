"""A billing user of company B tries to have company A's vendor bill read onto B's own draft bill: every path of
``document_digitize/tests/cross_company.py`` (a plain ``write`` over RPC — the fields are readonly in the views
only —, create/copy defaults, a queue entry with another record's file, the chatter, the Upload dialog), and the
bills' own: a main attachment pointing at A's file, the bills list's Upload, a forged "mail" post, a requester who
cannot read the record. Each is refused with a readable error and the sidecar gets no request.
"""

import base64
from unittest.mock import patch

from odoo.addons.document_digitize.models.digitize_mixin import DIGITIZE_FIELDS
from odoo.addons.document_digitize.tests.cross_company import NOT_ITS_OWN, CrossCompanyCase, CrossCompanyTests
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_digitize_bill import NETPRESSE


@tagged("post_install", "-at_install")
class TestCrossCompanyBills(CrossCompanyTests, CrossCompanyCase):
    user_b_groups = "account.group_account_invoice"
    model = "account.move"
    document_a = NETPRESSE

    @classmethod
    def record_a_values(cls):
        return {"move_type": "in_invoice"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        cls.record_a.message_main_attachment_id = cls.file_a
        cls.journal_b = cls.env["account.journal"].search([("type", "=", "purchase"),
                                                           ("company_id", "=", cls.company_b.id)], limit=1)

    def record_b_values(self):
        return {"move_type": "in_invoice"}

    def assert_untouched(self, record):
        self.assertFalse(record.partner_id or record.ref or record.invoice_line_ids)

    def test_the_guard_names_every_stored_digitization_field(self):
        stored = {name for name, field in self.env["document.digitize.mixin"]._fields.items()
                  if name.startswith("digitize_") and field.store}
        self.assertEqual(stored, set(DIGITIZE_FIELDS))

    def test_the_addon_itself_still_writes_them_for_the_user(self):
        bill = self.record_b()
        own = self.env["ir.attachment"].with_user(self.user_b).create({
            "name": "own.pdf", "raw": NETPRESSE.read_bytes(), "res_model": "account.move", "res_id": bill.id})
        bill.message_main_attachment_id = own
        bill.action_digitize()
        self.assertEqual((bill.digitize_state, bill.digitize_attachment_id, bill.digitize_requested_by),
                         ("queued", own, self.user_b))
        before = self.requests()
        self.run_scheduled_action()
        self.assertEqual(self.requests(), before + 1)
        self.assertEqual(bill.digitize_state, "needs_review", bill.digitize_error)  # B has no 20 % purchase tax
        self.assertEqual(bill.ref, "2022089083")

    def test_a_requester_who_cannot_read_the_record_is_not_served(self):
        # A's own bill and file, but queued in the name of B's user (who cannot read either)
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        own = self.env["ir.attachment"].create({"name": "a.pdf", "raw": NETPRESSE.read_bytes(),
                                                "res_model": "account.move", "res_id": bill.id})
        bill.sudo().write({"digitize_state": "queued", "digitize_attachment_id": own.id,
                           "digitize_requested_by": self.user_b.id})
        before = self.requests()
        sent = []
        with patch.object(type(self.env["res.users"]), "_bus_send",
                          lambda users, kind, payload, **kw: sent.append((users, kind))):
            self.run_scheduled_action()
        self.assertEqual(bill.digitize_state, "error")
        self.assertEqual(bill.digitize_error, f"{self.user_b.name}, who asked for it, may not read "
                                              f"{bill.display_name} or its file a.pdf: it was not sent.")
        self.assertEqual(sent, [], "no notification about A's bill to B's user")
        self.assert_nothing_sent(before, bill)

    def test_main_attachment_pointing_at_another_companys_file_then_digitize(self):
        bill = self.record_b()
        bill.message_main_attachment_id = self.file_a
        before = self.requests()
        with self.assertRaisesRegex(AccessError, NOT_ITS_OWN):
            bill.action_digitize()
        self.assertFalse(bill.digitize_state)
        self.assert_nothing_sent(before, bill)
        self.assert_still_company_as(self.file_a, self.record_a)

    def test_a_forged_mail_post_with_another_companys_file(self):
        # from_alias is a context key: an RPC client can send it; auto-digitize would queue the mailed file
        self.ICP.set_param("document_digitize.auto_mail", "True")
        bill = self.record_b()
        before = self.requests()
        with self.assertRaises(AccessError):
            bill.with_context(from_alias=True).message_post(body="mail", attachment_ids=[self.file_a.id])
        self.run_scheduled_action()
        self.assertFalse(bill.digitize_state)
        self.assert_nothing_sent(before, bill)
        self.assert_still_company_as(self.file_a, self.record_a)

    def test_bills_list_upload_with_another_companys_file(self):
        before = self.requests()
        with self.assertRaisesRegex(AccessError, "already belongs to another record"):
            self.journal_b.with_user(self.user_b).with_context(
                default_move_type="in_invoice").create_document_from_attachment(self.file_a.ids)
        self.assert_nothing_sent(before)
        self.assert_still_company_as(self.file_a, self.record_a)

    def test_bills_list_upload_of_someone_elses_pending_file(self):
        # a file uploaded (not yet attached) by a user of company A: only its uploader may use it
        pending = self.env["ir.attachment"].with_user(self.env.ref("base.user_admin")).create(
            {"name": "pending.pdf", "datas": base64.b64encode(NETPRESSE.read_bytes())})
        before = self.requests()
        with self.assertRaises(AccessError):
            self.journal_b.with_user(self.user_b).with_context(
                default_move_type="in_invoice").create_document_from_attachment(pending.ids)
        self.assert_nothing_sent(before)
        self.assertFalse(pending.sudo().res_id)
