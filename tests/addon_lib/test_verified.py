"""Verified (odoo_addons/document_digitize/lib/verified.py), without Odoo: the one decision the models and the
benchmark share. Given how a document was read, what both readers confirmed, where each value is printed, the
reading's warnings and the review items of applying it: is the record verified, and which values were not
confirmed? The last tests take the answer of a real sidecar on loopback through the addon's client."""

from __future__ import annotations

import copy

import pytest

from conftest import ROOT, load_mapping_lib

load_mapping_lib()
from document_digitize_lib import client  # noqa: E402  (registered by load_mapping_lib)
from document_digitize_lib.text import ReviewItem  # noqa: E402
from document_digitize_lib.verified import READ_TWICE, value_paths, verdict  # noqa: E402

SAMPLE = ROOT / "samples" / "invoice.pdf"  # a Factur-X invoice that no replay gold knows: read from its XML
DOCUMENT = {"document_type": "invoice", "document_number": "INV-7", "issue_date": "2024-03-01", "currency": "EUR",
            "seller": {"name": "Acme GmbH", "vat": "DE123456789", "address": {"city": "Berlin", "country_code": "DE"}},
            "lines": [{"description": "Paper", "quantity": 2.0, "unit_price": 10.0, "discount_percent": 0.0,
                       "amount": 20.0}],
            "subtotal": 20.0, "total_tax": 3.8, "total": 23.8}
HEADER = ["document_type", "document_number", "issue_date", "currency", "seller.name", "seller.vat", "subtotal",
          "total_tax", "total"]
PRINTED = [{"path": p, "page": 1, "source": "pdf"} for p in ("seller.address.city", "lines[0].description",
                                                            "lines[0].quantity", "lines[0].unit_price",
                                                            "lines[0].amount")]


def test_every_value_confirmed_by_both_readers_or_printed_in_its_place_is_verified():
    found = verdict(DOCUMENT, engine="internvl", confirmed=HEADER, evidence=PRINTED)
    assert found.verified and not found.unconfirmed and not found.reasons
    # the country code names a value and the zero discount prints nothing: neither needs confirming
    assert "seller.address.country_code" not in value_paths(DOCUMENT)


def test_a_header_value_printed_but_not_read_alike_by_the_words_reader_is_not_verified():
    evidence = PRINTED + [{"path": "issue_date", "page": 1, "source": "pdf"}]
    found = verdict(DOCUMENT, engine="internvl", confirmed=[p for p in HEADER if p != "issue_date"], evidence=evidence)
    assert not found.verified
    assert found.unconfirmed == ("issue_date",), "being printed somewhere does not confirm a header value"


def test_a_line_value_not_printed_in_its_place_is_not_verified():
    found = verdict(DOCUMENT, engine="internvl", confirmed=HEADER,
                    evidence=[e for e in PRINTED if e["path"] != "lines[0].quantity"])
    assert (found.verified, found.unconfirmed) == (False, ("lines[0].quantity",))


def test_a_text_is_confirmed_by_its_print_only_letter_for_letter():
    printed = [dict(e, text="Paper") if e["path"] == "lines[0].description" else e for e in PRINTED]
    assert verdict(DOCUMENT, engine="internvl", confirmed=HEADER, evidence=printed).verified
    fuzzy = [dict(e, text="Paper 2") if e["path"] == "lines[0].description" else e for e in PRINTED]
    found = verdict(DOCUMENT, engine="internvl", confirmed=HEADER, evidence=fuzzy)
    assert found.unconfirmed == ("lines[0].description",), "found by the fuzzy match, but printed otherwise"


def test_a_partys_detail_printed_in_the_other_partys_block_is_not_confirmed():
    document = copy.deepcopy(DOCUMENT)
    document["buyer"] = {"name": "Sample Trading AG", "address": {"city": "Hamburg"}}
    places = {"seller.name": [0.05, 0.05, 0.3, 0.07], "buyer.name": [0.05, 0.2, 0.3, 0.22],
              "seller.address.city": [0.05, 0.09, 0.2, 0.11], "buyer.address.city": [0.05, 0.24, 0.2, 0.26]}
    evidence = PRINTED + [{"path": p, "page": 1, "source": "pdf", "boxes": [box]} for p, box in places.items()]
    confirmed = HEADER + ["buyer.name"]
    assert verdict(document, engine="internvl", confirmed=confirmed, evidence=evidence).verified
    # the model gave the buyer the seller's city: printed on the page, but in the seller's block
    swapped = copy.deepcopy(document)
    swapped["buyer"]["address"]["city"] = "Berlin"
    moved = [dict(e, boxes=[places["seller.address.city"]]) if e["path"] == "buyer.address.city" else e
             for e in evidence]
    found = verdict(swapped, engine="internvl", confirmed=confirmed, evidence=moved)
    assert found.unconfirmed == ("buyer.address.city",)


