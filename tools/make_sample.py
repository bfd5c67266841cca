"""Write samples/invoice.pdf: a small, made-up Factur-X (EN 16931) invoice — the README's first document.

A PDF page that prints the invoice (a text layer, as an accounting program would write it) with the same
invoice as CII XML embedded, as Factur-X / ZUGFeRD carry it. So it is read two ways: from its XML without
the model or its weights (`./run.sh extract samples/invoice.pdf` on a fresh machine), and from its page by
the model (`--words-only`, or an engine without the e-invoice path). Every name, number and address in it
is made up; VAT ids and the IBAN only pass their checksums.

Run again, it writes the same bytes with the same pypdf and factur-x (the PDF's dates are fixed), so a
regenerated sample shows no diff unless its content changed. tests/test_sample.py checks that the committed
file carries what this script writes (its XML, its printed values), not its bytes (a library upgrade changes
those):

    .venv/bin/python tools/make_sample.py            # writes samples/invoice.pdf
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "invoice.pdf"
FIXED_TIME = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)  # the PDF's creation date, not "now"

INVOICE = {
    "number": "INV-2025-0042", "issued": "2025-03-14", "due": "2025-04-13", "order": "PO-7731",
    "currency": "EUR", "iban": "DE89370400440532013000",
    "seller": {"name": "Example Office Supplies GmbH", "street": "Lindenstrasse 12", "zip": "10115",
               "city": "Berlin", "country": "DE", "vat": "DE812345673", "email": "billing@example.com"},
    "buyer": {"name": "Sample Trading AG", "street": "Hafenweg 5", "zip": "20457", "city": "Hamburg",
              "country": "DE", "vat": "DE298765435"},
    "lines": [  # code, description, quantity, unit price (net), VAT rate
        ("PAP-A4-80", "Printer paper A4, 80 g, box of 2500 sheets", 4, "24.90", 19),
        ("TON-K-300", "Toner cartridge, black", 2, "79.00", 19),
        ("ORG-B-12", "Desk organiser, bamboo", 1, "35.50", 19),
    ],
}


def amounts(invoice: dict) -> dict:
    """Line totals, subtotal, VAT and total, to the cent (Decimal: what a cash register adds)."""
    from decimal import ROUND_HALF_UP, Decimal

    cent = Decimal("0.01")
    lines = [(Decimal(price) * qty).quantize(cent) for _code, _desc, qty, price, _rate in invoice["lines"]]
    subtotal = sum(lines, Decimal(0))
    rate = invoice["lines"][0][4]
    tax = (subtotal * rate / 100).quantize(cent, ROUND_HALF_UP)
    return {"lines": lines, "subtotal": subtotal, "rate": rate, "tax": tax, "total": subtotal + tax}


def cii_xml(invoice: dict) -> bytes:
    """The invoice as UN/CEFACT CII, Factur-X profile EN 16931."""
    from xml.sax.saxutils import escape

    a = amounts(invoice)

    def date(iso: str) -> str:
        return f'<udt:DateTimeString format="102">{iso.replace("-", "")}</udt:DateTimeString>'

    def party(p: dict) -> str:
        email = (f'<ram:URIUniversalCommunication><ram:URIID schemeID="EM">{p["email"]}</ram:URIID>'
                 "</ram:URIUniversalCommunication>") if p.get("email") else ""
        return (f"<ram:Name>{escape(p['name'])}</ram:Name>"
                f"<ram:PostalTradeAddress><ram:PostcodeCode>{p['zip']}</ram:PostcodeCode>"
                f"<ram:LineOne>{escape(p['street'])}</ram:LineOne><ram:CityName>{p['city']}</ram:CityName>"
                f"<ram:CountryID>{p['country']}</ram:CountryID></ram:PostalTradeAddress>{email}"
                f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{p["vat"]}</ram:ID></ram:SpecifiedTaxRegistration>')

    def tax(rate: int) -> str:
        return f"<ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>" \
               f"<ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent>"

    items = "".join(
        f"<ram:IncludedSupplyChainTradeLineItem>"
        f"<ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID></ram:AssociatedDocumentLineDocument>"
        f"<ram:SpecifiedTradeProduct><ram:SellerAssignedID>{code}</ram:SellerAssignedID>"
        f"<ram:Name>{escape(desc)}</ram:Name></ram:SpecifiedTradeProduct>"
        f"<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{price}"
        f"</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        f'<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">{qty}</ram:BilledQuantity>'
        f"</ram:SpecifiedLineTradeDelivery>"
        f"<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax>{tax(rate)}</ram:ApplicableTradeTax>"
        f"<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{total}</ram:LineTotalAmount>"
        f"</ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>"
        f"</ram:IncludedSupplyChainTradeLineItem>"
        for n, ((code, desc, qty, price, rate), total) in enumerate(zip(invoice["lines"], a["lines"]), start=1))
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
        'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
        'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" '
        'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">'
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        "<ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
        "</rsm:ExchangedDocumentContext>"
        f"<rsm:ExchangedDocument><ram:ID>{invoice['number']}</ram:ID><ram:TypeCode>380</ram:TypeCode>"
        f"<ram:IssueDateTime>{date(invoice['issued'])}</ram:IssueDateTime></rsm:ExchangedDocument>"
        f"<rsm:SupplyChainTradeTransaction>{items}"
        f"<ram:ApplicableHeaderTradeAgreement>"
        f"<ram:SellerTradeParty>{party(invoice['seller'])}</ram:SellerTradeParty>"
        f"<ram:BuyerTradeParty>{party(invoice['buyer'])}</ram:BuyerTradeParty>"
        f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{invoice['order']}</ram:IssuerAssignedID>"
        f"</ram:BuyerOrderReferencedDocument></ram:ApplicableHeaderTradeAgreement>"
        f"<ram:ApplicableHeaderTradeDelivery/>"
        f"<ram:ApplicableHeaderTradeSettlement><ram:PaymentReference>{invoice['number']}</ram:PaymentReference>"
        f"<ram:InvoiceCurrencyCode>{invoice['currency']}</ram:InvoiceCurrencyCode>"
        f"<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode>"
        f"<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{invoice['iban']}</ram:IBANID>"
        f"</ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>"
        f"<ram:ApplicableTradeTax><ram:CalculatedAmount>{a['tax']}</ram:CalculatedAmount>"
        f"<ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{a['subtotal']}</ram:BasisAmount>"
        f"<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{a['rate']}</ram:RateApplicablePercent>"
        f"</ram:ApplicableTradeTax>"
        f"<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>{date(invoice['due'])}</ram:DueDateDateTime>"
        f"</ram:SpecifiedTradePaymentTerms>"
        f"<ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        f"<ram:LineTotalAmount>{a['subtotal']}</ram:LineTotalAmount>"
        f"<ram:TaxBasisTotalAmount>{a['subtotal']}</ram:TaxBasisTotalAmount>"
        f'<ram:TaxTotalAmount currencyID="{invoice["currency"]}">{a["tax"]}</ram:TaxTotalAmount>'
        f"<ram:GrandTotalAmount>{a['total']}</ram:GrandTotalAmount>"
        f"<ram:DuePayableAmount>{a['total']}</ram:DuePayableAmount>"
        f"</ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
        f"</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>\n")
    return xml.encode()


def page_pdf(invoice: dict) -> bytes:
    """One A4 page printing the invoice in Helvetica (a text layer, no embedded fonts: a few KB)."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, NameObject

    a = amounts(invoice)
    s, b = invoice["seller"], invoice["buyer"]
    ops: list[str] = []

    def text(x: float, y: float, value: str, size: float = 10, bold: bool = False, right: bool = False) -> None:
        if right:  # right-aligned columns: Helvetica's digits are all 0.556 em wide, near enough for the rest
            x -= 0.556 * size * len(value)
        value = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"BT /{'F2' if bold else 'F1'} {size} Tf {x:.1f} {y:.1f} Td ({value}) Tj ET")

    text(50, 790, s["name"], 14, bold=True)
    text(50, 774, f"{s['street']}, {s['zip']} {s['city']}, Germany")
    text(50, 760, f"VAT ID {s['vat']}  -  {s['email']}")
    text(50, 700, b["name"], bold=True)
    text(50, 686, b["street"])
    text(50, 672, f"{b['zip']} {b['city']}, Germany")
    text(50, 658, f"VAT ID {b['vat']}")
    text(50, 610, "INVOICE", 18, bold=True)
    for i, (label, value) in enumerate((("Invoice number", invoice["number"]), ("Invoice date", invoice["issued"]),
                                        ("Due date", invoice["due"]), ("Your order", invoice["order"]))):
        text(350, 700 - 14 * i, label)
        text(450, 700 - 14 * i, value)
    y = 570
    for x, head, right in ((50, "Code", False), (130, "Description", False), (380, "Qty", True),
                           (440, "Unit price", True), (478, "VAT", True), (545, "Amount EUR", True)):
        text(x, y, head, 9, bold=True, right=right)
    for (code, desc, qty, price, rate), total in zip(invoice["lines"], a["lines"]):
        y -= 18
        text(50, y, code, 9)
        text(130, y, desc, 9)
        text(380, y, str(qty), 9, right=True)
        text(440, y, price, 9, right=True)
        text(478, y, f"{rate} %", 9, right=True)
        text(545, y, f"{total}", 9, right=True)
    y -= 36
    for label, value, bold in (("Subtotal", a["subtotal"], False), (f"VAT {a['rate']} %", a["tax"], False),
                               ("Total EUR", a["total"], True)):
        text(390, y, label, 10, bold=bold)
        text(545, y, f"{value}", 10, bold=bold, right=True)
        y -= 16
    text(50, y - 30, f"Please pay {a['total']} EUR by {invoice['due']} to IBAN {invoice['iban']},")
    text(50, y - 44, f"quoting {invoice['number']}. This invoice is a made-up sample (tools/make_sample.py).")

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    fonts = DictionaryObject({NameObject(name): DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject(base), NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
        for name, base in (("/F1", "/Helvetica"), ("/F2", "/Helvetica-Bold"))})
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): fonts, NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/Text")])})
    content = ContentStream(None, writer)
    content.set_data("\n".join(ops).encode("latin-1"))
    page.replace_contents(content)
    writer.add_metadata({"/Title": f"Invoice {invoice['number']}", "/Author": s["name"]})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build() -> bytes:
    """The sample's bytes: the page with the XML embedded (facturx), at a fixed time, so every run agrees."""
    import facturx.facturx as fx

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return FIXED_TIME if tz else FIXED_TIME.replace(tzinfo=None)

    with mock.patch.object(fx, "datetime", Frozen):
        return fx.generate_from_binary(page_pdf(INVOICE), cii_xml(INVOICE), flavor="factur-x", level="en16931",
                                       check_xsd=True, lang="en-GB",
                                       pdf_metadata={"author": INVOICE["seller"]["name"],
                                                     "title": f"Invoice {INVOICE['number']}",
                                                     "subject": "Made-up sample invoice", "keywords": "Factur-X"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE)
    args = parser.parse_args(argv)
    data = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
