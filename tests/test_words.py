"""The word layer: words with boxes from a PDF's text layer, grouped into lines, rendered with their layout."""

from __future__ import annotations

import io
import json
import math

import pypdfium2 as pdfium
import pytest

from ocr_sidecar.words import MAX_GAP, Word, WordLayer, assign_lines, page_skew, pdf_words, words_from_chars

from conftest import DOCUMENTS_DIR

AWS = DOCUMENTS_DIR / "i2d_AmazonWebServices.pdf"


def chars(text: str, x: float, y: float, width: float = 0.01, height: float = 0.015, gap: float = 0.0):
    out = []
    for ch in text:
        out.append((ch, (x, y, x + width, y + height)))
        x += width + gap
    return out


def test_words_end_at_spaces_and_at_wide_gaps_but_not_at_kerning():
    found = words_from_chars(chars("Invoice 4711", 0.1, 0.1) + chars("EUR", 0.5, 0.1)
                             + chars("12", 0.6, 0.1, gap=0.002))
    assert [w.text for w in found] == ["Invoice", "4711", "EUR", "12"]
    assert found[0].box == pytest.approx((0.1, 0.1, 0.17, 0.115))


def test_lines_keep_a_table_row_together_and_low_punctuation_on_its_row():
    words = [Word("Total", (0.1, 0.50, 0.2, 0.52)), Word("42.00", (0.8, 0.501, 0.9, 0.521)),
             Word("Date", (0.1, 0.30, 0.2, 0.32)), Word("3", (0.3, 0.30, 0.31, 0.32)),
             Word(",", (0.312, 0.315, 0.315, 0.325)), Word("2014", (0.32, 0.30, 0.36, 0.32))]
    ordered = assign_lines(words)
    assert [w.text for w in ordered] == ["Date", "3", ",", "2014", "Total", "42.00"]
    assert [w.line for w in ordered] == [0, 0, 0, 0, 1, 1]
    text = WordLayer("pdf", ordered).text()
    assert text.splitlines()[-1].strip().startswith("Total") and text.splitlines()[-1].endswith("42.00")
    assert "Total" + " " * 20 in text  # the amount stays in its column, far right


def test_a_pdf_page_gives_its_words_with_boxes_where_they_are_printed():
    gold = json.loads((DOCUMENTS_DIR / "i2d_AmazonWebServices.gold.json").read_text())
    pdf = pdfium.PdfDocument(AWS)
    layer = pdf_words(pdf[0])
    assert layer.source == "pdf" and len(layer.words) > 200
    number = next(w for w in layer.words if w.text == gold["document_number"])
    x0, y0, x1, y1 = number.box
    assert 0.5 < x0 < x1 < 1 and 0 < y0 < y1 < 0.5  # top right, as printed
    assert gold["document_number"] in layer.text()
    _assert_ink(pdf[0], number.box)


