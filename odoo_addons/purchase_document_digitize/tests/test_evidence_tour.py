"""The RFQ's document viewer in a real browser (headless Chromium): a scanned purchase order, read by OCR."""

from odoo.addons.document_digitize.tests.common import DOCS, EvidenceTourCase, read
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRfqEvidenceTour(EvidenceTourCase):
    def scanned_rfq(self):
        fallback = self.env["product.product"].create({"name": "Unlisted purchase", "purchase_ok": True})
        self.env.company.document_digitize_purchase_fallback_product_id = fallback
        vendor = self.env["res.partner"].create({"name": "Scan Vendor", "is_company": True})
        order = self.digitize(self.env["purchase.order"].create({"partner_id": vendor.id}),
                              DOCS / "img_heroltd_po_Form_1.jpg")
        self.assertEqual(order.partner_ref, "948284")
        return order

    def test_a_scanned_order_shows_its_boxes_beside_the_rfq(self):
        order = self.scanned_rfq()
        self.start_tour(f"/odoo/action-purchase.purchase_rfq/{order.id}", "document_digitize_evidence_rfq",
                        login="admin")

    def test_a_clerk_sees_one_document_beside_the_rfq_and_the_review_in_words(self):
        """At 1366 and 1920 px: one document, no field cut, the review in words; the lines on the fallback product
        are one item ("Lines 1, 2, 3 and 4: …") whose line links open that line."""
        order = self.scanned_rfq()
        self.assertEqual(order.digitize_state, "needs_review")
        self.assertIn("Lines 1, 2, 3 and 4: no product matches; Unlisted purchase was used",
                      read(order.digitize_review_html))
        self.clerk_tour(f"/odoo/action-purchase.purchase_rfq/{order.id}", "document_digitize_clerk_rfq")

    def test_an_rfq_not_digitized_keeps_odoos_layout(self):
        vendor = self.env["res.partner"].create({"name": "Scan Vendor", "is_company": True})
        order = self.env["purchase.order"].create({"partner_id": vendor.id})
        path = DOCS / "img_heroltd_po_Form_1.jpg"
        self.env["ir.attachment"].create({"name": path.name, "raw": path.read_bytes(), "res_model": order._name,
                                          "res_id": order.id})
        self.browser_size = "1920x1080"
        self.start_tour(f"/odoo/action-purchase.purchase_rfq/{order.id}", "document_digitize_odoo_layout_rfq",
                        login="admin")
