"""Which partner a document lands on: VAT → IBAN → exact then fuzzy name → email domain; creation
of unknown vendors; bank accounts; the company itself is never its own vendor."""

from __future__ import annotations

import copy

import pytest

import mapping_fixtures as F

C = F.C
map_document = F.mapping.map_document


def einfach() -> dict:
    return F.load_gold(F.corpus()[0].with_name("fx_EN16931_Einfach.pdf"))


def catalog(*partners, **kwargs):
    return C.InMemoryCatalog(F.company(), partners=[C.PartnerCandidate(F.COMPANY_PARTNER_ID, "My Company",
                                                                       vat="DE000000000"), *partners],
                             taxes=F.country_taxes("DE"),
                             currencies=[C.CurrencyCandidate(1, "EUR")], uoms=F.UOMS, countries=F.COUNTRIES, **kwargs)


def doc_with_seller(**seller) -> dict:
    doc = einfach()
    doc["seller"] = seller
    return doc


def test_vat_beats_an_exact_name():
    same_name = C.PartnerCandidate(30, "Lieferant GmbH")
    by_vat = C.PartnerCandidate(31, "Lieferant GmbH (München)", vat="de 123.456.789")
    result = map_document(einfach(), catalog(same_name, by_vat), "vendor_bill")
    assert (result.header["partner_id"], result.partner_match) == (31, "vat")


def test_vat_stored_without_country_prefix_is_found():
    partner = C.PartnerCandidate(30, "Bei Spiel GmbH", vat="136695976")
    result = map_document(doc_with_seller(name="Bei Spiel GmbH", vat="DE136695976"), catalog(partner), "vendor_bill")
    assert (result.header["partner_id"], result.partner_match) == (30, "vat")


def test_iban_match_when_the_vat_is_unknown():
    partner = C.PartnerCandidate(30, "Alphabet Fleet", ibans=("DE34700700100156919301",))
    doc = doc_with_seller(name="Alphabet Fuhrparkmanagement GmbH", iban="DE34 7007 0010 0156 9193 01")
    result = map_document(doc, catalog(partner), "vendor_bill")
    assert (result.header["partner_id"], result.partner_match) == (30, "iban")
    assert result.partner_bank_iban == "DE34700700100156919301"
    assert result.bank_account_to_add is None


def test_exact_name_ignores_case_accents_and_legal_form():
    partner = C.PartnerCandidate(30, "LIEFERANT gmbh")
    decoy = C.PartnerCandidate(31, "Lieferant Logistik GmbH")
    result = map_document(doc_with_seller(name="Lieferant GmbH"), catalog(decoy, partner), "vendor_bill")
    assert (result.header["partner_id"], result.partner_match) == (30, "name")
    assert "partner_fuzzy" not in F.codes(result)


def test_fuzzy_name_match_is_flagged_for_a_look():
    partner = C.PartnerCandidate(30, "Lieferant GmbH")
    result = map_document(doc_with_seller(name="Liefrant GmbH"), catalog(partner), "vendor_bill")
    assert (result.header["partner_id"], result.partner_match) == (30, "fuzzy_name")
    assert "Lieferant GmbH" in F.item(result, "partner_fuzzy").message
    assert F.item(result, "partner_fuzzy").serious, "a guess always goes to a person"


def test_two_equally_similar_names_are_not_guessed():
    first, second = C.PartnerCandidate(30, "Lieferanten GmbH"), C.PartnerCandidate(31, "Lieferantin GmbH")
    result = map_document(doc_with_seller(name="Lieferantxn GmbH"), catalog(first, second), "vendor_bill")
    assert "partner_id" not in result.header
    assert F.item(result, "partner_ambiguous").serious


def test_dissimilar_name_is_not_matched():
    result = map_document(doc_with_seller(name="Globex Corporation"),
                          catalog(C.PartnerCandidate(30, "Global Supplies Ltd")), "vendor_bill")
    assert "partner_id" not in result.header
    assert F.item(result, "partner_not_found").serious


def test_email_domain_match():
    partner = C.PartnerCandidate(30, "Werkzeughandel Schmidt", email="info@acme-tools.de")
    doc = doc_with_seller(name="ACME", email="billing@ACME-tools.de")
    result = map_document(doc, catalog(partner), "vendor_bill")
    assert (result.header["partner_id"], result.partner_match) == (30, "email_domain")


def test_public_mail_domains_identify_nobody():
    partner = C.PartnerCandidate(30, "Someone Else", email="someone@gmail.com")
    result = map_document(doc_with_seller(name="ACME", email="acme.billing@gmail.com"), catalog(partner), "vendor_bill")
    assert "partner_id" not in result.header


