"""Bill ↔ purchase order: which order a bill quotes, which order line each bill line bills, and the
differences a person must see (lib/orders.py, pure)."""

from __future__ import annotations

import mapping_fixtures as F

orders = F.lib.orders
O, L, B = orders.OrderCandidate, orders.OrderLineCandidate, orders.BillLine


def po_lines():
    # The order of fx_EN16931_Rabatte: three of the four billed articles, one at another price.
    return [
        L(1, "[KR3M] Kunstrasen grün 3m breit", 501, 3, 3, 0, 3, 3.3333),
        L(2, "[SFK5] Schweinesteak", 502, 5, 5, 0, 5, 5.5),
        L(3, "[GTRWA5] Mineralwasser Medium 12 x 1,0l PET", 503, 20, 20, 0, 20, 5.0),
    ]


def test_order_found_by_odoo_number_then_by_vendor_reference():
    candidates = [O(7, "P00007", "2013-471331"), O(8, "P00008", None)]
    assert orders.find_order("2013-471331", candidates).id == 7
    assert orders.find_order("p 00008", candidates).id == 8
    assert orders.find_order("P00009", candidates) is None
    assert orders.find_order("", candidates) is None


def test_two_orders_with_the_same_reference_are_not_guessed():
    assert orders.find_order("ABC-1", [O(1, "P1", "ABC-1"), O(2, "P2", "abc 1")]) is None


def test_lines_link_by_product_and_differences_are_serious():
    bill = [B(11, "Kunstrasen grün 3m breit", 501, 3, 3.3333), B(12, "Schweinesteak", 502, 5, 5.5),
            B(13, "Mineralwasser Medium 12 x 1,0l PET", 503, 20, 5.49), B(14, "Pfand", 504, 20, 2.77)]
    match = orders.match_order_lines(bill, po_lines(), order_name="P00007", price_digits=4)
    assert match.links == {11: 1, 12: 2, 13: 3}
    codes = {item.code: item for item in match.review}
    assert set(codes) == {"price_mismatch", "not_ordered"}
    assert "5.49" in codes["price_mismatch"].message and "5" in codes["price_mismatch"].message
    assert "Pfand" in codes["not_ordered"].message
    assert all(item.serious for item in match.review)


def test_lines_without_products_link_by_description():
    bill = [B(21, "Schweinesteak", None, 5, 5.5), B(22, "Kunstrasen gruen 3m breit", None, 3, 3.3333)]
    match = orders.match_order_lines(bill, po_lines(), order_name="P00007", price_digits=4)
    assert match.links == {21: 2, 22: 1}
    not_billed = [item for item in match.review if item.code == "not_billed"]
    assert len(not_billed) == 1 and "Mineralwasser" in not_billed[0].message and not not_billed[0].serious


def test_billing_more_than_received_is_flagged_with_the_figures():
    received_less = [L(1, "Widget", 501, 10, 6, 0, 6, 2.0)]
    match = orders.match_order_lines([B(1, "Widget", 501, 10, 2.0)], received_less, order_name="P00010")
    [item] = match.review
    assert item.code == "quantity_mismatch" and item.serious
    assert "10 billed" in item.message and "expects 6" in item.message and "received 6" in item.message


def test_a_discount_that_gives_the_ordered_net_price_is_no_difference():
    ordered = [L(1, "Widget", 501, 10, 10, 0, 10, 9.0)]
    match = orders.match_order_lines([B(1, "Widget", 501, 10, 10.0, discount=10.0)], ordered, order_name="P1")
    assert match.review == [] and match.links == {1: 1}


def test_two_lines_of_one_product_take_the_closest_price():
    ordered = [L(1, "Widget", 501, 5, 5, 0, 5, 2.0), L(2, "Widget (promo)", 501, 5, 5, 0, 5, 1.0)]
    match = orders.match_order_lines([B(1, "Widget", 501, 5, 1.0), B(2, "Widget", 501, 5, 2.0)], ordered,
                                     order_name="P1")
    assert match.links == {1: 2, 2: 1} and match.review == []


def test_address_matches_zip_and_street_of_the_wanted_type():
    A = orders.AddressCandidate
    candidates = [A(1, "contact", "Avenue Leon Blum", "01500", "Amberieu en bugey"),
                  A(2, "delivery", "Avenue Léon Blum", "01500", "Ambérieu-en-Bugey"),
                  A(3, "delivery", "1 Rue Ailleurs", "75001", "Paris"),
                  A(4, "invoice", "Avenue Leon Blum", "01 500", "Amberieu")]
    assert orders.match_address("Avenue Leon Blum", "01500", "Amberieu en bugey", candidates, "delivery") == 2
    assert orders.match_address("Avenue Leon Blum", "01500", None, candidates, "invoice") == 4
    assert orders.match_address("Avenue Leon Blum", None, None, candidates, "delivery") is None
    assert orders.match_address("2 Rue Ailleurs", "75001", "Paris", candidates, "delivery") is None
