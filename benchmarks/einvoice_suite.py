"""E-invoices of a public conformance suite, read as a user who calls the API would: refused, right, fast.

For every XML (UBL Invoice / CreditNote, UN/CEFACT CII) or PDF with an embedded XML (Factur-X / ZUGFeRD) in a
folder, the e-invoice reader's canonical JSON is compared with an independent reading of the same XML: XPath
on local names written here for this script, not the reader's own helpers. The fields are the EN 16931 core
fields the issue names (BT-1, 2, 3, 5, 9, 13, 27, 31, 44, 48, 84, 106, 109, 110, 112, 115; per line 129, 131,
152, 153). Pairs of one invoice in both syntaxes (``X_ubl.xml`` / ``X_uncefact.xml``, as the XRechnung test
suite names them) are compared with each other, and the paths where they differ are listed.

    python benchmarks/einvoice_suite.py --documents DIR [--json-out FILE] [--show-differences]

Public material to run it on (read with the workplace's fetch; none of it is committed here):
the XRechnung test suite (github itplr-kosit/xrechnung-testsuite, Apache-2.0, ``src/test/**.xml``).

Prints: documents read / refused (no answer, or ``BrokenEInvoice``; a PDF that neither carries nor names an
XML is no e-invoice and is counted apart), core fields equal to
the independent reading, pairs identical, and the time each document took (median, max). Exits 1 when a
document is refused.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree  # noqa: E402

from ocr_sidecar.einvoice import try_extract  # noqa: E402
from ocr_sidecar.errors import BrokenEInvoice  # noqa: E402

# UNTDID 1001 codes of credit notes (EN 16931 code list), written out here again on purpose.
CREDITS = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}


def xp(root, path: str) -> list:
    """Elements or strings at ``path``: each step a local name, ``@attr`` last, ``[name='v']`` filters."""
    steps = []
    for step in path.split("/"):
        if step.startswith("@"):
            steps.append(step)
            continue
        name, _, cond = step.partition("[")
        expr = f"*[local-name()='{name}']"
        if cond:
            key, value = cond.rstrip("]").split("=")
            if key.startswith("@"):
                expr += f"[{key}={value}]"
            else:
                expr += f"[*[local-name()='{key}']={value}]"
        steps.append(expr)
    return root.xpath("/".join(steps))


def text(root, path: str) -> Optional[str]:
    for hit in xp(root, path):
        value = hit if isinstance(hit, str) else hit.text
        if value and value.strip():
            return " ".join(value.split())
    return None


def number(value: Optional[str]) -> Optional[Decimal]:
    try:
        return None if value is None else Decimal(value.strip())
    except InvalidOperation:
        return None


def _sum(elements: list) -> Optional[Decimal]:
    """BT-110 where the XML omits it: the sum of the per-rate tax amounts (BT-117) it does state."""
    amounts = [number(el.text) for el in elements]
    return sum(amounts, Decimal(0)) if amounts and None not in amounts else None


def iso(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) >= 8 else value


def read_ubl(root) -> dict:
    credit_note = etree.QName(root).localname == "CreditNote"
    party = "AccountingSupplierParty/Party"
    buyer = "AccountingCustomerParty/Party"
    currency = text(root, "DocumentCurrencyCode")
    lines = [{"quantity": number(text(line, "InvoicedQuantity") or text(line, "CreditedQuantity")),
              "amount": number(text(line, "LineExtensionAmount")),
              "tax_rate": number(text(line, "Item/ClassifiedTaxCategory/Percent")),
              "description": text(line, "Item/Name")}
             for line in xp(root, "InvoiceLine") + xp(root, "CreditNoteLine")]
    tax_amounts = [el for el in xp(root, "TaxTotal/TaxAmount") if el.get("currencyID") == currency]
    return {
        "type": "credit_note" if credit_note or text(root, "InvoiceTypeCode") in CREDITS else "invoice",
        "BT-1": text(root, "ID"), "BT-2": iso(text(root, "IssueDate")), "BT-5": currency,
        "BT-9": iso(text(root, "DueDate") or text(root, "PaymentMeans/PaymentDueDate")),
        "BT-13": text(root, "OrderReference/ID"),
        # BT-27; a seller that states no legal name (a tax representative's invoice) is named by BT-28
        "BT-27": text(root, f"{party}/PartyLegalEntity/RegistrationName") or text(root, f"{party}/PartyName/Name"),
        "BT-31": _ubl_vat(root, party),
        "BT-44": text(root, f"{buyer}/PartyLegalEntity/RegistrationName"),
        "BT-48": _ubl_vat(root, buyer),
        "BT-84": text(root, "PaymentMeans/PayeeFinancialAccount/ID"),
        "BT-106": number(text(root, "LegalMonetaryTotal/LineExtensionAmount")),
        "BT-109": number(text(root, "LegalMonetaryTotal/TaxExclusiveAmount")),
        "BT-110": number(tax_amounts[0].text) if tax_amounts else _sum(xp(root, "TaxTotal/TaxSubtotal/TaxAmount")),
        "BT-112": number(text(root, "LegalMonetaryTotal/TaxInclusiveAmount")),
        "BT-115": number(text(root, "LegalMonetaryTotal/PayableAmount")),
        "lines": lines,
    }


def _ubl_vat(root, party: str) -> Optional[str]:
    for scheme in xp(root, f"{party}/PartyTaxScheme"):
        if (text(scheme, "TaxScheme/ID") or "").upper() == "VAT":
            return text(scheme, "CompanyID")
    return None


def read_cii(root) -> dict:
    tx = "SupplyChainTradeTransaction"
    agreement, settlement = f"{tx}/ApplicableHeaderTradeAgreement", f"{tx}/ApplicableHeaderTradeSettlement"
    sums = f"{settlement}/SpecifiedTradeSettlementHeaderMonetarySummation"
    currency = text(root, f"{settlement}/InvoiceCurrencyCode")
    tax_amounts = [el for el in xp(root, f"{sums}/TaxTotalAmount") if el.get("currencyID") in (currency, None)]

    def vat(party: str) -> Optional[str]:
        return text(root, f"{agreement}/{party}/SpecifiedTaxRegistration/ID[@schemeID='VA']")

    lines = []
    for line in xp(root, f"{tx}/IncludedSupplyChainTradeLineItem"):
        status = text(line, "AssociatedDocumentLineDocument/LineStatusReasonCode")
        if status in ("GROUP", "INFORMATION"):
            continue
        if not xp(line, "SpecifiedTradeProduct") and not xp(line, "SpecifiedLineTradeDelivery/BilledQuantity"):
            continue  # a note between lines (no product, no quantity), not a line
        lines.append({"quantity": number(text(line, "SpecifiedLineTradeDelivery/BilledQuantity")),
                      "amount": number(text(line, "SpecifiedLineTradeSettlement/"
                                                  "SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount")),
                      "tax_rate": number(text(line, "SpecifiedLineTradeSettlement/ApplicableTradeTax/"
                                                    "RateApplicablePercent")),
                      "description": text(line, "SpecifiedTradeProduct/Name")})
    return {
        "type": "credit_note" if text(root, "ExchangedDocument/TypeCode") in CREDITS else "invoice",
        "BT-1": text(root, "ExchangedDocument/ID"),
        "BT-2": iso(text(root, "ExchangedDocument/IssueDateTime/DateTimeString")), "BT-5": currency,
        # several payment terms (EXTENDED): a cash-discount date first, the date the amount is due in full last
        "BT-9": max((iso(el.text) for el in xp(root, f"{settlement}/SpecifiedTradePaymentTerms/DueDateDateTime/"
                                                   "DateTimeString") if (el.text or "").strip()), default=None),
        "BT-13": text(root, f"{agreement}/BuyerOrderReferencedDocument/IssuerAssignedID"),
        "BT-27": text(root, f"{agreement}/SellerTradeParty/Name"), "BT-31": vat("SellerTradeParty"),
        "BT-44": text(root, f"{agreement}/BuyerTradeParty/Name"), "BT-48": vat("BuyerTradeParty"),
        "BT-84": text(root, f"{settlement}/SpecifiedTradeSettlementPaymentMeans/"
                            "PayeePartyCreditorFinancialAccount/IBANID"),
        "BT-106": number(text(root, f"{sums}/LineTotalAmount")),
        "BT-109": number(text(root, f"{sums}/TaxBasisTotalAmount")),
        "BT-110": number(tax_amounts[0].text) if tax_amounts else _sum(
            xp(root, f"{settlement}/ApplicableTradeTax/CalculatedAmount")),
        "BT-112": number(text(root, f"{sums}/GrandTotalAmount")),
        "BT-115": number(text(root, f"{sums}/DuePayableAmount")),
        "lines": lines,
    }


def independent(xml: bytes) -> Optional[dict]:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    name = etree.QName(root).localname
    if name in ("Invoice", "CreditNote"):
        return read_ubl(root)
    if name == "CrossIndustryInvoice":
        return read_cii(root)
    return None  # Order-X, ZUGFeRD 1.0, orders: outside this comparison


def _same_text(a: Optional[str], b: Optional[str], compact: bool = False) -> bool:
    def norm(s):
        if s is None:
            return None
        s = " ".join(str(s).split())
        return re.sub(r"[^0-9A-Za-z]", "", s).upper() if compact else s
    return norm(a) == norm(b)


def _same_amount(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(abs(Decimal(str(a))) - abs(Decimal(str(b)))) < Decimal("0.005")


def compare(doc: dict, ref: dict) -> dict[str, bool]:
    """BT code → whether the reader's value equals the independent one (fields neither holds are left out)."""
    seller, buyer = doc.get("seller") or {}, doc.get("buyer") or {}
    lines = doc.get("lines") or []
    pairs = {
        "BT-1": (doc.get("document_number"), ref["BT-1"], _same_text),
        "BT-2": (doc.get("issue_date"), ref["BT-2"], _same_text),
        "BT-5": (doc.get("currency"), ref["BT-5"], _same_text),
        "BT-9": (doc.get("due_date"), ref["BT-9"], _same_text),
        "BT-13": (doc.get("order_reference"), ref["BT-13"], _same_text),
        "BT-27": (seller.get("name"), ref["BT-27"], _same_text),
        "BT-31": (seller.get("vat"), ref["BT-31"], lambda a, b: _same_text(a, b, compact=True)),
        "BT-44": (buyer.get("name"), ref["BT-44"], _same_text),
        "BT-48": (buyer.get("vat"), ref["BT-48"], lambda a, b: _same_text(a, b, compact=True)),
        "BT-84": (seller.get("iban"), ref["BT-84"], lambda a, b: _same_text(a, b, compact=True)),
        "BT-109": (doc.get("subtotal"), ref["BT-109"], _same_amount),
        "BT-110": (doc.get("total_tax"), ref["BT-110"], _same_amount),
        "BT-112": (doc.get("total"), ref["BT-112"], _same_amount),
        "BT-115": (doc.get("amount_due"), ref["BT-115"], _same_amount),
    }
    # BT-3: the type; a 380 with a negative total is a credit note in the canonical JSON (its amounts positive).
    # The total decides, not the amount due: prepayments can leave a positive invoice with a negative balance.
    first = next((v for v in (ref["BT-112"], ref["BT-109"], ref["BT-115"]) if v), None)
    negative = first is not None and first < 0
    expected_type = "credit_note" if ref["type"] == "credit_note" or negative else "invoice"
    result = {"BT-3": doc.get("document_type") == expected_type}
    for code, (ours, theirs, same) in pairs.items():
        if ours is None and theirs is None:
            continue
        result[code] = same(ours, theirs)
    stated_sum = sum((line["amount"] or 0 for line in ref["lines"]), Decimal(0))
    # BASIC WL and MINIMUM carry no lines; a file whose lines do not add up to its own BT-106 is inconsistent
    # (the reader warns): the comparison of BT-106 with the lines read is left out there
    if ref["BT-106"] is not None and ref["lines"] and _same_amount(stated_sum, ref["BT-106"]):
        line_sum = sum((Decimal(str(line.get("amount") or 0)) for line in lines), Decimal(0))
        result["BT-106"] = _same_amount(line_sum, ref["BT-106"])
    ref_lines = ref["lines"]
    result["lines (count)"] = len(lines) == len(ref_lines)
    for i, (ours, theirs) in enumerate(zip(lines, ref_lines)):
        for code, key, same in (("BT-129", "quantity", _same_amount), ("BT-131", "amount", _same_amount),
                                ("BT-152", "tax_rate", _same_amount), ("BT-153", "description", _same_text)):
            if ours.get(key) is None and theirs[key] is None:
                continue
            result[f"{code} line {i}"] = same(ours.get(key), theirs[key])
    return result


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for key in sorted(set(a) | set(b))
                for d in differences(a.get(key), b.get(key), f"{path}.{key}" if path else key)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path} ({len(a)} vs {len(b)} items)"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


