"""The e-invoice fast path: real Factur-X / ZUGFeRD / Order-X PDFs of the shared corpus, plain XML
uploads, UBL documents, and hostile or broken inputs."""

from __future__ import annotations

import io
import resource
import time
from pathlib import Path

import pytest
from facturx import get_xml_from_pdf
from pypdf import PdfReader, PdfWriter

from ocr_sidecar import einvoice, schema
from ocr_sidecar.answer import leaf_paths
from ocr_sidecar.errors import InvalidDocument
from ocr_sidecar.eval import score_document
from ocr_sidecar.formats import sniff_xml
from ocr_sidecar.types import DocumentInput

from conftest import DOCUMENTS_DIR, corpus, load_gold

EINVOICE_DOCS = [p for p in corpus() if p.name.startswith(("fx_", "ox_"))]


def _attachments(path: Path) -> list[str]:
    return [a.name for a in PdfReader(str(path)).attachment_list]


def _with_attachment(pdf: bytes, name: str, data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_leaf_paths = leaf_paths  # every non-null leaf of a document (ocr_sidecar/answer.py)


# --- the corpus ---------------------------------------------------------------------------------


def test_corpus_has_the_einvoices():
    # 20 Factur-X/ZUGFeRD + 3 Order-X documents according to the corpus README.
    assert len(EINVOICE_DOCS) == 23, [p.name for p in EINVOICE_DOCS]


@pytest.mark.parametrize("path", EINVOICE_DOCS, ids=lambda p: p.stem)
def test_corpus_einvoice_matches_gold_on_every_field(path: Path):
    result = einvoice.try_extract(path.read_bytes(), "application/pdf")
    assert result is not None, "the embedded XML was not found"
    gold = load_gold(path)
    score = score_document(gold, result.document)
    assert score.mismatches() == [], "\n".join(
        f"{f.path}: gold {f.gold!r} != {f.predicted!r}" for f in score.mismatches())
    # Same line and tax count as gold (no phantom lines from sub-products or notes).
    for key in ("lines", "taxes"):
        if key in gold:
            assert len(result.document[key] or []) == len(gold[key]), key
    assert result.engine == "einvoice"
    assert result.model.startswith(("einvoice/cii", "einvoice/zugferd1", "einvoice/order-x"))
    schema.parse_document(result.document)  # valid canonical document
    assert set(result.field_confidence) == set(_leaf_paths(result.document))
    assert set(result.field_confidence.values()) == {1.0}


def test_zugferd1_and_order_x_are_recognised_by_syntax():
    kraxi = einvoice.try_extract((DOCUMENTS_DIR / "fx_zugferd_invoice_kraxi.pdf").read_bytes())
    order = einvoice.try_extract((DOCUMENTS_DIR / "ox_ORDER-X_EX11_ORDER_PICK-UP-BASIC.pdf").read_bytes())
    assert kraxi.model == "einvoice/zugferd1:basic"
    assert order.model == "einvoice/order-x:basic"
    assert order.document["document_type"] == "purchase_order"
    assert order.document["amount_due"] is None  # an order is not payable


def test_negative_corrected_invoice_becomes_a_positive_credit_note():
    # TypeCode 384 with negative quantities and totals, as printed.
    doc = einvoice.try_extract((DOCUMENTS_DIR / "fx_EN16931_Rechnungskorrektur.pdf").read_bytes()).document
    assert doc["document_type"] == "credit_note"
    numbers = [doc[k] for k in ("subtotal", "total_tax", "total", "amount_due")]
    numbers += [v for line in doc["lines"] for k, v in line.items() if k in ("quantity", "unit_price", "amount")]
    numbers += [v for tax in doc["taxes"] for v in (tax["base"], tax["amount"])]
    assert all(n >= 0 for n in numbers), doc


def test_line_allowances_become_the_discount_that_reproduces_the_amount():
    # 10 x 100.00 with a 10 % and a flat 50.00 allowance = 850.00: one 15 % discount in Odoo terms.
    doc = einvoice.try_extract((DOCUMENTS_DIR / "fx_zugferd_2p0_EXTENDED_Fremdwaehrung.pdf").read_bytes()).document
    (line,) = doc["lines"]
    assert (line["quantity"], line["unit_price"], line["discount_percent"], line["amount"]) == (10, 100, 15, 850)


def test_extended_information_lines_are_not_lines():
    path = DOCUMENTS_DIR / "fx_zugferd_2p0_EXTENDED_Warenrechnung.pdf"
    _, xml = get_xml_from_pdf(path.read_bytes(), check_xsd=False)
    marked = xml.replace(b"<ram:LineID>3</ram:LineID>",
                         b"<ram:LineID>3</ram:LineID><ram:LineStatusReasonCode>INFORMATION</ram:LineStatusReasonCode>", 1)
    assert marked != xml
    lines = einvoice.try_extract(marked, "application/xml").document["lines"]
    assert len(lines) == len(load_gold(path)["lines"]) - 1
    assert (10.0, 0.0) not in [(line["quantity"], line["amount"]) for line in lines]  # line 3: 10 free items


def test_profile_without_lines_says_so():
    result = einvoice.try_extract((DOCUMENTS_DIR / "fx_Facture_FR_BASICWL.pdf").read_bytes())
    assert result.document["lines"] is None
    assert [w.code for w in result.warnings] == ["einvoice_without_lines"]


# --- plain XML uploads --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fx_EN16931_Einfach", "fx_zugferd_invoice_kraxi", "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT"])
def test_plain_xml_upload_reads_like_the_pdf(name: str):
    pdf_path = DOCUMENTS_DIR / f"{name}.pdf"
    _, xml = get_xml_from_pdf(pdf_path.read_bytes(), check_xsd=False)
    assert sniff_xml(xml)
    from_xml = einvoice.try_extract(xml, "application/xml")
    from_pdf = einvoice.try_extract(pdf_path.read_bytes(), "application/pdf")
    assert from_xml.document == from_pdf.document
    assert score_document(load_gold(pdf_path), from_xml.document).accuracy == 1.0
    # The bytes win over a wrong claim.
    assert einvoice.try_extract(xml, "image/png").document == from_xml.document


def test_non_einvoice_xml_is_not_claimed():
    assert einvoice.try_extract(b"<?xml version='1.0'?><note><to>Tove</to></note>", "text/xml") is None
    assert einvoice.try_extract(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "") is None


@pytest.mark.parametrize("content, expected", [
    (b"<?xml version='1.0'?><a/>", True),
    (b"\xef\xbb\xbf  \n<rsm:CrossIndustryInvoice xmlns:rsm='x'/>", True),
    (b"<!-- generated --><Invoice/>", True),
    ("<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16"), True),
    (b"%PDF-1.7\n", False),
    (b"\x89PNG\r\n\x1a\n", False),
    (b"<!DOCTYPE html><html></html>", False),
    (b"hello <world>", False),
    (b"", False),
])
def test_sniff_xml(content: bytes, expected: bool):
    assert sniff_xml(content) is expected


