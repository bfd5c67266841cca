"""A receipt mapped onto an expense (target "expense", lib/mapping/expense.py): description, date, total with
its currency, the tax of its rate, the category a person chose for the merchant before or the default one, the
merchant as printed; what the employee typed stays; what a person should check becomes a serious review item."""

from __future__ import annotations

import copy
import datetime

import mapping_fixtures as F

C = F.C
map_document = F.mapping.map_document
D = F.lib.duplicates

TODAY = datetime.date(2019, 7, 1)
GENERAL, MEALS, TRAVEL = 50, 51, 52
CONTOSO_KEY = F.lib.memory.merchant_key("Contoso")


def gold(stem: str) -> dict:
    return F.load_gold(next(p for p in F.corpus() if p.stem == stem))


def contoso(**changes) -> dict:
    doc = copy.deepcopy(gold("img_contoso_receipt_photo1"))
    doc.update(changes)
    return doc


def catalog(currency="USD", rates=(9.5, 19.0), **kwargs):
    """A company in ``currency`` with purchase taxes of ``rates``, three expense categories, USD with a rate."""
    taxes = [C.TaxCandidate(1000 + int(rate * 10), f"{rate:g} %", rate, sequence=10) for rate in rates]
    products = [C.ProductCandidate(GENERAL, "Expenses"), C.ProductCandidate(MEALS, "Meals"),
                C.ProductCandidate(TRAVEL, "Travel", purchase_tax_ids=(1190,))]
    cat = C.InMemoryCatalog(F.company(currency=currency), taxes=kwargs.pop("taxes", taxes), products=products,
                            currencies=[C.CurrencyCandidate(1, "EUR"), C.CurrencyCandidate(2, "USD")],
                            partners=kwargs.pop("partners", ()), **kwargs)
    cat.rates.add(2)
    return cat


def expense(doc, cat=None, current=None, **options):
    return map_document(doc, cat or catalog(), "expense", current or {},
                        {"fallback_product_id": GENERAL, "today": TODAY, **options})


def serious(result) -> dict:
    return {item.code: item.message for item in result.review if item.serious}


def test_a_receipt_becomes_an_expense():
    result = expense(contoso(), catalog(currency="USD"))
    assert result.header == {
        "merchant_name": "Contoso", "name": "Contoso: Surface Pro 6 256GB / Intel Core i5 / 8GB RAM (Black), SurfacePen",
        "date": datetime.date(2019, 6, 10), "total_amount_currency": 1203.39, "currency_id": 2,
        "product_id": GENERAL, "tax_ids": [(6, 0, [1095])]}
    assert result.lines == [] and result.lines_field is None
    assert serious(result) == {}
    implied = next(item for item in result.review if item.code == "tax_rate_implied")
    assert "9.5 %" in implied.message and "104.40" in implied.message


def test_the_printed_rate_wins_and_the_categorys_own_tax_first():
    doc = contoso(taxes=[{"rate": 19.0, "base": 1011.25, "amount": 192.14}], total_tax=192.14)
    other_19 = C.TaxCandidate(1999, "19 % other", 19.0, sequence=1)
    cat = catalog(taxes=[other_19, C.TaxCandidate(1190, "19 %", 19.0, sequence=10)])
    cat.categories[CONTOSO_KEY] = TRAVEL  # Travel's own purchase tax is 1190
    assert expense(doc, cat).header["tax_ids"] == [(6, 0, [1190])]
    cat.categories.clear()
    assert expense(doc, cat).header["tax_ids"] == [(6, 0, [1999])], "else the first by sequence"


def test_a_receipt_without_tax_gets_none_and_one_with_a_rate_nobody_has_needs_review():
    assert expense(contoso(total_tax=0.0, subtotal=1203.39)).header["tax_ids"] == [(6, 0, [])]
    result = expense(contoso(taxes=[{"rate": 5.5, "amount": 57.29}]))
    assert "tax_ids" not in result.header
    assert "no purchase tax of 5.5 %" in serious(result)["tax_not_found"]


def test_several_tax_rates_ask_for_a_split():
    doc = contoso(taxes=[{"rate": 7.0, "base": 100.0, "amount": 7.0}, {"rate": 19.0, "base": 50.0, "amount": 9.5}])
    result = expense(doc, catalog(rates=(7.0, 19.0)))
    assert "tax_ids" not in result.header
    assert "7 % and 19 %" in serious(result)["several_tax_rates"]


def test_what_the_employee_typed_is_kept():
    current = {"name": "Tablet for the demo", "date": datetime.date(2019, 6, 11), "total_amount_currency": 1200.0,
               "product_id": MEALS, "tax_ids": [1190]}
    result = expense(contoso(), current=current)
    for name in current:
        assert name not in result.header, name
    kept = " ".join(item.message for item in result.review if item.code == "kept_value")
    assert "Tablet for the demo" in kept and "1203.39" in kept and "2019-06-10" in kept and "9.5 %" in kept


def test_the_category_remembered_for_the_merchant_comes_before_the_default():
    cat = catalog()
    cat.categories[CONTOSO_KEY] = MEALS
    result = expense(contoso(), cat)
    assert result.header["product_id"] == MEALS
    assert any(item.code == "remembered" and "Meals" in item.message for item in result.review)
    other = contoso(seller={"name": "Fabrikam"})
    assert expense(other, cat).header["product_id"] == GENERAL, "another merchant: the default category"


def test_the_merchant_key_is_the_vat_id_else_the_name_without_branch_numbers():
    key = F.lib.memory.merchant_key
    assert key("Shell 0412", None) == key("SHELL", None) == "name:shell"
    assert key("Starbucks #2231 GmbH") == "name:starbucks"
    assert key("Any name", "DE 123 456 789") == "vat:DE123456789"
    assert key(None, None) is None


