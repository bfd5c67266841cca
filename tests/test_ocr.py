"""OCR of scans and photos into the word layer (RapidOCR, weights from its wheel), through the real pipeline.

A few pages only: OCR costs ~2 s a page on 2 cores. The measured comparison of engines is
benchmarks/ocr_compare.py.
"""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from ocr_sidecar.engines.base import BaseEngine, EngineResult
from ocr_sidecar.locate import locate, printed_paths
from ocr_sidecar.ocr import read_words
from ocr_sidecar.pipeline import ExtractParams, Pipeline
from ocr_sidecar.settings import Settings

from conftest import DOCUMENTS_DIR

INVOICE = DOCUMENTS_DIR / "img_contoso_invoice_INV-100.jpg"


def _recall(name: str, layer) -> float:
    gold = json.loads((DOCUMENTS_DIR / f"{name}.gold.json").read_text())
    paths = printed_paths(gold)
    return sum(p in locate(gold, [layer]) for p in paths) / len(paths)


def test_a_scanned_invoice_gives_words_with_boxes_and_its_gold_values():
    layer = read_words(Image.open(INVOICE).convert("RGB"))
    assert layer.source == "ocr" and len(layer.words) > 80
    assert all(0 <= v <= 1 for w in layer.words for v in w.box) and all(0 < w.confidence <= 1 for w in layer.words)
    assert "INV-100" in layer.text()
    assert _recall("img_contoso_invoice_INV-100", layer) >= 0.85


class WordReader(BaseEngine):
    """Stands in for the model (whose prompt reads the words): records the pages it was given."""

    name, model_name, reads_words = "internvl", "word reader", True

    def __init__(self):
        self.seen = []

    def extract(self, doc, cancel=None):
        self.seen.append(doc)
        return EngineResult(document={"document_type": "invoice", "document_number": "INV-100", "total": 999999.0},
                            field_confidence={"document_number": 0.9, "total": 0.9}, engine="internvl")


def _exif_rotated(path) -> bytes:
    """The photo as a phone stores it: pixels turned sideways, EXIF orientation 6 saying how to show it."""
    image = Image.open(path).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def test_a_photo_is_turned_by_exif_read_by_ocr_and_its_values_checked_against_the_words():
    engine = WordReader()
    pipeline = Pipeline(Settings(engine="internvl", max_tiles=12), engine)
    result = pipeline.run(ExtractParams(content=_exif_rotated(INVOICE), filename="photo.jpg"))
    page = engine.seen[0].pages[0]
    assert page.words is not None and page.words.source == "ocr" and "INV-100" in page.text
    assert page.image.width < page.image.height, "upright: EXIF applied before OCR"
    # the number the model read is on the page: evidence with its box; the invented total is not
    by_path = {e.path: e for e in result.evidence}
    assert by_path["document_number"].text == "INV-100" and by_path["document_number"].source == "ocr"
    missing = [w for w in result.warnings if w.code == "value_not_on_page"]
    assert [(w.field, w.serious) for w in missing] == [("total", True)]
    assert missing[0].message.startswith("total: 999999 was read, but it is not printed")
    assert result.field_confidence["total"] == 0.4 and result.field_confidence["document_number"] == 0.9


def test_a_blank_page_still_gets_an_answer_with_a_warning():
    engine = WordReader()
    blank = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(blank, "PNG")
    result = Pipeline(Settings(engine="internvl"), engine).run(ExtractParams(content=blank.getvalue()))
    assert engine.seen[0].pages[0].words is None
    assert [w.code for w in result.warnings if w.code == "no_words_found"] == ["no_words_found"]
    assert not [w for w in result.warnings if w.code == "value_not_on_page"], "no words: nothing to check against"


def test_an_engine_that_reads_no_words_costs_no_ocr():
    class Replayish(WordReader):
        reads_words = False

    engine = Replayish()
    Pipeline(Settings(engine="internvl"), engine).run(ExtractParams(content=INVOICE.read_bytes()))
    assert engine.seen[0].pages[0].words is None


@pytest.mark.parametrize("turn", [180])
def test_upside_down_text_is_turned_by_the_ocr_line_classifier(turn):
    image = Image.open(INVOICE).convert("RGB").rotate(turn)
    assert _recall("img_contoso_invoice_INV-100", read_words(image)) >= 0.7
