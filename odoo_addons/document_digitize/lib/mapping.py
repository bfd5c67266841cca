"""One core path from the canonical document to Odoo values: vendor bills, purchase and sales orders.

In the manner of OCA ``account_invoice_import``: the canonical JSON is the neutral dict, it is
pre-processed once (``normalize``), and :class:`DocumentMapper` prepares the values of the header
and of the lines through small methods an extension can override. Nothing here touches the
database: candidates come from a :class:`~.catalog.Catalog`, and the result says what to write,
what to create and what a person should check. Values the user already entered are never replaced,
and nothing is ever posted or confirmed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Mapping, Optional

from .catalog import Catalog, CompanyInfo, PartnerCandidate, ProductCandidate, TaxCandidate
from .evidence import field_label as _field_label
from .evidence import shown as _shown
from .evidence import value_at as _value_at
from .memory import Choice, memory_key
from .normalize import Document, Line, Party, normalize_document, round_half_up
from .review import items_from_warnings
from .text import ReviewItem, compact, core_name, fold, name_similarity

TARGETS = ("vendor_bill", "purchase_order", "sale_order")

# Odoo 18 field names per target: (lines field, quantity, taxes, unit of measure)
_LINE_FIELDS = {
    "vendor_bill": ("invoice_line_ids", "quantity", "tax_ids", "product_uom_id"),
    "purchase_order": ("order_line", "product_qty", "taxes_id", "product_uom"),
    "sale_order": ("order_line", "product_uom_qty", "tax_id", "product_uom"),
}
LINES_FIELD = {target: names[0] for target, names in _LINE_FIELDS.items()}  # the x2many the lines go to

# The order field each header value of the document is written to (``prepare_header``), and read back from
# when a person confirms the order (``confirmed_order_document``).
ORDER_HEADER_FIELDS = {
    "purchase_order": {"document_number": "partner_ref", "issue_date": "date_order", "due_date": "date_planned"},
    "sale_order": {"document_number": "client_order_ref", "issue_date": "date_order"},
}
_CODE_PREFIX = re.compile(r"\[([^\[\]]+)\]\s+(.*)", re.S)  # "[code] description" (``prepare_line``)

# Document types each target expects; anything else is mapped but flagged.
EXPECTED_TYPES = {
    "vendor_bill": {"invoice", "credit_note", "receipt", None},
    "purchase_order": {"purchase_order", "sales_order", None},
    "sale_order": {"purchase_order", None},
}

# UN/ECE Rec. 20 codes and common printed units → names of Odoo's standard units.
_UNIT_ALIASES = {
    "Units": "c62 h87 ea pce pcs pc piece pieces unit units stk stück stueck st u un unité unites unités stuks x",
    "Dozens": "dzn dozen dozens",
    "kg": "kgm kg kgs kilo kilogram kilograms",
    "g": "grm g gr gram grams gramm",
    "Hours": "hur h hr hrs hour hours std stunde stunden heure heures uur",
    "Days": "day days tag tage jour jours dag",
    "L": "ltr l liter litre liters litres",
    "m": "mtr m meter metre meters metres",
    "km": "kmt km",
    "cm": "cmt cm",
    "m²": "mtk m2 m² sqm",
    "m³": "mtq m3 m³",
    "t": "tne t ton tonne tonnes",
}
_UNIT_LOOKUP = {alias: name for name, aliases in _UNIT_ALIASES.items() for alias in aliases.split()}

# Top-level fields whose low confidence is serious: a wrong value there costs money or a wrong partner.
_KEY_FIELDS = {"document_number", "issue_date", "due_date", "currency", "subtotal", "total_tax", "total",
               "amount_due", "seller.vat", "seller.iban", "seller.name", "buyer.vat", "buyer.name"}
_RECORD_NAMES = {"vendor_bill": "bill", "purchase_order": "purchase order", "sale_order": "quotation"}
_MOVE_TYPES = {"in_invoice": "vendor bill", "in_refund": "vendor refund", "out_invoice": "customer invoice",
               "out_refund": "customer credit note", "entry": "journal entry"}

SET = 6  # odoo.fields.Command.SET: x2many values are given as [(SET, 0, ids)]

# How sure the partner is, by how it was found (``MappingResult.partner_match``): an identifier (VAT id, IBAN)
# makes it sure, its exact name likely; a similar name or the e-mail's domain only suggests it, and a
# suggestion always goes to a person (a serious review item), never straight to "done".
PARTNER_CONFIDENCE = {"vat": "sure", "iban": "sure", "name": "likely", "fuzzy_name": "suggestion",
                      "email_domain": "suggestion"}


@dataclass
class MappingOptions:
    """Settings of one mapping run (usually from res.config.settings)."""

    create_partner: bool = False  # create the vendor/customer when unknown and its VAT id is valid
    confidence_threshold: float = 0.5  # field_confidence below this becomes a review item
    fuzzy_threshold: float = 88.0  # 0..100 similarity needed for a fuzzy name match
    fallback_product_id: Optional[int] = None  # order lines without a product use this one
    partner_company_id: Optional[int] = None  # the company a created partner belongs to (None: shared by all)
    # the rights of the user the document is applied for (the one who asked): what they may not create, is not
    may_create_partner: bool = True
    may_add_bank_account: bool = True
    prices_include_tax: bool = False  # canonical amounts are net: prefer taxes excluded from price
    price_digits: Optional[int] = None  # decimal.precision 'Product Price'; flags prices Odoo would cut
    header_adjustment_lines: bool = True  # add lines for document-level allowances/charges
    lines_from_tax_summary: bool = True  # bills without lines: one line per tax rate from the summary
    line_tolerance: float = 0.01  # accepted difference between quantity × price and the printed amount

    @classmethod
    def coerce(cls, options: "MappingOptions | Mapping[str, Any] | None") -> "MappingOptions":
        if options is None:
            return cls()
        if isinstance(options, cls):
            return options
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown mapping options: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
        return cls(**dict(options))


@dataclass
class MappingResult:
    """What to write on the record, what to create first, and what to check.

    ``header``: field → value for the record (account.move / purchase.order / sale.order); dates are
    ``datetime.date`` (``datetime.datetime`` for order dates), many2one values are ids.
    ``lines``: one vals dict per line to create (target field names, x2many as ``[(6, 0, ids)]``);
    empty when the record already has lines.
    ``partner_to_create``: res.partner vals when the partner must be created first; then write its
    id as ``header['partner_id']`` and as ``bank_account_to_add['partner_id']``.
    ``bank_account_to_add``: res.partner.bank vals (``acc_number``, ``partner_id``; partner_id None =
    the partner to create). ``partner_bank_iban``: the account the bill is paid to (set
    ``partner_bank_id`` to that partner's bank with this sanitized number).
    """

    target: str
    document: Document
    header: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    partner: Optional[PartnerCandidate] = None
    partner_match: str = ""  # 'vat' | 'iban' | 'name' | 'fuzzy_name' | 'email_domain' | ''
    partner_to_create: Optional[dict[str, Any]] = None
    bank_account_to_add: Optional[dict[str, Any]] = None
    partner_bank_iban: Optional[str] = None
    order_reference: Optional[str] = None  # the buyer's PO number quoted on a bill (bill ↔ PO link)
    review: list[ReviewItem] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return any(item.serious for item in self.review)

    @property
    def partner_confidence(self) -> str:
        """'sure' | 'likely' | 'suggestion' (``PARTNER_CONFIDENCE``); '' when no partner was found."""
        return PARTNER_CONFIDENCE.get(self.partner_match, "") if self.partner else ""

    @property
    def lines_field(self) -> str:
        """The record's x2many field that ``lines`` are created in."""
        return LINES_FIELD[self.target]


def _fmt(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _same(current: Any, value: Any) -> bool:
    if isinstance(current, (datetime.date, datetime.datetime)) or isinstance(value, (datetime.date, datetime.datetime)):
        return _fmt(current)[:10] == _fmt(value)[:10]
    if isinstance(current, str) and isinstance(value, str):
        return " ".join(current.split()).casefold() == " ".join(value.split()).casefold()
    return current == value


def _noon(day: datetime.date) -> datetime.datetime:
    # Order dates are datetimes stored in UTC; noon keeps the printed day in every user time zone.
    return datetime.datetime.combine(day, datetime.time(12, 0))


class DocumentMapper:
    """The mapping core. Override a ``prepare_*``/``match_*`` method to extend one step."""

    def __init__(self, doc: Mapping[str, Any], catalog: Catalog, target: str,
                 current: Optional[Mapping[str, Any]] = None,
                 options: "MappingOptions | Mapping[str, Any] | None" = None, *,
                 field_confidence: Optional[Mapping[str, float]] = None,
                 warnings: Optional[Iterable[Any]] = None) -> None:
        if target not in TARGETS:
            raise ValueError(f"unknown mapping target {target!r}; expected one of {', '.join(TARGETS)}")
        self.raw = doc
        self.catalog = catalog
        self.target = target
        self.current = dict(current or {})
        self.options = MappingOptions.coerce(options)
        self.field_confidence = dict(field_confidence or {})
        self.warnings = list(warnings or ())
        self.company: CompanyInfo = catalog.company()
        self.use = "sale" if target == "sale_order" else "purchase"
        self.role = "buyer" if target == "sale_order" else "seller"
        self.partner_label = "customer" if target == "sale_order" else "vendor"
        self.review: list[ReviewItem] = []
        self._taxes: Optional[list[TaxCandidate]] = None
        self._own_found: dict[int, PartnerCandidate] = {}  # ourselves among the candidates (dropped)
        self._own_party = False  # the document names our own company (its VAT id) where the partner goes
        self._name_score = 0.0  # how alike the name of a partner found by a similar name is

    # --- entry point -------------------------------------------------------------------------

    def run(self) -> MappingResult:
        currency = None
        code = self.raw.get("currency") if isinstance(self.raw, Mapping) else None
        if isinstance(code, str) and code.strip():
            currency = self.catalog.currency(code.strip().upper())
        digits = currency.decimal_places if currency else 2
        document = normalize_document(self.raw, default_country=self.company.country_code, currency_digits=digits)
        result = MappingResult(target=self.target, document=document, order_reference=document.order_reference)
        # The other party is the record's company: its VAT id or IBAN are not this record's business.
        other = "seller" if self.role == "buyer" else "buyer"
        self.review.extend(i for i in document.issues if not (i.field or "").startswith(other + "."))
        self.check_document_type(document)

        party = document.buyer if self.target == "sale_order" else document.seller
        self.prepare_partner(document, party, result)
        self.prepare_header(document, currency, result)
        self.prepare_lines(document, result)
        self.review.extend(self.confidence_items())
        self.review.extend(items_from_warnings(self.warnings))
        result.review = _merge(self.review)
        return result

    def check_document_type(self, document: Document) -> None:
        if document.document_type not in EXPECTED_TYPES[self.target]:
            name = document.document_type.replace("_", " ")
            article = "an" if name[:1] in "aeiou" else "a"
            self.review.append(ReviewItem(
                "unexpected_document_type", f"The document looks like {article} {name}, not what this "
                f"{_RECORD_NAMES[self.target]} expects: check that the right file was digitized.",
                "document_type", serious=True))

    # --- partner ------------------------------------------------------------------------------

    def prepare_partner(self, document: Document, party: Party, result: MappingResult) -> None:
        partner, method = self.match_partner(party)
        result.partner, result.partner_match = partner, method
        current_id = self.current.get("partner_id")
        if partner:
            self.check_partner(party, partner, method)
        if current_id:
            if partner and partner.id != current_id:
                self.review.append(ReviewItem(
                    "kept_value", f"{self.partner_label.capitalize()}: kept the one already set; the document "
                    f"points to {partner.name}.", "partner_id"))
        elif partner:
            result.header["partner_id"] = partner.id
            if PARTNER_CONFIDENCE.get(method) == "suggestion":
                self.review.append(self.suggestion_item(party, partner, method))
        elif party.is_empty():
            self.review.append(ReviewItem(
                "partner_missing", f"The document names no {self.partner_label}: select one.", self.role,
                serious=True))
        elif self._own_found:
            self.review.append(self.own_partner_item(party))
        elif not self._own_party:  # never a new partner with our own VAT id
            self.prepare_partner_creation(party, result)
        if self.target == "vendor_bill":
            self.prepare_bank_account(party, current_id or (partner.id if partner else None), result)

    def match_partner(self, party: Party) -> tuple[Optional[PartnerCandidate], str]:
        """VAT → IBAN → exact then fuzzy name → email domain; the first conclusive step wins."""
        if party.is_empty():
            return None, ""
        if party.vat:
            own = {compact(self.company.vat)} if self.company.vat else set()
            if own & set(party.vat.variants):
                self.review.append(ReviewItem(
                    "own_company", f"The {self.role}'s VAT id {party.vat.compact} is your own company's: seller "
                    f"and buyer may be swapped on the document. Select the {self.partner_label} by hand.",
                    f"{self.role}.vat", serious=True))
                self._own_party = True
                return None, ""
            found = self._pick(self.catalog.partners_by_vat(list(party.vat.variants)), party, "VAT id")
            if found:
                return found, "vat"
        if party.iban and party.iban_valid is not False:
            found = self._pick(self.catalog.partners_by_iban(party.iban), party, "bank account")
            if found:
                return found, "iban"
        if party.name:
            found, method = self.match_partner_by_name(party)
            if found:
                return found, method
        if party.email_domain and not self._own_domain(party.email_domain):
            found = self._pick(self.catalog.partners_by_email_domain(party.email_domain), party, "email domain")
            if found:
                return found, "email_domain"
        return None, ""

    def _own_domain(self, domain: str) -> bool:
        """An address of ours (the company's, a user's, our mail alias), or of a subdomain of ours."""
        return any(domain == own or domain.endswith("." + own) for own in self.company.own_email_domains)

    def suggestion_item(self, party: Party, partner: PartnerCandidate, method: str) -> ReviewItem:
        """A partner only suggested (a similar name, the e-mail's domain): a person confirms it."""
        label = self.partner_label.capitalize()
        if method == "email_domain":
            return ReviewItem(
                "partner_email_domain", f"{label} {partner.name} was guessed from the e-mail domain "
                f"{party.email_domain} of “{party.email}”: check it.", f"{self.role}.email", serious=True)
        return ReviewItem(
            "partner_fuzzy", f"{label} {partner.name} was guessed from a similar name (“{party.name}”, "
            f"{self._name_score:.0f} % alike): check it.", f"{self.role}.name", serious=True)

    def own_partner_item(self, party: Party) -> ReviewItem:
        """The document's partner matched only ourselves: a user's or a company's partner of this database."""
        names = ", ".join(p.name for p in list(self._own_found.values())[:3])
        return ReviewItem(
            "partner_is_own", f"“{party.name or party.email or '?'}” on the document matches only {names}, one of "
            f"your own companies or users, which cannot be the {self.partner_label}: seller and buyer may be "
            f"swapped on the document. Select the {self.partner_label}.", self.role, serious=True)

    def match_partner_by_name(self, party: Party) -> tuple[Optional[PartnerCandidate], str]:
        candidates = self._others(self.catalog.partners_by_name(party.name))
        if not candidates:
            return None, ""
        folded, core = fold(party.name), core_name(party.name)
        exact = [p for p in candidates if fold(p.name) == folded]
        if not exact and core:
            exact = [p for p in candidates if core_name(p.name) == core]
        if exact:
            return self._pick(exact, party, "name"), "name"
        scored = sorted(((name_similarity(party.name, p.name), p) for p in candidates), key=lambda s: -s[0])
        best_score, best = scored[0]
        if best_score < self.options.fuzzy_threshold:
            return None, ""
        if len(scored) > 1 and scored[1][0] > best_score - 5:
            self._ambiguous(party, [best, scored[1][1]], "similar name")
            return None, ""
        self._name_score = best_score  # said by ``suggestion_item`` when the partner is written
        return best, "fuzzy_name"

    def _is_own(self, partner: PartnerCandidate) -> bool:
        return partner.is_own or partner.id == self.company.partner_id

    def _others(self, partners: Iterable[PartnerCandidate]) -> list[PartnerCandidate]:
        """The candidates that are not ourselves (those are kept aside for ``own_partner_item``), once each."""
        seen, result = set(), []
        for partner in partners:
            if partner.id in seen:
                continue
            seen.add(partner.id)
            if self._is_own(partner):
                self._own_found.setdefault(partner.id, partner)
            else:
                result.append(partner)
        return result

    def _pick(self, partners: Iterable[PartnerCandidate], party: Party, how: str) -> Optional[PartnerCandidate]:
        candidates = self._others(partners)
        if len(candidates) > 1:
            companies = [p for p in candidates if p.company_type == "company"]
            candidates = companies or candidates
        if len(candidates) > 1 and party.name:
            scored = sorted(((name_similarity(party.name, p.name), p) for p in candidates), key=lambda s: -s[0])
            if scored[0][0] > scored[1][0]:
                candidates = [scored[0][1]]
        if len(candidates) > 1:
            self._ambiguous(party, candidates, how)
            return None
        return candidates[0] if candidates else None

    def _ambiguous(self, party: Party, candidates: list[PartnerCandidate], how: str) -> None:
        names = ", ".join(p.name for p in candidates[:4])
        self.review.append(ReviewItem(
            "partner_ambiguous", f"Several {self.partner_label}s match the {how} of “{party.name or '?'}” "
            f"({names}): select the right one.", self.role, serious=True))

    def check_partner(self, party: Party, partner: PartnerCandidate, method: str) -> None:
        if party.vat and method != "vat":
            if partner.vat and compact(partner.vat) not in party.vat.variants:
                self.review.append(ReviewItem(
                    "vat_mismatch", f"The document's VAT id {party.vat.compact} differs from {partner.name}'s "
                    f"({partner.vat}): check that this is the right {self.partner_label}.", f"{self.role}.vat",
                    serious=True))
            elif not partner.vat:
                self.review.append(ReviewItem(
                    "vat_missing_on_partner", f"{partner.name} has no VAT id; the document gives "
                    f"{party.vat.compact}: add it to the {self.partner_label} if it is correct.", f"{self.role}.vat"))
        if method == "vat" and party.name and name_similarity(party.name, partner.name) < 60:
            self.review.append(ReviewItem(
                "partner_name_differs", f"{partner.name} was found by VAT id, but the document names "
                f"“{party.name}”: check the {self.partner_label}.", f"{self.role}.name"))

    def prepare_partner_creation(self, party: Party, result: MappingResult) -> None:
        vat = party.vat
        if self.options.create_partner and party.name and vat and vat.valid and self.options.may_create_partner:
            country = party.country_code or vat.country_code
            values = {
                "name": party.name,
                "is_company": True,
                "vat": vat.with_prefix,
                "street": party.street,
                "city": party.city,
                "zip": party.zip,
                "country_id": self.catalog.country_id(country) if country else None,
                "email": party.email,
                "phone": party.phone,
                "customer_rank" if self.target == "sale_order" else "supplier_rank": 1,
                "company_id": self.options.partner_company_id,
            }
            result.partner_to_create = {k: v for k, v in values.items() if v not in (None, "")}
            self.review.append(ReviewItem(
                "partner_created", f"New {self.partner_label} “{party.name}” ({vat.with_prefix}) created from the "
                "document: check its details." + ("" if self.options.partner_company_id else
                                                  " It is shared by all companies (settings)."), self.role))
            return
        reasons = []
        if self.options.create_partner:
            if not party.name:
                reasons.append("the document gives no name")
            if not vat:
                reasons.append("the document gives no VAT id")
            elif not vat.valid:
                reasons.append(f"its VAT id {vat.compact} is not valid" if vat.valid is False
                               else f"its VAT id {vat.compact} cannot be verified")
            if not self.options.may_create_partner:
                reasons.append("the person who asked for it may not create contacts")
            hint = f" It was not created automatically because {' and '.join(reasons)}."
        else:
            hint = f" Turn on “create {self.partner_label}s” in the settings to create it automatically when its VAT id is valid."
        ident = f" (VAT {vat.compact})" if vat else ""
        self.review.append(ReviewItem(
            "partner_not_found", f"No {self.partner_label} found for “{party.name or party.email or '?'}”{ident}: "
            f"select or create it.{hint}", self.role, serious=True))

    def prepare_bank_account(self, party: Party, partner_id: Optional[int], result: MappingResult) -> None:
        if not party.iban or party.iban_valid is False:
            return
        found = self.catalog.partners_by_iban(party.iban)
        owners = self._others(found)
        if partner_id and any(p.id == partner_id for p in owners):
            result.partner_bank_iban = party.iban
        elif not owners and any(self._is_own(p) for p in found):
            self.review.append(ReviewItem(
                "iban_own", f"The bank account {party.iban} on the document is one of your own: it was not added "
                f"to the {self.partner_label}. Check the bank details on the document before paying.",
                f"{self.role}.iban", serious=True))
        elif owners:
            self.review.append(ReviewItem(
                "iban_other_partner", f"The bank account {party.iban} on the document belongs to "
                f"{owners[0].name}, not to this {self.partner_label}: confirm the bank details before paying.",
                f"{self.role}.iban", serious=True))
        elif party.iban_valid and (partner_id or result.partner_to_create) and not self.options.may_add_bank_account:
            self.review.append(ReviewItem(
                "bank_account_not_added", f"The document asks for payment to the bank account {party.iban}, which "
                f"is not among the {self.partner_label}'s; it was not added because the person who asked for the "
                "reading may not create bank accounts. Confirm it with them and have it added before paying.",
                f"{self.role}.iban", serious=True))
        elif party.iban_valid and (partner_id or result.partner_to_create):
            result.bank_account_to_add = {"acc_number": party.iban, "partner_id": partner_id}
            result.partner_bank_iban = party.iban
            if partner_id:
                # A new bank account on a known vendor is how payment fraud looks: always a person's call.
                self.review.append(ReviewItem(
                    "new_bank_account", f"The document asks for payment to a new bank account {party.iban}; it "
                    f"was added to the {self.partner_label}. Confirm it with them before paying.",
                    f"{self.role}.iban", serious=True))

    # --- header -------------------------------------------------------------------------------

    def set_value(self, result: MappingResult, field_name: str, value: Any, label: str) -> None:
        """Write ``value`` unless the record already has one; say so when they disagree."""
        if value is None or value == "":
            return
        current = self.current.get(field_name)
        if current:
            if not _same(current, value):
                self.review.append(ReviewItem(
                    "kept_value", f"{label}: kept “{_fmt(current)}”; the document says “{_fmt(value)}”.", field_name))
            return
        result.header[field_name] = value

    def prepare_header(self, document: Document, currency, result: MappingResult) -> None:
        currency_id = self.currency_id(document, currency)
        if self.target == "vendor_bill":
            self.prepare_bill_header(document, currency_id, result)
        elif self.target == "purchase_order":
            names = ORDER_HEADER_FIELDS["purchase_order"]
            self.set_value(result, names["document_number"], document.number, "Vendor reference")
            self.set_value(result, names["issue_date"], _noon(document.issue_date) if document.issue_date else None,
                           "Order date")
            self.set_value(result, names["due_date"], _noon(document.due_date) if document.due_date else None,
                           "Expected arrival")
            self.set_value(result, "currency_id", currency_id, "Currency")
        else:
            names = ORDER_HEADER_FIELDS["sale_order"]
            self.set_value(result, names["document_number"], document.number, "Customer reference")
            self.set_value(result, names["issue_date"], _noon(document.issue_date) if document.issue_date else None,
                           "Order date")
            if currency and currency.name != self.company.currency_code:
                # sale.order takes its currency from the pricelist: the user has to pick one in that currency.
                self.review.append(ReviewItem(
                    "pricelist_currency", f"The order is in {currency.name}: choose a pricelist in {currency.name} "
                    "before confirming.", "pricelist_id", serious=True))

    def currency_id(self, document: Document, currency) -> Optional[int]:
        if not document.currency:
            return None
        if currency is None:
            self.review.append(ReviewItem(
                "currency_unknown", f"Currency {document.currency} does not exist in Odoo: check the document's "
                "currency, or add it, then digitize again.", "currency", serious=True))
            return None
        if not currency.active:
            self.review.append(ReviewItem(
                "currency_inactive", f"Currency {currency.name} is not active: activate it (Accounting > Settings > "
                "Currencies) and digitize again.", "currency", serious=True))
            return None
        return currency.id

    def prepare_bill_header(self, document: Document, currency_id: Optional[int], result: MappingResult) -> None:
        wanted = "in_refund" if document.is_credit_note else "in_invoice"
        current_type = self.current.get("move_type")
        if not current_type or (current_type == "in_invoice" and wanted == "in_refund"):
            # A new bill is an 'in_invoice' by default; a credit note turns it into a refund.
            result.header["move_type"] = wanted
        elif current_type != wanted:
            self.review.append(ReviewItem(
                "kept_value", f"Kept the record's type ({_MOVE_TYPES.get(current_type, 'another type')}); the "
                f"document is a {(document.document_type or 'invoice').replace('_', ' ')}.", "move_type"))
        self.set_value(result, "ref", document.number, "Bill reference")
        self.set_value(result, "payment_reference", document.payment_reference, "Payment reference")
        self.set_value(result, "invoice_date", document.issue_date, "Bill date")
        if document.due_date:
            partner = result.partner if "partner_id" in result.header else None
            has_terms = self.current.get("invoice_payment_term_id") or (partner and partner.property_payment_term_id)
            if has_terms:
                self.review.append(ReviewItem(
                    "due_date_from_terms", f"The document's due date is {document.due_date.isoformat()}; the "
                    "payment terms decide the due date instead: check they agree.", "invoice_date_due"))
            else:
                self.set_value(result, "invoice_date_due", document.due_date, "Due date")
        self.set_value(result, "currency_id", currency_id, "Currency")

    # --- lines --------------------------------------------------------------------------------

    def prepare_lines(self, document: Document, result: MappingResult) -> None:
        lines_field = _LINE_FIELDS[self.target][0]
        if self.current.get(lines_field) or self.current.get("lines"):
            if document.lines:
                self.review.append(ReviewItem(
                    "lines_kept", "The record already has lines; "
                    + (f"the document's {len(document.lines)} lines were" if len(document.lines) > 1
                       else "the document's line was")
                    + " not added. Compare them with the document.", lines_field))
            return
        partner_id = result.header.get("partner_id") or self.current.get("partner_id")
        if not document.lines:
            result.lines = self.prepare_lines_without_detail(document)
            return
        rates = self.line_tax_rates(document)
        for line in document.lines:
            values = self.prepare_line(line, rates.get(line.index, _UNKNOWN), partner_id)
            if values:
                result.lines.append(values)
        result.lines.extend(self.prepare_adjustment_lines(document, rates))

    def prepare_line(self, line: Line, rate: Any, partner_id: Optional[int]) -> Optional[dict[str, Any]]:
        _, qty_field, taxes_field, uom_field = _LINE_FIELDS[self.target]
        if line.is_text_only:
            return self.note_line(line.description or line.product_code)
        remembered = self.remembered(line, partner_id)
        if remembered and remembered.product_id:
            product = self.catalog.product(remembered.product_id)
        else:
            product = self.match_product(line, partner_id)
        name = line.description or (product.name if product else None) or line.product_code or f"Line {line.index}"
        if product is None and self.target != "vendor_bill":
            product = self.fallback_product(line)
            if product is None:
                return self.note_line(self._note_text(line, name))
            if line.product_code and line.product_code not in name:
                name = f"[{line.product_code}] {name}"
        quantity, price, discount = self.line_amounts(line)
        values: dict[str, Any] = {"name": name, qty_field: quantity, "price_unit": price, "discount": discount}
        if product:
            values["product_id"] = product.id
        if remembered and remembered.tax_ids is not None:
            tax_ids = list(remembered.tax_ids)
        else:
            tax_ids = self.line_tax_ids(line, rate, product)
        if tax_ids is not None:
            values[taxes_field] = [(SET, 0, tax_ids)]
        uom_id = self.line_uom(line, product)
        if uom_id:
            values[uom_field] = uom_id
        if self.target == "vendor_bill":
            key = memory_key(line.description, line.product_code)
            if key:
                values["digitize_key"] = key  # lets the bill learn from what the person confirms
            if remembered:
                if remembered.account_id:
                    values["account_id"] = remembered.account_id
                if remembered.analytic_distribution:
                    values["analytic_distribution"] = dict(remembered.analytic_distribution)
        return values

    def remembered(self, line: Line, partner_id: Optional[int]) -> Optional[Choice]:
        """What a person chose for this vendor's line last time (vendor memory), if anything."""
        lookup = getattr(self.catalog, "remembered", None)
        key = memory_key(line.description, line.product_code)
        if lookup is None or not partner_id or not key or self.use != "purchase":
            return None
        choice = lookup(partner_id, key)
        if choice is not None:
            self.review.append(ReviewItem(
                "remembered", f"Line {line.index}: product, account and taxes as chosen last time for this vendor "
                "(digitization memory).", f"lines[{line.index - 1}]"))
        return choice

    def note_line(self, text: Optional[str]) -> dict[str, Any]:
        values: dict[str, Any] = {"display_type": "line_note", "name": text}
        if self.target != "vendor_bill":  # order lines store a quantity even for notes (NOT NULL)
            values[_LINE_FIELDS[self.target][1]] = 0.0
        return values

    def _note_text(self, line: Line, name: str) -> str:
        self.review.append(ReviewItem(
            "no_product", f"Line {line.index} (“{name}”): no product matches and no fallback product is set — added "
            "as a note. Set a fallback product in the settings or add the product by hand.",
            f"lines[{line.index - 1}]", serious=True))
        figures = [f"{_fmt(v)}" for v in (line.quantity, line.unit_price, line.amount) if v is not None]
        return f"{name} ({' / '.join(figures)})" if figures else name

    def match_product(self, line: Line, partner_id: Optional[int]) -> Optional[ProductCandidate]:
        """Vendor product code (supplierinfo) → internal reference → barcode → exact name."""
        vendor_id = partner_id if self.use == "purchase" else None
        candidates = self.catalog.products(use=self.use, partner_id=vendor_id, code=line.product_code,
                                           barcode=line.barcode, name=line.description)
        if not candidates:
            return None
        code = (line.product_code or "").lower()
        name = (line.description or "").strip().lower()
        tiers = (
            lambda p: bool(code) and vendor_id is not None and code in {c.lower() for c in p.vendor_codes.get(vendor_id, ())},
            lambda p: bool(code) and (p.default_code or "").lower() == code,
            lambda p: bool(line.barcode) and p.barcode == line.barcode,
            lambda p: bool(name) and p.name.strip().lower() == name,
        )
        for matches in tiers:
            found = [p for p in candidates if matches(p)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = ", ".join(p.name for p in found[:3])
                self.review.append(ReviewItem(
                    "product_ambiguous", f"Line {line.index}: several products match ({names}); none was chosen.",
                    f"lines[{line.index - 1}].product_code"))
                return None
        return None

    def fallback_product(self, line: Line) -> Optional[ProductCandidate]:
        if not self.options.fallback_product_id:
            return None
        product = self.catalog.product(self.options.fallback_product_id)
        if product is None:
            self.review.append(ReviewItem(
                "fallback_product_missing", "The fallback product in the settings no longer exists or is archived: "
                "choose another one.", "fallback_product_id", serious=True))
            return None
        self.review.append(ReviewItem(
            "fallback_product", f"Line {line.index} (“{line.description or line.product_code}”): no product matches; "
            f"{product.name} was used — replace it if a real product exists.", f"lines[{line.index - 1}]"))
        return product

    def line_amounts(self, line: Line) -> tuple[float, float, float]:
        """(quantity, unit price, discount %) that reproduce the printed net amount."""
        quantity = 1.0 if line.quantity is None else line.quantity
        discount = line.discount or 0.0
        price, amount = line.unit_price, line.amount
        field_path = f"lines[{line.index - 1}]"
        if price is None:
            if amount is None:
                self.review.append(ReviewItem(
                    "line_without_price", (f"Line {line.index} (“{line.description}”)" if line.description
                                           else f"Line {line.index}") + ": no price on the document — enter it.",
                    f"{field_path}.unit_price", serious=True))
                return quantity, 0.0, discount
            if not quantity:
                quantity = 1.0
            price = amount / quantity / (1 - discount / 100) if discount < 100 else 0.0
            return quantity, round_half_up(price, 6), discount
        if amount is not None and quantity:
            gross = quantity * price
            if abs(gross * (1 - discount / 100) - amount) > self.options.line_tolerance:
                if not discount and gross and 0 <= amount / gross < 1:
                    # A line allowance printed as an amount, not a percentage (e.g. 10 × 100.00 = 850.00).
                    # Two decimals: Odoo's default 'Discount' precision would cut more.
                    derived = round_half_up((1 - amount / gross) * 100, 2)
                    if abs(gross * (1 - derived / 100) - amount) <= self.options.line_tolerance:
                        return quantity, price, derived
                self.review.append(ReviewItem(
                    "line_price_from_amount", f"Line {line.index}: {_fmt(quantity)} × {_fmt(price)} does not give the "
                    f"printed amount {amount:.2f}; the unit price was derived from the amount.", f"{field_path}.amount"))
                return quantity, round_half_up(amount / quantity, 6), 0.0
        if self.options.price_digits is not None and amount is not None:
            cut = round_half_up(price, self.options.price_digits)
            if abs(quantity * cut * (1 - discount / 100) - amount) >= 0.005:
                self.review.append(ReviewItem(
                    "price_precision", f"Line {line.index}: the unit price {_fmt(price)} has more decimals than Odoo "
                    f"keeps ({self.options.price_digits}); the line total will differ from {amount:.2f}. Raise the "
                    "'Product Price' decimal accuracy or adjust the line.", f"{field_path}.unit_price"))
        return quantity, price, discount

    # --- taxes --------------------------------------------------------------------------------

    def line_tax_rates(self, document: Document) -> dict[int, Any]:
        """Tax rate per line index: the printed rate, else what the tax summary implies.

        Values: a rate (percent), ``_UNTAXED`` (the document shows the line carries no tax) or
        ``_UNKNOWN``.
        """
        rates: dict[int, Any] = {}
        summary_rates = sorted({t.rate for t in document.taxes if t.rate is not None})
        explicit = {line.tax_rate for line in document.lines if line.tax_rate is not None}
        covered = self._summary_covered_by_explicit_lines(document)
        if not summary_rates and not explicit:
            implied = self._rate_implied_by_totals(document)
            if implied is not None:
                summary_rates = [implied]
        for line in document.lines:
            if line.tax_rate is not None:
                rates[line.index] = line.tax_rate
            elif len(summary_rates) == 1 and explicit <= set(summary_rates) and not covered:
                rates[line.index] = summary_rates[0]
            elif covered or (not summary_rates and document.total_tax == 0):
                rates[line.index] = _UNTAXED
            else:
                rates[line.index] = _UNKNOWN
        return rates

    def _rate_implied_by_totals(self, document: Document) -> Optional[float]:
        """The one rate of the company's taxes that turns the subtotal into the total tax, if any."""
        if not document.subtotal or not document.total_tax:
            return None
        slack = 0.005 * (len(document.lines) + 1)
        rates = {t.amount for t in self.taxes() if t.amount_type == "percent" and t.amount
                 and t.price_include == self.options.prices_include_tax}
        fitting = [r for r in rates if abs(document.subtotal * r / 100 - document.total_tax) <= slack]
        if len(fitting) != 1:
            return None
        self.review.append(ReviewItem(
            "tax_rate_implied", f"The document prints no tax rate; {fitting[0]:g} % is the rate that gives its tax "
            f"amount {document.total_tax:.2f}, and was used for every line.", "total_tax"))
        return fitting[0]

    def _summary_covered_by_explicit_lines(self, document: Document) -> bool:
        """True when the lines with a printed rate already make up every base of the tax summary,
        so a line without a rate is outside the tax (e.g. a untaxed item on a taxed invoice)."""
        if not document.taxes or all(line.tax_rate is None for line in document.lines):
            return False
        for summary in document.taxes:
            if summary.rate is None or summary.base is None:
                return False
            amounts = [line.net_amount for line in document.lines if line.tax_rate == summary.rate]
            if any(a is None for a in amounts) or abs(sum(amounts) - summary.base) > 0.01:
                return False
        return True

    def taxes(self) -> list[TaxCandidate]:
        if self._taxes is None:
            self._taxes = list(self.catalog.taxes(self.use))
        return self._taxes

    def line_tax_ids(self, line: Optional[Line], rate: Any, product: Optional[ProductCandidate]) -> Optional[list[int]]:
        """Tax ids for the line (None: a line made from the tax summary); None leaves Odoo's default."""
        where = f"Line {line.index}" if line else "Tax summary"
        field_path = f"lines[{line.index - 1}].tax_rate" if line else "taxes"
        if rate is _UNTAXED:
            return []
        if rate is _UNKNOWN:
            defaults = self._product_taxes(product)
            if defaults:
                return defaults
            self.review.append(ReviewItem(
                "tax_unknown", f"{where}: the document states no tax rate; Odoo's default taxes apply. "
                "Check them.", field_path))
            return None
        tax = self.find_tax(rate, product)
        if tax:
            return [tax.id]
        if abs(rate) < 1e-9:
            self.review.append(ReviewItem(
                "tax_zero_missing", f"{where}: no 0 % {self.use} tax exists; the line was left without tax. "
                "Pick the exemption tax that applies (e.g. intra-EU, export) for your tax report.", field_path))
            return []
        kind = "included in" if self.options.prices_include_tax else "excluded from"
        self.review.append(ReviewItem(
            "tax_not_found", f"{where}: no {self.use} tax of {rate:g} % ({kind} the price) exists in this "
            "company: create it or pick the tax by hand.", field_path, serious=True))
        return []

    def _product_taxes(self, product: Optional[ProductCandidate]) -> list[int]:
        if not product:
            return []
        return list(product.sale_tax_ids if self.use == "sale" else product.purchase_tax_ids)

    def find_tax(self, rate: float, product: Optional[ProductCandidate]) -> Optional[TaxCandidate]:
        """A percent tax of that rate; the product's own taxes first, then plain (not reverse-charge) ones."""
        candidates = [t for t in self.taxes() if t.amount_type == "percent" and abs(t.amount - rate) < 1e-4
                      and t.price_include == self.options.prices_include_tax]
        if not candidates:
            return None
        preferred = set(self._product_taxes(product))
        return min(candidates, key=lambda t: (t.id not in preferred, t.has_negative_factor, t.sequence, t.id))

    # --- units --------------------------------------------------------------------------------

    def line_uom(self, line: Line, product: Optional[ProductCandidate]) -> Optional[int]:
        if not line.unit:
            return None
        alias = _UNIT_LOOKUP.get(line.unit.strip().lower())
        uom = (self.catalog.uom(alias) if alias else None) or self.catalog.uom(line.unit)
        if uom is None:
            self.review.append(ReviewItem(
                "unit_unknown", f"Line {line.index}: unit “{line.unit}” is unknown; the product's unit is used.",
                f"lines[{line.index - 1}].unit"))
            return None
        if product is not None and (product.uom_category_id is None or uom.category_id != product.uom_category_id):
            if product.uom_category_id is not None:
                self.review.append(ReviewItem(
                    "unit_category", f"Line {line.index}: unit “{line.unit}” does not fit {product.name}; the "
                    "product's unit is used. Check the quantity.", f"lines[{line.index - 1}].unit"))
            return None
        return uom.id

    # --- lines that the document implies --------------------------------------------------------

    def prepare_adjustment_lines(self, document: Document, rates: dict[int, Any]) -> list[dict[str, Any]]:
        """Lines for document-level allowances/charges, so Odoo's totals equal the document's.

        Only when the tax summary explains the difference rate by rate (its bases add up to the
        subtotal and every line's rate is one of the summary's); otherwise the difference is
        reported and left to the user.
        """
        lines_total = document.lines_net_total()
        if document.subtotal is None or lines_total is None:
            return []
        difference = round_half_up(document.subtotal - lines_total, 2)
        if abs(difference) < 0.005:
            return []
        per_rate = self._allowances_per_rate(document, rates)
        usable = self.options.header_adjustment_lines and per_rate is not None
        product = None
        if usable and self.target != "vendor_bill":
            product = self.catalog.product(self.options.fallback_product_id) if self.options.fallback_product_id else None
            usable = product is not None
        if not usable:
            self.review.append(ReviewItem(
                "lines_subtotal_mismatch", f"The lines add up to {lines_total:.2f} but the document's subtotal is "
                f"{document.subtotal:.2f} (difference {difference:+.2f}): a document-level discount or charge, or a "
                "misread line. Add or correct a line.", "subtotal", serious=True))
            return []
        _, qty_field, taxes_field, _ = _LINE_FIELDS[self.target]
        result = []
        for rate, amount in per_rate.items():
            kind = "discount" if amount < 0 else "charge"
            values: dict[str, Any] = {"name": f"Document-level {kind} ({rate:g} % tax)", qty_field: 1.0,
                                      "price_unit": amount, "discount": 0.0}
            if product:
                values["product_id"] = product.id
            tax = self.find_tax(rate, product)
            values[taxes_field] = [(SET, 0, [tax.id] if tax else [])]
            result.append(values)
        self.review.append(ReviewItem(
            "document_allowance", f"The document has document-level discounts/charges ({difference:+.2f} in total); "
            f"{len(result)} line(s) were added for them.", "subtotal"))
        return result

    def _allowances_per_rate(self, document: Document, rates: dict[int, Any]) -> Optional[dict[float, float]]:
        line_rates = {rates.get(line.index) for line in document.lines if not line.is_text_only}
        if not document.taxes and len(line_rates) == 1:
            # No tax summary, but every line has the same rate: the difference can only be at that rate.
            (rate,) = line_rates
            if isinstance(rate, float):
                return {rate: round_half_up(document.subtotal - document.lines_net_total(), 2)}
            return None
        summary = [t for t in document.taxes if t.rate is not None and t.base is not None]
        if not summary or len(summary) != len(document.taxes):
            return None
        if abs(sum(t.base for t in summary) - document.subtotal) > 0.01:
            return None
        bases: dict[float, float] = {}
        for tax in summary:  # a rate may appear twice (e.g. two exemption reasons at 0 %)
            bases[tax.rate] = bases.get(tax.rate, 0.0) + tax.base
        per_rate = {rate: 0.0 for rate in bases}
        for line in document.lines:
            if line.is_text_only:
                continue
            rate = rates.get(line.index)
            if rate not in per_rate:
                return None
            per_rate[rate] += line.net_amount
        allowances = {rate: round_half_up(bases[rate] - total, 2) for rate, total in per_rate.items()}
        return {rate: amount for rate, amount in allowances.items() if abs(amount) >= 0.005}

    def prepare_lines_without_detail(self, document: Document) -> list[dict[str, Any]]:
        """A document without lines (e.g. Factur-X BASIC WL): for a bill, one line per tax rate."""
        label = document.number or "Document"
        if self.target == "vendor_bill" and self.options.lines_from_tax_summary:
            summary = [t for t in document.taxes if t.base is not None]
            lines = []
            if summary and len(summary) == len(document.taxes):
                for tax in summary:
                    rate = tax.rate if tax.rate is not None else _UNKNOWN
                    name = f"{label}: amount subject to {rate:g} % tax" if rate is not _UNKNOWN else label
                    lines.append(self._summary_line(name, tax.base, rate))
            elif document.subtotal is not None and (document.total_tax == 0 or document.total == document.subtotal):
                lines.append(self._summary_line(label, document.subtotal, _UNTAXED))
            if lines:
                self.review.append(ReviewItem(
                    "lines_from_summary", "The document lists no lines: one line per tax rate was created from its "
                    "tax summary. Set the accounts or products if needed.", "lines"))
                return lines
        self.review.append(ReviewItem(
            "no_lines", "No lines could be read from the document: add them by hand.", "lines", serious=True))
        return []

    def _summary_line(self, name: str, amount: float, rate: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"name": name, "quantity": 1.0, "price_unit": amount, "discount": 0.0}
        tax_ids = self.line_tax_ids(None, rate, None) if rate is not _UNKNOWN else None
        if tax_ids is not None:
            values["tax_ids"] = [(SET, 0, tax_ids)]
        return values

    # --- confidence ---------------------------------------------------------------------------

    def confidence_items(self) -> list[ReviewItem]:
        items = []
        threshold = self.options.confidence_threshold
        for path, confidence in sorted(self.field_confidence.items(), key=lambda kv: kv[1]):
            if confidence is None or confidence >= threshold:
                continue
            value = _value_at(self.raw, path)
            read = f" read as “{_fmt(value)}”" if value not in (None, "") else ""
            items.append(ReviewItem(
                "low_confidence", f"{_field_label(path, self.target)}{read} with {confidence:.0%} confidence: "
                "compare it with the document.", path, serious=path in _KEY_FIELDS,
                value=_shown(path, value) if value not in (None, "") else None))
        return items


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_UNTAXED = _Marker("UNTAXED")
_UNKNOWN = _Marker("UNKNOWN")


def _merge(items: list[ReviewItem]) -> list[ReviewItem]:
    """One item per (code, field): the sidecar and the mapping may both flag the same VAT id."""
    merged: dict[tuple[str, Optional[str]], ReviewItem] = {}
    order = []
    for item in items:
        key = (item.code, item.field)
        if key not in merged:
            merged[key] = item
            order.append(key)
        elif item.serious and not merged[key].serious:
            merged[key] = item
    return [merged[key] for key in order]


def line_fields(target: str) -> tuple[str, str, str, str]:
    """The record's (lines, quantity, taxes, unit of measure) field names for ``target``."""
    return _LINE_FIELDS[target]


def confirmed_order_document(target: str, header: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], *,
                             document_type: Optional[str], currency: Optional[str], subtotal: float,
                             total_tax: float, total: float, taxes: Iterable[Mapping[str, Any]] = ()) -> dict:
    """An order as a person confirmed it, in document terms: the inverse of what ``map_document`` writes where,
    so that what a layout learns from it is what reading the next document must produce.

    ``header``: the order's values of ``ORDER_HEADER_FIELDS[target]`` by field name (dates as dates, as the
    person saw them). ``lines``: its product lines (no sections, no notes) with ``name``, the quantity field
    of ``line_fields(target)``, ``price_unit``, ``discount``, ``price_subtotal``, ``tax_rate`` (the sum of
    its percent taxes, None without) and ``product_code`` (the product's code, used when the name does not
    carry one). ``taxes``: {rate, base, amount} per rate."""
    qty_field = _LINE_FIELDS[target][1]
    document: dict[str, Any] = {"document_type": document_type, "currency": currency}
    for key, name in ORDER_HEADER_FIELDS[target].items():
        value = header.get(name)
        document[key] = value.isoformat() if isinstance(value, datetime.date) else (value or None)
    document["lines"] = []
    for line in lines:
        name = line.get("name") or ""
        code, description = line.get("product_code") or None, name
        prefixed = _CODE_PREFIX.fullmatch(name)
        if prefixed:  # a line on the fallback product (or Odoo's "[code] name" of a product): the code is apart
            code, description = prefixed.group(1), prefixed.group(2)
        document["lines"].append({
            "description": " ".join(description.split()) or None, "product_code": code,
            "quantity": line.get(qty_field), "unit_price": line.get("price_unit"),
            "discount_percent": line.get("discount") or None, "tax_rate": line.get("tax_rate"),
            "amount": line.get("price_subtotal")})
    document["taxes"] = [dict(tax) for tax in taxes]
    document.update(subtotal=subtotal, total_tax=total_tax, total=total)
    return document


def map_document(doc: Mapping[str, Any], catalog: Catalog, target: str,
                 current: Optional[Mapping[str, Any]] = None,
                 options: "MappingOptions | Mapping[str, Any] | None" = None, *,
                 field_confidence: Optional[Mapping[str, float]] = None,
                 warnings: Optional[Iterable[Any]] = None,
                 mapper_class: type = DocumentMapper) -> MappingResult:
    """Map a canonical document onto a vendor bill, purchase order or sales order.

    ``doc``: canonical document dict. ``catalog``: candidates scoped to the record's company.
    ``target``: 'vendor_bill' | 'purchase_order' | 'sale_order'. ``current``: the record's current
    values that someone entered (field → value, ids for relations; falsy = empty; include the
    lines field, e.g. ``invoice_line_ids``/``order_line``, or ``lines``, truthy when lines exist).
    Pass defaults the user never chose (a PO's ``date_order`` = now, the company currency) as
    empty, or they will never be filled. ``options``: :class:`MappingOptions` or a dict of its
    fields. ``field_confidence`` and ``warnings``: from the sidecar's response.
    """
    mapper = mapper_class(doc, catalog, target, current, options, field_confidence=field_confidence,
                          warnings=warnings)
    return mapper.run()