# --- documents that carry no e-invoice ------------------------------------------------------------


NON_EINVOICE_PDFS = [p for p in corpus() if p.name.startswith("i2d_") and p.suffix == ".pdf"
                     and not any(n.lower().endswith(".xml") for n in _attachments(p))]


def test_plain_pdfs_and_images_are_not_einvoices():
    assert len(NON_EINVOICE_PDFS) >= 9
    for path in NON_EINVOICE_PDFS + [p for p in corpus() if p.name.startswith("img_")]:
        assert einvoice.try_extract(path.read_bytes(), "") is None, path.name


def test_pdf_with_an_odoo_ubl_attachment_is_read_from_its_xml():
    # i2d_AzureInterior.pdf (an Odoo invoice) embeds UBL-Invoice-2.1.xml: it IS an e-invoice. Its UBL
    # has quirks: section titles sent as lines, the quantity written into the price's base quantity.
    path = DOCUMENTS_DIR / "i2d_AzureInterior.pdf"
    result = einvoice.try_extract(path.read_bytes(), "application/pdf")
    assert result.model == "einvoice/ubl"
    gold = load_gold(path)
    doc = result.document
    for key in ("document_type", "document_number", "issue_date", "due_date", "currency", "subtotal",
                "total_tax", "total", "taxes"):
        assert doc[key] == gold[key], key
    assert doc["seller"]["name"] == gold["seller"]["name"]
    assert [line["description"] for line in doc["lines"]][:2] == ["Beeswax XL", "Office Chair"]
    assert len(doc["lines"]) == len(gold["lines"])  # "--- Non Food ---" etc. are not lines
    truffles = doc["lines"][-1]
    assert (truffles["quantity"], truffles["unit_price"], truffles["amount"]) == (15, 10, 150)
    assert "einvoice_price_basis_ignored" in [w.code for w in result.warnings]


