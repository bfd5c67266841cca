"""Requests for quotation, a clerk's day in the browser: a vendor's Order-X PDF, a scanned order and a phone photo
of one uploaded with the RFQ list's Upload dialog, read, looked at, fixed and confirmed
(document_digitize/tests/app_tour.py)."""

from odoo.addons.document_digitize.tests.app_tour import AppTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestRfqAppTour(AppTourCase):
    model = "purchase.order"
