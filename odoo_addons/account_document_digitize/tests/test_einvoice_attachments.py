"""A bare e-invoice XML that carries its visual PDF inside (EN 16931 BG-24, as XRechnung senders do): the bill
gets that PDF as an attachment, so a person sees the invoice as printed; once, however often it is read."""

import base64
import re
import tempfile
from pathlib import Path

from facturx import get_xml_from_pdf
from odoo.addons.document_digitize.tests.common import DOCS, DigitizeCase
from odoo.tests import tagged

EINFACH = DOCS / "fx_EN16931_Einfach.pdf"
VISUAL = DOCS / "i2d_NetpresseInvoice.pdf"  # any PDF stands for the invoice as printed


def xml_carrying(pdf: bytes, filename: str) -> bytes:
    """The Einfach invoice's XML with ``pdf`` embedded as an additional referenced document."""
    xml = get_xml_from_pdf(EINFACH.read_bytes(), check_xsd=False)[1]
    reference = (b"<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>visual</ram:IssuerAssignedID>"
                 b"<ram:TypeCode>916</ram:TypeCode><ram:Name>Invoice as printed</ram:Name>"
                 b"<ram:AttachmentBinaryObject mimeCode=\"application/pdf\" filename=\"" + filename.encode() + b"\">"
                 + base64.b64encode(pdf) + b"</ram:AttachmentBinaryObject></ram:AdditionalReferencedDocument>")
    return re.sub(rb"(</ram:BuyerTradeParty>)", lambda m: m.group(1) + reference, xml, count=1)


@tagged("post_install", "-at_install")
class TestEInvoiceAttachments(DigitizeCase):
    def test_the_visual_pdf_inside_an_xml_becomes_an_attachment_of_the_bill_once(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "xrechnung.xml"
            path.write_bytes(xml_carrying(VISUAL.read_bytes(), "RE-471102.pdf"))
            bill = self.digitize_new("account.move", path, move_type="in_invoice")
        self.assertTrue(bill.digitize_engine.startswith("einvoice"), bill.digitize_engine)  # read from its XML
        carried = self.env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "=", bill.id),
                                                    ("name", "=", "RE-471102.pdf")])
        self.assertEqual(len(carried), 1)
        self.assertEqual(carried.raw, VISUAL.read_bytes(), "the file as the sender embedded it")
        self.assertEqual(carried.mimetype, "application/pdf")
        self.assertTrue(bill.message_ids.filtered(lambda m: "RE-471102.pdf" in (m.body or "")), "the chatter says so")
        bill.action_digitize()  # read again: the file is not added twice
        bill._digitize_process_queue(10, commit=False)
        self.assertEqual(self.env["ir.attachment"].search_count([("res_model", "=", "account.move"),
                                                                 ("res_id", "=", bill.id),
                                                                 ("name", "=", "RE-471102.pdf")]), 1)
