"""A repeat vendor's bill read from its learned layout: the first bill is digitized by the model (the replay
engine) and posted; the vendor's next bill, mailed to the journal alias, is read from the layout learned at
posting — without a model call (the replay engine counts its calls)."""

from odoo.addons.document_digitize.tests.common import DOCS
from odoo.tests import tagged

from .test_mail_ingestion import MailCase, gold

FIRST, NEXT = DOCS / "i2d_coolblue1.pdf", DOCS / "i2d_coolblue2.pdf"
OTHER_TEMPLATE = DOCS / "i2d_NetpresseInvoice.pdf"


@tagged("post_install", "-at_install")
class TestLayoutReuse(MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax21 = cls.env["account.tax"].create({"name": "BTW 21 % (purchase)", "amount": 21.0,
                                                   "amount_type": "percent", "type_tax_use": "purchase",
                                                   "company_id": cls.env.company.id})
        cls.coolblue = cls.env["res.partner"].create({"name": "Coolblue B.V.", "is_company": True,
                                                      "vat": "NL810433941B01"})
        cls.env["res.partner.bank"].create({"acc_number": "NL50INGB0683251309", "partner_id": cls.coolblue.id})

    def digitize_and_post_first(self):
        [bill] = self.receive(FIRST)
        self.run_queue()
        self.assertEqual((bill.partner_id, bill.ref), (self.coolblue, gold(FIRST)["document_number"]))
        # the person completes what the document prints incl. VAT only, then posts
        for line in bill.invoice_line_ids.filtered(lambda l: l.display_type == "product"):
            line.price_unit = line.price_unit or 10.0
        if not gold(FIRST).get("due_date"):
            # the document prints no due date: a due date the words reader guessed from a payment line (shown
            # unconfirmed) is corrected to the bill's own date, or the layout would learn it there
            bill.invoice_date_due = bill.invoice_date
        bill.action_post()
        return bill

    def test_posting_learns_the_layout_and_the_next_mailed_bill_needs_no_model(self):
        first = self.digitize_and_post_first()
        layout = self.env["document.digitize.layout"].search([("partner_id", "=", self.coolblue.id)])
        self.assertEqual(len(layout), 1)
        self.assertEqual((layout.target, layout.company_id, layout.learned_from),
                         ("vendor_bill", self.env.company, first.display_name))
        self.assertIn("document_number", layout.layout["fields"])
        self.assertTrue(layout.layout.get("table"), "the lines' table is learned")
        self.assertIn("Bill reference", layout.fields_learned)  # the list says it in the form's words
        self.assertIn("Lines", layout.fields_learned)
        self.assertNotRegex(layout.fields_learned, r"_|\[", "no field name or path in the list")
        self.assertIn("Layout of Coolblue B.V. learned", self.chatter(first))

        model_calls = self.sidecar.engine.calls
        [bill] = self.receive(NEXT)
        self.run_queue()
        self.assertEqual(self.sidecar.engine.calls, model_calls, "read from the layout: the model was not asked")
        self.assertTrue(bill.digitize_engine.startswith("layout"), bill.digitize_engine)
        expected = gold(NEXT)
        self.assertEqual(bill.partner_id, self.coolblue, "identified from the page's own VAT id")
        self.assertEqual(bill.ref, expected["document_number"])
        self.assertEqual(str(bill.invoice_date), expected["issue_date"])
        names = bill.invoice_line_ids.mapped("name")
        for line in expected["lines"]:
            self.assertIn(line["description"], names)
        self.assertEqual(layout.times_read, 1)
        self.assertFalse(layout.stale)
        # where the layout read each value is kept as the model's evidence is: the viewer draws it the same way
        by_path = {item["path"]: item for item in bill.digitize_evidence["items"]}
        self.assertEqual(by_path["document_number"]["source"], "pdf")
        self.assertTrue(by_path["document_number"]["boxes"] and by_path["document_number"]["page"] >= 1)
        self.assertEqual(bill.digitize_evidence_view["evidence"][0]["page"], by_path[
            bill.digitize_evidence_view["evidence"][0]["path"]]["page"])
        self.assertTrue(bill.digitize_evidence["word_layer"])

    def test_a_document_that_no_longer_fits_goes_to_the_model_with_a_note(self):
        self.digitize_and_post_first()
        layout = self.env["document.digitize.layout"].search([("partner_id", "=", self.coolblue.id)])
        # Coolblue's new template: the page names Coolblue (its IBAN) but prints nothing where the layout expects it
        self.env["res.partner.bank"].create({"acc_number": "FR7610107002450061705231739",
                                             "partner_id": self.coolblue.id})
        model_calls = self.sidecar.engine.calls
        [bill] = self.receive(OTHER_TEMPLATE)
        self.run_queue()
        self.assertEqual(self.sidecar.engine.calls, model_calls + 1, "the model read it")
        self.assertEqual(bill.digitize_engine, "replay (gold files)")
        self.assertTrue(layout.stale)
        self.assertIn("no longer fits", self.chatter(bill))

    def test_another_company_never_uses_the_layout(self):
        self.digitize_and_post_first()
        layout = self.env["document.digitize.layout"].search([("partner_id", "=", self.coolblue.id)])
        other = self.env["res.company"].create({"name": "Other Co", "currency_id": self.eur.id})
        self.env["account.chart.template"].try_loading("generic_coa", company=other, install_demo=False)
        self.assertFalse(self.env["document.digitize.layout"].search([("company_id", "=", other.id)]))
        billing = self.env["res.users"].create({"name": "Billing", "login": "billing-layout",
                                                "email": "billing-layout@other.example",
                                                "company_id": other.id, "company_ids": [(6, 0, other.ids)],
                                                "groups_id": [(6, 0, [self.env.ref("account.group_account_invoice").id])]})
        self.assertFalse(self.env["document.digitize.layout"].with_user(billing).search([]),
                         "layouts are per company")
        # Coolblue's next bill, digitized in the other company: the model reads it, company A's layout is unused
        bill = self.env["account.move"].with_user(billing).create({"move_type": "in_invoice"})
        self.assertEqual(bill.company_id, other)
        bill.message_main_attachment_id = self.env["ir.attachment"].with_user(billing).create({
            "name": NEXT.name, "raw": NEXT.read_bytes(), "res_model": "account.move", "res_id": bill.id})
        model_calls = self.sidecar.engine.calls
        bill.action_digitize()
        self.run_queue()
        self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
        self.assertEqual(self.sidecar.engine.calls, model_calls + 1, "the model read it, not company A's layout")
        self.assertEqual(bill.digitize_engine, "replay (gold files)")
        self.assertEqual((layout.times_read, layout.stale), (0, False), "company A's layout neither read nor spoiled")
        self.assertEqual(bill.ref, gold(NEXT)["document_number"])
