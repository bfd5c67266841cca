"""Duplicate bills (lib/duplicates.py, pure): the same vendor invoice must never be booked twice unnoticed.

The Odoo layer passes the new bill and the company's other bills that share a vendor and reference or a
file; these tests pin down which of them count, and what the person reviewing the bill is told.
"""

import datetime as dt

import mapping_fixtures as F

D = F.lib.duplicates
K = D.BillKey

NETPRESSE = 10
OTHER_VENDOR = 11
PDF_SHA = "3f1c0a"
PHOTO_SHA = "9b2e77"


def new_bill(**values):
    return K(**{"id": 100, "name": "Draft Bill (* 100)", "partner_id": NETPRESSE, "reference": "2022089083",
                "invoice_date": dt.date(2022, 11, 28), "checksums": frozenset({PDF_SHA}), "company_id": 1,
                **values})


def test_same_vendor_and_reference_is_a_duplicate_whatever_the_spelling():
    booked = K(7, "BILL/2022/11/0007", NETPRESSE, "2022-089083", dt.date(2022, 11, 28), company_id=1)
    (duplicate,) = D.find_duplicates(new_bill(), [booked])
    assert (duplicate.id, duplicate.reasons) == (7, (D.SAME_REFERENCE,))
    (item,) = D.duplicate_items(new_bill(), [booked])
    assert item.serious and item.code == "possible_duplicate" and item.field == "ref"
    assert "BILL/2022/11/0007" in item.message and "2022089083" in item.message


def test_the_same_file_received_twice_is_a_duplicate_even_if_nothing_else_was_read():
    unread = K(8, "Draft Bill (* 8)", checksums=frozenset({PDF_SHA, PHOTO_SHA}), company_id=1)
    (duplicate,) = D.find_duplicates(new_bill(partner_id=None, reference=None), [unread])
    assert duplicate.reasons == (D.SAME_FILE,)
    assert "same file" in D.duplicate_message(new_bill(), duplicate)


def test_both_reasons_make_one_item_per_other_bill_oldest_first():
    both = K(9, "BILL/0009", NETPRESSE, "2022089083", checksums=frozenset({PDF_SHA}), company_id=1)
    by_ref = K(3, "BILL/0003", NETPRESSE, "2022089083", company_id=1)
    items = D.duplicate_items(new_bill(), [both, by_ref, both])
    assert [item.message.split(":")[0] for item in items] == ["Possible duplicate of BILL/0003",
                                                              "Possible duplicate of BILL/0009"]
    assert "reference 2022089083 and the same file" in items[1].message


def test_what_is_not_a_duplicate():
    candidates = [
        K(100, "itself", NETPRESSE, "2022089083", checksums=frozenset({PDF_SHA}), company_id=1),
        K(4, "cancelled", NETPRESSE, "2022089083", checksums=frozenset({PDF_SHA}), company_id=1, cancelled=True),
        K(5, "other company", NETPRESSE, "2022089083", checksums=frozenset({PDF_SHA}), company_id=2),
        K(6, "other vendor, same number", OTHER_VENDOR, "2022089083", company_id=1),
        K(7, "same vendor, other number", NETPRESSE, "2022089084", company_id=1),
        K(8, "numbering restarted: other year", NETPRESSE, "2022089083", dt.date(2021, 3, 1), company_id=1),
    ]
    assert D.find_duplicates(new_bill(), candidates) == []


def test_no_reference_or_no_vendor_never_matches_by_reference():
    blank = K(6, "blank", NETPRESSE, "", company_id=1)
    assert D.find_duplicates(new_bill(reference=" - "), [blank]) == []
    assert D.find_duplicates(new_bill(partner_id=None), [K(7, "x", None, "2022089083", company_id=1)]) == []
    assert D.duplicate_items(new_bill(), []) == []


def test_dates_as_iso_strings_and_unknown_dates():
    same_year = K(7, "BILL/7", NETPRESSE, "2022089083", "2022-01-05", company_id=1)
    undated = K(8, "BILL/8", NETPRESSE, "2022089083", None, company_id=1)
    assert [d.id for d in D.find_duplicates(new_bill(invoice_date="2022-11-28"), [same_year, undated])] == [7, 8]