def test_engine_wrapper_refuses_documents_without_einvoice():
    """``--engine einvoice``: the pipeline's e-invoice stage answers every e-invoice (even with OCR_EINVOICE=0,
    which only turns the stage off in front of a model), and the engine refuses the rest without reading."""
    from ocr_sidecar.engines import make_engine
    from ocr_sidecar.engines.einvoice import EInvoiceEngine
    from ocr_sidecar.pipeline import ExtractParams, Pipeline
    from ocr_sidecar.settings import Settings

    settings = Settings(engine="einvoice", einvoice=False, parse_memory_mb=0)
    engine = make_engine(settings)
    engine.load()
    assert isinstance(engine, EInvoiceEngine) and not engine.reads_pages
    pipeline = Pipeline(settings, engine)
    plain = NON_EINVOICE_PDFS[0]
    with pytest.raises(InvalidDocument, match="no e-invoice"):
        pipeline.run(ExtractParams(content=plain.read_bytes(), mime_type="application/pdf"))
    fx = DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"
    result = pipeline.run(ExtractParams(content=fx.read_bytes(), mime_type="application/pdf"))
    assert result.engine == "einvoice" and result.model.startswith("einvoice/cii")
    with pytest.raises(InvalidDocument, match="no e-invoice"):  # the engine itself reads no XML
        engine.extract(DocumentInput(content=fx.read_bytes(), mime_type="application/pdf"))


# --- broken and hostile XML ---------------------------------------------------------------------


