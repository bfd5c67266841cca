"""Vendor memory (lib/memory.py and its use in the mapping): a person's correction is applied to the next
document of the same vendor, before the generic matching, and to no other vendor."""

from __future__ import annotations

import mapping_fixtures as F

C = F.C
M = F.lib.memory
map_document = F.mapping.map_document

VENDOR, OTHER_VENDOR = 30, 31
WIDGET, CHOSEN = 501, 777


def catalog():
    partners = [C.PartnerCandidate(VENDOR, "Lieferant GmbH", vat="DE123456789"),
                C.PartnerCandidate(OTHER_VENDOR, "Someone Else GmbH", vat="DE811569869")]
    products = [C.ProductCandidate(WIDGET, "Schweinesteak", default_code="SFK5"),
                C.ProductCandidate(CHOSEN, "Meat (catering)", default_code="MEAT")]
    return C.InMemoryCatalog(F.company(), partners=partners, products=products, taxes=F.country_taxes("DE"),
                             currencies=[C.CurrencyCandidate(1, "EUR")], uoms=F.UOMS, countries=F.COUNTRIES)


def rabatte():
    return F.load_gold(next(p for p in F.corpus() if p.stem == "fx_EN16931_Rabatte"))


def line_for(result, code):
    return next(v for v in result.lines if v.get("digitize_key") == f"code:{code}")


def test_keys_ignore_numbers_and_prefer_the_vendor_code():
    assert M.memory_key("Support 03/2024", None) == M.memory_key("Support 04/2024", None) == "text:support"
    assert M.memory_key("Hosting", "ab-12") == "code:AB12"
    assert M.memory_key("  ", None) is None and M.memory_key("2024", None) is None


def test_only_changed_choices_are_corrections():
    same = M.Choice.of(1, 2, [3])
    lines = [{"key": "code:A", "description": "A", "proposed": same, "final": M.Choice.of(1, 2, [3])},
             {"key": "code:B", "description": "B", "proposed": same, "final": M.Choice.of(9, 2, [3])},
             {"key": None, "description": "C", "proposed": same, "final": M.Choice.of(9, 9, [9])}]
    [correction] = M.corrections(lines)
    assert (correction.key, correction.choice.product_id) == ("code:B", 9)


def test_analytic_and_tax_order_do_not_make_a_difference():
    a = M.Choice.of(1, 2, [4, 3], {"12": 50.0, "7": 50})
    b = M.Choice.of(1, 2, [3, 4], {"7": 50, "12": 50.0})
    assert a == b


def test_every_bill_line_carries_its_key():
    result = map_document(rabatte(), catalog(), "vendor_bill", {})
    assert line_for(result, "SFK5")["product_id"] == WIDGET


def test_remembered_choice_wins_over_generic_matching_for_that_vendor():
    cat = catalog()
    tax7 = F.tax_id("purchase", 7.0)
    cat.memory[(VENDOR, "code:SFK5")] = M.Choice.of(CHOSEN, 4242, [tax7], {"9": 100.0})
    result = map_document(rabatte(), cat, "vendor_bill", {})
    line = line_for(result, "SFK5")
    assert line["product_id"] == CHOSEN
    assert line["account_id"] == 4242
    assert F.x2many_ids(line["tax_ids"]) == [tax7]
    assert line["analytic_distribution"] == {"9": 100.0}
    assert any(i.code == "remembered" for i in result.review)
    assert line_for(result, "KR3M").get("account_id") is None, "other lines untouched"


def test_memory_of_another_vendor_is_not_used():
    cat = catalog()
    cat.memory[(OTHER_VENDOR, "code:SFK5")] = M.Choice.of(CHOSEN, 4242, [])
    result = map_document(rabatte(), cat, "vendor_bill", {})
    assert line_for(result, "SFK5")["product_id"] == WIDGET
    assert not any(i.code == "remembered" for i in result.review)
