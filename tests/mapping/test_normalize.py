"""Pre-processing of the canonical document, and the lib's promise to stay free of Odoo."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest

import mapping_fixtures as F

N = F.normalize
LIB_DIR = Path(F.lib.__file__).parent


@pytest.mark.parametrize("raw,hint,compact,country,valid,variants", [
    ("DE 136 695 976", None, "DE136695976", "DE", True, ("DE136695976", "136695976")),
    ("de123456789", None, "DE123456789", "DE", False, ("DE123456789", "123456789")),
    ("136695976", "DE", "136695976", "DE", True, ("136695976", "DE136695976")),
    ("EL094259216", None, "EL094259216", "GR", True, ("EL094259216", "094259216")),
    ("094259216", "GR", "094259216", "GR", True, ("094259216", "EL094259216")),
    ("NL810433941B01", None, "NL810433941B01", "NL", True, ("NL810433941B01", "810433941B01")),
    ("29670869006", None, "29670869006", None, None, ("29670869006",)),
])
def test_vat_normalisation(raw, hint, compact, country, valid, variants):
    vat = N.normalize_vat(raw, hint)
    assert (vat.compact, vat.country_code, vat.valid, vat.variants) == (compact, country, valid, variants)


def test_vat_with_prefix_for_odoo():
    assert N.normalize_vat("136695976", "DE").with_prefix == "DE136695976"
    assert N.normalize_vat("094259216", "GR").with_prefix == "EL094259216"
    assert N.normalize_vat(" ", "DE") is None


def test_company_country_is_only_a_guess_for_unprefixed_vat():
    doc = N.normalize_document({"seller": {"vat": "06AABCO6063D1ZQ"}, "buyer": {"vat": "136695976"}},
                               default_country="DE")
    assert doc.seller.vat.valid is None and not any(i.code == "invalid_vat" for i in doc.issues)
    assert doc.buyer.vat.country_code == "DE" and doc.buyer.vat.valid


def test_iban_email_and_barcode():
    assert N.normalize_iban("de88 2008 0000 0970 3757 00") == ("DE88200800000970375700", True)
    assert N.normalize_iban("DE88200800000970375701") == ("DE88200800000970375701", False)
    assert N.normalize_iban("12345678") == ("12345678", None)
    assert N.email_domain("Tony Dubois <tony.dubois@AuBonMoulin.fr>") == "aubonmoulin.fr"
    assert N.email_domain("not an address") is None
    assert N.email_domain("tony.dubois@AuBonMoulin.fr") == "aubonmoulin.fr"
    assert N.email_domain("someone@gmail.com") is None
    assert N.is_gtin("4000862141404") and not N.is_gtin("4000862141405") and not N.is_gtin("987654321")


@pytest.mark.parametrize("raw,expected", [
    ("2018-03-05", datetime.date(2018, 3, 5)),
    ("2018-03-05T10:00:00", datetime.date(2018, 3, 5)),
    ("20180305", datetime.date(2018, 3, 5)),
    ("05.03.2018", datetime.date(2018, 3, 5)),
    ("03/05/2018", None),  # US or European? not guessed
    ("next week", None),
    (None, None),
])
def test_dates(raw, expected):
    assert N.parse_date(raw) == expected


def test_unreadable_and_implausible_dates_are_reported():
    doc = N.normalize_document({"issue_date": "03/05/2018", "due_date": "1899-01-01"})
    assert doc.issue_date is None and doc.due_date is None
    assert {(i.code, i.serious) for i in doc.issues} == {("invalid_date", False), ("implausible_date", True)}


def test_rounding_is_half_up_like_odoo():
    assert N.round_half_up(2.675, 2) == 2.68  # Python's round() gives 2.67
    assert N.round_half_up(-0.125, 2) == -0.13
    doc = N.normalize_document({"total": 10.005, "lines": [{"quantity": 1.23456789, "unit_price": "3.3333333"}]})
    assert doc.total == 10.01
    assert (doc.lines[0].quantity, doc.lines[0].unit_price) == (1.234568, 3.333333)
    assert N.normalize_document({"currency": "JPY", "total": 1234.5}, currency_digits=0).total == 1235.0


def test_cleaning():
    doc = N.normalize_document({"document_type": "INVOICE", "document_number": "  RE  1 ", "currency": "eur",
                                "lines": [{}, {"description": "  Text   only "}, {"discount_percent": 150, "amount": 5}]})
    assert (doc.document_type, doc.number, doc.currency) == ("invoice", "RE 1", "EUR")
    assert [line.index for line in doc.lines] == [2, 3]  # the empty line is dropped, positions kept
    assert doc.lines[0].is_text_only and doc.lines[0].description == "Text only"
    assert doc.lines[1].discount is None and any(i.code == "invalid_discount" for i in doc.issues)
    with pytest.raises(TypeError):
        N.normalize_document('{"total": 1}')


def test_lib_is_pure_python():
    """lib/ is loaded without Odoo (here) and inside Odoo: no odoo import, only relative imports."""
    allowed = {"stdnum", "rapidfuzz", "__future__", "grpc", "google"}  # grpc: client.py (external dependency)
    for path in LIB_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: fine
                    continue
                names = [node.module.split(".")[0]]
            else:
                continue
            for name in names:
                assert name in allowed or name in __import__("sys").stdlib_module_names, f"{path.name}: {name}"


def test_lib_imports_flow_one_way():
    """No module of lib/ imports one that imports it back, and none hides an import of a sibling in a function
    (only the gRPC modules are imported late: client.py loads them where a call is made)."""
    graph = {}
    for path in LIB_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        top = set(tree.body)
        graph[path.stem] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [alias.name for alias in node.names]
                sibling = {name.split(".")[0] for name in names}
                if node not in top:
                    assert sibling == {"proto"}, f"{path.name} imports {sibling} inside a function"
                graph[path.stem] |= sibling - {"proto"}

    def visit(name, trail):
        assert name not in trail, "import cycle: " + " → ".join([*trail, name])
        for target in graph.get(name, ()):
            visit(target, [*trail, name])

    for name in graph:
        visit(name, [])