def test_broken_xml_upload_raises_broken_einvoice():
    _, xml = get_xml_from_pdf((DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf").read_bytes(), check_xsd=False)
    with pytest.raises(einvoice.BrokenEInvoice, match="not well-formed") as info:
        einvoice.try_extract(xml[: len(xml) // 2], "application/xml")
    assert isinstance(info.value, InvalidDocument)  # uncaught, it still maps to INVALID_ARGUMENT
    assert info.value.code == "einvoice_unreadable"


def test_pdf_with_broken_facturx_attachment_raises_broken_einvoice():
    plain = NON_EINVOICE_PDFS[0].read_bytes()
    pdf = _with_attachment(plain, "factur-x.xml", b"<rsm:CrossIndustryInvoice><unclosed>")
    with pytest.raises(einvoice.BrokenEInvoice, match="factur-x.xml"):
        einvoice.try_extract(pdf, "application/pdf")


def test_pdf_with_unrelated_xml_attachment_is_not_an_einvoice():
    plain = NON_EINVOICE_PDFS[0].read_bytes()
    pdf = _with_attachment(plain, "settings.xml", b"<settings><dpi>300</dpi></settings>")
    assert einvoice.try_extract(pdf, "application/pdf") is None


def _billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels)]
    return ('<?xml version="1.0"?><!DOCTYPE rsm:CrossIndustryInvoice [' + "".join(entities) + ']>'
            f'<rsm:CrossIndustryInvoice xmlns:rsm="urn:x"><a>&lol{levels - 1};</a></rsm:CrossIndustryInvoice>'
            ).encode()


def test_xml_bomb_is_refused_quickly_without_expanding():
    bomb = _billion_laughs()  # 10^9 "lol"s if expanded: 3 GB
    peak_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(einvoice.BrokenEInvoice) as info:
        einvoice.try_extract(bomb, "application/xml")
    message = info.value.message  # libxml2 stops it at its amplification limit, or it is refused for its DTD
    assert message.startswith("The uploaded XML") and "Ask the sender" in message
    assert "amplification" in message or "declares a DTD/entities" in message, message
    elapsed = time.perf_counter() - started
    # libxml2 allocates outside Python's allocator: the process's peak resident size tells.
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before_kib
    assert elapsed < 1.0
    assert grown_kib < 50 * 1024


def test_external_entity_is_refused_and_not_resolved(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">'
           '<rsm:ExchangedDocument><ram:ID xmlns:ram="r">&x;</ram:ID></rsm:ExchangedDocument>'
           '</rsm:CrossIndustryInvoice>').encode()
    with pytest.raises(einvoice.BrokenEInvoice, match="DTD") as info:
        einvoice.try_extract(xxe, "application/xml")
    assert "TOP-SECRET" not in info.value.message


# --- UBL ----------------------------------------------------------------------------------------

UBL_NS = ('xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
          'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"')


def _ubl_party(name: str, vat: str, street: str, email: str) -> str:
    return f"""<cac:Party>
      <cbc:EndpointID schemeID="EM">edi@{name.split()[0].lower()}.example</cbc:EndpointID>
      <cac:PartyName><cbc:Name>{name.split()[0]} Shop</cbc:Name></cac:PartyName>
      <cac:PostalAddress><cbc:StreetName>{street}</cbc:StreetName><cbc:CityName>Berlin</cbc:CityName>
        <cbc:PostalZone>10115</cbc:PostalZone><cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName></cac:PartyLegalEntity>
      <cac:Contact><cbc:Telephone>+49 30 1234567</cbc:Telephone><cbc:ElectronicMail>{email}</cbc:ElectronicMail></cac:Contact>
    </cac:Party>"""


def _ubl_line(tag: str, qty_tag: str, n: int, qty: str, amount: str, price: str, base: str = "1",
              allowance: str = "", description: str = "Widget") -> str:
    return f"""<cac:{tag}><cbc:ID>{n}</cbc:ID><cbc:{qty_tag} unitCode="C62">{qty}</cbc:{qty_tag}>
      <cbc:LineExtensionAmount currencyID="EUR">{amount}</cbc:LineExtensionAmount>{allowance}
      <cac:Item><cbc:Name>{description} {n}</cbc:Name><cac:SellersItemIdentification><cbc:ID>W-{n}</cbc:ID></cac:SellersItemIdentification>
        <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
      </cac:Item>
      <cac:Price><cbc:PriceAmount currencyID="EUR">{price}</cbc:PriceAmount><cbc:BaseQuantity unitCode="C62">{base}</cbc:BaseQuantity></cac:Price>
    </cac:{tag}>"""


def _ubl_invoice(root: str = "Invoice", type_tag: str = "InvoiceTypeCode", type_code: str = "380",
                 sign: str = "", lines: str | None = None) -> bytes:
    line_tag, qty_tag = ("CreditNoteLine", "CreditedQuantity") if root == "CreditNote" else ("InvoiceLine", "InvoicedQuantity")
    if lines is None:
        discount = ('<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>'
                    '<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>'
                    '<cbc:Amount currencyID="EUR">2.00</cbc:Amount></cac:AllowanceCharge>')
        lines = (_ubl_line(line_tag, qty_tag, 1, f"{sign}200", f"{sign}24.00", "12.00", base="100")
                 + _ubl_line(line_tag, qty_tag, 2, f"{sign}2", f"{sign}18.00", "10.00", allowance=discount))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" {UBL_NS}>
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>RE-2024-0042</cbc:ID>
  <cbc:IssueDate>2024-05-02</cbc:IssueDate>
  <cbc:DueDate>2024-06-01</cbc:DueDate>
  <cbc:{type_tag}>{type_code}</cbc:{type_tag}>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:OrderReference><cbc:ID>PO-7781</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty>{_ubl_party("Werkzeug Schmidt GmbH", "DE 123 456 789", "Hauptstr. 5", "rechnung@schmidt.example")}</cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>{_ubl_party("Kunde AG", "DE987654321", "Nebenweg 1", "ap@kunde.example")}</cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cbc:PaymentID>RE-2024-0042</cbc:PaymentID>
    <cac:PayeeFinancialAccount><cbc:ID>DE89 3704 0044 0532 0130 00</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{sign}7.98</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">{sign}42.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">{sign}7.98</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:TaxTotal><cbc:TaxAmount currencyID="USD">{sign}8.60</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{sign}42.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">{sign}42.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{sign}49.98</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{sign}49.98</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  {lines}
</{root}>""".encode()


def test_ubl_invoice_maps_every_field():
    result = einvoice.try_extract(_ubl_invoice(), "application/xml")
    assert result.model == "einvoice/ubl:xrechnung"
    assert result.warnings == []
    doc = result.document
    assert {k: doc[k] for k in ("document_type", "document_number", "issue_date", "due_date", "currency",
                                "order_reference", "payment_reference", "subtotal", "total_tax", "total",
                                "amount_due")} == {
        "document_type": "invoice", "document_number": "RE-2024-0042", "issue_date": "2024-05-02",
        "due_date": "2024-06-01", "currency": "EUR", "order_reference": "PO-7781",
        "payment_reference": "RE-2024-0042", "subtotal": 42.0, "total_tax": 7.98, "total": 49.98, "amount_due": 49.98}
    assert doc["seller"] == {
        "name": "Werkzeug Schmidt GmbH", "vat": "DE123456789", "iban": "DE89370400440532013000",
        "email": "rechnung@schmidt.example", "phone": "+49 30 1234567",
        "address": {"street": "Hauptstr. 5", "city": "Berlin", "zip": "10115", "country_code": "DE"}}
    assert doc["buyer"]["name"] == "Kunde AG" and doc["buyer"]["iban"] is None
    # 12.00 per 100 pieces; the second line has a 10 % allowance.
    assert doc["lines"] == [
        {"description": "Widget 1", "product_code": "W-1", "quantity": 200.0, "unit": "C62", "unit_price": 0.12,
         "discount_percent": None, "tax_rate": 19.0, "amount": 24.0},
        {"description": "Widget 2", "product_code": "W-2", "quantity": 2.0, "unit": "C62", "unit_price": 10.0,
         "discount_percent": 10.0, "tax_rate": 19.0, "amount": 18.0}]
    assert doc["taxes"] == [{"rate": 19.0, "base": 42.0, "amount": 7.98}]  # EUR tax total, not the USD one


def test_ubl_credit_note_and_negative_invoice_are_positive_credit_notes():
    credit = einvoice.try_extract(_ubl_invoice("CreditNote", "CreditNoteTypeCode", "381"), "").document
    negative = einvoice.try_extract(_ubl_invoice(sign="-"), "").document
    for doc in (credit, negative):
        assert doc["document_type"] == "credit_note"
        assert (doc["total"], doc["amount_due"], doc["taxes"][0]["base"]) == (49.98, 49.98, 42.0)
        assert [(line["quantity"], line["amount"]) for line in doc["lines"]] == [(200.0, 24.0), (2.0, 18.0)]


def test_ubl_order_and_order_response():
    order_line = """<cac:OrderLine><cac:LineItem><cbc:ID>1</cbc:ID><cbc:Quantity unitCode="KGM">5</cbc:Quantity>
      <cbc:LineExtensionAmount currencyID="EUR">50.00</cbc:LineExtensionAmount>
      <cac:Price><cbc:PriceAmount currencyID="EUR">10.00</cbc:PriceAmount></cac:Price>
      <cac:Item><cbc:Name>Flour</cbc:Name><cac:SellersItemIdentification><cbc:ID>FL-1</cbc:ID></cac:SellersItemIdentification></cac:Item>
    </cac:LineItem></cac:OrderLine>"""
    parties = (f"<cac:BuyerCustomerParty>{_ubl_party('Bakery Ltd', 'GB123456789', '1 Main St', 'buy@bakery.example')}</cac:BuyerCustomerParty>"
               f"<cac:SellerSupplierParty>{_ubl_party('Mill plc', 'GB987654321', '2 Mill Rd', 'sales@mill.example')}</cac:SellerSupplierParty>")
    for root, expected_type, reference in (("Order", "purchase_order", None), ("OrderResponse", "sales_order", "PO-55")):
        xml = f"""<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" {UBL_NS}>
          <cbc:ID>SO-1</cbc:ID><cbc:IssueDate>2024-02-29</cbc:IssueDate><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
          <cac:OrderReference><cbc:ID>PO-55</cbc:ID></cac:OrderReference>{parties}
          <cac:AnticipatedMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">50.00</cbc:LineExtensionAmount>
            <cbc:PayableAmount currencyID="EUR">59.50</cbc:PayableAmount></cac:AnticipatedMonetaryTotal>{order_line}
        </{root}>""".encode()
        doc = einvoice.try_extract(xml, "").document
        assert doc["document_type"] == expected_type
        assert doc["order_reference"] == reference
        assert (doc["seller"]["name"], doc["buyer"]["name"]) == ("Mill plc", "Bakery Ltd")
        assert doc["lines"] == [{"description": "Flour", "product_code": "FL-1", "quantity": 5.0, "unit": "KGM",
                                 "unit_price": 10.0, "discount_percent": None, "tax_rate": None, "amount": 50.0}]
        assert (doc["subtotal"], doc["amount_due"]) == (50.0, None)


def test_what_the_schema_cannot_hold_is_cut_with_warnings():
    many = "".join(_ubl_line("InvoiceLine", "InvoicedQuantity", n, "1", "1.00", "1.00") for n in range(1, 62))
    long_name = "X" * 250
    xml = _ubl_invoice(lines=many).replace(b"Widget 1<", long_name.encode() + b"<", 1)
    result = einvoice.try_extract(xml, "")
    assert len(result.document["lines"]) == schema.MAX_LINES
    assert len(result.document["lines"][0]["description"]) == schema.MAX_TEXT
    codes = {(w.code, w.serious) for w in result.warnings}
    assert ("einvoice_too_many_lines", True) in codes
    assert ("einvoice_value_truncated", False) in codes


def test_unreadable_values_are_left_empty_with_a_warning():
    xml = _ubl_invoice().replace(b"<cbc:IssueDate>2024-05-02", b"<cbc:IssueDate>2024-13-45").replace(
        b'<cbc:TaxExclusiveAmount currencyID="EUR">42.00', b'<cbc:TaxExclusiveAmount currencyID="EUR">forty-two')
    result = einvoice.try_extract(xml, "")
    assert result.document["issue_date"] is None
    assert result.document["subtotal"] == 42.0  # falls back to the line total
    assert {(w.code, w.field) for w in result.warnings} >= {("einvoice_bad_value", "issue_date"),
                                                             ("einvoice_bad_value", "subtotal")}


def test_an_einvoice_s_evidence_is_the_xml_element_of_each_value_and_says_so():
    """No pixels: each value's evidence names the XML element it was read from (page 0, source "xml", no
    boxes), through the server's response; a value the mapping derived has none, and nothing is flagged
    as not on the page."""
    import grpc

    from ocr_sidecar.proto import document_service_pb2 as pb
    from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
    from ocr_sidecar.testing import SidecarThread

    path = DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"
    with SidecarThread(engine="einvoice") as target, grpc.insecure_channel(target) as channel:
        reply = pb_grpc.DocumentServiceStub(channel).Extract(pb.ExtractRequest(content=path.read_bytes()),
                                                             timeout=60)
    evidence = {e.path: e for e in reply.evidence}
    assert all(e.source == "xml" and e.page == 0 and not e.boxes for e in reply.evidence)
    assert evidence["document_number"].text == "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID"
    assert any(part.endswith("/ram:GrandTotalAmount") for part in evidence["total"].text.split(" | "))
    assert evidence["seller.name"].text.endswith("/ram:SellerTradeParty/ram:Name")
    assert evidence["issue_date"].text.split(" | ")[0].endswith("/ram:IssueDateTime/udt:DateTimeString")
    assert evidence["seller.vat"].text.endswith("/ram:ID")
    document = schema.parse_document(reply.document_json).model_dump(mode="json")
    located = len(evidence) / len([p for p in leaf_paths(document) if not p.endswith(("document_type", "currency",
                                                                                       "country_code", ".unit"))])
    assert located >= 0.9, f"only {located:.0%} of the values found in the XML"
    assert not [w for w in reply.warnings if w.code == "value_not_on_page"]
