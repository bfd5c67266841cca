"""The placeholder partner "Partner to identify (digitization)" (issue #36): archived, so that no vendor dropdown,
search or matching offers it, and still the partner an uploaded RFQ waits on until its vendor is found."""

import base64

from odoo import fields
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.exceptions import UserError
from odoo.tests import tagged

HERO_PO = DOCS / "img_heroltd_po_Form_1.jpg"  # a scanned PO that names no seller


@tagged("post_install", "-at_install")
class TestPlaceholderPartner(DigitizeCase):
    def test_no_dropdown_offers_it(self):
        placeholder = self.env.ref("document_digitize.partner_to_identify")
        self.assertFalse(placeholder.active)
        Partner = self.env["res.partner"]
        self.assertNotIn(placeholder.id, [partner_id for partner_id, _name in Partner.name_search("to identify")])
        self.assertNotIn(placeholder, Partner.search([("name", "ilike", "identify")]))

    def test_an_uploaded_rfq_still_waits_on_it(self):
        attachment = self.env["ir.attachment"].create({"name": HERO_PO.name, "res_id": 0,
                                                       "datas": base64.b64encode(HERO_PO.read_bytes()),
                                                       "res_model": "document.digitize.upload"})
        action = self.env["purchase.order"].action_digitize_upload()
        wizard = self.env["document.digitize.upload"].with_context(**action["context"]).create(
            {"attachment_ids": [fields.Command.set(attachment.ids)]})
        order = self.env["purchase.order"].browse(wizard.action_upload()["res_id"])
        placeholder = self.env.ref("document_digitize.partner_to_identify")
        self.assertEqual((order.partner_id, order.digitize_state), (placeholder, "queued"))
        order._digitize_process_queue(10, commit=False)
        self.assertEqual((order.partner_id, order.digitize_state), (placeholder, "needs_review"),
                         "the vendor was not identified: still on the placeholder")
        with self.assertRaises(UserError):
            order.button_confirm()
