"""Purchase orders digitized end to end, and bills linked to the order they quote.

Real gRPC to an in-process sidecar (the production server with the replay engine, which answers the gold
JSON of the shared corpus by content and replaces only the model), the real queue, mapping and ORM.
"""

import base64

from odoo import fields
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from ocr_sidecar.testing import SidecarThread

ORDER_X = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"
HERO_PO = DOCS / "img_heroltd_po_Form_1.jpg"
RABATTE = DOCS / "fx_EN16931_Rabatte.pdf"


@tagged("post_install", "-at_install")
class TestDigitizePurchase(DigitizeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax20 = cls.env["account.tax"].create({"name": "VAT 20 % (purchase)", "amount": 20.0,
                                                   "type_tax_use": "purchase", "company_id": cls.env.company.id})
        cls.vendor = cls.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789", "is_company": True})
        cls.widget = cls.env["product.product"].create({"name": "Widget", "default_code": "987654321",
                                                        "purchase_ok": True})
        cls.gadget = cls.env["product.product"].create({"name": "Gadget", "purchase_ok": True})
        cls.env["product.supplierinfo"].create({"partner_id": cls.vendor.id, "product_code": "598632147",
                                                "product_tmpl_id": cls.gadget.product_tmpl_id.id})
        cls.fallback = cls.env["product.product"].create({"name": "Unlisted purchase", "purchase_ok": True})
        cls.env.company.document_digitize_purchase_fallback_product_id = cls.fallback
        cls.buyer = new_test_user(cls.env, "digitize_buyer", groups="purchase.group_purchase_user")
        cls.stranger = new_test_user(cls.env, "digitize_stranger", groups="base.group_user")

    def upload(self, *paths, user=None):
        Upload = self.env["document.digitize.upload"].with_user(user or self.env.user)
        attachments = self.env["ir.attachment"].with_user(user or self.env.user).create([
            {"name": path.name, "datas": base64.b64encode(path.read_bytes()), "res_model": "document.digitize.upload",
             "res_id": 0} for path in paths])
        action = self.env["purchase.order"].with_user(user or self.env.user).action_digitize_upload()
        wizard = Upload.with_context(**action["context"]).create(
            {"attachment_ids": [fields.Command.set(attachments.ids)]})
        result = wizard.action_upload()
        return self.env["purchase.order"].search(result.get("domain") or [("id", "=", result["res_id"])])

    def run_queue(self):
        return self.env["purchase.order"]._digitize_process_queue(10, commit=False)

    def test_order_document_fills_a_draft_purchase_order(self):
        order = self.upload(ORDER_X)
        self.assertEqual(order.digitize_attachment_id.raw, ORDER_X.read_bytes(), "the file as uploaded")
        # an Order-X PDF carries its XML: read at once by the button, nothing left for the queue
        self.assertEqual(self.run_queue(), (0, 0))
        self.assertEqual(order.digitize_state, "needs_review", order.digitize_error)
        self.assertEqual(order.partner_id, self.vendor, "vendor = the document's seller, found by VAT")
        self.assertEqual(order.partner_ref, "PO123456789")
        self.assertEqual(order.date_order.date(), fields.Date.to_date("2020-03-31"))
        self.assertEqual(order.currency_id, self.eur)
        self.assertEqual(order.state, "draft", "never confirmed")
        lines = order.order_line[:3]
        self.assertEqual(len(order.order_line), 4, "3 lines + the document's allowance of 10.00")
        self.assertEqual(order.amount_untaxed, 300.0)
        self.assertEqual(order.amount_total, 360.0)
        self.assertEqual(lines[0].product_id, self.widget, "internal reference")
        self.assertEqual(lines[1].product_id, self.gadget, "vendor product code")
        self.assertEqual(lines[2].product_id, self.fallback, "no match: the fallback product")
        self.assertIn("698325417", lines[2].name, "the document's code and description are kept")
        self.assertEqual(lines.mapped("product_qty"), [6.0, 10.0, 6.0])
        self.assertEqual(lines[0].price_unit, 10.0)
        self.assertEqual(lines[2].price_unit, 25.0)
        self.assertIn(self.tax20, lines[0].taxes_id)
        self.assertTrue(all(lines.mapped("date_planned")))
        self.assertIn("Unlisted purchase was used", order.digitize_review_html)

    def test_an_order_with_a_line_to_check_is_not_verified_and_says_why(self):
        order = self.upload(ORDER_X)
        self.assertEqual(order.digitize_state, "needs_review")
        self.assertFalse(order.digitize_verified, "the shared mixin decides for orders as for bills")
        reasons = " ".join(order.digitize_verification["reasons"])
        self.assertIn("fallback_product", reasons, "the line that got the fallback product")
        self.assertIn("not confirmed by a second reading", reasons, "this sidecar has no second reader")
        self.assertIn("no second reading of this document", order.digitize_unconfirmed_labels)
        self.assertFalse(order.digitize_unconfirmed_fields, "every value alike: no field marked")
        self.assertFalse(order.search([("digitize_verified", "=", True)]), "the Verified filter does not list it")

    def test_without_fallback_product_unknown_lines_are_notes_and_need_review(self):
        self.env.company.document_digitize_purchase_fallback_product_id = False
        order = self.env["purchase.order"].create({"partner_id": self.vendor.id})
        attachment = self.env["ir.attachment"].create({"name": "order.pdf", "raw": ORDER_X.read_bytes(),
                                                       "res_model": "purchase.order", "res_id": order.id})
        order.action_digitize()
        self.assertEqual(order.digitize_attachment_id, attachment, "newest document in the chatter")
        self.run_queue()
        self.assertEqual(order.digitize_state, "needs_review")
        note = order.order_line.filtered(lambda line: line.display_type == "line_note")
        self.assertEqual(len(note), 1)
        self.assertIn("Product Name", note.name)
        self.assertIn("no fallback product", order.digitize_review_html)

    def test_values_the_buyer_entered_are_kept(self):
        other = self.env["res.partner"].create({"name": "Chosen vendor"})
        order = self.env["purchase.order"].create({"partner_id": other.id, "partner_ref": "MINE"})
        self.env["ir.attachment"].create({"name": "order.pdf", "raw": ORDER_X.read_bytes(),
                                          "res_model": "purchase.order", "res_id": order.id})
        order.action_digitize()
        self.run_queue()
        self.assertEqual((order.partner_id, order.partner_ref), (other, "MINE"))
        self.assertIn("MINE", order.digitize_review_html)

    def test_unidentified_vendor_keeps_the_placeholder_and_blocks_confirmation(self):
        order = self.upload(HERO_PO)  # a scanned PO that names no seller
        self.run_queue()
        self.assertEqual(order.digitize_state, "needs_review")
        self.assertEqual(order.partner_id, self.env.ref("document_digitize.partner_to_identify"))
        with self.assertRaises(UserError):
            order.button_confirm()
        with self.assertRaises(UserError, msg="nor approved by a manager's direct approval"):
            order.button_approve()
        self.assertEqual(order.state, "draft")

    def test_upload_makes_one_draft_per_file_and_queues_them(self):
        orders = self.upload(ORDER_X, HERO_PO, user=self.buyer)
        self.assertEqual(len(orders), 2)
        by_file = {order.digitize_attachment_id.name: order for order in orders}
        self.assertEqual(by_file[HERO_PO.name].digitize_state, "queued", "a scan waits for the scheduled action")
        self.assertEqual(by_file[ORDER_X.name].digitize_state, "needs_review", "an e-order is read at once")
        self.assertEqual(by_file[HERO_PO.name].partner_id, self.env.ref("document_digitize.partner_to_identify"))
        self.assertEqual(sorted(orders.mapped("digitize_attachment_id.name")), sorted([ORDER_X.name, HERO_PO.name]))

    def test_users_without_purchase_rights_cannot_digitize_or_upload(self):
        order = self.env["purchase.order"].create({"partner_id": self.vendor.id})
        self.env["ir.attachment"].create({"name": "order.pdf", "raw": ORDER_X.read_bytes(),
                                          "res_model": "purchase.order", "res_id": order.id})
        with self.assertRaises(AccessError):
            order.with_user(self.stranger).action_digitize()
        with self.assertRaises(AccessError):
            self.env["purchase.order"].with_user(self.stranger).action_digitize_upload()
        order.with_user(self.buyer).action_digitize()
        self.assertEqual(order.digitize_state, "needs_review")

    def test_confirmed_orders_cannot_be_digitized(self):
        order = self.env["purchase.order"].create({"partner_id": self.vendor.id, "order_line": [
            fields.Command.create({"product_id": self.widget.id, "product_qty": 1})]})
        self.env["ir.attachment"].create({"name": "order.pdf", "raw": ORDER_X.read_bytes(),
                                          "res_model": "purchase.order", "res_id": order.id})
        order.button_confirm()
        with self.assertRaises(UserError):
            order.action_digitize()


@tagged("post_install", "-at_install")
class TestBillToPurchaseOrder(DigitizeCase):
    """fx_EN16931_Rabatte quotes order 2013-471331 of Lieferant GmbH: three of its four articles were ordered,
    one of them at a lower price."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "Lieferant GmbH", "vat": "DE123456789",
                                                    "is_company": True})
        cls.products = {code: cls.env["product.product"].create({"name": name, "default_code": code,
                                                                 "purchase_ok": True, "purchase_method": "receive"})
                        for code, name in [("KR3M", "Kunstrasen grün 3m breit"), ("SFK5", "Schweinesteak"),
                                           ("GTRWA5", "Mineralwasser Medium 12 x 1,0l PET"), ("PFA5", "Pfand")]}

    def make_order(self, partner, ref="2013-471331"):
        order = self.env["purchase.order"].create({
            "partner_id": partner.id, "partner_ref": ref, "currency_id": self.eur.id, "order_line": [
                fields.Command.create({"product_id": self.products[code].id, "product_qty": qty, "price_unit": price})
                for code, qty, price in [("KR3M", 3, 3.3333), ("SFK5", 5, 5.5), ("GTRWA5", 20, 5.0)]]})
        order.button_confirm()
        for line in order.order_line:
            line.qty_received = line.product_qty
        return order

    def digitize_bill(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        attachment = self.env["ir.attachment"].create({"name": RABATTE.name, "raw": RABATTE.read_bytes(),
                                                       "res_model": "account.move", "res_id": bill.id})
        bill.message_main_attachment_id = attachment
        bill.action_digitize()
        self.env["account.move"]._digitize_process_queue(10, commit=False)
        return bill

    def test_bill_is_linked_to_the_order_it_quotes_and_differences_are_noted(self):
        order = self.make_order(self.vendor)
        bill = self.digitize_bill()
        self.assertEqual(bill.partner_id, self.vendor)
        self.assertIn(bill, order.invoice_ids, "Odoo's own link: bill lines point to the order lines")
        linked = bill.invoice_line_ids.filtered("purchase_line_id")
        self.assertEqual(set(linked.mapped("product_id.default_code")), {"KR3M", "SFK5", "GTRWA5"})
        self.assertEqual(bill.invoice_origin, order.name)
        self.assertEqual(order.order_line.filtered(lambda l: l.product_id.default_code == "SFK5").qty_invoiced, 5)
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertIn("5.49", bill.digitize_review_html, "price billed differs from the order")
        self.assertIn("Pfand", bill.digitize_review_html, "billed but not ordered")
        self.assertEqual(bill.digitize_review_html.count("<strong>Purchase order</strong>"), 1,
                         "what the order link found is listed under its own heading")
        water = bill.invoice_line_ids.filtered(lambda l: l.product_id.default_code == "GTRWA5")
        self.assertEqual(water.price_unit, 5.49, "the bill keeps what the vendor billed")

    def test_an_order_of_another_vendor_is_not_linked(self):
        other = self.env["res.partner"].create({"name": "Someone else"})
        order = self.make_order(other)
        bill = self.digitize_bill()
        self.assertNotIn(bill, order.invoice_ids)
        self.assertFalse(bill.invoice_line_ids.filtered("purchase_line_id"))
        self.assertIn("2013-471331", bill.digitize_review_html)


@tagged("post_install", "-at_install")
class TestImmediateEOrder(TransactionCase):
    def test_an_order_x_pdf_is_read_at_once_by_the_button(self):
        sidecar = SidecarThread(engine="einvoice")
        self.addCleanup(sidecar.stop)
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", sidecar.start())
        vendor = self.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789"})
        order = self.env["purchase.order"].create({"partner_id": vendor.id})
        self.env["ir.attachment"].create({"name": ORDER_X.name, "raw": ORDER_X.read_bytes(),
                                          "res_model": "purchase.order", "res_id": order.id})
        order.action_digitize()
        self.assertEqual(order.digitize_state, "needs_review", "no wait for the scheduled action")
        self.assertEqual(order.partner_ref, "PO123456789")
        self.assertEqual(order.partner_id, vendor)
        self.assertEqual(len(order.order_line), 3, "no product and no fallback in this company: 3 noted lines")


@tagged("post_install", "-at_install")
class TestFallbackProductUpgrade(TransactionCase):
    """18.0.1.1.0 moved the fallback product from a database-wide parameter to each company."""

    def test_the_old_parameter_becomes_each_companys_fallback_where_that_company_may_use_it(self):
        from odoo.addons.document_digitize.upgrade import fallback_product_to_companies  # noqa: PLC0415

        company_a = self.env.company
        company_b = self.env["res.company"].create({"name": "Upgrade B"})
        field, param = "document_digitize_purchase_fallback_product_id", "document_digitize.purchase_fallback_product_id"
        ICP = self.env["ir.config_parameter"].sudo()
        shared = self.env["product.product"].create({"name": "Shared fallback", "purchase_ok": True})
        ICP.set_param(param, str(shared.id))
        fallback_product_to_companies(self.env.cr, param, field)
        self.assertEqual((company_a[field], company_b[field]), (shared, shared))
        self.assertFalse(ICP.get_param(param), "the parameter is gone: nothing reads it again")
        own = self.env["product.product"].create({"name": "A's fallback", "purchase_ok": True,
                                                  "company_id": company_a.id})
        company_b[field] = False
        ICP.set_param(param, str(own.id))
        with self.assertLogs("odoo.addons.document_digitize.upgrade", "WARNING"):
            fallback_product_to_companies(self.env.cr, param, field)
        self.assertEqual((company_a[field], company_b[field]), (own, self.env["product.product"]),
                         "another company's product is never a company's fallback")


@tagged("post_install", "-at_install")
class TestPurchaseDraftAtOnce(DigitizeCase):
    """Digitize on an RFQ with a born-digital PDF fills it at once from the words reader, not yet confirmed; the
    queue's reading then confirms or corrects it, keeping what the buyer changed meanwhile (issue 34)."""

    sidecar_options = {"second_reader": "on"}

    def test_an_rfq_is_filled_at_once_then_confirmed(self):
        buyer = new_test_user(self.env, "digitize_draft_buyer", groups="purchase.group_purchase_user")
        vendor = self.env["res.partner"].create({"name": "QualityHosting AG", "is_company": True,
                                                 "vat": "DE232446240"})
        env = self.env(user=buyer)
        order = env["purchase.order"].create({"partner_id": vendor.id})
        env["ir.attachment"].create({
            "name": "confirmation.pdf", "raw": (DOCS / "i2d_QualityHosting.pdf").read_bytes(),
            "res_model": "purchase.order", "res_id": order.id})
        order.action_digitize()
        self.assertEqual((order.digitize_state, order.digitize_prefilled), ("queued", True))
        self.assertEqual(order.partner_ref, "30064443", "the vendor's number, read at once")
        self.assertEqual(order.write_uid, buyer)
        order.partner_ref = "QH-30064443"  # the buyer changes it before the model has read the document
        order._digitize_process_queue(10, commit=False)
        self.assertIn(order.digitize_state, ("done", "needs_review"), order.digitize_error)
        self.assertFalse(order.digitize_prefilled)
        self.assertEqual(order.partner_ref, "QH-30064443", "what the buyer typed is kept")
        self.assertEqual(order.partner_id, vendor)
