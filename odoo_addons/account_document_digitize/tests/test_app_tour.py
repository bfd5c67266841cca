"""Vendor bills, a clerk's day in the browser: a PDF, a scanned invoice and a phone photo of a receipt uploaded with
the bills list's Upload, read, looked at, fixed and posted (document_digitize/tests/app_tour.py)."""

from odoo.addons.document_digitize.tests.app_tour import AppTourCase
from odoo.addons.document_digitize.tests.common import DOCS
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestBillsAppTour(AppTourCase):
    model = "account.move"
    list_url = "/odoo/action-account.action_move_in_invoice_type"
    upload_tour = "document_digitize_app_upload_bills"
    confirm_tour = "document_digitize_app_confirm_bill"
    confirmed_state = "posted"
    pdf = DOCS / "i2d_NetpresseInvoice.pdf"
    scan = DOCS / "img_contoso_invoice_INV-100.jpg"
    photo_of = DOCS / "img_contoso_receipt_photo1.png"  # a real phone photo of a receipt

    def photo(self):
        return self.photo_of.name, self.photo_of.read_bytes()
