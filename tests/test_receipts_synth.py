"""Generated receipts (``ocr_sidecar/reader/synth/receipts.py``, issue #35): deterministic, valid canonical gold with
sums that hold, every scored value printed on the page, varied in trade, language, currency, tax and capture, and
the files the sidecar opens (a PDF with its text layer, a scan, a JPEG photo). Fast: pages are drawn, not rendered,
except for three receipts."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from stdnum import get_cc_module
from stdnum.us import ein as us_ein  # a US merchant's federal tax id

from ocr_sidecar.inputs import Limits, open_words
from ocr_sidecar.printed import date_readings, number_readings
from ocr_sidecar.reader.synth import receipts as R
from ocr_sidecar.schema import Document


@pytest.fixture(scope="module")
def drawn() -> list:
    return [R.draw(random.Random(seed)) for seed in range(250)]


def line_texts(page) -> list[str]:
    """Each printed run's text (the words of one ``put``)."""
    runs: dict[int, list[str]] = {}
    for word in page.words:
        runs.setdefault(word.group, []).append(word.text)
    return [" ".join(texts) for texts in runs.values()]


def test_the_same_seed_gives_the_same_files_and_gold():
    first = [(s.filename, s.content, s.gold) for s in R.receipts(11, 2, captures=("photo", "scan"))]
    again = [(s.filename, s.content, s.gold) for s in R.receipts(11, 2, captures=("photo", "scan"))]
    assert first == again
    assert R.draw(random.Random(1))[1] == R.draw(random.Random(1))[1] != R.draw(random.Random(2))[1]


def test_gold_is_a_canonical_receipt_with_sums_that_hold(drawn):
    for _, gold, info, _ in drawn:
        Document.model_validate(gold)
        assert gold["document_type"] == "receipt" and "buyer" not in gold
        assert gold["seller"]["name"]
        lines = sum(line["amount"] for line in gold["lines"])
        if info["country"] == "US":  # sales tax on top of the subtotal
            assert gold["subtotal"] == pytest.approx(lines, abs=0.005)
            assert gold["total"] == pytest.approx(lines + gold.get("total_tax", 0.0), abs=0.005)
        else:  # prices include the tax: the lines add up to the total
            assert gold["total"] == pytest.approx(lines, abs=0.005)
        for tax in gold.get("taxes", []):
            if "base" in tax:
                assert tax["amount"] == pytest.approx(tax["base"] * tax["rate"] / 100, abs=0.011)


def test_every_scored_value_is_printed_where_the_reader_of_printed_values_finds_it(drawn):
    for page, gold, info, st in drawn:
        texts = line_texts(page)
        numbers = {round(n, 2) for text in texts for n in number_readings(text)}
        assert gold["total"] in numbers, (info, gold["total"])
        for path in ("total_tax", "subtotal"):
            if path in gold:
                assert gold[path] in numbers or gold[path] == 0.0
        for tax in gold.get("taxes", []):
            assert round(tax["rate"], 2) in numbers and tax["amount"] in numbers
        dates = {d.isoformat() for text in texts for d, _ in date_readings(text)}
        assert gold["issue_date"] in dates, (info["date"], gold["issue_date"])
        if "currency" in gold:
            sign = st.symbol or st.currency
            assert any(sign in text for text in texts)
        if gold["seller"].get("vat"):
            vat = gold["seller"]["vat"]
            code = {"CH": "ch", "IN": "in"}.get(vat[:2], vat[:2].lower()) if vat[:2].isalpha() else "in"
            module = get_cc_module(code, "gstin" if code == "in" else "vat") if "-" not in vat else us_ein
            assert module.is_valid(vat), vat


def test_receipts_vary_in_trade_language_currency_tax_paper_and_capture(drawn):
    infos = [info for _, _, info, _ in drawn]
    assert set(Counter(i["trade"] for i in infos)) == {"restaurant", "taxi", "fuel", "hotel", "shop"}
    assert {"en", "de", "fr", "nl", "es", "it"} <= {i["lang"] for i in infos}
    assert {"EUR", "GBP", "USD", "CHF", "INR", "SEK"} <= {i["currency"] for i in infos}
    assert {"pdf", "scan", "photo"} <= {i["capture"] for i in infos}
    assert {0, 1, 2} <= {len(i["rates"]) for i in infos}
    assert {"table", "per rate", "sales tax", "gst", "none", "not printed"} <= {i["tax_form"] for i in infos}
    assert {"cash", "card"} <= {i["payment"] for i in infos}
    assert {"24", "12", "h", "secs"} <= {i["time_format"] for i in infos}
    assert any(i["width_mm"] == 58 for i in infos) and any(i["height_mm"] >= 250 for i in infos)
    assert sum(i["long"] for i in infos) >= 25


def test_the_files_open_as_the_sidecar_opens_them():
    limits = Limits(max_bytes=16 << 20, max_pages=5, max_pixels=40_000_000, max_tiles=12, words="pdf")
    pdf = R.generate(random.Random(3), trade="hotel", capture="pdf")
    assert pdf.filename.endswith(".pdf") and pdf.content.startswith(b"%PDF-")
    layer = open_words(pdf.content, "", pdf.filename, limits, read_einvoice=False).pages[0].words
    assert layer is not None and layer.source == "pdf"
    numbers = {round(n, 2) for word in layer.words for n in number_readings(word.text)}
    assert pdf.gold["total"] in numbers
    photo = R.generate(random.Random(4), trade="taxi", capture="photo")
    assert photo.content[:3] == b"\xff\xd8\xff" and photo.filename.endswith(".jpg")
    scan = R.generate(random.Random(5), trade="shop", capture="scan")
    assert scan.content.startswith(b"\x89PNG")
    import io

    from PIL import Image

    for sample in (photo, scan):
        width, height = Image.open(io.BytesIO(sample.content)).size
        assert (width, height) == tuple(sample.info["image_px"])
        paper = sample.info["width_mm"] * sample.info["px_per_mm"]
        assert paper < width <= 2 * paper + 10 and height >= sample.info["height_mm"] * sample.info["px_per_mm"] * 0.9


def test_word_samples_are_the_training_sets_form_of_the_same_receipts():
    from ocr_sidecar.reader.synth import Sample

    found = list(R.word_samples(9, 12))
    assert [s.gold for s in found] == [s.gold for s in R.word_samples(9, 12)]
    assert {s.kind for s in found} <= {"born_digital", "scan", "photo"} and len({s.kind for s in found}) > 1
    for sample in found:
        assert isinstance(sample, Sample) and sample.doc_type == "receipt" and len(sample.layers) == 1
        layer = sample.layers[0]
        assert layer.source == ("pdf" if sample.kind == "born_digital" else "ocr")
        Document.model_validate(sample.gold)
        if sample.kind == "born_digital":  # a text layer prints the total as the page does
            numbers = {round(n, 2) for word in layer.words for n in number_readings(word.text)}
            assert sample.gold["total"] in numbers
