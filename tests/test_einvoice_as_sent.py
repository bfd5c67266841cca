"""E-invoices as real senders send them (issue #32): an attached visual PDF or time sheet (base64 inside the XML),
the legal name in both syntaxes, EXTENDED sub-invoice lines, an odd encoding declaration. Built here from the
corpus's own Factur-X XML and from UBL written for these tests."""

from __future__ import annotations

import base64
import os
import re
import time

import pytest
from facturx import get_xml_from_pdf
from test_einvoice import NON_EINVOICE_PDFS, _ubl_invoice, _with_attachment

from ocr_sidecar import einvoice

from conftest import DOCUMENTS_DIR

EINFACH = DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"
PAYLOAD = base64.b64encode(os.urandom(300_000))  # a 300 KB visual PDF or time sheet, as base64 (400 KB of text)


def einfach_xml() -> bytes:
    return get_xml_from_pdf(EINFACH.read_bytes(), check_xsd=False)[1]


def test_a_cii_invoice_carrying_its_visual_pdf_is_read_at_once_and_the_payload_is_no_evidence():
    attachment = (b"<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>01_15_Anhang_01.pdf</ram:IssuerAssignedID>"
                  b"<ram:TypeCode>916</ram:TypeCode><ram:AttachmentBinaryObject mimeCode=\"application/pdf\" "
                  b"filename=\"01_15_Anhang_01.pdf\">" + PAYLOAD + b"</ram:AttachmentBinaryObject>"
                  b"</ram:AdditionalReferencedDocument>")
    xml = einfach_xml()
    with_payload = re.sub(rb"(</ram:BuyerTradeParty>)", rb"\1" + attachment.replace(b"\\", b"\\\\"), xml, count=1)
    assert len(with_payload) > len(xml) + 400_000
    plain = einvoice.try_extract(xml, "application/xml")
    started = time.perf_counter()
    read = einvoice.try_extract(with_payload, "application/xml")
    spent = time.perf_counter() - started
    assert read.document == plain.document
    assert not any("BinaryObject" in e.text for e in read.evidence)
    assert spent < 5, f"{spent:.1f} s for a 400 KB XML (it took minutes when the payload was searched)"


def test_a_ubl_invoice_with_an_embedded_attachment_is_read():
    attachment = ("<cac:AdditionalDocumentReference><cbc:ID>timesheet</cbc:ID><cac:Attachment>"
                  "<cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" filename=\"timesheet.pdf\">"
                  + PAYLOAD.decode() + "</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
                  "</cac:AdditionalDocumentReference>").encode()
    xml = _ubl_invoice()
    with_payload = xml.replace(b"</cac:OrderReference>", b"</cac:OrderReference>" + attachment, 1)
    read = einvoice.try_extract(with_payload, "application/xml")
    assert read.document == einvoice.try_extract(xml, "application/xml").document
    assert read.document["total"] == 49.98


def test_ubl_gives_the_legal_name_as_cii_does():
    """BT-27 (RegistrationName), not the trading name BT-28 (PartyName): the name a VAT id belongs to."""
    xml = _ubl_invoice().replace(b"<cbc:RegistrationName>Werkzeug Schmidt GmbH</cbc:RegistrationName>",
                                 b"<cbc:RegistrationName>Werkzeug Schmidt Handels GmbH</cbc:RegistrationName>")
    seller = einvoice.try_extract(xml, "application/xml").document["seller"]
    assert seller["name"] == "Werkzeug Schmidt Handels GmbH"
    cii = einvoice.try_extract(einfach_xml(), "application/xml").document["seller"]["name"]
    assert cii == re.search(rb"<ram:SellerTradeParty>.*?<ram:Name>([^<]+)</ram:Name>", einfach_xml(), re.S)[1].decode()


def test_extended_sub_invoice_lines_are_counted_once():
    """A GROUP line summing two DETAIL lines (their ParentLineID names it): the detail lines are the lines, their
    amounts make up the net total; the group line is not added on top."""
    xml = einfach_xml().decode()
    items = re.findall(r"<ram:IncludedSupplyChainTradeLineItem>.*?</ram:IncludedSupplyChainTradeLineItem>", xml, re.S)
    assert len(items) == 2
    details = [item.replace("</ram:LineID>", "</ram:LineID><ram:ParentLineID>G1</ram:ParentLineID>"
                            "<ram:LineStatusReasonCode>DETAIL</ram:LineStatusReasonCode>", 1) for item in items]
    group = re.sub(r"<ram:LineID>[^<]*</ram:LineID>", "<ram:LineID>G1</ram:LineID>"
                   "<ram:LineStatusReasonCode>GROUP</ram:LineStatusReasonCode>", items[0], count=1)
    group = re.sub(r"(<ram:SpecifiedTradeSettlementLineMonetarySummation>\s*<ram:LineTotalAmount>)[^<]*",
                   r"\g<1>473.00", group)
    nested = xml.replace(items[0] + xml[xml.index(items[0]) + len(items[0]):xml.index(items[1])] + items[1],
                         group + "".join(details))
    assert nested.count("<ram:IncludedSupplyChainTradeLineItem>") == 3
    read = einvoice.try_extract(nested.encode(), "application/xml")
    plain = einvoice.try_extract(xml.encode(), "application/xml")
    assert [line["amount"] for line in read.document["lines"]] == [198.0, 275.0]
    assert read.document["lines"] == plain.document["lines"]
    assert not [w for w in read.warnings if w.code == "lines_subtotal_mismatch"]


