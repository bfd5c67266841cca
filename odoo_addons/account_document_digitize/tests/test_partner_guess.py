"""How sure the vendor of a digitized bill is (issue #36): sure by its VAT id or bank account, likely by its exact
name, only a suggestion by a similar name or its e-mail domain (always reviewed), and never one of us."""

import json

from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged
from odoo.tools import html2plaintext

NETPRESSE = DOCS / "i2d_NetpresseInvoice.pdf"  # seller NETPRESSE, annonce@publicationannoncelegale.fr, an IBAN
AZURE = DOCS / "i2d_AzureInterior.pdf"  # seller Azure Interior, azure.Interior24@example.com, no VAT id or IBAN


@tagged("post_install", "-at_install")
class TestPartnerGuess(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchase_tax(20.0)
        cls.admin = cls.env.ref("base.partner_admin")

    def digitize(self, path, content=None):
        return self.digitize_new("account.move", path, content=content, move_type="in_invoice")

    def test_a_vendor_found_by_its_bank_account_is_sure(self):
        vendor = self.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})
        self.env["res.partner.bank"].create({"acc_number": "FR76 1010 7002 4500 6170 5231 739", "partner_id": vendor.id})
        bill = self.digitize(NETPRESSE)
        self.assertEqual((bill.partner_id, bill.digitize_partner_match, bill.digitize_partner_confidence),
                         (vendor, "iban", "sure"))
        self.assertEqual(bill.digitize_state, "done")

    def test_a_vendor_found_by_its_exact_name_is_likely(self):
        vendor = self.env["res.partner"].create({"name": "Azure Interior", "is_company": True})
        bill = self.digitize(AZURE)
        self.assertEqual((bill.partner_id, bill.digitize_partner_match, bill.digitize_partner_confidence),
                         (vendor, "name", "likely"))

    def test_a_vendor_guessed_from_the_email_domain_goes_to_review(self):
        vendor = self.env["res.partner"].create({"name": "Annonces légales", "is_company": True,
                                                 "email": "contact@publicationannoncelegale.fr"})
        bill = self.digitize(NETPRESSE)
        self.assertEqual((bill.partner_id, bill.digitize_partner_match, bill.digitize_partner_confidence),
                         (vendor, "email_domain", "suggestion"))
        self.assertEqual(bill.digitize_state, "needs_review", "a guess is never taken as done")
        self.assertIn("was guessed from the e-mail domain publicationannoncelegale.fr",
                      html2plaintext(bill.digitize_review_html))
        bill.partner_id = self.env["res.partner"].create({"name": "Netpresse", "is_company": True})
        self.assertFalse(bill.digitize_partner_confidence, "the clerk chose the vendor: no more 'guessed' badge")

    def test_found_case_azure_interior_is_not_our_administrator(self):
        """A bill from Azure Interior (…@example.com) got our user Administrator (admin@example.com) as vendor by
        the e-mail domain, Digitized with a green badge and nothing to review."""
        self.admin.email = "admin@example.com"
        bill = self.digitize(AZURE)
        self.assertFalse(bill.partner_id, "not the Administrator")
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertIn("Azure Interior", html2plaintext(bill.digitize_review_html))

    def test_our_own_user_named_like_the_seller_is_never_the_vendor(self):
        self.admin.write({"name": "Azure Interior", "email": "buyer@azureinterior.com"})
        document = json.loads(AZURE.with_name(AZURE.stem + ".gold.json").read_text())
        document["seller"]["email"] = "sales@azureinterior.com"
        content = AZURE.read_bytes() + b"\n% variant"
        self.sidecar.add(content, document)
        bill = self.digitize(AZURE, content)
        self.assertFalse(bill.partner_id, "neither by its name nor by its e-mail domain")
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertIn("one of your own companies or users", html2plaintext(bill.digitize_review_html))
