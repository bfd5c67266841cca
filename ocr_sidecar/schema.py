"""Canonical document schema (schema_version "1").

One definition, used three ways:
- ``Document`` (pydantic) validates and normalises what any engine produces;
- ``decoding_json_schema()`` is the bounded, all-keys-required JSON schema the
  grammar-constrained decoder follows (every string has a length-bounded
  ``pattern``, every array a ``maxItems``), so even random weights emit a valid
  document;
- ``protos/document.schema.json`` is the committed contract shared with the
  Odoo addons; a test checks it equals ``contract_json_schema()``.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1"

DocumentTypeName = Literal["invoice", "credit_note", "purchase_order", "sales_order", "receipt"]
DOCUMENT_TYPES: tuple[str, ...] = ("invoice", "credit_note", "purchase_order", "sales_order", "receipt")

# Bounds shared by validation and decoding. Long enough for every real document in
# the corpus (longest gold string: 58 chars), short enough that a wandering model stops.
MAX_TEXT = 200  # descriptions, names, streets
MAX_SHORT = 64  # numbers, references, codes, phone
MAX_LINES = 60
MAX_TAXES = 8


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_Base):
    street: Optional[str] = Field(None, max_length=MAX_TEXT)
    city: Optional[str] = Field(None, max_length=MAX_SHORT)
    zip: Optional[str] = Field(None, max_length=16)
    country_code: Optional[str] = Field(None, pattern=r"^[A-Z]{2}$")


class Party(_Base):
    name: Optional[str] = Field(None, max_length=MAX_TEXT)
    vat: Optional[str] = Field(None, max_length=MAX_SHORT)
    iban: Optional[str] = Field(None, max_length=40)
    email: Optional[str] = Field(None, max_length=MAX_SHORT)
    phone: Optional[str] = Field(None, max_length=MAX_SHORT)
    address: Optional[Address] = None

    @field_validator("vat", "iban")
    @classmethod
    def _compact(cls, v: Optional[str]) -> Optional[str]:
        # VAT ids and IBANs are compact: no spaces, dots or dashes, upper case.
        if v is None:
            return v
        v = "".join(ch for ch in v if ch.isalnum()).upper()
        return v or None


class Line(_Base):
    description: Optional[str] = Field(None, max_length=MAX_TEXT)
    product_code: Optional[str] = Field(None, max_length=MAX_SHORT)
    quantity: Optional[float] = None
    unit: Optional[str] = Field(None, max_length=16)
    unit_price: Optional[float] = None
    discount_percent: Optional[float] = None
    tax_rate: Optional[float] = None  # percent
    amount: Optional[float] = None  # net line total


class Tax(_Base):
    rate: Optional[float] = None  # percent
    base: Optional[float] = None
    amount: Optional[float] = None


class Document(_Base):
    document_type: Optional[DocumentTypeName] = None
    document_number: Optional[str] = Field(None, max_length=MAX_SHORT)
    issue_date: Optional[str] = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    due_date: Optional[str] = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    currency: Optional[str] = Field(None, pattern=r"^[A-Z]{3}$")
    order_reference: Optional[str] = Field(None, max_length=MAX_SHORT)
    payment_reference: Optional[str] = Field(None, max_length=MAX_SHORT * 2)
    seller: Optional[Party] = None
    buyer: Optional[Party] = None
    lines: Optional[list[Line]] = Field(None, max_length=MAX_LINES)
    taxes: Optional[list[Tax]] = Field(None, max_length=MAX_TAXES)
    subtotal: Optional[float] = None
    total_tax: Optional[float] = None
    total: Optional[float] = None
    amount_due: Optional[float] = None

    def to_json(self) -> str:
        """Canonical serialisation: every key present, compact, UTF-8 (not ASCII-escaped)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def parse_document(data: str | bytes | dict) -> Document:
    """Validate engine output (JSON text or dict) into a ``Document``. Raises pydantic.ValidationError."""
    if isinstance(data, (str, bytes)):
        return Document.model_validate_json(data)
    return Document.model_validate(data)


