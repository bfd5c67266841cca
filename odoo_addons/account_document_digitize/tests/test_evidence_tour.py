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
