"""Pure-Python core of document_digitize (no Odoo imports: tested standalone).

Inside Odoo: ``from odoo.addons.document_digitize.lib import map_document, ...``. Imports flow one way:
text (helpers, ReviewItem) ← evidence ← normalize ← review ← mapping ← config, order_document; catalog, memory,
orders and duplicates use text only; client and queue stand alone (config builds the client's endpoint settings);
the learned layouts (the ``layout`` package: fields ← words ← learn, read ← identify ← check) use printed and text
only. ``mapping`` is a package, one job a file: ``result`` (targets, options, result) ← the steps ``partner``,
``header``, ``lines``, ``taxes``, ``confidence`` ← ``mapping/__init__`` (``DocumentMapper`` composed of them,
``map_document``). ``order_document`` reads a confirmed order back into document terms (the reverse of ``mapping``).
``verified`` (stands alone) decides whether a reading is verified: the Odoo models and the benchmark call it.
``correct`` (evidence, printed) reads a clicked word or a picked candidate as a field's value (correcting on the page).
"""

from .catalog import (
    Catalog,
    CompanyInfo,
    CurrencyCandidate,
    InMemoryCatalog,
    PartnerCandidate,
    ProductCandidate,
    TaxCandidate,
    UomCandidate,
    name_search_terms,
)
from .config import DigitizeConfig
from .duplicates import BillKey, Duplicate, ExpenseKey, duplicate_items, expense_duplicate_items, find_duplicates
from .mapping import (
    LINES_FIELD,
    ORDER_HEADER_FIELDS,
    PARTNER_CONFIDENCE,
    TARGETS,
    TARGETS_WITHOUT_LINES,
    MappingOptions,
    MappingResult,
    map_document,
)
from .memory import Choice, Correction, corrections, memory_key, merchant_key
from .normalize import DOCUMENT_TYPES, normalize_document, normalize_iban, normalize_vat
from .order_document import confirmed_order_document, line_fields
from .orders import (
    AddressCandidate,
    BillLine,
    OrderCandidate,
    OrderLineCandidate,
    OrderMatch,
    find_order,
    match_address,
    match_order_lines,
)
from .review import (
    TaxAdjustment,
    compare_totals,
    items_from_warnings,
    low_confidence_fields,
    needs_review,
    review_note_html,
    tax_adjustments,
    warnings_html,
    without_links,
)
from .text import ReviewItem, compact, fold, name_similarity, reference_key
from .verified import Verdict, verdict