def test_vat_conflicting_with_a_name_match_is_serious():
    partner = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE136695976")
    result = map_document(einfach(), catalog(partner), "vendor_bill")  # document: DE123456789
    assert result.header["partner_id"] == 30
    assert F.item(result, "vat_mismatch").serious


def test_own_company_is_never_the_vendor():
    doc = doc_with_seller(name="My Company", vat="DE000000000")
    result = map_document(doc, catalog(), "vendor_bill")
    assert "partner_id" not in result.header
    assert F.item(result, "own_company").serious


def test_vendor_created_only_with_a_valid_vat_when_allowed():
    doc = doc_with_seller(name="Bei Spiel GmbH", vat="DE136695976", iban="DE88200800000970375700",
                          email="rechnung@beispiel.example",
                          address={"street": "Ecke 12", "city": "Stadthausen", "zip": "12345", "country_code": "DE"})
    created = map_document(doc, catalog(), "vendor_bill", options={"create_partner": True})
    assert created.partner_to_create == {
        "name": "Bei Spiel GmbH", "is_company": True, "vat": "DE136695976", "street": "Ecke 12",
        "city": "Stadthausen", "zip": "12345", "country_id": F.COUNTRIES["DE"], "email": "rechnung@beispiel.example",
        "supplier_rank": 1}
    assert "partner_id" not in created.header
    assert created.bank_account_to_add == {"acc_number": "DE88200800000970375700", "partner_id": None}
    assert not F.item(created, "partner_created").serious

    not_allowed = map_document(doc, catalog(), "vendor_bill")
    assert not_allowed.partner_to_create is None and not_allowed.bank_account_to_add is None
    assert "create vendors" in F.item(not_allowed, "partner_not_found").message

    invalid = copy.deepcopy(doc)
    invalid["seller"]["vat"] = "DE123456789"  # fails the check digit
    refused = map_document(invalid, catalog(), "vendor_bill", options={"create_partner": True})
    assert refused.partner_to_create is None
    assert "not valid" in F.item(refused, "partner_not_found").message


def test_a_created_vendor_belongs_to_the_documents_company_when_asked():
    """A document of company 7 creates company 7's vendor: the others neither see nor match it."""
    doc = doc_with_seller(name="Bei Spiel GmbH", vat="DE136695976")
    own = map_document(doc, catalog(), "vendor_bill", options={"create_partner": True, "partner_company_id": 7})
    assert own.partner_to_create["company_id"] == 7
    shared = map_document(doc, catalog(), "vendor_bill", options={"create_partner": True})
    assert "company_id" not in shared.partner_to_create


def test_customer_created_for_a_sales_order():
    doc = einfach()
    doc["document_type"] = "purchase_order"
    doc["buyer"] = {"name": "Kunden AG Mitte", "vat": "DE136695976"}
    result = map_document(doc, catalog(), "sale_order", options={"create_partner": True})
    assert result.partner_to_create["customer_rank"] == 1
    assert "supplier_rank" not in result.partner_to_create


def test_new_bank_account_of_a_known_vendor_is_added_and_flagged():
    partner = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE123456789")
    doc = einfach()
    doc["seller"]["iban"] = "DE88200800000970375700"
    result = map_document(doc, catalog(partner), "vendor_bill")
    assert result.bank_account_to_add == {"acc_number": "DE88200800000970375700", "partner_id": 30}
    assert F.item(result, "new_bank_account").serious


def test_bank_account_of_another_partner_is_serious():
    partner = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE123456789")
    other = C.PartnerCandidate(31, "Someone Else AG", ibans=("DE88200800000970375700",))
    doc = einfach()
    doc["seller"]["iban"] = "DE88200800000970375700"
    result = map_document(doc, catalog(partner, other), "vendor_bill")
    assert result.header["partner_id"] == 30
    assert result.bank_account_to_add is None and result.partner_bank_iban is None
    assert "Someone Else AG" in F.item(result, "iban_other_partner").message


def test_invalid_iban_is_neither_used_nor_added():
    partner = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE123456789")
    doc = einfach()
    doc["seller"]["iban"] = "DE88200800000970375701"
    result = map_document(doc, catalog(partner), "vendor_bill")
    assert result.bank_account_to_add is None and result.partner_bank_iban is None
    assert "invalid_iban" in F.codes(result)


@pytest.mark.parametrize("name_a,name_b,low,high", [
    ("Coolblue B.V.", "Coolblue BV", 100, 100),
    ("Société Générale SA", "Societe Generale", 100, 100),
    ("Lieferant GmbH", "Liefrant GmbH", 88, 99),
    ("Lieferant GmbH", "Globex Corporation", 0, 50),
])
def test_name_similarity(name_a, name_b, low, high):
    assert low <= F.mapping.name_similarity(name_a, name_b) <= high


