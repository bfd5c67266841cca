"""Two companies in one database, the way most Odoo customers run them: the same vendor, products with the same
codes in each company (and the vendor's own product codes for each), each company's own taxes and fallback product,
and each company's own aliases. A vendor's bill and order confirmation mailed to each company's aliases become that
company's drafts with that company's products, taxes, fallback product and vendors only — checked here through the
ORM, and in a browser by a user of each company. Mailed documents are applied by the scheduled action as the
superuser, whom no record rule limits: every company boundary is the addon's own to keep."""

from odoo.addons.document_digitize.tests.common import DOCS, SidecarMixin, deliver
from odoo.tests import HttpCase, new_test_user, tagged

ORDER_X = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"  # codes 987654321, 598632147, 698325417 at 20 %
SAECO = DOCS / "i2d_saeco.pdf"  # e-Luscious Nederland B.V.: codes E103184, E103560 at 21 %, an IBAN


@tagged("post_install", "-at_install")
class TestTwoCompanies(SidecarMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ICP.set_param("document_digitize.auto_mail", "True")
        cls.ICP.set_param("document_digitize.create_partner", "True")  # the bill's vendor is new to both
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Digitize Two B", "currency_id": cls.eur.id})
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        # one vendor both companies buy from (a partner of no company), with its own codes in each company
        cls.vendor = cls.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789", "is_company": True})
        cls.own = {}
        for letter, company in (("A", cls.company_a), ("B", cls.company_b)):
            Product = cls.env["product.product"].with_company(company)

            def product(name, code=None, company=company, Product=Product):
                return Product.create({"name": name, "default_code": code, "purchase_ok": True,
                                       "company_id": company.id})

            own = {"widget": product(f"Widget ({letter})", "598632147"),
                   "gadget": product(f"Gadget ({letter})"),
                   "kit": product(f"Maintenance kit ({letter})", "E103184"),
                   "flyer": product(f"Flyer ({letter})", "E103560"),
                   "fallback": product(f"Unlisted ({letter})")}
            cls.env["product.supplierinfo"].create({"partner_id": cls.vendor.id, "product_code": "987654321",
                                                    "product_tmpl_id": own["gadget"].product_tmpl_id.id,
                                                    "company_id": company.id})
            company.document_digitize_purchase_fallback_product_id = own["fallback"]
            Tax = cls.env["account.tax"].with_company(company)
            own["taxes"] = Tax.create({"name": f"VAT 20 % ({letter})", "amount": 20.0, "type_tax_use": "purchase",
                                       "company_id": company.id}) | \
                Tax.create({"name": f"VAT 21 % ({letter})", "amount": 21.0, "type_tax_use": "purchase",
                            "company_id": company.id})
            domain = cls.env["mail.alias.domain"].create({"name": f"two-{letter.lower()}.digitize.example.com"})
            company.alias_domain_id = domain
            journal = cls.env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", company.id)],
                                                        limit=1)
            journal.alias_id.alias_domain_id = domain  # B's journals were made (chart) before its alias domain
            journal.alias_name = f"bills-{letter.lower()}"
            cls.env["res.config.settings"].with_company(company).create(
                {"document_digitize_purchase_alias": f"orders-{letter.lower()}"}).execute()
            own["bills"] = f"bills-{letter.lower()}@{domain.name}"
            own["orders"] = f"orders-{letter.lower()}@{domain.name}"
            own["user"] = new_test_user(
                cls.env, f"two_{letter.lower()}", groups="account.group_account_invoice,purchase.group_purchase_user",
                company_id=company.id, company_ids=[company.id])
            cls.own[letter] = own
        cls.bills, cls.orders = {}, {}
        for letter in ("A", "B"):  # one mail to each alias of each company
            [cls.bills[letter]] = deliver(cls.env, "account.move", cls.own[letter]["bills"], SAECO)
            [cls.orders[letter]] = deliver(cls.env, "purchase.order", cls.own[letter]["orders"], ORDER_X,
                                           sender="Sales <sales@seller.example>", subject="Order confirmation")
        cls.env.ref("document_digitize.ir_cron_digitize_queued").method_direct_trigger()

    def test_each_company_gets_only_its_own_products_taxes_fallback_and_partners(self):
        for letter, company in (("A", self.company_a), ("B", self.company_b)):
            own, other = self.own[letter], self.own["B" if letter == "A" else "A"]
            order, bill = self.orders[letter], self.bills[letter]
            with self.subTest(company=letter):
                self.assertEqual((order.company_id, bill.company_id), (company, company))
                self.assertIn(order.digitize_state, ("done", "needs_review"), order.digitize_error)
                self.assertIn(bill.digitize_state, ("done", "needs_review"), bill.digitize_error)
                self.assertEqual(order.partner_id, self.vendor)
                self.assertEqual(order.order_line.product_id, own["gadget"] | own["widget"] | own["fallback"],
                                 "the vendor's code, the internal reference and the fallback: this company's each")
                self.assertEqual(order.order_line.taxes_id, own["taxes"][0])
                self.assertEqual(bill.invoice_line_ids.product_id, own["kit"] | own["flyer"])
                self.assertEqual(bill.invoice_line_ids.tax_ids, own["taxes"][1])
                vendor = bill.partner_id
                self.assertEqual((vendor.name, vendor.company_id), ("e-Luscious Nederland B.V.", company),
                                 "the vendor created from the document is this company's")
                self.assertEqual(vendor.bank_ids.company_id, company)
                for record in (order, bill):
                    record.with_user(own["user"]).check_access("write")  # check_company held when it was saved
                self.assertFalse(other["user"].with_user(other["user"]).env["res.partner"].search(
                    [("id", "=", vendor.id)]), "the other company neither sees nor matches it")
        self.assertNotEqual(self.bills["A"].partner_id, self.bills["B"].partner_id)

    def test_a_user_of_each_company_sees_their_own_drafts_in_the_browser(self):
        for letter in ("A", "B"):  # the tours of company A's user look for "(A)" and no "(B)", and the reverse
            login = self.own[letter]["user"].login
            self.start_tour(f"/odoo/action-purchase.purchase_rfq/{self.orders[letter].id}",
                            f"document_digitize_two_companies_order_{letter}", login=login)
            self.start_tour(f"/odoo/action-account.action_move_in_invoice_type/{self.bills[letter].id}",
                            f"document_digitize_two_companies_bill_{letter}", login=login)
