"""Bills that Odoo's own UBL / CII decoder imports (an XML uploaded on the bills list) get the files the XML carries:
Odoo attaches a UBL invoice's PDFs itself; a CII invoice's visual PDF and a UBL invoice's time sheet are attached
by this addon, once, and digitizing the bill afterwards adds no second copy."""

import base64
import re

from odoo.addons.account_document_digitize.tests.test_einvoice_attachments import VISUAL, xml_carrying
from odoo.addons.document_digitize.tests.common import DigitizeCase
from odoo.tests import tagged

TIMESHEET = b"date;hours\n2024-05-02;7.5\n"


def ubl_carrying(files: list[tuple[str, str, bytes]]) -> bytes:
    """A small UBL invoice (EN 16931) with ``files`` (name, MIME type, bytes) embedded as additional documents."""
    references = "".join(
        f'<cac:AdditionalDocumentReference><cbc:ID>{name}</cbc:ID><cac:Attachment>'
        f'<cbc:EmbeddedDocumentBinaryObject mimeCode="{mime}" filename="{name}">{base64.b64encode(data).decode()}'
        f'</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>'
        for name, mime, data in files)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>TS-2024-7</cbc:ID><cbc:IssueDate>2024-05-02</cbc:IssueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>{references}
  <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Stundenwerk GmbH</cbc:RegistrationName>
  </cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Kunde AG</cbc:RegistrationName>
  </cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">100.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">100.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="HUR">1</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount><cac:Item><cbc:Name>Work</cbc:Name></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">100.00</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</Invoice>""".encode()


@tagged("post_install", "-at_install")
class TestOdooDecoderAttachments(DigitizeCase):
    def upload(self, name, data):
        """The bills list's upload: Odoo's journal creates the bill and runs its own decoders on the file."""
        attachment = self.env["ir.attachment"].create({"name": name, "raw": data, "mimetype": "application/xml"})
        return self.env["account.journal"].with_context(default_move_type="in_invoice") \
            ._create_document_from_attachment(attachment.ids)

    def files_of(self, bill, **domain):
        return self.env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "=", bill.id)]
                                                + [(key, "=", value) for key, value in domain.items()])

    def test_a_cii_invoice_imported_by_odoo_gets_its_visual_pdf_once(self):
        bill = self.upload("xrechnung.xml", xml_carrying(VISUAL.read_bytes(), "RE-471102.pdf"))
        self.assertEqual(len(bill), 1)
        self.assertTrue(bill.invoice_line_ids, "Odoo's own CII decoder imported the invoice")
        carried = self.files_of(bill, name="RE-471102.pdf")
        self.assertEqual(len(carried), 1, "Odoo's decoder alone does not attach what a CII invoice carries")
        self.assertEqual(carried.raw, VISUAL.read_bytes())
        self.assertTrue(bill.message_ids.filtered(lambda m: "RE-471102.pdf" in (m.body or "")))
        bill.action_digitize()  # read again by the sidecar from the XML: the file is not added twice
        bill._digitize_process_queue(10, commit=False)
        self.assertEqual(len(self.files_of(bill, checksum=carried.checksum)), 1)

    def test_a_ubl_invoice_keeps_odoo_s_pdf_and_gets_its_time_sheet(self):
        pdf = VISUAL.read_bytes()
        bill = self.upload("invoice.xml", ubl_carrying([("scan.pdf", "application/pdf", pdf),
                                                        ("timesheet.csv", "text/csv", TIMESHEET)]))
        pdf_copies = self.files_of(bill, checksum=self.env["ir.attachment"]._compute_checksum(pdf))
        self.assertEqual(len(pdf_copies), 1, "Odoo attaches the UBL's PDF; it is not attached a second time")
        sheet = self.files_of(bill, name="timesheet.csv")
        self.assertEqual(sheet.raw, TIMESHEET)
        self.assertFalse(re.search(r"\.xml$", bill.message_main_attachment_id.name or ""), "the PDF is shown")
