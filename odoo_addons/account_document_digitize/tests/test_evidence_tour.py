"""The bill's document viewer in a real browser (headless Chromium): a two-page PDF and a phone photo, digitized
by a replay sidecar whose pipeline finds each value on the pages (the PDF's text layer, the photo's OCR)."""

import json

from odoo.addons.document_digitize.tests.common import DOCS, EvidenceTourCase
from odoo.tests import tagged

TWO_PAGES = DOCS / "i2d_QualityHosting.pdf"
PHOTO = DOCS / "img_contoso_receipt_photo1.png"


@tagged("post_install", "-at_install")
class TestBillEvidenceTour(EvidenceTourCase):
    def bill_url(self, bill):
        return f"/odoo/action-account.action_move_in_invoice_type/{bill.id}"

    def test_a_two_page_pdf_bill_shows_its_boxes_beside_the_fields(self):
        # the vendor's postcode read as 99999: printed nowhere (the page has D-63571), a mark beside the vendor
        document = json.loads(TWO_PAGES.with_name(TWO_PAGES.stem + ".gold.json").read_text())
        document["seller"]["address"]["zip"] = "99999"
        self.sidecar.add(TWO_PAGES.read_bytes(), document)
        bill = self.digitize(self.env["account.move"].create({"move_type": "in_invoice"}), TWO_PAGES)
        self.assertEqual(bill.digitize_state, "needs_review")
        self.start_tour(self.bill_url(bill), "document_digitize_evidence_bill_pdf", login="admin")

    def test_a_phone_photo_bill_shows_the_ocr_boxes(self):
        bill = self.digitize(self.env["account.move"].create({"move_type": "in_invoice"}), PHOTO)
        self.assertEqual(bill.digitize_state, "needs_review", bill.digitize_review_html)
        sources = {item["source"] for item in bill.digitize_evidence["items"]}
        self.assertEqual(sources, {"ocr"}, "the photo's words come from OCR")
        self.start_tour(self.bill_url(bill), "document_digitize_evidence_bill_photo", login="admin")

    def test_a_clerk_sees_one_document_beside_the_bill_and_the_review_in_words(self):
        """At 1366 and 1920 px: the viewer and not also Odoo's preview, no field cut, no path or field name in the
        banner, the viewer, the Digitization tab or the chatter; the banner's "Vendor" link focuses the vendor."""
        bill = self.digitize(self.env["account.move"].create({"move_type": "in_invoice"}), TWO_PAGES)
        self.assertEqual(bill.digitize_state, "needs_review")
        self.assertFalse(bill.partner_id, "the vendor is to be chosen: the banner links to it")
        self.clerk_tour(self.bill_url(bill), "document_digitize_clerk_bill")

    def test_a_bill_not_digitized_keeps_odoos_own_preview(self):
        bill = self.env["account.move"].create({"move_type": "in_invoice"})
        bill.message_main_attachment_id = self.env["ir.attachment"].create({
            "name": TWO_PAGES.name, "raw": TWO_PAGES.read_bytes(), "res_model": bill._name, "res_id": bill.id})
        self.browser_size = "1920x1080"
        self.start_tour(self.bill_url(bill), "document_digitize_odoo_preview_bill", login="admin")