def test_a_set_whose_parts_are_information_lines_is_billed_itself():
    """A DETAIL line (a set at 198.00) whose sub-lines are INFORMATION at 0.00 (its parts, listed for reference):
    the set is the line; the parts are no lines; the amounts make up the net total as before."""
    xml = einfach_xml().decode()
    items = re.findall(r"<ram:IncludedSupplyChainTradeLineItem>.*?</ram:IncludedSupplyChainTradeLineItem>", xml, re.S)
    line_id = re.search(r"<ram:LineID>([^<]*)</ram:LineID>", items[0]).group(1)
    part = items[0].replace("</ram:LineID>", f"-1</ram:LineID><ram:ParentLineID>{line_id}</ram:ParentLineID>"
                            "<ram:LineStatusReasonCode>INFORMATION</ram:LineStatusReasonCode>", 1)
    part = re.sub(r"(<ram:SpecifiedTradeSettlementLineMonetarySummation>\s*<ram:LineTotalAmount>)[^<]*",
                  r"\g<1>0.00", part)
    with_parts = xml.replace(items[0], items[0] + part + part.replace("-1</ram:LineID>", "-2</ram:LineID>"))
    assert with_parts.count("<ram:IncludedSupplyChainTradeLineItem>") == 4
    read = einvoice.try_extract(with_parts.encode(), "application/xml")
    plain = einvoice.try_extract(xml.encode(), "application/xml")
    assert read.document["lines"] == plain.document["lines"]
    assert not [w for w in read.warnings if w.code == "lines_subtotal_mismatch"]


def test_an_xml_in_an_einvoice_namespace_with_another_root_is_a_broken_einvoice():
    """An uploaded XML of the CII namespace whose root is not an invoice's: a clear broken-e-invoice error that
    names the root, never "no e-invoice"."""
    xml = einfach_xml().replace(b"rsm:CrossIndustryInvoice", b"rsm:MyInvoice")
    with pytest.raises(einvoice.BrokenEInvoice, match="MyInvoice"):
        einvoice.try_extract(xml, "application/xml")
    assert einvoice.try_extract(b"<?xml version='1.0'?><catalog xmlns='urn:example'/>", "application/xml") is None


def test_a_pdf_that_names_an_einvoice_it_cannot_yield_is_said_to_be_broken():
    """A damaged PDF whose bytes name factur-x.xml but from which no attachment can be read: a broken e-invoice
    (the pipeline reads the pages and warns, serious), not a plain PDF read in silence."""
    # a plain PDF with an embedded-file object its catalogue no longer references (a lost attachment tree)
    damaged = NON_EINVOICE_PDFS[0].read_bytes() + (
        b"\n99 0 obj\n<< /Type /Filespec /F (factur-x.xml) /EF << /F 98 0 R >> >>\nendobj\n")
    from ocr_sidecar.formats import xml_attachments

    assert xml_attachments(damaged) == []
    with pytest.raises(einvoice.BrokenEInvoice, match="factur-x.xml"):
        einvoice.try_extract(damaged, "application/pdf")


def test_an_odd_encoding_declaration_is_read_not_called_no_einvoice():
    xml = re.sub(rb"encoding=['\"][^'\"]*['\"]", b'encoding="UTF-8-W/O-BOM"', einfach_xml(), count=1)
    assert b"UTF-8-W/O-BOM" in xml
    read = einvoice.try_extract(xml, "application/xml")
    assert read.document["total"] == einvoice.try_extract(einfach_xml(), "application/xml").document["total"]
    pdf = _with_attachment(NON_EINVOICE_PDFS[0].read_bytes(), "factur-x.xml", xml)
    assert einvoice.try_extract(pdf, "application/pdf").document["total"] == read.document["total"]


def test_the_files_an_xml_carries_are_listed_and_their_bytes_sent_when_asked():
    """Over gRPC: each embedded file by name, type and size; its bytes only with include_attachments."""
    import grpc

    from ocr_sidecar.proto import document_service_pb2 as pb
    from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
    from ocr_sidecar.testing import SidecarThread

    visual = NON_EINVOICE_PDFS[0].read_bytes()
    attachment = (b"<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>visual</ram:IssuerAssignedID>"
                  b"<ram:TypeCode>916</ram:TypeCode><ram:Name>Invoice as printed</ram:Name>"
                  b"<ram:AttachmentBinaryObject mimeCode=\"application/pdf\" filename=\"RE-1.pdf\">"
                  + base64.b64encode(visual) + b"</ram:AttachmentBinaryObject></ram:AdditionalReferencedDocument>")
    xml = re.sub(rb"(</ram:BuyerTradeParty>)", lambda m: m.group(1) + attachment, einfach_xml(), count=1)
    with SidecarThread(engine="einvoice") as target, grpc.insecure_channel(target) as channel:
        stub = pb_grpc.DocumentServiceStub(channel)
        listed = stub.Extract(pb.ExtractRequest(content=xml), timeout=60)
        sent = stub.Extract(pb.ExtractRequest(content=xml, include_attachments=True), timeout=60)
        plain = stub.Extract(pb.ExtractRequest(content=einfach_xml()), timeout=60)
    assert [(a.filename, a.mime_type, a.size, a.content, a.description) for a in listed.attachments] == [
        ("RE-1.pdf", "application/pdf", len(visual), b"", "Invoice as printed")]
    assert [a.content for a in sent.attachments] == [visual]
    assert list(plain.attachments) == []
    assert listed.document_json == plain.document_json
