"""One contract: the canonical document is defined once (ocr_sidecar/schema.py) and everything else follows.

- protos/document.schema.json is that definition, written by tools/gen_protos.py;
- the decoding grammar is derived from it, with the same bounds;
- the document types are the proto enum's, on both sides;
- the Odoo addon's normalising reads exactly the contract's fields — no more, none left out.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import pytest

from ocr_sidecar import prompts, schema
from ocr_sidecar.proto import document_service_pb2 as pb

from conftest import ROOT, load_mapping_lib

CONTRACT = json.loads((ROOT / "protos" / "document.schema.json").read_text())


def _resolve(spec: dict[str, Any]) -> dict[str, Any]:
    value = next(o for o in spec.get("anyOf", [spec]) if o.get("type") != "null")
    if "$ref" in value:
        return CONTRACT["$defs"][value["$ref"].rsplit("/", 1)[1]]
    return value


def _leaves(model: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Canonical leaf path (``lines[].amount``) → its JSON schema, walking the committed contract."""
    out: dict[str, dict[str, Any]] = {}
    for key, spec in model["properties"].items():
        path = f"{prefix}.{key}" if prefix else key
        value = _resolve(spec)
        if value.get("type") == "array":
            out.update(_leaves(_resolve(value["items"]), path + "[]"))
        elif "properties" in value:
            out.update(_leaves(value, path))
        else:
            out[path] = value
    return out


def test_the_committed_contract_is_the_pydantic_model():
    assert CONTRACT == schema.contract_json_schema()


def test_the_decoding_grammar_has_the_contracts_fields_and_bounds():
    decoding = schema.decoding_json_schema()

    def decoded(path: str) -> dict[str, Any]:
        node = decoding
        for part in path.replace("[]", ".[]").split("."):
            if part == "[]":
                node = node["items"]
                continue
            node = node["properties"][part]
            node = next((o for o in node.get("anyOf", [node]) if o.get("type") != "null"), node)
        return node

    leaves = _leaves(CONTRACT)
    assert len(leaves) == 40  # 11 header values, 2 × 9 party values, 8 per line, 3 per tax
    for path, spec in leaves.items():
        rule = decoded(path)
        if spec.get("type") == "string" and "maxLength" in spec and "pattern" not in spec:
            assert rule["pattern"].endswith(f"{{0,{min(spec['maxLength'], schema.DECODE_TEXT)}}}$"), path
        elif "pattern" in spec:
            assert rule["pattern"] == spec["pattern"], path
        elif spec.get("type") == "number":
            assert rule["type"] == "number" and rule["maximum"] == schema.DECODE_NUMBER_LIMIT, path
    assert decoding["properties"]["lines"]["maxItems"] == _resolve(CONTRACT["properties"]["lines"])["maxItems"]
    assert schema.decoding_json_schema(max_lines=5)["properties"]["lines"]["maxItems"] == 5


def test_document_types_are_the_proto_enums_everywhere():
    names = tuple(n.removeprefix("DOCUMENT_TYPE_").lower() for n in pb.DocumentType.keys() if n != "DOCUMENT_TYPE_UNSPECIFIED")
    assert schema.DOCUMENT_TYPES == names
    assert _resolve(CONTRACT["properties"]["document_type"])["enum"] == list(names)
    assert set(prompts.BY_TYPE) == set(names)
    lib = load_mapping_lib()
    from document_digitize_lib import client, normalize

    assert tuple(normalize.DOCUMENT_TYPES) == names
    assert {name: client.document_type_number(name) for name in names} == {
        name: pb.DocumentType.Value("DOCUMENT_TYPE_" + name.upper()) for name in names}
    assert client.document_type_number(None) == 0 and lib is not None


def test_the_prompt_names_every_field_of_the_contract():
    keys = prompts.SCHEMA_KEYS
    for path in _leaves(CONTRACT):
        assert path.rsplit(".", 1)[-1].replace("[]", "") in keys, path


