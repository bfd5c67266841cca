"""Company boundaries, shared by the apps' tests: company A (the test's company) has a record with its document;
a user of company B only (B's own records, B's rights) tries to get that document read onto B's record. Every
path must refuse it with a readable error and the sidecar must get no request.

``CrossCompanyCase`` sets the two companies and B's user up; ``CrossCompanyTests`` holds the paths every app has
(a plain ``write`` over RPC, ``create``/``copy``/context defaults, a queue entry pointing at another record's
file, the chatter, the Upload dialog). An app's test class takes both and says which model, which record and file
of A, which values make a draft of B, and what "nothing read onto it" means there; its own paths (the bills list's
Upload, mail) stay in its own file.
"""

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from ..models.digitize_mixin import DIGITIZE_FIELDS
from .common import DigitizeCase, sidecar_requests

REFUSED_FIELDS = "set by the digitization itself"
NOT_ITS_OWN = "is not one of its own files: it was not sent"


def forged_values(record, attachment, user):
    """A value for each stored digitization field of ``record``, as an RPC client could send them."""
    values = {}
    for name in sorted(DIGITIZE_FIELDS):
        field = record._fields[name]
        values[name] = {"selection": "queued", "integer": 1, "datetime": fields.Datetime.now(),
                        "many2one": attachment.id if field.comodel_name == "ir.attachment" else user.id,
                        }.get(field.type, "forged")
    return values


class CrossCompanyCase(DigitizeCase):
    """Company A, company B and a user of B only (``user_b_groups``: the app's own user group)."""

    user_b_groups = ""
    model = None  # the digitized model, e.g. "purchase.order"
    document_a = None  # the path of company A's document, attached to company A's record (``record_a``: ``file_a``)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Digitize Company B", "currency_id": cls.eur.id})
        cls.user_b = new_test_user(cls.env, f"digitize_b_{cls.__name__.lower()}", groups=cls.user_b_groups,
                                   company_id=cls.company_b.id, company_ids=[cls.company_b.id])
        cls.record_a = cls.env[cls.model].create(cls.record_a_values())
        cls.file_a = cls.env["ir.attachment"].create({"name": f"company-a-{cls.document_a.name}",
                                                      "raw": cls.document_a.read_bytes(),
                                                      "res_model": cls.model, "res_id": cls.record_a.id})

    def requests(self):
        return sidecar_requests(self.sidecar)

    def assert_nothing_sent(self, before, *records):
        self.assertEqual(self.requests(), before, "the sidecar got no request")
        for record in records:
            self.assertFalse(record.sudo().digitize_json, f"nothing read onto {record.display_name}")

    def assert_still_company_as(self, attachment, owner):
        self.assertEqual((attachment.sudo().res_model, attachment.sudo().res_id), (owner._name, owner.id),
                         "company A's file stays on company A's record")

    # --- what an app says ------------------------------------------------------------------------------

    @classmethod
    def record_a_values(cls):
        """The values of company A's record (its partner, its kind)."""
        return {}

    def record_b_values(self):
        """The values of a new draft of company B's user (its partner, its kind)."""
        return {}

    def record_b(self):
        record = self.env[self.model].with_user(self.user_b).create(self.record_b_values())
        self.assertEqual(record.company_id, self.company_b)
        return record

    def assert_untouched(self, record):
        """Nothing read onto ``record``: its header and lines are as B's user made them."""
        raise NotImplementedError

    def run_scheduled_action(self):
        self.env[self.model]._digitize_process_queue(10, commit=False)


class CrossCompanyTests:
    """The paths every app has; mixed into an app's ``CrossCompanyCase`` (not a test case itself, so it runs once
    per app, in that app's tests)."""

    allow_inherited_tests_method = True  # these tests are defined here and run in each app's module

    def test_a_plain_write_of_any_digitization_field_is_refused(self):
        record = self.record_b()
        before = self.requests()
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):  # the attack as it was reported
            record.write({"digitize_attachment_id": self.file_a.id, "digitize_state": "queued"})
        for name, value in forged_values(record, self.file_a, self.user_b).items():
            with self.subTest(field=name), self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
                record.write({name: value})
        self.run_scheduled_action()
        self.assertFalse(record.digitize_state)
        self.assert_nothing_sent(before, record)
        self.assert_still_company_as(self.file_a, self.record_a)

    def test_nor_through_create_copy_or_context_defaults(self):
        before = self.requests()
        Model_b = self.env[self.model].with_user(self.user_b)
        forged = {"digitize_attachment_id": self.file_a.id, "digitize_state": "queued"}
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
            Model_b.create({**self.record_b_values(), **forged})
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
            Model_b.with_context(default_digitize_attachment_id=self.file_a.id,
                                 default_digitize_state="queued").create(self.record_b_values())
        with self.assertRaisesRegex(AccessError, REFUSED_FIELDS):
            self.record_b().copy(default=forged)
        self.run_scheduled_action()
        self.assertFalse(self.env[self.model].search([("digitize_attachment_id", "=", self.file_a.id)]))
        self.assert_nothing_sent(before)

    def test_a_queue_entry_with_another_records_file_goes_to_error_unsent(self):
        # what the RPC write made before the guard: B's record queued with A's file, asked by B's user or by
        # nobody (the system, as for a mailed document)
        for requester in (self.user_b, self.env["res.users"]):
            with self.subTest(requester=requester.name or "the system"):
                record = self.record_b()
                record.sudo().write({"digitize_state": "queued", "digitize_attachment_id": self.file_a.id,
                                     "digitize_requested_by": requester.id})
                before = self.requests()
                self.run_scheduled_action()
                self.assertEqual(record.digitize_state, "error")
                self.assertEqual(record.digitize_error, f"The file queued for {record.display_name} {NOT_ITS_OWN}. "
                                                        "Attach the document to this record and press Digitize.")
                self.assertNotIn(self.file_a.name, "".join(record.message_ids.mapped("body")),
                                 "the note does not name another company's file")
                self.assert_untouched(record)
                self.assert_nothing_sent(before, record)

    def test_another_companys_file_cannot_be_posted_nor_digitized_from_the_chatter(self):
        record = self.record_b()
        before = self.requests()
        with self.assertRaises(AccessError):  # mail checks that the poster can read the files
            record.message_post(body="here", attachment_ids=self.file_a.ids)
        with self.assertRaisesRegex(UserError, "Attach the PDF, scan or photo of the document"):
            record.action_digitize()
        self.assertFalse(record.digitize_state)
        self.assert_nothing_sent(before, record)
        self.assert_still_company_as(self.file_a, self.record_a)

    def test_upload_dialog_with_another_companys_file(self):
        before = self.requests()
        count = self.env[self.model].search_count([])
        action = self.env[self.model].with_user(self.user_b).action_digitize_upload()
        wizard = self.env["document.digitize.upload"].with_user(self.user_b).with_context(**action["context"]).create(
            {"attachment_ids": [fields.Command.set(self.file_a.ids)]})
        with self.assertRaisesRegex(AccessError, "already belongs to another record"):
            wizard.action_upload()
        self.assertEqual(self.env[self.model].search_count([]), count, "no draft made")
        self.assert_nothing_sent(before)
        self.assert_still_company_as(self.file_a, self.record_a)