def test_any_warning_or_review_item_ends_it_but_an_informative_item_does_not():
    args = dict(engine="internvl", confirmed=HEADER, evidence=PRINTED)
    assert not verdict(DOCUMENT, warnings=[{"code": "line_amount_mismatch"}], **args).verified
    assert not verdict(DOCUMENT, warnings=[{"code": "readers_disagree", "field": "total"}], **args).verified
    found = verdict(DOCUMENT, items=[ReviewItem("tax_unknown", "Line 1: no 19 % tax", "lines[0].tax_rate")], **args)
    assert not found.verified and found.reasons == ("applying it left items to check (tax_unknown)",)
    remembered = ReviewItem("remembered", "Line 1: product as chosen last time for this vendor")
    assert verdict(DOCUMENT, items=[remembered], **args).verified


def test_an_einvoice_or_a_layout_whose_checks_passed_confirms_every_value_itself():
    for engine in ("einvoice", "layout"):
        assert verdict(DOCUMENT, engine=engine).verified
        assert not verdict(DOCUMENT, engine=engine, warnings=[{"code": "invalid_vat"}]).verified
    assert not verdict(DOCUMENT, engine="replay").verified, "any other engine needs the confirmations"


def test_an_empty_reading_is_never_verified():
    empty = {"document_type": "invoice", "currency": "EUR"}
    found = verdict(empty, engine="einvoice")
    assert not found.verified and found.reasons == ("nothing was read to verify (no total, no lines)",)


def test_the_header_fields_read_twice_are_those_the_words_reader_compares():
    from ocr_sidecar.reader.reading import HEADER_PATHS

    assert tuple(READ_TWICE) == tuple(HEADER_PATHS)


# --- the answer of a real sidecar, through the addon's client -------------------------------------------------------

@pytest.fixture(scope="module")
def sidecar():
    from ocr_sidecar.testing import ReplayReadingWords, SidecarThread

    from conftest import DOCUMENTS_DIR

    thread = SidecarThread(engine="replay", documents_dir=DOCUMENTS_DIR, second_reader="on",
                           engine_instance=ReplayReadingWords(DOCUMENTS_DIR))
    target = thread.start()
    yield thread, client.EndpointSettings.parse(target, timeout=120)
    thread.stop()


def test_the_client_carries_what_both_readers_confirmed_and_the_candidates(sidecar):
    from conftest import DOCUMENTS_DIR

    _thread, settings = sidecar
    path = DOCUMENTS_DIR / "i2d_QualityHosting.pdf"
    result = client.extract(settings, path.read_bytes(), filename=path.name)
    assert result.confirmed and set(result.confirmed) <= set(READ_TWICE)
    assert "document_number" in result.confirmed
    first = result.candidates["document_number"][0]
    assert first["value"] == result.document["document_number"] and first["page"] == 1 and first["boxes"]
    found = verdict(result.document, engine=result.engine, confirmed=result.confirmed, evidence=result.evidence,
                    warnings=result.warnings)
    not_read_alike = [p for p in value_paths(result.document) if p in READ_TWICE and p not in result.confirmed]
    assert not_read_alike, "the gold's seller name is not the words reader's first candidate on this page"
    assert not found.verified and set(not_read_alike) <= set(found.unconfirmed)


def test_an_einvoice_read_from_its_xml_is_verified_and_a_changed_one_is_not(sidecar):
    thread, settings = sidecar
    result = client.extract(settings, SAMPLE.read_bytes(), filename=SAMPLE.name)
    assert result.engine == "einvoice"
    assert verdict(result.document, engine=result.engine, confirmed=result.confirmed, evidence=result.evidence,
                   warnings=result.warnings).verified
    # the same page answered by the replay engine with one wrong amount: the readers' check and the arithmetic
    wrong = copy.deepcopy(result.document)
    wrong["lines"][0]["quantity"] = 5.0
    content = SAMPLE.read_bytes() + b"\n%another copy\n"
    thread.engine.add(content, wrong)
    changed = client.extract(settings, content, filename="changed.pdf")
    assert changed.engine == "replay"
    found = verdict(changed.document, engine=changed.engine, confirmed=changed.confirmed, evidence=changed.evidence,
                    warnings=changed.warnings)
    assert not found.verified and "lines[0].quantity" in found.unconfirmed
