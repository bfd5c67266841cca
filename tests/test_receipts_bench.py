"""benchmarks/receipts_expenses.py's scoring (issue #35): a reading equal to the gold is right on every field, a
wrong date, total, currency or tax rate is counted wrong, the company books a receipt in its own country, and the
corpus set holds the corpus's receipts. No OCR: word layers are not needed to score."""

from __future__ import annotations

import copy
import random
import sys

from conftest import DOCUMENTS_DIR, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import receipts_expenses as bench  # noqa: E402

from ocr_sidecar.reader.synth import receipts as R  # noqa: E402


def golds(count: int = 40) -> list[dict]:
    return [R.draw(random.Random(seed))[1] for seed in range(count)]


def receipt(gold: dict) -> bench.Receipt:
    return bench.Receipt("r", "generated", "pdf", [], gold, None)


def test_a_reading_equal_to_the_gold_is_right_on_every_scored_field():
    for gold in golds():
        outcome = bench.score(receipt(gold), copy.deepcopy(gold), bench.company_of(gold))
        assert outcome["overall"] is True
        assert outcome["date"] is True and outcome["total"] is True
        assert outcome["currency"] is (True if "currency" in gold else None)
        assert outcome["tax"] is (True if gold.get("taxes") or "total_tax" in gold else None)


def test_a_wrong_date_total_currency_or_rate_is_counted_wrong():
    gold = next(g for g in golds() if g.get("currency") and len(g.get("taxes", [])) == 1)
    company = bench.company_of(gold)
    for change, field in ((("issue_date", "2019-01-02"), "date"), (("total", gold["total"] + 1), "total"),
                          (("currency", "SEK" if gold["currency"] != "SEK" else "EUR"), "currency")):
        reading = copy.deepcopy(gold)
        reading[change[0]] = change[1]
        outcome = bench.score(receipt(gold), reading, company)
        assert outcome[field] is False and outcome["overall"] is False, field
    reading = copy.deepcopy(gold)
    reading["taxes"][0]["rate"] = 0.0 if gold["taxes"][0]["rate"] else 5.0
    outcome = bench.score(receipt(gold), reading, company)
    assert outcome["tax"] is False and outcome["tax rates read"] is False
    assert bench.score(receipt(gold), {}, company)["overall"] is False, "a reader that proposes nothing"


def test_the_company_books_a_receipt_in_its_country_with_its_rate():
    page, gold, info, _ = R.draw(random.Random(4), trade="taxi", capture="pdf")
    assert bench.company_of(gold)[0] == info["country"]
    indian = next(g for g in golds(120) if g.get("currency") == "INR" and len(g.get("taxes", [])) == 1)
    assert bench.company_of(indian) == ("IN", "INR")
    rate = indian["taxes"][0]["rate"]
    assert bench.expense(indian, "IN", "INR")["tax"] == (1000 + round(rate * 1000),)
    assert bench.expense(indian, "IN", "INR")["currency"] == "INR"


def test_the_corpus_set_holds_the_corpus_receipts(monkeypatch):
    monkeypatch.setattr(bench, "words_of", lambda content, name, cache: ([], None))
    found = {r.name: r.capture for r in bench.corpus_receipts(DOCUMENTS_DIR, None)}
    assert found == {"i2d_oyo.pdf": "pdf", "img_i2d_oyo.png": "scan", "img_contoso_receipt_photo1.png": "photo",
                     "img_contoso_receipt_photo2.png": "photo"}