def xml_of(path: Path, content: bytes) -> Optional[bytes]:
    if path.suffix.lower() != ".pdf":
        return content
    from facturx import get_xml_from_pdf  # the factur-x library's reading, not ours
    _, xml = get_xml_from_pdf(content, check_xsd=False)
    return xml or None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=Path, required=True, help="folder of XML / PDF e-invoices (recursive)")
    parser.add_argument("--json-out", type=Path, help="write every figure and mismatch to this JSON file")
    parser.add_argument("--show-differences", action="store_true", help="print each mismatch and pair difference")
    args = parser.parse_args()

    files = sorted(p for p in args.documents.rglob("*") if p.suffix.lower() in (".xml", ".pdf"))
    if not files:
        print(f"no .xml or .pdf under {args.documents}", file=sys.stderr)
        return 2
    times, refused, plain, answers, mismatches = [], [], [], {}, []
    fields = Counter()
    right = Counter()
    for path in files:
        content = path.read_bytes()
        started = time.perf_counter()
        try:
            result = try_extract(content)
            problem = None if result is not None else "no e-invoice found"
        except BrokenEInvoice as exc:
            result, problem = None, str(exc)
        times.append((time.perf_counter() - started) * 1000)
        if problem == "no e-invoice found" and path.suffix.lower() == ".pdf":
            plain.append(path.name)  # a PDF with no XML inside and none named: not an e-invoice at all
            continue
        if problem:
            refused.append((path.name, problem))
            continue
        answers[path.name] = result.document
        xml = xml_of(path, content)
        ref = independent(xml) if xml else None
        if ref is None:
            continue
        for code, same in compare(result.document, ref).items():
            key = code.split(" line ")[0]
            fields[key] += 1
            right[key] += same
            if not same:
                mismatches.append(f"{path.name}: {code}")

    pairs = defaultdict(dict)
    for name, doc in answers.items():
        match = re.match(r"(.+)_(ubl|uncefact)\.xml$", name)
        if match:
            pairs[match.group(1)][match.group(2)] = doc
    both = {stem: docs for stem, docs in pairs.items() if len(docs) == 2}
    pair_diffs = {stem: differences(docs["ubl"], docs["uncefact"]) for stem, docs in sorted(both.items())}
    identical = sum(not d for d in pair_diffs.values())

    total_fields, total_right = sum(fields.values()), sum(right.values())
    print(f"documents: {len(files)}, read: {len(answers)}, refused: {len(refused)}, "
          f"PDFs with no e-invoice inside (not counted): {len(plain)}")
    for name, problem in refused:
        print(f"  refused {name}: {problem[:160]}")
    print("| field | equal | compared |")
    print("|---|---:|---:|")
    for key in sorted(fields, key=lambda k: (not k.startswith("BT"), int(k[3:]) if k[3:].isdigit() else 0, k)):
        print(f"| {key} | {right[key]} | {fields[key]} |")
    share = 100.0 * total_right / total_fields if total_fields else 0.0
    print(f"core fields equal to the independent reading: {total_right}/{total_fields} = {share:.2f}%")
    print(f"pairs of both syntaxes identical: {identical}/{len(both)}")
    print(f"time per document: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
    if args.show_differences:
        for line in mismatches:
            print(f"  mismatch {line}")
        for stem, diffs in pair_diffs.items():
            if diffs:
                print(f"  pair {stem}: {', '.join(diffs[:8])}")
    if args.json_out:
        args.json_out.write_text(json.dumps({
            "documents": len(files), "read": len(answers), "refused": refused, "plain_pdfs": plain,
            "fields": {k: [right[k], fields[k]] for k in fields}, "mismatches": mismatches,
            "pairs": {stem: diffs for stem, diffs in pair_diffs.items()},
            "ms": {"median": statistics.median(times), "max": max(times)}}, indent=1))
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
