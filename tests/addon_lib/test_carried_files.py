"""The files an e-invoice's XML carries, read by the addon's pure ``carried_files`` (no Odoo): CII and UBL, names
as the sender gave them (a path cut to its file name), made up where none is given, bad base64 left out, and a
UBL's PDFs left to Odoo's own decoder when asked."""

from __future__ import annotations

import base64

from lxml import etree

from conftest import load_mapping_lib

load_mapping_lib()
from document_digitize_lib.carried_files import carried_files  # noqa: E402  (registered by load_mapping_lib)

PDF = b"%PDF-1.4 visual"
CSV = b"date;hours\n"


def cii(*documents: str) -> etree._Element:
    return etree.fromstring(
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
        'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
        "<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>" + "".join(documents)
        + "</ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>")


def cii_document(ident: str, payload: str, mime: str = "application/pdf", filename: str = "") -> str:
    name_attr = f' filename="{filename}"' if filename else ""
    return (f"<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>{ident}</ram:IssuerAssignedID>"
            f"<ram:Name>Invoice as printed</ram:Name><ram:AttachmentBinaryObject mimeCode=\"{mime}\"{name_attr}>"
            f"{payload}</ram:AttachmentBinaryObject></ram:AdditionalReferencedDocument>")


def ubl(*documents: tuple[str, str, bytes]) -> etree._Element:
    refs = "".join(f"<cac:AdditionalDocumentReference><cbc:ID>{name}</cbc:ID><cac:Attachment>"
                   f'<cbc:EmbeddedDocumentBinaryObject mimeCode="{mime}" filename="{name}">'
                   f"{base64.b64encode(data).decode()}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
                   "</cac:AdditionalDocumentReference>" for name, mime, data in documents)
    return etree.fromstring(
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">' + refs + "</Invoice>")


def test_cii_files_with_their_names_descriptions_and_bytes():
    b64 = base64.b64encode(PDF).decode()
    wrapped = "\n".join(b64[i:i + 4] for i in range(0, len(b64), 4))  # base64 as senders wrap it
    files = carried_files(cii(cii_document("RE-1", wrapped, filename="C:\\out\\RE-1.pdf"),
                              cii_document("TS", base64.b64encode(CSV).decode(), mime="text/csv")))
    assert [(f["filename"], f["mime_type"], f["content"]) for f in files] == [
        ("RE-1.pdf", "application/pdf", PDF), ("TS.csv", "text/csv", CSV)]
    assert files[0]["description"] == "Invoice as printed"


def test_bad_base64_and_empty_payloads_are_left_out():
    assert carried_files(cii(cii_document("A", "not base64 at all!"), cii_document("B", ""))) == []


def test_ubl_pdfs_are_left_to_odoo_when_asked():
    tree = ubl(("scan.pdf", "application/pdf", PDF), ("timesheet.csv", "text/csv", CSV))
    assert [f["filename"] for f in carried_files(tree)] == ["scan.pdf", "timesheet.csv"]
    assert [f["filename"] for f in carried_files(tree, skip_ubl_pdfs=True)] == ["timesheet.csv"]
