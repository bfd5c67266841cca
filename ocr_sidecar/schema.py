"""Canonical document schema (schema_version "1").

One definition — the pydantic models below, with every bound stated once on its field — used three ways:
- ``Document`` validates and normalises what any engine produces;
- ``contract_json_schema()`` is the shared contract, committed as ``protos/document.schema.json``
  (written and checked by ``tools/gen_protos.py`` like the gRPC stubs; the Odoo addon is tested against it);
- ``decoding_json_schema()`` is derived from that contract for grammar-constrained decoding: every key
  required, every string a length-bounded ``pattern``, every array a ``maxItems``, numbers in a range, so
  even random weights emit a valid document.

The document types are the proto's ``DocumentType`` enum (``DOCUMENT_TYPE_CREDIT_NOTE`` → ``credit_note``).
"""

from __future__ import annotations

import json
from typing import Any, Literal, Optional

from annotated_types import MaxLen
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .proto import document_service_pb2 as _pb

SCHEMA_VERSION = "1"

# ocr.v1.DocumentType number → canonical name (UNSPECIFIED, 0, is "let the model decide": no name)
DOCUMENT_TYPE_BY_NUMBER: dict[int, str] = {
    number: name.removeprefix("DOCUMENT_TYPE_").lower() for name, number in _pb.DocumentType.items() if number}
DOCUMENT_TYPES: tuple[str, ...] = tuple(DOCUMENT_TYPE_BY_NUMBER.values())
DocumentTypeName = Literal[DOCUMENT_TYPES]  # type: ignore[valid-type] - the enum's names, at run time

# Bounds: long enough for every real document in the corpus (longest gold string: 58 chars), short enough
# that a wandering model stops. Identifiers have their standards' lengths.
MAX_TEXT = 200  # descriptions, names, streets
MAX_SHORT = 64  # numbers, references, codes, e-mail, city
MAX_LINES = 60
MAX_TAXES = 8
DATE_PATTERN = r"^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_Base):
    street: Optional[str] = Field(None, max_length=MAX_TEXT)
    city: Optional[str] = Field(None, max_length=MAX_SHORT)
    zip: Optional[str] = Field(None, max_length=16)
    country_code: Optional[str] = Field(None, pattern=r"^[A-Z]{2}$")


class Party(_Base):
    name: Optional[str] = Field(None, max_length=MAX_TEXT)
    vat: Optional[str] = Field(None, max_length=20, pattern=r"^[A-Z0-9]{0,20}$")  # "CHE123456789MWST": 16
    iban: Optional[str] = Field(None, max_length=34, pattern=r"^[A-Z0-9]{0,34}$")  # ISO 13616: at most 34
    email: Optional[str] = Field(None, max_length=MAX_SHORT)
    phone: Optional[str] = Field(None, max_length=32)
    address: Optional[Address] = None

    @field_validator("vat", "iban", mode="before")
    @classmethod
    def _compact(cls, v: Any) -> Any:
        # VAT ids and IBANs are compact: no spaces, dots or dashes, upper case (before the bounds apply).
        if not isinstance(v, str):
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
    issue_date: Optional[str] = Field(None, pattern=DATE_PATTERN)
    due_date: Optional[str] = Field(None, pattern=DATE_PATTERN)
    currency: Optional[str] = Field(None, pattern=r"^[A-Z]{3}$")
    order_reference: Optional[str] = Field(None, max_length=MAX_SHORT)
    payment_reference: Optional[str] = Field(None, max_length=128)  # SEPA remittance text is up to 140
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


def text_bounds(model: type[BaseModel]) -> dict[str, int]:
    """Field → most characters, for the text fields of ``model`` (e.g. ``Party``): what a mapper cuts to."""
    return {name: next(m.max_length for m in info.metadata if isinstance(m, MaxLen))
            for name, info in model.model_fields.items() if any(isinstance(m, MaxLen) for m in info.metadata)
            and info.annotation == Optional[str]}


# --- decoding schema -------------------------------------------------------------------------

# Regex bodies for string values in the decoding grammar. JSON-string-safe characters only
# (no quote, backslash or control characters), so the grammar never has to emit escapes.
_SAFE = r'[^"\\\x00-\x1f]'

# xgrammar (0.2.x) cannot compile a bounded repetition above 128 ({0,129} fails its FSM check), so the
# decoding grammar caps free text at 128 characters; validation still accepts MAX_TEXT.
DECODE_TEXT = 128

# A bare "number" lets a model write digits for ever (a random model wrote 4,436 of them, which Python's
# int() then refuses); with a range, xgrammar also bounds the digits: at most 10 before the point, 6 after.
DECODE_NUMBER_LIMIT = 1e10


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def decoding_json_schema(document_type: Optional[str] = None, max_lines: int = MAX_LINES) -> dict[str, Any]:
    """Bounded schema for grammar-constrained decoding, derived from the contract.

    Every key is required (the skeleton is grammar-forced, so keys cost no sampling), strings are
    length-bounded patterns, arrays bounded and never null (an empty list is the grammar's shortest way).
    ``document_type`` pins the type when the caller knows it; ``max_lines`` may lower the lines' bound.
    """
    contract = Document.model_json_schema()
    defs = contract["$defs"]

    def model(definition: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
        props = {key: overrides.get(key) or field(spec) for key, spec in definition["properties"].items()}
        return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}

    def field(spec: dict[str, Any]) -> dict[str, Any]:
        options = spec.get("anyOf", [spec])
        value = next(o for o in options if o.get("type") != "null")
        nullable = len(options) > 1
        if "$ref" in value:
            out = model(defs[value["$ref"].rsplit("/", 1)[1]], {})
        elif value.get("type") == "array":
            return {"type": "array", "items": field(value["items"]), "maxItems": value["maxItems"]}
        elif value.get("type") == "number":
            out = {"type": "number", "minimum": -DECODE_NUMBER_LIMIT, "maximum": DECODE_NUMBER_LIMIT}
        elif "enum" in value:
            out = {"type": "string", "enum": list(value["enum"])}
        elif value.get("type") == "string":
            pattern = value.get("pattern") or f"^{_SAFE}{{0,{min(value['maxLength'], DECODE_TEXT)}}}$"
            out = {"type": "string", "pattern": pattern}
        else:  # pragma: no cover - a field type the decoder does not know yet
            raise TypeError(f"no decoding rule for {spec}")
        return _nullable(out) if nullable else out

    overrides: dict[str, Any] = {}
    if document_type:
        overrides["document_type"] = {"type": "string", "enum": [document_type]}
    lines = field(contract["properties"]["lines"])
    lines["maxItems"] = min(max_lines, lines["maxItems"])
    overrides["lines"] = lines
    return model(contract, overrides)


def empty_document(document_type: Optional[str] = None) -> Document:
    return Document(document_type=document_type)
