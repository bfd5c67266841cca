"""What the mapping needs to know about the database, as plain data.

The Odoo layer implements :class:`Catalog` with ORM searches scoped to the record's company and
returns these small dataclasses; the mapping core (the ``mapping`` package) only ever sees them, so every
decision can be tested without a database. :class:`InMemoryCatalog` is the reference
implementation: tests use it, and it documents the matching semantics the ORM version must keep.

Conventions for implementers:
- VAT ids and IBANs are compared compact and upper case (no spaces, dots, dashes).
- Names and codes are compared case-insensitively; "exact" means equal after trimming.
- Only active records are returned, except :meth:`Catalog.currency`, which also returns an inactive
  currency so the user can be told to activate it.
- Lists may be returned in any order; the mapping ranks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Protocol, Sequence, runtime_checkable

from .text import NAME_STOPWORDS, compact, fold


@dataclass(frozen=True)
class CompanyInfo:
    """The company the record belongs to (never matched as the counterpart of its own documents)."""

    id: int
    name: str
    partner_id: int
    currency_code: str
    country_code: Optional[str] = None
    vat: Optional[str] = None
    # the domains of our own addresses (the company's, its users', its mail alias): a document's e-mail there
    # was written by one of us (a forwarded mail, our own address printed as the buyer's), never the vendor's
    own_email_domains: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PartnerCandidate:
    """A ``res.partner`` (commercial entity) with what identifies it on a document."""

    id: int
    name: str
    vat: Optional[str] = None
    email: Optional[str] = None
    website: Optional[str] = None
    ibans: tuple[str, ...] = ()  # compact IBANs / account numbers of its res.partner.bank records
    company_type: str = "company"  # 'company' | 'person'
    country_code: Optional[str] = None
    property_payment_term_id: Optional[int] = None  # vendor payment terms (bills/POs)
    customer_payment_term_id: Optional[int] = None  # customer payment terms (sales orders)
    # one of us: a company of this database or an internal user's partner. Never a document's counterpart,
    # whatever matches (name, e-mail, VAT id): the mapping drops it.
    is_own: bool = False


@dataclass(frozen=True)
class ProductCandidate:
    """A ``product.product`` with its identifiers and defaults."""

    id: int
    name: str
    default_code: Optional[str] = None
    barcode: Optional[str] = None
    # supplierinfo product codes per vendor: {vendor partner id: (code, ...)}
    vendor_codes: dict[int, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    uom_id: Optional[int] = None
    uom_po_id: Optional[int] = None  # purchase unit (product.template.uom_po_id in Odoo 18)
    # uom_id.category_id: a line's unit is only set when it is in this category (Odoo refuses others)
    uom_category_id: Optional[int] = None
    purchase_tax_ids: tuple[int, ...] = ()  # supplier_taxes_id, filtered to the company
    sale_tax_ids: tuple[int, ...] = ()  # taxes_id, filtered to the company
    purchase_ok: bool = True
    sale_ok: bool = True


@dataclass(frozen=True)
class TaxCandidate:
    """An ``account.tax`` of the company."""

    id: int
    name: str
    amount: float  # percent for amount_type 'percent'/'division'
    amount_type: str = "percent"  # 'percent' | 'fixed' | 'division' | 'group'
    price_include: bool = False  # effective value (Odoo 18: override or the company default)
    type_tax_use: str = "purchase"  # 'purchase' | 'sale' | 'none'
    sequence: int = 1
    # Reverse-charge style taxes (a repartition line with a negative factor) net to zero: they are
    # not what a printed "0 %" or "19 %" means unless the product asks for them.
    has_negative_factor: bool = False


@dataclass(frozen=True)
class CurrencyCandidate:
    id: int
    name: str  # ISO 4217 code, as res.currency.name
    active: bool = True
    decimal_places: int = 2


@dataclass(frozen=True)
class UomCandidate:
    id: int
    name: str
    category_id: Optional[int] = None


@runtime_checkable
class Catalog(Protocol):
    """Lookups the mapping needs, implemented by the Odoo layer with ORM searches.

    Every method is scoped to the record's company (its own records plus shared ones) and returns
    active records only unless stated otherwise. Partners that are one of us (the database's companies,
    internal users) are returned like the others, with ``is_own`` set: the mapping decides what to say.
    """

    def company(self) -> CompanyInfo:
        """The record's company."""
        ...

    def partners_by_vat(self, variants: Sequence[str]) -> list[PartnerCandidate]:
        """Partners whose VAT equals one of ``variants`` (compact, case-insensitive).

        ``variants`` holds the compact VAT with and without its country prefix
        (``normalize.vat_variants``); Odoo stores VAT as typed, so compare the compacted value.
        """
        ...

    def partners_by_iban(self, iban: str) -> list[PartnerCandidate]:
        """Partners owning a ``res.partner.bank`` whose sanitized account number equals ``iban``."""
        ...

    def partners_by_name(self, name: str) -> list[PartnerCandidate]:
        """Candidates for a name: exact (case-insensitive) matches, plus partners whose name
        contains any of ``name_search_terms(name)`` (``ilike``, accents aside), at most ~100.

        The mapping scores the candidates (exact first, then fuzzy); the ORM only gathers them.
        """
        ...

    def partners_by_email_domain(self, domain: str) -> list[PartnerCandidate]:
        """Partners whose email ends with ``@domain`` or whose website contains ``domain``."""
        ...

    def currency(self, code: str) -> Optional[CurrencyCandidate]:
        """The currency with that ISO code, active or not (``active`` says which); None if absent."""
        ...

    def country_id(self, code: str) -> Optional[int]:
        """``res.country`` id for an ISO 3166-1 alpha-2 code."""
        ...

    def products(self, *, use: str, partner_id: Optional[int], code: Optional[str],
                 barcode: Optional[str], name: Optional[str]) -> list[ProductCandidate]:
        """Products that may match one document line (``use``: 'purchase' or 'sale').

        Return the union of: products with a supplierinfo of ``partner_id`` whose ``product_code``
        equals ``code`` (fill ``vendor_codes`` for that partner); products whose ``default_code``
        equals ``code``; products whose ``barcode`` equals ``barcode``; products whose name equals
        ``name`` (case-insensitive). Restrict to ``purchase_ok``/``sale_ok`` according to ``use``.
        Any argument may be None (skip that criterion).
        """
        ...

    def product(self, product_id: int) -> Optional[ProductCandidate]:
        """One product by id (e.g. the configured fallback product); None if gone or archived."""
        ...

    def taxes(self, use: str) -> list[TaxCandidate]:
        """The company's active taxes with ``type_tax_use == use`` ('purchase' or 'sale')."""
        ...

    def uom(self, name: str) -> Optional[UomCandidate]:
        """The unit of measure with that name (case-insensitive), or None."""
        ...


