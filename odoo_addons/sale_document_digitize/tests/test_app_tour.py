"""Quotations, a clerk's day in the browser: a customer's Order-X PDF, a scanned purchase order and a phone photo
of one uploaded with the Quotations list's Upload, read, looked at, fixed and confirmed
(document_digitize/tests/app_tour.py)."""

from odoo.addons.document_digitize.tests.app_tour import AppTourCase
from odoo.addons.document_digitize.tests.common import DOCS
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestQuotationsAppTour(AppTourCase):
    model = "sale.order"
    list_url = "/odoo/action-sale.action_quotations_with_onboarding"
    upload_tour = "document_digitize_app_upload_quotations"
    confirm_tour = "document_digitize_app_confirm_quotation"
    confirmed_state = "sale"
    pdf = DOCS / "ox_ORDER-X_EX03_ORDER_BASIC_DATA-COMFORT.pdf"
    scan = DOCS / "img_heroltd_po_Form_4.jpg"
    photo_of = DOCS / "img_heroltd_po_Form_5.jpg"

    def setUp(self):
        super().setUp()  # the settings an administrator makes once: the product of lines no product matches
        self.env.company.document_digitize_sale_fallback_product_id = self.env["product.product"].create(
            {"name": "Unlisted item", "sale_ok": True})