def test_name_similarity_without_rapidfuzz(monkeypatch):
    # Odoo's venv may lack rapidfuzz: the difflib fallback must give the same verdicts.
    monkeypatch.setattr(F.text, "_fuzz", None)  # name_similarity lives with the text helpers
    assert F.mapping.name_similarity("Coolblue B.V.", "Coolblue BV") == 100
    assert 88 <= F.mapping.name_similarity("Lieferant GmbH", "Liefrant GmbH") < 100
    assert F.mapping.name_similarity("Lieferant GmbH", "Globex Corporation") < 50
    partner = C.PartnerCandidate(30, "Lieferant GmbH")
    result = map_document(doc_with_seller(name="Liefrant GmbH"), catalog(partner), "vendor_bill")
    assert result.partner_match == "fuzzy_name"


# --- how sure the partner is ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seller,partner,method,confidence", [
    ({"name": "Lieferant GmbH", "vat": "DE123456789"}, {"vat": "DE123456789"}, "vat", "sure"),
    ({"name": "Lieferant GmbH", "iban": "DE34700700100156919301"}, {"ibans": ("DE34700700100156919301",)},
     "iban", "sure"),
    ({"name": "Lieferant GmbH"}, {}, "name", "likely"),
    ({"name": "Liefrant GmbH"}, {}, "fuzzy_name", "suggestion"),
    ({"name": "Schmidt Werkzeuge", "email": "billing@lieferant.de"}, {"email": "info@lieferant.de"},
     "email_domain", "suggestion"),
])
def test_how_sure_the_vendor_is(seller, partner, method, confidence):
    result = map_document(doc_with_seller(**seller), catalog(C.PartnerCandidate(30, "Lieferant GmbH", **partner)),
                          "vendor_bill")
    assert (result.header["partner_id"], result.partner_match, result.partner_confidence) == (30, method, confidence)
    guessed = [i for i in result.review if i.code in ("partner_fuzzy", "partner_email_domain")]
    if confidence == "suggestion":
        assert guessed and all(i.serious for i in guessed), "a suggestion is never taken without a person's look"
        assert result.needs_review
    else:
        assert not guessed


def test_a_guess_says_how_in_words_a_clerk_uses():
    partner = C.PartnerCandidate(30, "Werkzeughandel Schmidt", email="info@acme-tools.de")
    result = map_document(doc_with_seller(name="ACME", email="billing@acme-tools.de"), catalog(partner), "vendor_bill")
    assert F.item(result, "partner_email_domain").message == (
        "Vendor Werkzeughandel Schmidt was guessed from the e-mail domain acme-tools.de of “billing@acme-tools.de”: "
        "check it.")


def test_no_partner_no_confidence():
    result = map_document(doc_with_seller(name="Globex Corporation"), catalog(), "vendor_bill")
    assert (result.partner_match, result.partner_confidence) == ("", "")


def test_a_guess_on_a_record_whose_partner_was_chosen_asks_nothing_more():
    partner = C.PartnerCandidate(30, "Lieferant GmbH")
    result = map_document(doc_with_seller(name="Liefrant GmbH"), catalog(partner), "vendor_bill",
                          current={"partner_id": 30})
    assert "partner_id" not in result.header
    assert "partner_fuzzy" not in F.codes(result)


@pytest.mark.parametrize("address", [
    "azure.Interior24@example.com", "billing@mail.example.org", "info@example.net", "a@acme.example",
    "a@shop.test", "a@box.invalid", "a@printer.localhost", "a@nas.local", "a@router.home.arpa",
    "info@yourcompany.com", "admin@yourcompany.example.com",
])
def test_placeholder_domains_identify_nobody(address):
    assert F.normalize.email_domain(address) is None
    partner = C.PartnerCandidate(30, "Someone Else", email="x@" + address.split("@")[1].lower())
    result = map_document(doc_with_seller(name="Azure Interior", email=address), catalog(partner), "vendor_bill")
    assert "partner_id" not in result.header


def test_real_domains_still_count():
    assert F.normalize.email_domain("a@example-shop.com") == "example-shop.com"
    assert F.normalize.email_domain("a@testing.de") == "testing.de"
    assert F.normalize.email_domain("a@local-bakery.fr") == "local-bakery.fr"


# --- never one of us ---------------------------------------------------------------------------------------


def test_found_case_our_own_user_by_the_email_domain():
    """A bill from Azure Interior (…@example.com) got the user Administrator (admin@example.com) as vendor."""
    admin = C.PartnerCandidate(3, "Administrator", email="admin@example.com", company_type="person", is_own=True)
    doc = F.load_gold(F.corpus()[0].with_name("i2d_AzureInterior.pdf"))
    result = map_document(doc, catalog(admin), "vendor_bill")
    assert "partner_id" not in result.header
    assert F.item(result, "partner_not_found").serious


