"""Verified bills in a real browser (Odoo tour, headless Chromium): three e-invoices of a known vendor are
digitized and verified, a fourth bill is not; on the vendor bills list the accountant filters "Verified", selects
them, and Actions → "Confirm verified bills" posts the three. Skipped with a notice where no Chromium is installed."""

from odoo.addons.document_digitize.tests.common import DOCS, require_chromium
from odoo.tests import HttpCase, new_test_user, tagged

from ocr_sidecar.testing import SidecarThread

from .test_verified import QUALITY_HOSTING, VAT, einvoice


@tagged("post_install", "-at_install")
class TestConfirmVerifiedTour(HttpCase):
    def test_confirm_three_verified_bills_from_the_list(self):
        require_chromium(self)
        sidecar = SidecarThread(engine="replay", documents_dir=DOCS)
        self.addCleanup(sidecar.stop)
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", sidecar.start())
        self.env.ref("base.EUR").active = True
        vendor = self.env["res.partner"].create({"name": "Example Office Supplies GmbH", "is_company": True,
                                                 "vat": VAT})
        self.env["res.partner.bank"].create({"acc_number": "DE89370400440532013000", "partner_id": vendor.id})
        self.env["account.tax"].create({"name": "VAT 19 % (purchase)", "amount": 19.0, "type_tax_use": "purchase",
                                        "company_id": self.env.company.id})
        accountant = new_test_user(self.env, "digitize_tour_accountant", password="digitize_tour_accountant",
                                   groups="account.group_account_invoice")
        Move = self.env["account.move"].with_user(accountant)
        bills = Move.browse()
        files = [(f"{n}.xml", einvoice(n)) for n in ("INV-2025-0501", "INV-2025-0502", "INV-2025-0503")]
        files.append((QUALITY_HOSTING.name, QUALITY_HOSTING.read_bytes()))  # read by the model: no second reading
        for name, content in files:
            bill = Move.create({"move_type": "in_invoice"})
            bill.message_main_attachment_id = self.env["ir.attachment"].with_user(accountant).create({
                "name": name, "raw": content, "res_model": "account.move", "res_id": bill.id})
            bill.action_digitize()  # an e-invoice is read at once, the PDF is queued
            bills |= bill
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        verified, other = bills[:3], bills[3]
        self.assertEqual(verified.mapped("digitize_verified"), [True] * 3, verified.mapped("digitize_verification"))
        self.assertEqual((other.digitize_state in ("done", "needs_review"), other.digitize_verified), (True, False))
        self.start_tour("/odoo/action-account.action_move_in_invoice_type", "document_digitize_confirm_verified",
                        login=accountant.login, timeout=120)
        self.assertEqual(verified.mapped("state"), ["posted"] * 3)
        self.assertEqual(other.state, "draft", "not selected: not verified")
