"""The words reader's arithmetic (``reader/read.py``): subtotal, tax, total and the tax summary's rows chosen together
where their sums hold, and each field's usual default offered first where nothing is printed as its value."""

from __future__ import annotations

from ocr_sidecar.reader import Candidate


def amounts(*pairs) -> list[Candidate]:
    """Candidates of one field: (value, score) each."""
    return [Candidate(value, score, 1, [], str(value)) for value, score in pairs]


def row(rate, base, amount, score) -> Candidate:
    """A tax summary row's candidate: (rate, base or None, amount)."""
    return Candidate((rate, base, amount), score, 1, [], f"{rate} {base} {amount}")


def test_with_no_amount_printed_as_due_the_total_is_offered_first_as_the_amount_due():
    from ocr_sidecar.reader.read import _offer_first

    def _due_is_total(ranked):
        _offer_first(ranked, "amount_due", "total")

    ranked = {"amount_due": amounts((160.0, 0.02), (571.04, 0.01)), "total": amounts((571.04, 0.95))}
    _due_is_total(ranked)
    assert [(c.value, c.score) for c in ranked["amount_due"]] == [(571.04, 0.01), (160.0, 0.02)]
    # an amount due printed as such stays first; an unsure total moves nothing
    printed = {"amount_due": amounts((400.0, 0.8), (571.04, 0.1)), "total": amounts((571.04, 0.95))}
    unsure = {"amount_due": amounts((160.0, 0.02), (571.04, 0.01)), "total": amounts((571.04, 0.3))}
    _due_is_total(printed)
    _due_is_total(unsure)
    assert printed["amount_due"][0].value == 400.0 and unsure["amount_due"][0].value == 160.0
    # no payment reference printed: the document's number is offered first
    references = {"payment_reference": [Candidate("69001", 0.05, 1, [], "69001"),
                                        Candidate("FA-2017-0010", 0.01, 1, [], "FA-2017-0010")],
                  "document_number": [Candidate("FA-2017-0010", 0.99, 1, [], "FA-2017-0010")]}
    _offer_first(references, "payment_reference", "document_number")
    assert references["payment_reference"][0].value == "FA-2017-0010"


def test_the_totals_and_the_tax_rows_are_chosen_together_where_their_sums_hold():
    from ocr_sidecar.reader.read import _joint_sums

    ranked = {"subtotal": amounts((448.99, 0.5), (518.99, 0.3)), "total_tax": amounts((70.0, 0.6), (3.0, 0.2)),
              "total": amounts((518.99, 0.9))}
    # the best-scored 19 % row is a surcharge's; the rows of the summary add up to the tax and to the subtotal
    rows = [row(19.0, None, 3.0, 0.5), row(7.0, 127.59, 8.93, 0.3), row(19.0, 321.4, 61.07, 0.2),
            row(2.0, None, 14.0, 0.1)]
    ordered, chosen = _joint_sums(ranked, rows)
    assert [r.value for r in ordered[:2]] == [(7.0, 127.59, 8.93), (19.0, 321.4, 61.07)] and len(chosen) == 2
    assert [ranked[p][0].value for p in ("subtotal", "total_tax", "total")] == [448.99, 70.0, 518.99]
    # nothing adds up: the single best of each stays first
    lone = [row(19.0, None, 3.0, 0.5), row(7.0, None, 1.0, 0.3)]
    assert _joint_sums({"total_tax": amounts((70.0, 0.6))}, lone)[0][0].value == (19.0, None, 3.0)
    # a subtotal and a total of one value with no tax (an exempt invoice) add up as they are
    exempt = {"subtotal": amounts((100.0, 0.6), (84.03, 0.2)), "total_tax": amounts((0.0, 0.7), (15.97, 0.1)),
              "total": amounts((100.0, 0.9))}
    _joint_sums(exempt, [])
    assert [exempt[p][0].value for p in ("subtotal", "total_tax", "total")] == [100.0, 0.0, 100.0]
    # no tax printed as a sum: the rows' amounts stand in for it, and a zero tax is no exemption beside them
    unprinted = {"subtotal": amounts((473.0, 0.4)), "total_tax": amounts((0.0, 0.25)),
                 "total": amounts((473.0, 0.2), (529.87, 0.13))}
    _joint_sums(unprinted, [row(7.0, 275.0, 19.25, 0.9), row(19.0, 198.0, 37.62, 0.7)])
    assert unprinted["total"][0].value == 529.87


