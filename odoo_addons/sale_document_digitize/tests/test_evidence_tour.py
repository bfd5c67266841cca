"""The quotation's document viewer in a real browser (headless Chromium): a customer's scanned purchase order,
read by OCR."""

from odoo.addons.document_digitize.tests.common import DOCS, EvidenceTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestQuotationEvidenceTour(EvidenceTourCase):
    def test_a_customers_scanned_order_shows_its_boxes_beside_the_quotation(self):
        fallback = self.env["product.product"].create({"name": "Unlisted item", "sale_ok": True})
        self.env.company.document_digitize_sale_fallback_product_id = fallback
        self.env["res.partner"].create({"name": "Hero Limited", "is_company": True,
                                        "email": "accounts@herolimited.com"})
        placeholder = self.env.ref("document_digitize.partner_to_identify")
        order = self.digitize(self.env["sale.order"].create({"partner_id": placeholder.id}),
                              DOCS / "img_heroltd_po_Form_2.jpg")
        self.assertEqual(order.client_order_ref, "942448")
        self.start_tour(f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}",
                        "document_digitize_evidence_quotation", login="admin")