def name_search_terms(name: str, words: int = 2) -> list[str]:
    """Fragments of a company name for the ORM's ``ilike`` pre-selection (OR of them).

    The first and last four letters of its longest significant words, so that a misread letter
    (OCR: "Liefrant") still brings the right partner among the candidates the mapping scores.
    """
    significant = [w for w in fold(name).split() if len(w) > 2 and w not in NAME_STOPWORDS and not w.isdigit()]
    terms: list[str] = []
    for word in sorted(dict.fromkeys(significant), key=len, reverse=True)[:words]:
        for term in ((word,) if len(word) <= 5 else (word[:4], word[-4:])):
            if term not in terms:
                terms.append(term)
    return terms


class InMemoryCatalog:
    """A :class:`Catalog` over plain lists: the reference semantics, for tests and dry runs."""

    def __init__(self, company: CompanyInfo, *, partners: Iterable[PartnerCandidate] = (),
                 products: Iterable[ProductCandidate] = (), taxes: Iterable[TaxCandidate] = (),
                 currencies: Iterable[CurrencyCandidate] = (), uoms: Iterable[UomCandidate] = (),
                 countries: Optional[dict[str, int]] = None) -> None:
        self._company = company
        self.partners = list(partners)
        self.products_list = list(products)
        self.taxes_list = list(taxes)
        self.currencies = list(currencies)
        self.uoms = list(uoms)
        self.countries = dict(countries or {})
        self.memory: dict[tuple[int, str], Any] = {}  # (vendor id, memory key) -> memory.Choice
        self.categories: dict[str, int] = {}  # merchant key (memory.merchant_key) -> expense category product id
        self.rates: set[int] = set()  # ids of the currencies the company has an exchange rate of

    def company(self) -> CompanyInfo:
        return self._company

    def remembered(self, partner_id: int, key: str):
        """Vendor memory (optional in a Catalog): the choice remembered for this vendor and line key."""
        return self.memory.get((partner_id, key))

    def remembered_category(self, key: str) -> Optional[int]:
        """Expense memory (optional in a Catalog): the category a person chose last time for this merchant."""
        return self.categories.get(key)

    def has_rate(self, currency_id: int, day) -> bool:
        """Whether the company has an exchange rate of ``currency_id`` to convert at on ``day`` (optional in a
        Catalog; an expense in another currency is converted at it): one on or before ``day``, else the first after
        it, as Odoo falls back to it — any rate, then; without one Odoo would convert at 1:1."""
        return currency_id in self.rates

    def partners_by_vat(self, variants: Sequence[str]) -> list[PartnerCandidate]:
        wanted = {compact(v) for v in variants if v}
        return [p for p in self.partners if p.vat and compact(p.vat) in wanted]

    def partners_by_iban(self, iban: str) -> list[PartnerCandidate]:
        wanted = compact(iban)
        return [p for p in self.partners if wanted and wanted in {compact(i) for i in p.ibans}]

    def partners_by_name(self, name: str) -> list[PartnerCandidate]:
        exact = name.strip().lower()
        terms = name_search_terms(name)
        found = []
        for partner in self.partners:
            folded = fold(partner.name)
            if partner.name.strip().lower() == exact or any(term in folded for term in terms):
                found.append(partner)
        return found

    def partners_by_email_domain(self, domain: str) -> list[PartnerCandidate]:
        domain = domain.lower()
        return [p for p in self.partners
                if (p.email and p.email.lower().endswith("@" + domain))
                or (p.website and domain in p.website.lower())]

    def currency(self, code: str) -> Optional[CurrencyCandidate]:
        return next((c for c in self.currencies if c.name.upper() == code.upper()), None)

    def country_id(self, code: str) -> Optional[int]:
        return self.countries.get(code.upper())

    def products(self, *, use: str, partner_id: Optional[int], code: Optional[str],
                 barcode: Optional[str], name: Optional[str]) -> list[ProductCandidate]:
        code_l = code.strip().lower() if code else None
        name_l = name.strip().lower() if name else None
        found = []
        for product in self.products_list:
            if (use == "purchase" and not product.purchase_ok) or (use == "sale" and not product.sale_ok):
                continue
            vendor_codes = {c.lower() for c in product.vendor_codes.get(partner_id, ())} if partner_id else set()
            if ((code_l and (code_l in vendor_codes or (product.default_code or "").lower() == code_l))
                    or (barcode and product.barcode == barcode)
                    or (name_l and product.name.strip().lower() == name_l)):
                found.append(product)
        return found

    def product(self, product_id: int) -> Optional[ProductCandidate]:
        return next((p for p in self.products_list if p.id == product_id), None)

    def taxes(self, use: str) -> list[TaxCandidate]:
        return [t for t in self.taxes_list if t.type_tax_use == use]

    def uom(self, name: str) -> Optional[UomCandidate]:
        name_l = name.strip().lower()
        return next((u for u in self.uoms if u.name.lower() == name_l), None)
