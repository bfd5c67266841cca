"""OCR of scans and photos into the word layer (RapidOCR, weights from its wheel), through the real pipeline.

A few pages only: OCR costs ~2 s a page on 2 cores. The measured comparison of engines is
benchmarks/ocr_compare.py.
"""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from ocr_sidecar.engines.base import BaseEngine
from ocr_sidecar.locate import locate, printed_paths
from ocr_sidecar.ocr import read_words
from ocr_sidecar.pipeline import ExtractParams, Pipeline
from ocr_sidecar.settings import Settings
from ocr_sidecar.types import EngineResult

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
    # evidence alone here (the second reader, which also contradicts the invented total: test_pipeline.py)
    pipeline = Pipeline(Settings(engine="internvl", max_tiles=12, second_reader="off"), engine)
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


def _turned(path, clockwise: int) -> bytes:
    """The page as a scanner fed sideways (or upside down) stores it: pixels turned, no EXIF to undo it."""
    image = Image.open(path).convert("RGB")
    if clockwise:
        image = image.transpose({90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                                 270: Image.Transpose.ROTATE_90}[clockwise])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("clockwise", [90, 180, 270])
def test_a_page_turned_without_exif_is_read_upright_and_its_boxes_sent_on_the_page_as_shown(clockwise):
    """The orientation comes from the OCR's own lines (tall lines and the line classifier's verdict): the
    model gets the page upright, the words are read upright, and the boxes the client gets are on the page
    as the file shows it, where the same words are on the upright page turned."""
    from ocr_sidecar.server import page_words

    upright_engine, turned_engine = WordReader(), WordReader()
    settings = Settings(engine="internvl", max_tiles=12, parse_memory_mb=0)
    upright = Pipeline(settings, upright_engine).run(ExtractParams(content=_turned(INVOICE, 0)))
    turned = Pipeline(settings, turned_engine).run(ExtractParams(content=_turned(INVOICE, clockwise)))
    page = turned_engine.seen[0].pages[0]
    assert page.words.angle == (360 - clockwise) % 360
    assert page.image.size == upright_engine.seen[0].pages[0].image.size, "the model reads it upright"
    assert "INV-100" in page.text and _recall("img_contoso_invoice_INV-100", page.words) >= 0.85
    sent = page_words(turned.words)[0]
    assert sent.angle == page.words.angle
    number = next(w for w in sent.words if w.text == "INV-100")
    x0, y0, x1, y1 = next(w.box for w in upright.words[0].words if w.text == "INV-100")
    # the upright box turned clockwise as the file was: where the client finds the word on the file
    expected = {90: (1 - y1, x0, 1 - y0, x1), 180: (1 - x1, 1 - y1, 1 - x0, 1 - y0),
                270: (y0, 1 - x1, y1, 1 - x0)}[clockwise]
    assert [number.box.x0, number.box.y0, number.box.x1, number.box.y1] == pytest.approx(expected, abs=0.01)


def test_page_angle_from_the_ocr_lines():
    from ocr_sidecar.ocr import page_angle

    up, flip = ("0", 0.99), ("180", 0.99)
    assert page_angle([False] * 10, [up] * 10) == 0
    assert page_angle([False] * 10, [flip] * 8 + [up] * 2) == 180
    assert page_angle([False] * 10, [flip] * 4 + [up] * 6) == 0, "a few upside-down lines: the page is upright"
    assert page_angle([True] * 9 + [False], [up] * 10) == 270  # tall lines read upright once turned back
    assert page_angle([True] * 9 + [False], [flip] * 10) == 90
    assert page_angle([True] * 3 + [False] * 7, [up] * 10) == 0, "some vertical text on an upright page"
    assert page_angle([True, True], [up, up]) == 0, "too few lines to judge"
    assert page_angle([False] * 10, [("180", 0.6)] * 10) == 0, "the classifier unsure"


@pytest.mark.parametrize("turn", [180])
def test_upside_down_text_is_turned_by_the_ocr_line_classifier(turn):
    image = Image.open(INVOICE).convert("RGB").rotate(turn)
    assert _recall("img_contoso_invoice_INV-100", read_words(image)) >= 0.7


def test_available_says_whether_pages_can_be_ocred(monkeypatch):
    import sys

    from ocr_sidecar import ocr

    assert ocr.available()  # the project's venv carries rapidocr and its wheel's weights
    monkeypatch.setattr(ocr, "_ENGINE", None)
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # as if it were not installed
    assert not ocr.available()


def test_a_page_much_longer_than_wide_is_detected_at_a_longer_side():
    from ocr_sidecar.ocr import DETECTION_SIDE, MAX_DETECTION_SIDE, detection_side

    for width, height in ((2480, 3508), (1700, 2200), (3508, 2480), (789, 557), (2892, 4093)):
        assert detection_side(width, height) == DETECTION_SIDE, "A4, Letter and landscape pages as before"
    assert detection_side(1000, 1500) == DETECTION_SIDE < detection_side(1000, 1800) == round(DETECTION_SIDE * 1.2)
    assert detection_side(640, 1600) == 1600 and detection_side(1600, 640) == 1600, "either way round"
    assert detection_side(600, 3000) == detection_side(300, 3000) == MAX_DETECTION_SIDE


def test_the_detector_resizes_each_page_to_its_own_side():
    import numpy as np

    from ocr_sidecar import ocr

    engine = ocr._engine()
    for shape, side in (((1200, 400, 3), 1920), ((700, 990, 3), ocr.DETECTION_SIDE)):
        try:
            engine.detect_and_crop(np.full(shape, 255, dtype=np.uint8), {})
        except Exception:  # noqa: BLE001 - a blank page: RapidOCR says it found no text, after the resize
            pass
        assert engine._load_det_model().get_preprocess().limit_side_len == side
