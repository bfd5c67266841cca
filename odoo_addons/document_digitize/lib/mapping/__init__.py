"""One core path from the canonical document to Odoo values: vendor bills, purchase and sales orders.

In the manner of OCA ``account_invoice_import``: the canonical JSON is the neutral dict, it is
pre-processed once (``normalize``), and :class:`DocumentMapper` prepares the values of the header
and of the lines through small methods an extension can override. Nothing here touches the
database: candidates come from a :class:`~..catalog.Catalog`, and the result says what to write,
what to create and what a person should check. Values the user already entered are never replaced,
and nothing is ever posted or confirmed.

The steps live apart, one job a file, and :class:`DocumentMapper` is composed of them: ``result`` (targets,
options, the result, shared helpers) ← ``partner``, ``header``, ``lines``, ``taxes``, ``confidence`` (the
steps, as mixins), ``expense`` (the same steps for a receipt that becomes an expense) ← this module (the entry
point). Every method keeps its name, so a subclass overrides any
step and reaches the core path with ``super()``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from ..catalog import Catalog, CompanyInfo, PartnerCandidate, TaxCandidate
from ..normalize import normalize_document
from ..review import items_from_warnings
from ..text import ReviewItem, name_similarity
from .confidence import ConfidenceSteps
from .expense import ExpenseSteps, expense_description
from .header import HeaderSteps
from .lines import LineSteps
from .partner import PartnerSteps
from .result import (
    EXPECTED_TYPES,
    LINES_FIELD,
    ORDER_HEADER_FIELDS,
    PARTNER_CONFIDENCE,
    SET,
    TARGETS,
    TARGETS_WITHOUT_LINES,
    MappingOptions,
    MappingResult,
    _merge,
)
from .taxes import TaxSteps

__all__ = [
    "EXPECTED_TYPES", "LINES_FIELD", "ORDER_HEADER_FIELDS", "PARTNER_CONFIDENCE", "SET", "TARGETS",
    "TARGETS_WITHOUT_LINES", "DocumentMapper", "MappingOptions", "MappingResult", "expense_description",
    "map_document", "name_similarity",
]


class DocumentMapper(ExpenseSteps, PartnerSteps, HeaderSteps, LineSteps, TaxSteps, ConfidenceSteps):
    """The mapping core. Override a ``prepare_*``/``match_*`` method to extend one step. ``ExpenseSteps`` comes
    first: for the expense target it takes the partner, header and lines steps (a receipt has no lines to create)."""

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
        self.partner_label = {"sale_order": "customer", "expense": "merchant"}.get(target, "vendor")
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


def map_document(doc: Mapping[str, Any], catalog: Catalog, target: str,
                 current: Optional[Mapping[str, Any]] = None,
                 options: "MappingOptions | Mapping[str, Any] | None" = None, *,
                 field_confidence: Optional[Mapping[str, float]] = None,
                 warnings: Optional[Iterable[Any]] = None,
                 mapper_class: type = DocumentMapper) -> MappingResult:
    """Map a canonical document onto a vendor bill, purchase order or sales order.

    ``doc``: canonical document dict. ``catalog``: candidates scoped to the record's company.
    ``target``: 'vendor_bill' | 'purchase_order' | 'sale_order' | 'expense'. ``current``: the record's current
    values that someone entered (field → value, ids for relations; falsy = empty; include the
    lines field, e.g. ``invoice_line_ids``/``order_line``, or ``lines``, truthy when lines exist).
    Pass defaults the user never chose (a PO's ``date_order`` = now, the company currency) as
    empty, or they will never be filled. ``options``: :class:`MappingOptions` or a dict of its
    fields. ``field_confidence`` and ``warnings``: from the sidecar's response.
    """
    mapper = mapper_class(doc, catalog, target, current, options, field_confidence=field_confidence,
                          warnings=warnings)
    return mapper.run()
