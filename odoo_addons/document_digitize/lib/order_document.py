"""The reverse of the mapping for orders: an order as a person confirmed it, back in document terms.

What ``map_document`` writes where (``mapping.ORDER_HEADER_FIELDS``, the lines' fields), read back, so that
a layout learns from a confirmed order what reading the next document must produce. Pure: used by the
order models (``models/digitize_order_mixin.py``) and tested without Odoo.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Iterable, Mapping, Optional

from .mapping.result import _LINE_FIELDS, ORDER_HEADER_FIELDS

_CODE_PREFIX = re.compile(r"\[([^\[\]]+)\]\s+(.*)", re.S)  # "[code] description" (``prepare_line``)


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
