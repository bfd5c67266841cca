"""Correcting on the page (issue 34): with a field focused in the document viewer, a word clicked on the page (or a
candidate of the second reader picked) sets the field from its printed text, in the document's format, as the user,
in the record's company, said in the chatter; a misread total corrected from the page leaves the review. Over real
gRPC to an in-process sidecar (replay engine with word layers, second reader on).

i2d_QualityHosting.pdf prints "21.05.14" as its due date (the words reader's first candidate is 2014-05-31) and
its total "34,73" on page 2.
"""

import copy
import json

from odoo import fields
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ocr_sidecar.testing import ReplayReadingWords

QUALITY_HOSTING = DOCS / "i2d_QualityHosting.pdf"
ENGINE = ReplayReadingWords(DOCS)


def word(bill, text):
    """(page, box) of the first word of the bill's stored word layer that prints ``text``."""
    for page in json.loads(bill.digitize_words):
        for w in page["words"]:
            if w[0] == text:
                return page["page"], [w[1:5]]
    raise AssertionError(f"{text!r} is not a word of the page")


@tagged("post_install", "-at_install")
class TestCorrectOnPage(DigitizeCase):
    sidecar_options = {"engine_instance": ENGINE, "second_reader": "on"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.vendor = cls.env["res.partner"].create({"name": "QualityHosting AG", "is_company": True,
                                                    "vat": "DE232446240"})
        cls.company_b = cls.env["res.company"].create({"name": "Digitize Correct B", "currency_id": cls.eur.id})
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        cls.accountant = new_test_user(cls.env, "digitize_correct_accountant",
                                       groups="account.group_account_invoice", company_id=cls.company_a.id,
                                       company_ids=[cls.company_a.id, cls.company_b.id])
        cls.other = new_test_user(cls.env, "digitize_correct_other", groups="account.group_account_invoice",
                                  company_id=cls.company_b.id, company_ids=[cls.company_b.id])

    def digitized(self, content=None, company=None):
        """A draft bill of ``company`` read by the queue (the model's reading replayed), as the accountant."""
        company = company or self.company_a
        env = self.env(user=self.accountant, context={"allowed_company_ids": [company.id]})
        bill = env["account.move"].with_company(company).create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = env["ir.attachment"].create({
            "name": QUALITY_HOSTING.name, "raw": content or QUALITY_HOSTING.read_bytes(), "res_model": "account.move",
            "res_id": bill.id})
        bill.action_digitize()
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
        return bill

    def test_a_word_clicked_sets_the_focused_field_in_the_documents_format(self):
        bill = self.digitized()
        bill.write({"ref": "wrong", "invoice_date_due": "2014-06-30"})  # say the reading had been wrong
        page, boxes = word(bill, "30064443")
        result = bill.digitize_set_from_page("30064443", field="ref", page=page, boxes=boxes)
        self.assertEqual(bill.ref, "30064443")
        self.assertIn("30064443", result["message"])
        # "21.05.14" read day first, as this document prints its dates (a page format learned from its values)
        page, boxes = word(bill, "21.05.14")
        bill.digitize_set_from_page("21.05.14", field="invoice_date_due", page=page, boxes=boxes)
        self.assertEqual(bill.invoice_date_due, fields.Date.to_date("2014-05-21"))
        self.assertEqual(bill.write_uid, self.accountant, "written as the user who clicked")
        note = bill.message_ids.filtered(lambda m: "Set from the page" in (m.body or ""))
        self.assertEqual(len(note), 2, "each correction is in the chatter")
        self.assertIn("21.05.14", note[0].body)
        # the value's place is where the person clicked
        placed = [i for i in bill.digitize_evidence["items"] if i["path"] == "due_date"]
        self.assertEqual([(i["source"], i["boxes"]) for i in placed], [("person", boxes)])

    def test_a_due_date_is_picked_from_the_second_readers_candidates(self):
        bill = self.digitized()
        offered = [c for c in bill.digitize_evidence_view["candidates"] if c["path"] == "due_date"]
        self.assertGreaterEqual(len(offered), 2, "the words reader's candidates are offered")
        self.assertEqual(offered[0]["field"], "invoice_date_due")
        self.assertTrue(all(c["page"] and c["boxes"] for c in offered), "each with its place on the page")
        first = offered[0]
        bill.digitize_set_from_page(field="invoice_date_due", path="due_date", candidate=first["rank"])
        self.assertEqual(bill.invoice_date_due, fields.Date.to_date(first["value"]))
        with self.assertRaises(UserError):
            bill.digitize_set_from_page(field="invoice_date_due", path="due_date", candidate=99)

    def test_a_misread_total_corrected_from_the_page_leaves_the_review(self):
        content = QUALITY_HOSTING.read_bytes() + b"\n% another copy\n"
        gold = json.loads((DOCS / "i2d_QualityHosting.gold.json").read_text())
        misread = copy.deepcopy(gold)
        misread["total"] = 43.73  # the model read 34,73 as 43.73
        ENGINE.add(content, misread)
        bill = self.digitized(content)
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertIn("43.73", bill.digitize_review_html)
        page, boxes = word(bill, "34,73")
        self.assertEqual(page, 2)
        bill.digitize_set_from_page("34,73", path="total", page=page, boxes=boxes)
        self.assertEqual(json.loads(bill.digitize_json)["total"], 34.73)
        self.assertNotIn("43.73", bill.digitize_review_html or "", "the misread total left the review")
        self.assertFalse([i for i in bill.digitize_to_check or [] if "43.73" in i["message"]])
        if abs(bill.amount_total - 34.73) < 0.005:
            self.assertFalse([i for i in bill.digitize_to_check or [] if i["code"] == "total_mismatch"])

    def test_a_line_cell_and_readable_refusals(self):
        bill = self.digitized()
        line = bill.invoice_line_ids.filtered(lambda l: l.display_type == "product")[0]
        line.quantity = 7
        bill.digitize_set_from_page("1", field="quantity", line_id=line.id, page=1)
        self.assertEqual(line.quantity, 1)
        with self.assertRaisesRegex(UserError, "not a date"):
            bill.digitize_set_from_page("Gelnhausen", field="invoice_date_due")
        with self.assertRaisesRegex(UserError, "several numbers"):
            bill.digitize_set_from_page("12,00 34,73", path="total")
        with self.assertRaisesRegex(UserError, "not one of this document's"):
            bill.digitize_set_from_page("1", field="quantity", line_id=line.id + 10_000)
        with self.assertRaisesRegex(UserError, "not set from the page"):
            bill.digitize_set_from_page("x", field="journal_id")

    def test_the_partner_by_its_printed_vat_id_and_the_currency_by_its_code(self):
        bill = self.digitized()
        bill.partner_id = False
        bill.digitize_set_from_page("DE 232 446 240", field="partner_id")
        self.assertEqual(bill.partner_id, self.vendor)
        bill.digitize_set_from_page("EUR", field="currency_id")
        self.assertEqual(bill.currency_id, self.eur)
        with self.assertRaisesRegex(UserError, "no single active currency"):
            bill.digitize_set_from_page("XYZ", field="currency_id")
        with self.assertRaisesRegex(UserError, "No partner is named"):
            bill.digitize_set_from_page("Nobody Of That Name GmbH", field="partner_id")

    def test_only_a_user_who_may_change_the_draft_and_only_while_it_is_one(self):
        bill = self.digitized()
        with self.assertRaises(AccessError):  # a user of the other company only: the bill is not theirs to read
            bill.with_user(self.other).with_context(allowed_company_ids=[self.company_b.id]).digitize_set_from_page(
                "30064443", field="ref")
        bill.invoice_date = bill.invoice_date or "2014-05-07"
        bill.action_post()
        with self.assertRaisesRegex(UserError, "not a draft"):
            bill.digitize_set_from_page("30064443", field="ref")
        self.assertEqual(bill.digitize_evidence_view and bill.digitize_evidence_view.get("editable"), False)

    def test_in_the_users_other_company(self):
        bill = self.digitized(company=self.company_b)
        bill.ref = "wrong"
        page, boxes = word(bill, "30064443")
        bill.digitize_set_from_page("30064443", field="ref", page=page, boxes=boxes)
        self.assertEqual((bill.company_id, bill.ref), (self.company_b, "30064443"))
        self.assertTrue(bill.digitize_evidence_view["words"], "the words to click are offered")
        settable = bill.digitize_evidence_view["settable"]
        self.assertTrue({"ref", "invoice_date_due", "partner_id", "currency_id", "tax_totals"} <= set(settable))
        self.assertEqual(settable["invoice_date_due"], "Due Date", "named as the form names it")
        self.assertNotIn("invoice_payment_term_id", settable, "a payment term is not read from a word")