@pytest.mark.parametrize("seller,own", [
    ({"name": "Lieferant GmbH", "vat": "DE136695976"}, {"name": "Sister Company", "vat": "DE136695976"}),
    ({"name": "Lieferant GmbH", "iban": "DE34700700100156919301"},
     {"name": "Sister Company", "ibans": ("DE34700700100156919301",)}),
    ({"name": "Lieferant GmbH"}, {"name": "Lieferant GmbH"}),
    ({"name": "Liefrant GmbH"}, {"name": "Lieferant GmbH"}),
    ({"name": "Lieferant GmbH", "email": "billing@lieferant.de"}, {"name": "Mitchell Admin", "email": "m@lieferant.de"}),
])
def test_our_own_users_and_companies_are_never_the_vendor(seller, own):
    ourselves = C.PartnerCandidate(7, is_own=True, **own)
    result = map_document(doc_with_seller(**seller), catalog(ourselves), "vendor_bill", options={"create_partner": True})
    assert "partner_id" not in result.header and result.partner is None
    assert result.partner_to_create is None, "never a new vendor made of ourselves"
    item = F.item(result, "partner_is_own")
    assert item.serious and own["name"] in item.message


def test_a_real_vendor_beside_ourselves_is_found():
    ourselves = C.PartnerCandidate(7, "Lieferant GmbH", is_own=True)
    vendor = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE123456789")
    result = map_document(einfach(), catalog(ourselves, vendor), "vendor_bill")
    assert (result.header["partner_id"], result.partner_match) == (30, "vat")
    by_name = map_document(doc_with_seller(name="Lieferant GmbH"), catalog(ourselves, C.PartnerCandidate(31, "Lieferant GmbH")),
                           "vendor_bill")
    assert (by_name.header["partner_id"], by_name.partner_match) == (31, "name")


def test_our_own_email_domain_identifies_nobody():
    vendor = C.PartnerCandidate(30, "Werkzeughandel Schmidt", email="info@acme-tools.de")
    company = F.company()
    ours = C.InMemoryCatalog(C.CompanyInfo(**{**company.__dict__, "own_email_domains": frozenset({"acme-tools.de"})}),
                             partners=[vendor], taxes=F.country_taxes("DE"), currencies=[C.CurrencyCandidate(1, "EUR")],
                             uoms=F.UOMS, countries=F.COUNTRIES)
    doc = doc_with_seller(name="ACME", email="someone@purchasing.acme-tools.de")  # a colleague's address
    assert "partner_id" not in map_document(doc, ours, "vendor_bill").header


def test_our_own_vat_id_never_makes_a_new_vendor():
    result = map_document(doc_with_seller(name="My Company", vat="DE136695976"),
                          C.InMemoryCatalog(F.company(vat="DE136695976"), taxes=F.country_taxes("DE"),
                                            currencies=[C.CurrencyCandidate(1, "EUR")], uoms=F.UOMS,
                                            countries=F.COUNTRIES),
                          "vendor_bill", options={"create_partner": True})
    assert result.partner_to_create is None
    assert F.item(result, "own_company").serious


def test_our_own_bank_account_is_never_added_to_the_vendor():
    vendor = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE123456789")
    ourselves = C.PartnerCandidate(F.COMPANY_PARTNER_ID + 100, "My Company", ibans=("DE88200800000970375700",),
                                   is_own=True)
    doc = einfach()
    doc["seller"]["iban"] = "DE88200800000970375700"
    result = map_document(doc, catalog(vendor, ourselves), "vendor_bill")
    assert result.header["partner_id"] == 30
    assert result.bank_account_to_add is None and result.partner_bank_iban is None
    assert F.item(result, "iban_own").serious


def test_what_the_requester_may_not_create_is_not_created_and_said():
    """Documents are applied as the user who asked: without the right to create contacts or bank accounts the
    vendor and its bank account are not created, and the review says why (never a failed reading)."""
    doc = doc_with_seller(name="Bei Spiel GmbH", vat="DE136695976", iban="DE88200800000970375700")
    result = map_document(doc, catalog(), "vendor_bill",
                          options={"create_partner": True, "may_create_partner": False, "may_add_bank_account": False})
    assert result.partner_to_create is None and result.bank_account_to_add is None
    assert "may not create contacts" in F.item(result, "partner_not_found").message
    known = C.PartnerCandidate(30, "Lieferant GmbH", vat="DE123456789")
    doc = doc_with_seller(name="Lieferant GmbH", vat="DE123456789", iban="DE88200800000970375700")
    result = map_document(doc, catalog(known), "vendor_bill", options={"may_add_bank_account": False})
    assert result.bank_account_to_add is None
    item = F.item(result, "bank_account_not_added")
    assert item.serious and "may not create bank accounts" in item.message
