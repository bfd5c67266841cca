"""Customers' purchase orders mailed to the sales alias set in Settings become draft quotations.

Real e-mails through Odoo's mail gateway, the alias created by the Settings form, the real queue and a real
gRPC sidecar (the production server with the replay engine: gold JSON by content; it replaces only the model).
"""

from pathlib import Path

from facturx import get_xml_from_pdf
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase, deliver, set_alias_domain, small_logo
from odoo.exceptions import UserError
from odoo.tests import tagged

HERO_PO = DOCS / "img_heroltd_po_Form_2.jpg"
PEPPOL_ORDER = Path(__file__).parent / "data" / "peppol_order.xml"
NO_DOCUMENT = ("logo.png", small_logo())


@tagged("post_install", "-at_install")
class TestSaleOrdersByMail(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP.set_param("document_digitize.auto_mail", "True")
        cls.hero = cls.env["res.partner"].create({"name": "Hero Limited", "is_company": True,
                                                  "email": "accounts@herolimited.com"})
        cls.fallback = cls.env["product.product"].create({"name": "Unlisted item", "sale_ok": True})
        cls.env.company.document_digitize_sale_fallback_product_id = cls.fallback
        cls.placeholder = cls.env.ref("document_digitize.partner_to_identify")

    def set_alias(self, name):
        self.env["res.config.settings"].create({"document_digitize_sale_alias": name}).execute()

    def receive(self, *files):
        return deliver(self.env, "sale.order", f"orders@{self.env.company.alias_domain_name}", *files,
                       sender="Purchasing <buyer@herolimited.com>", subject="PO 942448")

    def test_alias_set_in_settings_turns_each_mail_into_a_queued_quotation(self):
        set_alias_domain(self.env, "sales.digitize.example.com")
        self.set_alias("orders")
        alias = self.env.ref(f"sale_document_digitize.mail_alias_sale_documents_{self.env.company.id}")
        self.assertEqual((alias.alias_name, alias.alias_model_id.model, alias.display_name),
                         ("orders", "sale.order", "orders@sales.digitize.example.com"))
        self.assertEqual(self.env["res.config.settings"].create({}).document_digitize_sale_alias, "orders")

        [order] = self.receive(("logo.png", small_logo()), HERO_PO)
        self.assertEqual((order.state, order.partner_id, order.company_id), ("draft", self.placeholder,
                                                                             self.env.company))
        self.assertNotEqual(order.name, "PO 942448", "the quotation keeps its own number, not the subject")
        files = {a.name: a.raw for a in self.env["ir.attachment"].search([("res_model", "=", "sale.order"),
                                                                          ("res_id", "=", order.id)])}
        self.assertEqual(files, {"logo.png": small_logo(), HERO_PO.name: HERO_PO.read_bytes()},
                         "every file kept as sent")
        self.assertEqual((order.digitize_state, order.digitize_attachment_id.name), ("queued", HERO_PO.name),
                         "the scan is the document, not the logo")
        self.env["sale.order"]._digitize_process_queue(10, commit=False)
        self.assertEqual((order.partner_id, order.client_order_ref), (self.hero, "942448"))
        self.assertEqual(order.amount_untaxed, 500.0)
        self.assertEqual(order.state, "draft", "never confirmed")

        self.set_alias("")
        self.assertFalse(alias.alias_name, "cleared in Settings: the address no longer takes mail")

    def test_without_auto_digitize_the_mail_waits_for_the_button(self):
        set_alias_domain(self.env, "sales.digitize.example.com")
        self.set_alias("orders")
        self.ICP.set_param("document_digitize.auto_mail", "False")
        [order] = self.receive(HERO_PO)
        self.assertFalse(order.digitize_state)
        self.assertIn(f"Press Digitize to read {HERO_PO.name}", order.message_ids[0].body)
        order.action_digitize()
        self.assertEqual(order.digitize_attachment_id.name, HERO_PO.name)

    def test_a_mail_without_a_document_makes_an_empty_draft_that_says_so(self):
        set_alias_domain(self.env, "sales.digitize.example.com")
        self.set_alias("orders")
        [order] = self.receive(NO_DOCUMENT)
        self.assertFalse(order.digitize_state)
        self.assertIn("no PDF, scan or photo", order.message_ids[0].body)
        with self.assertRaises(UserError):
            order.action_digitize()

    def test_an_e_order_odoo_reads_is_left_to_odoo(self):
        set_alias_domain(self.env, "sales.digitize.example.com")
        self.set_alias("orders")
        [order] = self.receive(PEPPOL_ORDER)
        self.assertFalse(order.digitize_state, "sale_edi_ubl imported it: not sent to the model")
        self.assertEqual((order.partner_id, order.client_order_ref), (self.hero, "HL-PO-7731"))
        self.assertEqual(order.order_line.mapped("product_uom_qty"), [3.0])
        self.assertIn("Odoo imported peppol_order.xml itself", order.message_ids.mapped("body")[0])

    def test_an_e_order_odoo_cannot_read_goes_to_the_sidecar(self):
        """Mailed XML is stored as text/plain by the mail gateway; still an e-order for the sidecar, which reads
        Order-X itself (no model)."""
        set_alias_domain(self.env, "sales.digitize.example.com")
        self.set_alias("orders")
        name, xml = get_xml_from_pdf((DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf").read_bytes(),
                                     check_xsd=False)
        [order] = self.receive(("order-x.xml", xml))
        self.assertEqual(order.digitize_attachment_id.mimetype, "text/plain", "as core stores mailed XML")
        self.assertEqual(order.digitize_state, "queued")
        self.env["sale.order"]._digitize_process_queue(10, commit=False)
        self.assertTrue((order.digitize_engine or "").startswith("einvoice"), order.digitize_error)
        self.assertEqual(order.client_order_ref, "PO123456789")

    def test_an_alias_needs_an_alias_domain_first(self):
        self.env.company.alias_domain_id = False
        with self.assertRaisesRegex(UserError, "alias domain"):
            self.set_alias("orders")

    def test_each_company_has_its_own_alias_and_its_own_quotations(self):
        set_alias_domain(self.env, "sales.digitize.example.com")
        self.set_alias("orders")
        other = self.env["res.company"].create({"name": "Digitize Branch", "currency_id": self.eur.id})
        self.env.user.company_ids |= other
        env = self.env(context=dict(self.env.context, allowed_company_ids=[other.id]))
        domain = set_alias_domain(env, "branch.digitize.example.com")
        env["res.config.settings"].create({"document_digitize_sale_alias": "orders"}).execute()
        self.assertEqual(self.env["res.config.settings"].create({}).document_digitize_sale_alias, "orders",
                         "the main company's alias is untouched")
        # the mail gateway runs in the main company (fetchmail's cron), the alias says which company it is for
        [order] = deliver(self.env, "sale.order", f"orders@{domain.name}", HERO_PO)
        [main_order] = self.receive(HERO_PO)
        self.assertEqual((order.company_id, main_order.company_id), (other, self.env.company))
        self.assertEqual(order.digitize_state, "queued")
        self.env["sale.order"]._digitize_process_queue(10, commit=False)  # the scheduled action: main company
        self.assertEqual(order.digitize_state, "needs_review", order.digitize_error)
        self.assertEqual((order.company_id, order.partner_id, order.client_order_ref), (other, self.hero, "942448"))