def _assert_ink(page, box, scale: float = 2.0) -> None:
    """The box lines up with the rendered page: there is ink inside it, and the page's corner is blank."""
    image = page.render(scale=scale).to_pil().convert("L")
    w, h = image.size
    inside = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w) + 1, int(box[3] * h) + 1))
    assert inside.getextrema()[0] < 128, "no ink where the word's box says it is"
    assert image.crop((0, 0, 10, 10)).getextrema()[0] > 200


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_boxes_follow_the_pages_rotation(rotation):
    """A page whose content is drawn turned and whose /Rotate turns it upright again (landscape scans and
    sideways-saved PDFs): the words read upright and their boxes lie on the rendered page's ink."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(AWS))
    page = writer.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    # turn the content counter-clockwise by ``rotation``, back into the positive quadrant; /Rotate (clockwise)
    # then shows it upright
    dx, dy = {90: (height, 0.0), 180: (width, height), 270: (0.0, width)}[rotation]
    page.add_transformation(Transformation().rotate(rotation).translate(dx, dy))
    if rotation in (90, 270):
        page.mediabox.upper_right = (height, width)
        page.cropbox.upper_right = (height, width)
    page.rotate(rotation)
    out = io.BytesIO()
    writer.write(out)
    pdf = pdfium.PdfDocument(out.getvalue())
    layer = pdf_words(pdf[0])
    number = next(w for w in layer.words if w.text == "42183017")
    _assert_ink(pdf[0], number.box)


def test_a_wide_gap_is_cut_without_pushing_the_rest_of_its_line_apart():
    """A right-aligned address block: its lines start far right, past MAX_GAP; the words after the cut
    gap keep their single spaces (they once got MAX_GAP each, a prompt full of padding)."""
    words = assign_lines(words_from_chars(chars("Date 2022", 0.05, 0.05) + chars("de Lattre Alexis", 0.65, 0.07)))
    rendered = WordLayer("pdf", words).text().splitlines()
    assert rendered[0] == "Date 2022"  # the page's left margin is not printed
    assert rendered[1].strip() == "de Lattre Alexis"
    assert rendered[1].startswith(" " * MAX_GAP + "de")


def test_the_benchmark_models_tokenizer_writes_a_run_of_spaces_in_a_token_or_two():
    """The 1b stand-in's prompts must not be longer than the real BPE's: runs of spaces (the layout
    text's column padding) are single tokens there."""
    from ocr_sidecar.random_model import SHAPES, _build_tokenizer

    tokenizer = _build_tokenizer(SHAPES["1b"]["bpe_vocab"], space_runs=True)
    short = len(tokenizer("Total 42.00", add_special_tokens=False)["input_ids"])
    padded = len(tokenizer("Total" + " " * 20 + "42.00", add_special_tokens=False)["input_ids"])
    assert padded <= short + 2, (short, padded)


def _turned(rows, degrees):
    """Words of ``rows`` ([(x, y, [texts])]) on a page turned by ``degrees``: each box the upright box around the
    turned word, as OCR gives it."""
    slope = math.tan(math.radians(degrees))
    words = []
    for x, y, texts in rows:
        for text in texts:
            width = 0.012 * len(text)
            x0, x1 = x, x + width
            words.append((text, (x0, y + slope * x0, x1, y + 0.012 + slope * x1)))
            x = x1 + 0.01
    return [Word(text, box) for text, box in words]


@pytest.mark.parametrize("degrees", [0.0, 0.6, -1.2, 2.0])
def test_the_rows_of_a_tilted_scan_stay_apart_and_whole(degrees):
    """A scan turned by up to 2°: each printed row is one line (grouped along the text's angle), not merged with
    the row below where the drift across the page is larger than the gap between rows."""
    rows = [(0.06, 0.30 + i * 0.017, f"Item {i} widget assembly kit description text 12.00 24.00 EUR".split())
            for i in range(8)]
    def texts(ordered):
        return [" ".join(w.text for w in line) for line in WordLayer("ocr", ordered).lines()]

    printed = [f"Item {i} widget assembly kit description text 12.00 24.00 EUR" for i in range(8)]
    ordered = assign_lines(_turned(rows, degrees))
    assert texts(ordered) == printed
    assert abs(math.degrees(math.atan(page_skew(ordered))) - degrees) < 0.3
    if abs(degrees) > 1:  # rows by vertical overlap only, as before, mix neighbouring rows
        assert texts(assign_lines(_turned(rows, degrees), structure=False)) != printed


def test_two_address_blocks_side_by_side_are_not_read_across():
    """The vendor's block at the left, the customer's at the right half a line lower: each printed line stays a
    line of its own ("Avenue Louise 60", not "Avenue Peeters Louise Trading 60 SRL")."""
    left = [(0.08, 0.10 + i * 0.018, text.split()) for i, text in enumerate(
        ["Brussels Trading SRL", "Avenue Louise 60", "1050 Brussels"])]
    right = [(0.55, 0.109 + i * 0.018, text.split()) for i, text in enumerate(
        ["Peeters & Zonen", "Kerkstraat 12", "2000 Antwerpen"])]
    lines = [" ".join(w.text for w in line) for line in WordLayer("ocr", assign_lines(_turned(left + right, 0))).lines()]
    assert lines == ["Brussels Trading SRL", "Peeters & Zonen", "Avenue Louise 60", "Kerkstraat 12", "1050 Brussels",
                     "2000 Antwerpen"]


def test_an_underscore_drawn_under_the_letters_joins_its_word():
    # "SELLER_NAME": the underscore's box lies below the letters' (it shares no height with them)
    letters = chars("SELLER", 0.1, 0.1) + [("_", (0.16, 0.1155, 0.17, 0.117))] + chars("NAME", 0.17, 0.1)
    found = words_from_chars(letters + chars("FR", 0.5, 0.1))
    assert [w.text for w in found] == ["SELLER_NAME", "FR"]
    assert found[0].box == pytest.approx((0.1, 0.1, 0.21, 0.117))
