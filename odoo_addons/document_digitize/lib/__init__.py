"""Pure-Python mapping core of document_digitize (no Odoo imports: tested standalone).

Inside Odoo: ``from odoo.addons.document_digitize.lib import map_document, ...``.
"""

from .catalog import (Catalog, CompanyInfo, CurrencyCandidate, InMemoryCatalog, PartnerCandidate,  # noqa: F401
                      ProductCandidate, TaxCandidate, UomCandidate, name_search_terms)
from .mapping import TARGETS, MappingOptions, MappingResult, map_document  # noqa: F401
from .normalize import normalize_document, normalize_iban, normalize_vat  # noqa: F401
from .review import (ReviewItem, TaxAdjustment, compare_totals, items_from_warnings,  # noqa: F401
                     low_confidence_fields, needs_review, review_note_html, tax_adjustments)
from .orders import (AddressCandidate, BillLine, OrderCandidate, OrderLineCandidate, OrderMatch,  # noqa: F401
                     find_order, match_address, match_order_lines, reference_key)
from .duplicates import BillKey, Duplicate, duplicate_items, find_duplicates  # noqa: F401
from .memory import Choice, Correction, corrections, memory_key  # noqa: F401