def test_a_balance_carried_forward_is_no_tax_and_with_no_tax_printed_the_net_is_the_total():
    from ocr_sidecar.reader.read import _joint_sums, _offer_defaults

    # a tax is at most 30 % of its subtotal ("previous balance 500.00 + 110.00 = 610.00 due" pairs numbers that
    # are no net and tax): 20 + 90 = 110 does not hold as subtotal and tax, 90 + 20 = 110 does
    ranked = {"subtotal": amounts((20.0, 0.2), (90.0, 0.19)), "total_tax": amounts((90.0, 0.6), (20.0, 0.5)),
              "total": amounts((110.0, 0.9))}
    _joint_sums(ranked, [])
    assert [ranked[p][0].value for p in ("subtotal", "total_tax", "total")] == [90.0, 20.0, 110.0]
    # no tax printed and no subtotal scored: the total's value is offered first as the net, its score its own
    ranked = {"subtotal": amounts((5.39, 0.3), (34.73, 0.1)), "total_tax": amounts((3.89, 0.1)),
              "total": amounts((34.73, 0.9))}
    _offer_defaults(ranked, [])
    assert ranked["subtotal"][0].value == 34.73 and ranked["subtotal"][0].score == 0.1
    for tax, rows in (([Candidate(19.0, 0.6, 1, [], "19,00")], []),
                      ([], [Candidate((19.0, 100.0, 19.0), 0.8, 1, [], "19 % 100,00 19,00")])):
        ranked = {"subtotal": amounts((5.39, 0.3), (34.73, 0.1)), "total_tax": tax, "total": amounts((34.73, 0.9))}
        _offer_defaults(ranked, rows)
        assert ranked["subtotal"][0].value == 5.39  # a tax or a tax row printed: the net is not the total


def test_two_zero_rate_rows_of_other_categories_are_both_kept_where_the_sums_choose_them():
    """An exempt supply and an intra-community one are two rows at 0 % ("E 0,00 % 60,00 0,00", "K 0,00 % 2,00
    0,00"): both kept where their bases make the subtotal; a zero row the sums do not choose stays out beside one."""
    from ocr_sidecar.reader.read import _joint_sums, _per_rate

    ranked = {"subtotal": [Candidate(100.0, 0.9, 1)], "total_tax": [Candidate(4.9, 0.9, 1)],
              "total": [Candidate(104.9, 0.9, 1)]}
    rows = [row(20.0, 11.0, 2.2, 0.9), row(10.0, 27.0, 2.7, 0.8), row(0.0, 60.0, 0.0, 0.5), row(0.0, 2.0, 0.0, 0.45)]
    ordered, chosen = _joint_sums(ranked, rows)
    assert len(chosen) == 4
    assert sorted(r.value for r in _per_rate(ordered, chosen)) == sorted(r.value for r in rows)
    # one zero row is all a summary has where the sums choose no second one
    lone = [row(20.0, 11.0, 2.2, 0.9), row(0.0, 60.0, 0.0, 0.5), row(0.0, 5.0, 0.0, 0.45)]
    assert [r.value for r in _per_rate(lone, lone[:2])] == [(20.0, 11.0, 2.2), (0.0, 60.0, 0.0)]


def test_a_total_scored_below_the_threshold_is_kept_only_where_the_totals_add_up():
    from ocr_sidecar.reader.read import _document

    def ranked(subtotal, tax, total, sub_score=0.4):
        return {"subtotal": [Candidate(subtotal, sub_score, 1, [], str(subtotal))],
                "total_tax": [Candidate(tax, 0.9, 1, [], str(tax))], "total": [Candidate(total, 0.9, 1, [], str(total))],
                "issue_date": [Candidate("2024-01-02", 0.4, 1, [], "02.01.2024")]}

    kept = _document(ranked(100.0, 19.0, 119.0))
    assert kept["subtotal"] == 100.0 and "issue_date" not in kept  # the arithmetic confirms the totals only
    assert "subtotal" not in _document(ranked(100.0, 19.0, 120.0))  # they do not add up
    both_low = ranked(100.0, 19.0, 119.0)
    both_low["total_tax"][0] = Candidate(19.0, 0.3, 1, [], "19.00")
    assert "subtotal" not in _document(both_low) and "total_tax" not in _document(both_low)  # two of three unsure


