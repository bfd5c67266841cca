"""Requests for quotation, a clerk's day in the browser: a vendor's Order-X PDF, a scanned order and a phone photo
of one uploaded with the RFQ list's Upload dialog, read, looked at, fixed and confirmed
(document_digitize/tests/app_tour.py)."""

from odoo.addons.document_digitize.tests.app_tour import AppTourCase
from odoo.addons.document_digitize.tests.common import DOCS
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRfqAppTour(AppTourCase):
    model = "purchase.order"
    list_url = "/odoo/action-purchase.purchase_rfq"
    upload_tour = "document_digitize_app_upload_rfqs"
    confirm_tour = "document_digitize_app_confirm_rfq"
    confirmed_state = "purchase"
    pdf = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"
    scan = DOCS / "img_heroltd_po_Form_1.jpg"
    photo_of = DOCS / "img_heroltd_po_Form_3.jpg"

    def setUp(self):
        super().setUp()  # the settings an administrator makes once: the product of lines no product matches
        self.env.company.document_digitize_purchase_fallback_product_id = self.env["product.product"].create(
            {"name": "Unlisted purchase", "purchase_ok": True})
