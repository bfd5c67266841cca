"""Quotations, a clerk's day in the browser: a customer's Order-X PDF, a scanned purchase order and a phone photo
of one uploaded with the Quotations list's Upload, read, looked at, fixed and confirmed
(document_digitize/tests/app_tour.py)."""

from odoo.addons.document_digitize.tests.app_tour import AppTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestQuotationsAppTour(AppTourCase):
    model = "sale.order"