class _Recording(dict):
    """A document dict that records which keys are read (at any depth)."""

    def __init__(self, data: Mapping[str, Any], prefix: str, seen: set[str]):
        super().__init__({k: _wrap(v, f"{prefix}.{k}" if prefix else k, seen) for k, v in data.items()})
        self._prefix, self._seen = prefix, seen

    def get(self, key, default=None):
        self._seen.add(f"{self._prefix}.{key}" if self._prefix else key)
        return super().get(key, default)

    def __getitem__(self, key):
        self._seen.add(f"{self._prefix}.{key}" if self._prefix else key)
        return super().__getitem__(key)


def _wrap(value: Any, path: str, seen: set[str]) -> Any:
    if isinstance(value, Mapping):
        return _Recording(value, path, seen)
    if isinstance(value, list):
        return [_wrap(v, path + "[]", seen) for v in value]
    return value


def _sample(path: str, spec: dict[str, Any], n: int) -> Any:
    """A distinct, valid value for one leaf of the contract."""
    name = path.rsplit(".", 1)[-1]
    if "enum" in spec:
        return "invoice"
    if spec.get("type") == "number":
        return 12.5 if name == "discount_percent" else 100.0 + n
    return {"issue_date": "2024-03-01", "due_date": "2024-03-31", "currency": "EUR", "country_code": "DE",
            "vat": "DE136695976", "iban": "DE89370400440532013000", "email": f"x{n}@example{n}.com"
            }.get(name, f"v{n}")


def _document() -> tuple[dict[str, Any], dict[str, Any]]:
    leaves = _leaves(CONTRACT)
    doc: dict[str, Any] = {}
    values = {}
    for n, (path, spec) in enumerate(leaves.items()):
        value = _sample(path, spec, n)
        values[path] = value
        node = doc
        parts = path.split(".")
        for part in parts[:-1]:
            if part.endswith("[]"):
                node = node.setdefault(part[:-2], [{}])[0]
            else:
                node = node.setdefault(part, {})
        node[parts[-1]] = value
    return doc, values


def _flatten(value: Any) -> set:
    import dataclasses
    import datetime

    if dataclasses.is_dataclass(value):
        return set().union(*(_flatten(getattr(value, f.name)) for f in dataclasses.fields(value))) | {
            getattr(value, "compact", None)}
    if isinstance(value, (list, tuple)):
        return set().union(set(), *(_flatten(v) for v in value))
    if isinstance(value, datetime.date):
        return {value.isoformat()}
    return {value}


def test_the_addons_normalising_reads_every_field_of_the_contract_and_no_other():
    load_mapping_lib()
    from document_digitize_lib import normalize

    doc, values = _document()
    schema.parse_document(doc)  # the sample is a valid canonical document
    seen: set[str] = set()
    result = normalize.normalize_document(_Recording(doc, "", seen))
    leaves = set(_leaves(CONTRACT))
    nodes = {p.rsplit(".", 1)[0] for p in leaves if "." in p} | {p.split("[]")[0] for p in leaves if "[]" in p}
    assert seen - leaves - nodes == set(), "the addon reads fields the contract does not have"
    assert leaves - seen == set(), "contract fields the addon never reads"
    kept = _flatten(result)
    lost = {path: value for path, value in values.items() if value not in kept
            and not (path.endswith("email") and value.split("@")[1] in kept)}
    assert lost == {}, "values read but not carried into the normalised document"


@pytest.mark.parametrize("field,limit", [("Party.vat", 20), ("Party.iban", 34), ("Document.payment_reference", 128)])
def test_each_bound_is_written_once_and_both_paths_use_it(field, limit):
    model_name, name = field.split(".")
    model = getattr(schema, model_name)
    assert schema.text_bounds(model)[name] == limit
    from ocr_sidecar.einvoice import finish

    bounds = {"Party": finish._PARTY_BOUNDS, "Document": finish._TEXT_BOUNDS}[model_name]
    assert bounds[name] == limit