def contract_json_schema() -> dict[str, Any]:
    """The JSON schema of the canonical document (the shared contract, permissive: every field nullable)."""
    schema = Document.model_json_schema()
    schema["$id"] = "https://schemas.local/ocr/v1/document.schema.json"
    schema["title"] = "Canonical document (schema_version 1)"
    return schema


# --- decoding schema -------------------------------------------------------------------------

# Regex bodies for string values in the decoding grammar. JSON-string-safe characters only
# (no quote, backslash or control characters), so the grammar never has to emit escapes.
_SAFE = r'[^"\\\x00-\x1f]'
DATE_PATTERN = r"^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


# xgrammar (0.2.x) cannot compile a bounded repetition above 128 ({0,129} fails its FSM check), so the
# decoding grammar caps free text at 128 characters; validation still accepts MAX_TEXT.
DECODE_TEXT = 128


def _str(max_len: int, pattern: Optional[str] = None) -> dict[str, Any]:
    max_len = min(max_len, DECODE_TEXT)
    return {"anyOf": [{"type": "string", "pattern": pattern or f"^{_SAFE}{{0,{max_len}}}$"}, {"type": "null"}]}


# A bare "number" lets a model write digits for ever (a random model wrote 4,436 of them, which Python's
# int() then refuses); with a range, xgrammar also bounds the digits: at most 10 before the point, 6 after.
DECODE_NUMBER_LIMIT = 1e10


def _num() -> dict[str, Any]:
    bounded = {"type": "number", "minimum": -DECODE_NUMBER_LIMIT, "maximum": DECODE_NUMBER_LIMIT}
    return {"anyOf": [bounded, {"type": "null"}]}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def decoding_json_schema(document_type: Optional[str] = None, max_lines: int = MAX_LINES) -> dict[str, Any]:
    """Bounded schema for grammar-constrained decoding.

    Every key is required (the skeleton is grammar-forced, so keys cost no sampling), strings are
    length-bounded patterns, arrays bounded. ``document_type`` pins the type when the caller knows it.
    """
    address = _obj({
        "street": _str(MAX_TEXT),
        "city": _str(MAX_SHORT),
        "zip": _str(16),
        "country_code": _str(2, r"^[A-Z]{2}$"),
    })
    party = _obj({
        "name": _str(MAX_TEXT),
        "vat": _str(20, r"^[A-Z0-9]{0,20}$"),
        "iban": _str(34, r"^[A-Z0-9]{0,34}$"),
        "email": _str(MAX_SHORT),
        "phone": _str(32),
        "address": _nullable(address),
    })
    line = _obj({
        "description": _str(MAX_TEXT),
        "product_code": _str(32),
        "quantity": _num(),
        "unit": _str(16),
        "unit_price": _num(),
        "discount_percent": _num(),
        "tax_rate": _num(),
        "amount": _num(),
    })
    tax = _obj({"rate": _num(), "base": _num(), "amount": _num()})
    if document_type:
        doc_type: dict[str, Any] = {"type": "string", "enum": [document_type]}
    else:
        doc_type = {"anyOf": [{"type": "string", "enum": list(DOCUMENT_TYPES)}, {"type": "null"}]}
    return _obj({
        "document_type": doc_type,
        "document_number": _str(MAX_SHORT),
        "issue_date": _str(10, DATE_PATTERN),
        "due_date": _str(10, DATE_PATTERN),
        "currency": _str(3, r"^[A-Z]{3}$"),
        "order_reference": _str(MAX_SHORT),
        "payment_reference": _str(MAX_SHORT),
        "seller": _nullable(party),
        "buyer": _nullable(copy.deepcopy(party)),
        "lines": {"type": "array", "items": line, "maxItems": max_lines},
        "taxes": {"type": "array", "items": tax, "maxItems": MAX_TAXES},
        "subtotal": _num(),
        "total_tax": _num(),
        "total": _num(),
        "amount_due": _num(),
    })


def empty_document(document_type: Optional[str] = None) -> Document:
    return Document(document_type=document_type)