def test_without_default_category_or_memory_a_person_chooses():
    result = expense(contoso(), fallback_product_id=None)
    assert "product_id" not in result.header
    assert "choose one" in serious(result)["category_missing"]
    assert "category_missing" not in serious(expense(contoso(), current={"product_id": MEALS},
                                                     fallback_product_id=None))


def test_total_missing_or_unreadable():
    assert "could not be read" in serious(expense(contoso(total=None)))["total_missing"]
    result = expense(contoso(total=-3.0))
    assert "total_amount_currency" not in result.header and "total_unreadable" in serious(result)
    assert expense(contoso(total=None, amount_due=20.0)).header["total_amount_currency"] == 20.0


def test_a_date_in_the_future_or_too_old_needs_review_and_is_still_filled():
    future = expense(contoso(issue_date="2019-12-06"))
    assert future.header["date"] == datetime.date(2019, 12, 6)
    assert "in the future" in serious(future)["date_future"]
    old = expense(contoso(), today=datetime.date(2019, 10, 1), max_age_days=90)
    assert "more than 90 days ago" in serious(old)["date_too_old"]
    assert "date_too_old" not in serious(expense(contoso(), today=datetime.date(2019, 10, 1), max_age_days=120))
    assert "date_missing" in serious(expense(contoso(issue_date=None)))


def test_a_foreign_currency_without_a_rate_needs_review():
    cat = catalog(currency="EUR")
    assert "currency_without_rate" not in serious(expense(contoso(), cat)), "USD has a rate"
    cat.rates.clear()
    assert "no exchange rate for it: Odoo would count it 1:1" in serious(expense(contoso(), cat))["currency_without_rate"]
    assert "currency_without_rate" not in serious(expense(contoso(), catalog(currency="USD"))), "own currency"


def test_the_merchant_is_kept_as_printed_and_a_known_partner_is_its_vendor():
    doc = contoso(seller={"name": "Contoso", "vat": "DE123456789"})
    partner = C.PartnerCandidate(30, "Contoso", vat="DE123456789")
    result = expense(doc, catalog(partners=[partner]))
    assert (result.header["merchant_vat"], result.header["vendor_id"], result.partner_match) == \
        ("DE123456789", 30, "vat")
    unknown = expense(doc)
    assert "vendor_id" not in unknown.header and serious(unknown) == {}, "an unknown merchant is no problem"
    similar = expense(contoso(seller={"name": "Contosso"}), catalog(partners=[C.PartnerCandidate(31, "Contoso")]))
    assert "vendor_id" not in similar.header, "a similar name is only a guess: not set"


def test_a_long_receipt_is_described_as_far_as_it_fits():
    doc = contoso(lines=[{"description": f"Item number {n}", "amount": 1.0} for n in range(1, 30)])
    name = expense(doc).header["name"]
    assert name.startswith("Contoso: Item number 1, Item number 2") and name.endswith("more")
    assert len(name) <= F.mapping.expense.DESCRIPTION_MAX


def test_a_credit_note_is_not_what_an_expense_expects():
    result = expense(contoso(document_type="credit_note"))
    assert "not what this expense expects" in serious(result)["unexpected_document_type"]


def test_a_receipt_read_twice_is_a_duplicate():
    key = D.ExpenseKey
    new = key(9, "Contoso", employee_id=1, date=datetime.date(2019, 6, 10), total=1203.39, currency="USD",
              merchant=CONTOSO_KEY, checksums=frozenset({"abc"}), company_id=1)
    same = key(3, "Tablet", employee_id=1, date=datetime.date(2019, 6, 10), total=1203.39, currency="USD",
               merchant=CONTOSO_KEY, company_id=1)
    other_employee = key(4, "Tablet", employee_id=2, date=datetime.date(2019, 6, 10), total=1203.39,
                         currency="USD", merchant=CONTOSO_KEY, company_id=1)
    same_file = key(5, "Other", employee_id=2, checksums=frozenset({"abc"}), company_id=1)
    refused = key(6, "Refused", employee_id=1, date=datetime.date(2019, 6, 10), total=1203.39, currency="USD",
                  merchant=CONTOSO_KEY, company_id=1, refused=True)
    items = D.expense_duplicate_items(new, [same, other_employee, same_file, refused])
    assert [item.message.split(":")[0] for item in items] == ["Possible duplicate of Tablet",
                                                              "Possible duplicate of Other"]
    assert "same employee, date, total and merchant" in items[0].message and "same receipt file" in items[1].message
    assert all(item.serious for item in items)


def test_every_receipt_of_the_corpus_becomes_an_expense_with_its_date_total_and_currency():
    receipts = [path for path in F.corpus() if F.load_gold(path).get("document_type") == "receipt"]
    assert len(receipts) >= 4, "the Contoso photos and the OYO hotel receipt (PDF and photo)"
    for path in receipts:
        doc = F.load_gold(path)
        cat = catalog(currency="USD")
        cat.currencies.append(C.CurrencyCandidate(4, "INR"))
        cat.rates.add(4)
        result = expense(doc, cat, today=datetime.date(2020, 1, 1), max_age_days=3650)
        header = result.header
        assert header["date"].isoformat() == doc["issue_date"], path.name
        assert header["total_amount_currency"] == doc["total"], path.name
        assert header["currency_id"] == {"USD": 2, "INR": 4}[doc["currency"]], path.name
        assert header["name"].startswith(doc["seller"]["name"]), path.name
        assert header["product_id"] == GENERAL, path.name
        assert "total_missing" not in serious(result) and "date_missing" not in serious(result), path.name
