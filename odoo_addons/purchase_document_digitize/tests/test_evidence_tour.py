"""The RFQ's document viewer in a real browser (headless Chromium): a scanned purchase order, read by OCR."""

from odoo.addons.document_digitize.tests.common import DOCS, EvidenceTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRfqEvidenceTour(EvidenceTourCase):
    def test_a_scanned_order_shows_its_boxes_beside_the_rfq(self):
        fallback = self.env["product.product"].create({"name": "Unlisted purchase", "purchase_ok": True})
        self.env.company.document_digitize_purchase_fallback_product_id = fallback
        vendor = self.env["res.partner"].create({"name": "Scan Vendor", "is_company": True})
        order = self.digitize(self.env["purchase.order"].create({"partner_id": vendor.id}),
                              DOCS / "img_heroltd_po_Form_1.jpg")
        self.assertEqual(order.partner_ref, "948284")
        self.start_tour(f"/odoo/action-purchase.purchase_rfq/{order.id}", "document_digitize_evidence_rfq",
                        login="admin")
