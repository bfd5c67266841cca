"""Helpers for the mapping tests: the lib loaded standalone, catalogs built around gold documents,
and a small stand-in for what Odoo computes from the mapped lines (totals, tax lines)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any, Optional

TESTS_DIR = Path(__file__).resolve().parents[1]


def _root_conftest():
    # tests/conftest.py is imported by pytest as "conftest"; find it by path so another
    # conftest.py elsewhere in the tree cannot shadow it.
    path = TESTS_DIR / "conftest.py"
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) and Path(module.__file__).resolve() == path:
            return module
    spec = importlib.util.spec_from_file_location("tests_root_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_conftest = _root_conftest()
corpus = _conftest.corpus
load_gold = _conftest.load_gold
lib = _conftest.load_mapping_lib()

from document_digitize_lib import catalog, mapping, normalize, order_document, review, text  # noqa: E402, F401  (registered by load_mapping_lib; re-exported)

C = catalog

COMPANY_PARTNER_ID = 1
SELLER_ID = 10
BUYER_ID = 11
DECOY_SIMILAR_ID = 20
DECOY_OTHER_ID = 21

CURRENCIES = {"EUR": 1, "USD": 2, "GBP": 3, "INR": 4}
COUNTRIES = {"DE": 57, "FR": 75, "GB": 233, "NL": 165, "US": 235, "IN": 104, "ES": 68}

# The usual VAT rates of each country (what a localised chart of accounts would install).
TAX_RATES = {
    "DE": (0.0, 7.0, 19.0),
    "FR": (0.0, 2.1, 5.5, 10.0, 20.0),
    "NL": (0.0, 9.0, 21.0),
    "GB": (0.0, 5.0, 20.0),
    "US": (0.0, 10.0, 15.0),
    "IN": (0.0, 5.0, 12.0, 14.5, 18.0, 28.0),
}
CURRENCY_COUNTRY = {"USD": "US", "INR": "IN", "GBP": "GB", "EUR": "DE"}

UOM_UNITS = C.UomCandidate(1, "Units", category_id=1)
UOM_KG = C.UomCandidate(2, "kg", category_id=2)
UOM_G = C.UomCandidate(3, "g", category_id=2)
UOM_HOURS = C.UomCandidate(4, "Hours", category_id=3)
UOM_L = C.UomCandidate(5, "L", category_id=4)
UOMS = [UOM_UNITS, UOM_KG, UOM_G, UOM_HOURS, UOM_L]


def tax_id(use: str, rate: float) -> int:
    """Deterministic id of the plain tax at ``rate`` (purchase taxes 1000+, sale taxes 2000+)."""
    return (1000 if use == "purchase" else 2000) + int(round(rate * 10))


def country_taxes(country: str) -> list:
    taxes = []
    for use in ("purchase", "sale"):
        for rate in TAX_RATES[country]:
            taxes.append(C.TaxCandidate(tax_id(use, rate), f"{rate:g}% {use}", rate, type_tax_use=use, sequence=10))
    return taxes


def company(country: str = "DE", currency: str = "EUR", vat: Optional[str] = "DE000000000"):
    return C.CompanyInfo(id=1, name="My Company", partner_id=COMPANY_PARTNER_ID, currency_code=currency,
                         country_code=country, vat=vat)


def document_country(gold: dict) -> str:
    seller = gold.get("seller") or {}
    country = (seller.get("address") or {}).get("country_code")
    vat = seller.get("vat") or ""
    if not country and vat[:2].isalpha():
        country = vat[:2]
    if country not in TAX_RATES:
        country = CURRENCY_COUNTRY.get(gold.get("currency") or "EUR", "DE")
    return country


def partner_from(party: dict, partner_id: int, *, name: Optional[str] = None, with_vat: bool = True,
                 with_iban: bool = True, **extra):
    address = party.get("address") or {}
    vat = party.get("vat") if with_vat else None
    if vat and len(vat) > 4:
        vat = f"{vat[:2]} {vat[2:5]} {vat[5:]}"  # stored as a person typed it: the lookup must compact
    return C.PartnerCandidate(
        id=partner_id, name=name or party.get("name") or f"Partner {partner_id}", vat=vat,
        email=party.get("email"), ibans=(party["iban"],) if with_iban and party.get("iban") else (),
        country_code=address.get("country_code"), **extra)


def gold_catalog(gold: dict, *, with_products: bool = True):
    """A company's database as it would be before receiving this document.

    The seller is known: by its VAT id when the document has one; when it has none but an IBAN,
    under a different name so only the bank account can find it; otherwise by its name. Decoys: a
    partner with a similar name and another VAT, the buyer (a customer), and the company itself.
    Half of the coded lines have a product by internal reference, the other half by the vendor's
    code (supplierinfo).
    """
    country = document_country(gold)
    seller = gold.get("seller") or {}
    buyer = gold.get("buyer") or {}
    partners = [C.PartnerCandidate(COMPANY_PARTNER_ID, "My Company", vat="DE000000000")]
    if seller.get("name"):
        seller_name = seller["name"]
        if not seller.get("vat") and seller.get("iban"):
            seller_name = "Bank-identified supplier"
        partners.append(partner_from(seller, SELLER_ID, name=seller_name))
        partners.append(C.PartnerCandidate(DECOY_SIMILAR_ID, f"{seller['name']} Services Holding",
                                           vat="FR40303265045"))
    if buyer.get("name"):
        partners.append(partner_from(buyer, BUYER_ID, with_iban=False))
    partners.append(C.PartnerCandidate(DECOY_OTHER_ID, "Unrelated Trading SARL", vat="FR40303265045",
                                       email="sales@unrelated.example"))
    products = []
    if with_products:
        for index, line in enumerate(gold.get("lines") or []):
            code = line.get("product_code")
            if not code or any(code in (p.default_code, *p.vendor_codes.get(SELLER_ID, ())) for p in products):
                continue
            rate = line.get("tax_rate")
            taxes = (tax_id("purchase", rate),) if rate is not None else ()
            if index % 2 == 0:
                products.append(C.ProductCandidate(500 + index, f"Product {code}", default_code=code,
                                                   purchase_tax_ids=taxes, uom_id=1, uom_category_id=1))
            else:
                products.append(C.ProductCandidate(500 + index, f"Product {code}", default_code=f"INT-{index}",
                                                   vendor_codes={SELLER_ID: (code,)}, purchase_tax_ids=taxes,
                                                   uom_id=1, uom_category_id=1))
    currencies = [C.CurrencyCandidate(cid, code) for code, cid in CURRENCIES.items()]
    return C.InMemoryCatalog(company(country if country in ("DE", "FR") else "DE"), partners=partners,
                             products=products, taxes=country_taxes(country), currencies=currencies,
                             uoms=UOMS, countries=COUNTRIES)


def x2many_ids(value: Any) -> list[int]:
    """Ids from the ``[(6, 0, ids)]`` form the mapping writes."""
    assert isinstance(value, list) and len(value) == 1 and value[0][:2] == (6, 0), value
    return list(value[0][2])


def tax_rate_of(cat, tax_ids: list[int]) -> list[float]:
    by_id = {t.id: t for t in cat.taxes_list}
    return sorted(by_id[i].amount for i in tax_ids)


def odoo_compute(result, cat, *, per_line_rounding: bool = True) -> tuple[dict, list[dict]]:
    """What Odoo would compute for the mapped lines: totals and one tax line per tax.

    Net line subtotals are rounded per line, like Odoo; taxes are rounded per line (Odoo's
    'round_per_line') or on the summed base per tax ('round_globally'). Lines without an explicit
    tax field get the product's default taxes, as Odoo would.
    """
    round2 = normalize.round_half_up
    qty_field, taxes_field = {"vendor_bill": ("quantity", "tax_ids"), "purchase_order": ("product_qty", "taxes_id"),
                              "sale_order": ("product_uom_qty", "tax_id")}[result.target]
    taxes_by_id = {t.id: t for t in cat.taxes_list}
    products = {p.id: p for p in cat.products_list}
    untaxed = 0.0
    per_tax: dict[int, list[float]] = {}
    for line in result.lines:
        if line.get("display_type"):
            continue
        subtotal = round2(line[qty_field] * line["price_unit"] * (1 - line.get("discount", 0.0) / 100), 2)
        untaxed += subtotal
        if taxes_field in line:
            ids = x2many_ids(line[taxes_field])
        else:
            product = products.get(line.get("product_id"))
            ids = list(product.purchase_tax_ids) if product else []
        for tid in ids:
            base, amount = per_tax.get(tid, [0.0, 0.0])
            raw = subtotal * taxes_by_id[tid].amount / 100
            per_tax[tid] = [base + subtotal, amount + (round2(raw, 2) if per_line_rounding else raw)]
    tax_lines = [{"tax_id": tid, "rate": taxes_by_id[tid].amount, "base": round2(base, 2),
                  "amount": round2(amount, 2)} for tid, (base, amount) in per_tax.items()]
    amount_tax = round2(sum(t["amount"] for t in tax_lines), 2)
    untaxed = round2(untaxed, 2)
    return ({"amount_untaxed": untaxed, "amount_tax": amount_tax, "amount_total": round2(untaxed + amount_tax, 2)},
            tax_lines)


def apply_tax_adjustments(totals: dict, tax_lines: list[dict], adjustments) -> dict:
    """Totals after the Odoo layer set the tax lines to the document's amounts."""
    by_id = {a.tax_id: a for a in adjustments}
    amount_tax = sum(by_id[t["tax_id"]].document_amount if t["tax_id"] in by_id else t["amount"] for t in tax_lines)
    amount_tax = normalize.round_half_up(amount_tax, 2)
    return {"amount_untaxed": totals["amount_untaxed"], "amount_tax": amount_tax,
            "amount_total": normalize.round_half_up(totals["amount_untaxed"] + amount_tax, 2)}


def codes(result) -> list[str]:
    return [item.code for item in result.review]


def item(result, code: str):
    found = [i for i in result.review if i.code == code]
    assert found, f"no review item {code!r} in {codes(result)}"
    return found[0]
