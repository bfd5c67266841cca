"""The layout families of ``synth.py`` beyond the plain letter-style document, common in real business documents:

- ``form``: an ERP print-out or e-invoice visualisation (``form.py``): section headings on their own line
  (Seller, Buyer, Payment details, Totals, ...) over "Label: value" rows or a label column and a value column;
- ``references``: many labelled reference numbers near the document number (customer, order, delivery note,
  contract, buyer reference / Leitweg-ID, project, cost centre, supplier number, tax number), often in a grid;
  long structured document numbers ("9314110911/00/M/00/N", "RK21012345", "2024-INV-000123");
- ``tax_table``: a tax summary table (rate, net, tax, gross; a category code column, exemption reasons, zero-rate
  rows) or each rate's base and tax on lines of their own (``taxes.py``);
- ``trade_name``: the issuer's name printed two ways: a short or trading name in its block, the legal name with
  its legal form in the footer and the return address (or a short logo over a block that prints the legal name);
  gold is the name as the party's own block prints it;
- ``credit``: a credit note printing every amount negative, with the invoice it corrects and that invoice's date.

A document may belong to several (a form often lists references and a tax table); receipts to none. ``draw``
picks them, ``apply`` changes what the document says to fit (``content`` has drawn it already).
"""

from __future__ import annotations

import datetime as dt
import random
import re

from . import world as W
from .content import Content, Style, document_number, taxes_of
from .ids import digits, fill

# (family, share of the documents other than receipts); a form brings references and a tax table more often
FAMILIES = (("form", 0.18), ("references", 0.15), ("tax_table", 0.16), ("trade_name", 0.15))
FORM_BRINGS = (("references", 0.4), ("tax_table", 0.45))
CREDIT = 0.75  # the share of credit notes that print every amount negative

PREFIXES = {"invoice": ["INV", "RE", "RG", "RK", "FA", "FV", "R", "IN"], "credit_note": ["CN", "GS", "GU", "AV", "CR"],
            "purchase_order": ["PO", "BE", "EK", "OA"], "sales_order": ["SO", "AB", "AU", "OC"]}
LETTERS = "ABCDEFGHKLMNPRSTVZ"
# reference values by label key: patterns ("#" a digit)
REFERENCES = {
    "contract": ["V-####-###", "RV######", "CT/####/##", "####-####", "K-#####"],
    "project": ["P-####", "PRJ-####-##", "####-###", "BV ####", "#####"],
    "cost_centre": ["####", "KST ####", "CC-###", "#####"],
    "supplier_no": ["######", "L#####", "70####", "V-#####"],
    "our_order": ["AB-######", "SO-#####", "A#######", "######"],
    "delivery_note": ["LS-######", "DN######", "BL #####", "8#######"],
}
BUYER_REFERENCES = {"de": ["991-#####-##", "########-##########-##", "05###-#####-##", "04011000-#####-##"],
                    "es": ["L01######", "GE000####", "EA000####"], "it": ["UF####", "#######"]}
TAX_NUMBERS = {"DE": "##/###/#####", "AT": "##-###/####", "FR": "### ### ### #####", "NL": "########",
               "IT": "###########", "GB": "0#######", "IE": "######", "US": "##-#######", "ES": "Tomo ####, Folio ###"}


def draw(rng: random.Random, doc_type: str, country: str) -> frozenset:
    """The families of one document (none for a receipt)."""
    if doc_type == "receipt":
        return frozenset()
    out = {name for name, share in FAMILIES if rng.random() < share}
    if "form" in out:
        out |= {name for name, share in FORM_BRINGS if rng.random() < share}
    if country == "US":
        out.discard("tax_table")  # sales tax: no VAT table
    if doc_type == "credit_note" and rng.random() < CREDIT:
        out.add("credit")
    return frozenset(out)


def apply(rng: random.Random, st: Style, doc: Content) -> None:
    """What the document says, changed to fit its families."""
    if "references" in st.families:
        references(rng, st, doc)
    if "tax_table" in st.families:
        zero_rates(rng, doc)
    if "trade_name" in st.families:
        trade_name(rng, doc)
    if "credit" in st.families:
        credit(rng, st, doc)


def structured_number(rng: random.Random, doc_type: str, year: int) -> str:
    """A long document number as ERPs and utilities print them."""
    prefix = rng.choice(PREFIXES[doc_type])
    n = rng.randint(1, 999999)
    form = rng.randrange(8)
    if form == 0:
        return f"{digits(rng, 10)}/{digits(rng, 2)}/{rng.choice(LETTERS)}/{digits(rng, 2)}/{rng.choice(LETTERS)}"
    if form == 1:
        return f"{prefix}{year % 100:02d}{n:06d}"
    if form == 2:
        return f"{year}-{prefix}-{n:06d}"
    if form == 3:
        return f"{prefix}-{year}-{rng.randint(1, 12):02d}-{n % 100000:05d}"
    if form == 4:
        return rng.choice([f"{prefix}/{year}/{n % 10000:04d}", f"{prefix}/{n % 100000:05d}/{year}"])
    if form == 5:
        return f"{rng.choice('1459')}{digits(rng, 9)}"
    if form == 6:
        return f"{prefix}{year}{n:07d}"
    return f"{n % 100000:05d}/{year % 100:02d}/{rng.choice(LETTERS)}{rng.choice(LETTERS)}"


