"""Evidence for every value on the bill: where each value read was printed, kept on the bill, drawn by the form's
document viewer, and the values found nowhere listed in the needs-review banner with the value read.

The sidecar is the production server with the replay engine: the gold JSON goes through the real pipeline, whose
locate step finds each value among the PDF's words (its text layer) — nothing here is hard-coded evidence.
i2d_QualityHosting.pdf has two pages; it prints no tax (0.00 read, printed nowhere), the same 34,73 as subtotal
and total on page 2, and no postcode beside the vendor's city.
"""

import copy
import json

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase, read
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ocr_sidecar.testing import SidecarThread

TWO_PAGES = DOCS / "i2d_QualityHosting.pdf"


def gold(path):
    return json.loads(path.with_name(path.stem + ".gold.json").read_text())


@tagged("post_install", "-at_install")
class TestBillEvidence(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(cls.env, "digitize_evidence_accountant", groups="account.group_account_invoice")

    def digitized_bill(self, content=None, document=None):
        content = content or TWO_PAGES.read_bytes()
        if document is not None:
            self.sidecar.add(content, document)
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": TWO_PAGES.name, "raw": content, "res_model": "account.move", "res_id": bill.id})
        bill.action_digitize()
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
        return bill

    def test_the_bill_keeps_where_each_value_was_printed_and_which_line_each_document_line_became(self):
        bill = self.digitized_bill()
        stored = bill.digitize_evidence
        by_path = {item["path"]: item for item in stored["items"]}
        self.assertEqual(by_path["document_number"]["page"], 1)
        self.assertEqual(by_path["document_number"]["source"], "pdf")
        self.assertEqual(by_path["total"]["page"], 2, "the total is on the second page")
        self.assertEqual(by_path["total"]["boxes"], by_path["subtotal"]["boxes"], "one amount, both values' boxes")
        self.assertTrue(all(0 <= v <= 1 for item in stored["items"] for box in item["boxes"] for v in box))
        expected = gold(TWO_PAGES)["lines"]
        self.assertEqual(sorted(stored["lines"], key=int), [str(i) for i in range(len(expected))])
        for index, line in enumerate(expected):
            record = self.env["account.move.line"].browse(stored["lines"][str(index)])
            self.assertEqual(record.move_id, bill)
            self.assertEqual(record.name, line["description"])
            self.assertEqual(record.price_unit, line["unit_price"])
        self.assertTrue(stored["word_layer"])
        self.assertNotIn("total_tax", stored["missing"], "no tax printed and 0.00 read: an absence, nothing to check")
        self.assertIn("seller.address.zip", by_path, "D-63571 prints the postcode 63571")

    def test_the_banner_lists_each_value_found_nowhere_with_the_value_read_once(self):
        invented = gold(TWO_PAGES)
        invented["document_number"] = "INV-99999"  # a model that invents the bill's reference
        bill = self.digitized_bill(TWO_PAGES.read_bytes() + b"\n%invented reference", document=invented)
        self.assertEqual(bill.digitize_state, "needs_review", "a reference printed nowhere is serious")
        html = bill.digitize_review_html
        banner = read(html)
        self.assertIn("Not found on the page — compare with the document: Bill reference “INV-99999”", banner,
                      "one bullet for the values found nowhere, each in the form's words")
        self.assertNotIn("document_number", banner)
        self.assertIn('href="#digitize?field=ref"', html, "the reference leads to its field")
        self.assertNotIn("Taxes 0.00", banner, "a zero tax the page does not print is no value to check")
        note = bill.message_ids.filtered(lambda m: "Digitized by" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("Bill reference “INV-99999”", read(note.body), "the chatter says the same")
        self.assertNotIn("#digitize?", note.body, "without the form's links")
        self.assertNotIn("was read, but it is not printed", html, "said once, in the record's words")
        self.assertNotIn("with 40% confidence", html, "not again as a low-confidence value")
        self.assertIn(" ref ", bill.digitize_low_fields, "the reference's mark is shown beside it")
        # the raw warnings are kept as the sidecar sent them
        codes = {w["code"] for w in json.loads(bill.digitize_warnings)}
        self.assertIn("value_not_on_page", codes)

    def test_an_invented_reference_is_flagged_never_dropped(self):
        content = TWO_PAGES.read_bytes() + b"\n% invented reference"
        document = copy.deepcopy(gold(TWO_PAGES))
        document["document_number"] = "INV-99999"
        bill = self.digitized_bill(content, document)
        self.assertEqual(bill.ref, "INV-99999", "the value read is filled in")
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertIn("Not found on the page — compare with the document: Bill reference “INV-99999”",
                      read(bill.digitize_review_html))
        view = bill.digitize_evidence_view
        self.assertIn({"path": "document_number", "label": "Bill reference", "value": "“INV-99999”", "field": "ref",
                       "line_id": None, "line_field": None}, view["missing"])
        self.assertNotIn("document_number", [item["path"] for item in view["evidence"]])

    def test_the_viewer_gets_the_file_the_fields_and_the_lines_as_the_user(self):
        bill = self.digitized_bill()
        view = bill.with_user(self.accountant).digitize_evidence_view
        attachment = bill.message_main_attachment_id
        self.assertEqual(view["file"], {"id": attachment.id, "name": TWO_PAGES.name, "mimetype": "application/pdf",
                                        "unique": attachment.checksum, "viewable": True})
        by_path = {item["path"]: item for item in view["evidence"]}
        self.assertEqual(by_path["document_number"]["field"], "ref")
        self.assertEqual(by_path["issue_date"]["field"], "invoice_date")
        self.assertEqual(by_path["total"]["field"], "tax_totals")
        self.assertEqual(by_path["seller.vat"]["field"], "partner_id")
        line = bill.invoice_line_ids.sorted("id")[1]
        self.assertEqual((by_path["lines[1].unit_price"]["line_id"], by_path["lines[1].unit_price"]["line_field"]),
                         (line.id, "price_unit"))

    def test_a_user_who_may_not_read_the_file_gets_no_file(self):
        bill = self.digitized_bill()
        # the file moved to another company's record afterwards: the accountant may no longer read it
        other_company = self.env["res.company"].create({"name": "Evidence Other Co"})
        other_partner = self.env["res.partner"].create({"name": "Other's contact", "company_id": other_company.id})
        bill.message_main_attachment_id.write({"res_model": "res.partner", "res_id": other_partner.id})
        view = bill.with_user(self.accountant).digitize_evidence_view
        self.assertIsNone(view["file"], "no id of a file the user may not read")
        self.assertTrue(view["evidence"], "the values read and their places are the bill's own")

    def test_a_billing_user_cannot_write_the_evidence(self):
        bill = self.env["account.move"].with_user(self.accountant).create({"move_type": "in_invoice"})
        forged = {"items": [{"path": "total", "page": 1, "boxes": [[0, 0, 1, 1]], "text": "1", "source": "pdf"}]}
        with self.assertRaises(AccessError):
            bill.write({"digitize_evidence": forged})
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.accountant).create({"move_type": "in_invoice",
                                                                        "digitize_evidence": forged})
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.accountant).with_context(
                default_digitize_evidence=forged).create({"move_type": "in_invoice"})
        self.assertFalse(bill.digitize_evidence)

    def test_re_digitizing_knows_the_lines_of_the_new_reading_or_the_ones_kept(self):
        bill = self.digitized_bill()
        lines = dict(bill.digitize_evidence["lines"])
        bill.action_digitize_retry()  # the reading's own lines, untouched: read again, replaced
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        again = bill.digitize_evidence["lines"]
        self.assertEqual(set(again), set(lines))
        self.assertEqual(set(again.values()), set(bill.invoice_line_ids.ids) & set(again.values()))
        self.assertFalse(set(again.values()) & set(lines.values()), "the new reading's lines")
        bill.invoice_line_ids[0].name = "Changed by a person"  # then the record keeps its lines: the same ones
        kept = dict(again)
        bill.action_digitize_retry()
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        self.assertEqual(bill.digitize_evidence["lines"], kept, "the record kept its lines: the same ones")

    def test_an_einvoice_has_no_boxes_and_nothing_is_flagged(self):
        path = DOCS / "fx_EN16931_Einfach.pdf"
        sidecar = SidecarThread(engine="einvoice")  # the e-invoice path itself (replay would answer its gold)
        self.addCleanup(sidecar.stop)
        self.ICP.set_param("document_digitize.endpoint", sidecar.start())
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": path.name, "raw": path.read_bytes(), "res_model": "account.move", "res_id": bill.id})
        bill.action_digitize()  # read at once from its XML
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
        # its evidence is the XML element of each value (page 0, no boxes), and nothing is missing
        items = {item["path"]: item for item in bill.digitize_evidence["items"]}
        self.assertTrue(items and all(i["source"] == "xml" and i["page"] == 0 and not i["boxes"] for i in items.values()))
        self.assertTrue(items["document_number"]["text"].endswith("/rsm:ExchangedDocument/ram:ID"))
        self.assertEqual(bill.digitize_evidence["missing"], [])
        self.assertFalse(bill.digitize_evidence["word_layer"], "an e-invoice's values are its XML's, not the page's")
        self.assertNotIn("not found on the page", bill.digitize_review_html or "")
        view = bill.digitize_evidence_view
        self.assertTrue(view["file"]["viewable"], "the PDF is shown, without boxes")
        self.assertFalse([item for item in view["evidence"] if item["boxes"]], "no box on the page")

    def test_the_forms_show_the_viewer(self):
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="digitize_document_viewer"', arch)
        self.assertIn('data-digitize-field="ref"', arch)
