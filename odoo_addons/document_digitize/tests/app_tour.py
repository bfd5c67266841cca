"""A clerk's whole day in one app, in a real browser (issue #36): shared by each app's ``test_app_tour.py``.

From a database with no demo data and no partners of the documents: a PDF, a scan and a photo are uploaded from
the app's list (``static/tests/tours/app_tour.js``), the scheduled action reads them (the replay sidecar reads
the pages' words, OCR for images, as the model's path does), then each result is looked at at 1366 px and
fixed and confirmed at 1920 px. A photo is made from a scan the way a phone takes one (tilted, on a desk, soft,
warm light); the replay engine is told it shows the scan's document.
"""

import io
import json
from typing import NamedTuple, Optional

from PIL import Image, ImageFilter

from .common import DOCS, EvidenceTourCase

SOURCE_PREFIX = "digitize_app_tour_source_"  # app_tour.js uploads the attachments named so


def phone_photo(path):
    """``path`` (a scan) as a phone photo of the sheet: turned by 2.5°, on a darker desk, slightly soft and warm."""
    page = Image.open(path).convert("RGB")
    turned = page.rotate(2.5, resample=Image.BICUBIC, expand=True, fillcolor=(96, 84, 70))
    desk = Image.new("RGB", (turned.width + 80, turned.height + 80), (96, 84, 70))
    desk.paste(turned, (40, 40))
    warm = Image.merge("RGB", [band.point(lambda v, k=k: min(255, int(v * k)))
                               for band, k in zip(desk.split(), (1.0, 0.97, 0.9))])
    out = io.BytesIO()
    warm.filter(ImageFilter.GaussianBlur(0.7)).save(out, "JPEG", quality=85)
    return out.getvalue()


class App(NamedTuple):
    """What a clerk's day differs by from one app to the next."""

    list_url: str  # the list the clerk uploads from
    tours: str  # app_tour.js's names: document_digitize_app_upload_<tours>, ..._confirm_<one record>
    confirmed_state: str  # the record's ``state`` once confirmed
    documents: tuple[str, ...]  # in the shared corpus: a PDF, a scan, and a scan to photograph (or a photo) last
    fallback: Optional[tuple[str, str]] = None  # the company's fallback product field, and its product's flag
    login: str = "admin"  # who works in the app (the app's test makes any other user)
    look: str = "document_digitize_app_look"  # app_tour.js's tour that looks at one record without changing it


APPS = {  # one line an app: the documents are the app's own kind (bills; vendors' orders; customers' orders)
    "account.move": App("/odoo/action-account.action_move_in_invoice_type", "bills/bill", "posted",
                        ("i2d_NetpresseInvoice.pdf", "img_contoso_invoice_INV-100.jpg", "img_contoso_receipt_photo1.png")),
    "purchase.order": App("/odoo/action-purchase.purchase_rfq", "rfqs/rfq", "purchase",
                          ("ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf", "img_heroltd_po_Form_1.jpg",
                           "img_heroltd_po_Form_3.jpg"), ("document_digitize_purchase_fallback_product_id", "purchase_ok")),
    # an employee's receipt photo, uploaded from My Expenses; "confirmed": put in a report (To Submit)
    "hr.expense": App("/odoo/action-hr_expense.hr_expense_actions_my_all", "receipts/expense", "reported",
                      ("img_contoso_receipt_photo1.png",), ("document_digitize_expense_product_id", "can_be_expensed"),
                      login="digitize_employee", look="document_digitize_app_look_expense"),
    "sale.order": App("/odoo/action-sale.action_quotations_with_onboarding", "quotations/quotation", "sale",
                      ("ox_ORDER-X_EX03_ORDER_BASIC_DATA-COMFORT.pdf", "img_heroltd_po_Form_4.jpg",
                       "img_heroltd_po_Form_5.jpg"), ("document_digitize_sale_fallback_product_id", "sale_ok")),
}


class AppTourCase(EvidenceTourCase):
    """An app's test says its model (``APPS`` has the rest)."""

    allow_inherited_tests_method = True  # the test below runs in each app's module
    model = None

    def setUp(self):
        super().setUp()
        self.app = APPS[self.model]
        *self.documents, self.photo_of = (DOCS / name for name in self.app.documents)
        if self.app.fallback:  # what an administrator sets once: the product of lines no product matches
            field, flag = self.app.fallback
            self.env.company[field] = self.env["product.product"].create({"name": "Unlisted item", flag: True})

    def photo(self):
        """(file name, bytes) of a phone photo: a real one as it is, else made from a scan and registered with the
        scan's answer."""
        if self.photo_of.suffix == ".png" and "photo" in self.photo_of.stem:
            return self.photo_of.name, self.photo_of.read_bytes()
        photo = phone_photo(self.photo_of)
        gold = json.loads(self.photo_of.with_name(self.photo_of.stem + ".gold.json").read_text())
        self.sidecar.add(photo, gold)
        return f"photo_of_{self.photo_of.stem}.jpg", photo

    def files(self):
        """(file name, bytes) of the PDF, the scan and the photo (or of the photo alone)."""
        return [(path.name, path.read_bytes()) for path in self.documents] + [self.photo()]

    def test_upload_a_pdf_a_scan_and_a_photo_then_fix_and_confirm_each(self):
        files = self.files()
        login = self.app.login
        clerk = self.env["res.users"].search([("login", "=", login)])
        for index, (name, data) in enumerate(files, 1):
            # kept as sent: core would shrink an image over 1920 px that belongs to no record; the clerk's own (a
            # file of no record is its creator's only)
            self.env["ir.attachment"].with_user(clerk).with_context(image_no_postprocess=True).create(
                {"name": f"{SOURCE_PREFIX}{index}_{name}", "raw": data})
        Model = self.env[self.model]
        before = Model.search([]).ids
        self.browser_size = "1366x768"
        uploads, one = self.app.tours.split("/")
        self.start_tour(self.app.list_url, f"document_digitize_app_upload_{uploads}", login=login, timeout=180)
        records = Model.search([("id", "not in", before)], order="id")
        self.assertEqual(len(records), len(files), "one draft per file")
        self.assertEqual(set(records.mapped("digitize_state")) - {"queued", "done", "needs_review"}, set())
        Model._digitize_process_queue(10, commit=False)
        for record in records:
            with self.subTest(document=record.digitize_attachment_id.name):
                self.assertIn(record.digitize_state, ("done", "needs_review"), record.digitize_error)
                url = f"{self.app.list_url}/{record.id}"
                self.browser_size = "1366x768"
                self.start_tour(url, self.app.look, login=login, timeout=120)
                self.browser_size = "1920x1080"
                self.start_tour(url, f"document_digitize_app_confirm_{one}", login=login, timeout=180)
                self.assertEqual(record.state, self.app.confirmed_state)
                self.assertEqual(record.digitize_state, "done", "confirmed: nothing left in review")