def references(rng: random.Random, st: Style, doc: Content) -> None:
    """Several labelled references near the number; the number itself sometimes long and structured."""
    if rng.random() < 0.55:
        old, doc.number = doc.number, structured_number(rng, doc.doc_type, doc.issue.year)
        if doc.payment_ref:  # a reference built from the number follows it
            doc.payment_ref = doc.payment_ref.replace(old, doc.number).replace(
                re.sub(r"[^0-9A-Za-z]", "", old), re.sub(r"[^0-9A-Za-z]", "", doc.number))
    if doc.doc_type in ("invoice", "credit_note") and not doc.order_ref and rng.random() < 0.4:
        doc.order_ref = rng.choice([f"PO-{rng.randint(1000, 99999)}", f"{rng.randint(4500000000, 4509999999)}",
                                    document_number(rng, "purchase_order", doc.issue.year)])
    dist = doc.distractors
    keys = ["customer_no", "contract", "project", "cost_centre", "supplier_no", "delivery_note", "buyer_ref",
            "tax_no", "delivery_date"]
    if doc.doc_type == "invoice":
        keys.append("our_order")
    if st.country not in TAX_NUMBERS or W.COUNTRY_LANG.get(st.country) != st.lang:
        keys.remove("tax_no")
    for key in rng.sample(keys, rng.randint(2, 5)):
        if key in dist:
            continue
        if key == "customer_no":
            dist[key] = rng.choice([f"{rng.randint(10000, 99999)}", f"K{rng.randint(1000, 99999)}",
                                    f"D{rng.randint(100000, 999999)}"])
        elif key == "buyer_ref":
            dist[key] = fill(rng, rng.choice(BUYER_REFERENCES.get(st.lang, ["REF-######", "BR#####", "####/##"])))
        elif key == "tax_no":
            dist[key] = fill(rng, TAX_NUMBERS[st.country])
        elif key == "delivery_date":
            dist[key] = st.date(doc.issue - dt.timedelta(days=rng.randint(0, 20)))
        else:
            dist[key] = fill(rng, rng.choice(REFERENCES[key]))


def zero_rates(rng: random.Random, doc: Content) -> None:
    """Some lines at 0 % (exempt or zero-rated goods and services), so the summary has a zero-rate row."""
    if doc.reverse or len(doc.items) < 2 or rng.random() < 0.6:
        return
    for item in rng.sample(doc.items, rng.randint(1, len(doc.items) // 2)):
        item.rate = 0.0
    resum(doc)


def resum(doc: Content) -> None:
    """The sums again, after the lines' rates changed."""
    doc.goods = sum(i.amount for i in doc.items)
    doc.taxes = taxes_of(doc.items, doc.charges, False)
    doc.subtotal = doc.goods + sum(c for _, c in doc.charges)
    doc.total_tax = sum(t for _, _, t in doc.taxes)
    doc.total = doc.subtotal + doc.total_tax
    doc.paid = min(doc.paid, doc.total // 2)


def trade_name(rng: random.Random, doc: Content) -> None:
    """The issuer's name printed two ways: a short or trading name and the legal name with its legal form."""
    issuer = doc.buyer if doc.doc_type == "purchase_order" else doc.seller
    forms = sorted(W.FORMS[issuer.country], key=len, reverse=True)
    form = next((f for f in forms if issuer.name.endswith(" " + f)), "")
    base = issuer.name[: -len(form) - 1] if form else issuer.name
    legal = f"{base} {form or rng.choice(forms)}"
    words = base.split(" ")
    kind = rng.random()
    if kind < 0.35:
        short = base
    elif kind < 0.55:
        short = base.upper()
    elif kind < 0.7 and len(words) > 1 and len(words[0]) >= 4:
        short = words[0].upper() if rng.random() < 0.5 else words[0]
    else:  # a short logo over a block that prints the legal name: the block's name is gold
        issuer.name, issuer.logo = legal, rng.choice([base, base.upper(), words[0]])
        return
    issuer.name, issuer.legal = short, legal


def credit(rng: random.Random, st: Style, doc: Content) -> None:
    """Every amount negative, and the invoice the credit note corrects (number and date), in a sentence or as
    fields."""
    st.negative = st.negative or rng.choice(["minus", "minus", "minus", "trailing", "parens"])
    number = rng.choice([document_number(rng, "invoice", doc.issue.year),
                         structured_number(rng, "invoice", doc.issue.year)])
    date = st.date(doc.issue - dt.timedelta(days=rng.randint(2, 120)))
    doc.distractors.pop("ref_invoice", None)
    if rng.random() < 0.65:
        doc.corrects = (number, date)
    else:
        doc.distractors["ref_invoice"] = number
        doc.distractors["ref_invoice_date"] = date
