"""Vendor bills, a clerk's day in the browser: a PDF, a scanned invoice and a phone photo of a receipt uploaded with
the bills list's Upload, read, looked at, fixed and posted (document_digitize/tests/app_tour.py)."""

from odoo.addons.document_digitize.tests.app_tour import AppTourCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestBillsAppTour(AppTourCase):
    model = "account.move"
