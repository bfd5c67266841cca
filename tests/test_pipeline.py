"""Pipeline behaviour without the network: e-invoice fast path, fallback, validation, checks, inputs."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from PIL import Image

from ocr_sidecar import errors
from ocr_sidecar.checks import check_document
from ocr_sidecar.engines.base import BaseEngine
from ocr_sidecar.inputs import Limits, load_document, render_scale
from ocr_sidecar.pipeline import ExtractParams, Pipeline, validate
from ocr_sidecar.settings import Settings
from ocr_sidecar.types import EngineResult

import sidecar_helpers as h
from conftest import DOCUMENTS_DIR, ROOT, corpus, load_gold


class RecordingEngine(BaseEngine):
    """Stands in for the model: records what the pipeline hands it and answers a fixed document."""

    name, model_name, device, dtype = "internvl", "recording", "cpu", "float32"

    def __init__(self, document=None, demo=False):
        self.document = document if document is not None else {"document_type": "invoice", "total": 1.0}
        self.demo = demo
        self.seen = []

    def load(self):
        pass

    def extract(self, doc, cancel=None):
        self.seen.append(doc)
        return EngineResult(document=json.loads(json.dumps(self.document)), field_confidence={"total": 0.5},
                            tokens_out=7, engine="internvl", model="recording")


def pipeline(engine=None, **settings) -> Pipeline:
    return Pipeline(Settings(**settings), engine or RecordingEngine())


def test_factur_x_pdf_takes_the_einvoice_fast_path_and_never_reaches_the_model():
    engine = RecordingEngine()
    path = DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"
    result = pipeline(engine).run(ExtractParams(content=path.read_bytes()))
    assert result.engine == "einvoice" and engine.seen == []
    assert result.document["total"] == load_gold(path)["total"]
    assert result.timings.tokens_out == 0


def test_replay_answers_its_gold_documents_and_leaves_other_e_invoices_to_the_einvoice_path():
    """The replay engine stands in for the model only: an e-order it has no gold for (the XML of an Order-X PDF,
    with a BOM and a comment before its root, as mailed) is read by the e-invoice path as in production."""
    from facturx import get_xml_from_pdf

    from ocr_sidecar.engines.replay import ReplayEngine

    engine = ReplayEngine(DOCUMENTS_DIR)
    engine.load()
    path = DOCUMENTS_DIR / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"
    known = pipeline(engine).run(ExtractParams(content=path.read_bytes()))
    assert known.engine == "replay" and known.document["document_number"] == load_gold(path)["document_number"]
    _name, xml = get_xml_from_pdf(path.read_bytes(), check_xsd=False)
    assert xml.startswith(b"\xef\xbb\xbf") and not engine.knows(xml)
    calls = engine.calls
    unknown = pipeline(engine).run(ExtractParams(content=xml, mime_type="text/plain", filename="order-x.xml"))
    assert unknown.engine == "einvoice" and engine.calls == calls
    assert unknown.document["document_number"] == load_gold(path)["document_number"]
    with pytest.raises(errors.InvalidDocument, match="no gold"):
        pipeline(engine).run(ExtractParams(content=(DOCUMENTS_DIR / "i2d_oyo.pdf").read_bytes()[:-10] + b"%%EOF\n"))


def test_broken_embedded_xml_falls_back_to_the_model_with_a_serious_warning():
    from test_einvoice import NON_EINVOICE_PDFS, _with_attachment

    pdf = _with_attachment(NON_EINVOICE_PDFS[0].read_bytes(), "factur-x.xml", b"<rsm:CrossIndustryInvoice><unclosed>")
    engine = RecordingEngine()
    result = pipeline(engine).run(ExtractParams(content=pdf))
    assert result.engine == "internvl" and len(engine.seen) == 1
    warning = next(w for w in result.warnings if w.code == "einvoice_unreadable")
    assert warning.serious


def test_scanned_pdf_reaches_the_model_rendered_with_its_text_layer():
    engine = RecordingEngine()
    path = DOCUMENTS_DIR / "i2d_AmazonWebServices.pdf"
    result = pipeline(engine, max_tiles=6, second_reader="off").run(
        ExtractParams(content=path.read_bytes(), document_type="invoice"))
    doc = engine.seen[0]
    assert doc.mime_type == "application/pdf" and doc.document_type == "invoice"
    page = doc.pages[0]
    assert page.image.mode == "RGB"
    assert page.image.width * page.image.height <= 6 * 448 * 448 * 1.01  # the tile budget decides the DPI
    assert "Amazon" in (page.text or "")
    # the engine's total of 1.0 is not printed (the page's "1" is its page number, not an amount with decimals)
    assert result.field_confidence == {"total": 0.4} and result.timings.tokens_out == 7
    assert [w.field for w in result.warnings if w.code == "value_not_on_page"] == ["total"]


def test_a_second_reader_checks_the_models_answer_field_by_field():
    """The words reader reads the same page (OCR_SECOND_READER, on by default for the model engines): the type
    both read is confirmed; the model's total of 1.0 is contradicted by the printed total, with both values."""
    from test_words_reader import printed_only

    engine = RecordingEngine()
    content = printed_only(ROOT / "samples" / "invoice.pdf")  # the sample's printed page, without its XML
    assert Settings().checks_with_words and not Settings(engine="replay").checks_with_words
    result = pipeline(engine, max_tiles=6).run(ExtractParams(content=content, document_type="invoice"))
    assert "document_type" in result.confirmed and "total" not in result.confirmed
    disagree = next(w for w in result.warnings if w.code == "readers_disagree")
    assert disagree.field == "total" and "1" in disagree.message and "page 1" in disagree.message
    assert result.field_confidence["total"] < 0.4 * 0.5  # below what evidence alone left it
    assert result.candidates["total"][0].value != 1.0
    off = pipeline(RecordingEngine(), max_tiles=6, second_reader="off").run(ExtractParams(content=content))
    assert off.confirmed == [] and off.candidates == {} and not any(w.code == "readers_disagree" for w in off.warnings)


def test_demo_engine_marks_every_answer():
    result = pipeline(RecordingEngine(demo=True)).run(ExtractParams(content=h.png(200, 300)))
    assert result.warnings[0].code == "demo_model" and result.warnings[0].serious


def test_unknown_document_type_is_refused():
    with pytest.raises(errors.InvalidDocument, match="Unknown document type"):
        pipeline().run(ExtractParams(content=h.png(200, 300), document_type="letter"))


def test_cancelled_before_the_model_starts():
    import threading

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(errors.Cancelled):
        pipeline().run(ExtractParams(content=h.png(200, 300)), cancel)


def test_invalid_engine_values_are_dropped_with_warnings_not_the_whole_document():
    document, warnings = validate({"document_type": "invoice", "currency": "euro", "issue_date": "31.12.2024",
                                   "total": 12.5, "seller": {"name": "ACME", "vat": "DE 123"}, "bogus": 1})
    assert document.total == 12.5 and document.seller.name == "ACME" and document.seller.vat == "DE123"
    assert document.currency is None and document.issue_date is None
    assert {w.field for w in warnings} == {"currency", "issue_date", "bogus"}
    assert all(w.serious and w.code == "schema_repair" for w in warnings)


@pytest.mark.parametrize("lines,bad", [
    ([None, 5, {"amount": 1.0}], 2),  # the neighbour of a null item is not overwritten
    ([{"amount": 1.0}, None], 1),  # a null last item: no write past the list's end
    (["x", [], {"amount": 1.0}, True, None], 4),
], ids=["null-then-number", "null-last", "mixed"])
def test_list_items_that_are_not_objects_are_dropped_alone_and_the_others_kept(lines, bad):
    """A model that answers ``"lines": [null, 5, {...}]``: each such item goes (one warning each), the real line
    stays — not an IndexError (INTERNAL, which the Odoo addon retries as transient)."""
    document, warnings = validate({"lines": lines, "taxes": [{"rate": 19.0, "amount": 1.9}, None]})
    assert [line.amount for line in document.lines] == [1.0]
    assert [tax.rate for tax in document.taxes] == [19.0]
    assert len(warnings) == bad + 1 and all(w.code == "schema_repair" and w.serious for w in warnings)
    assert {w.field.split("[")[0] for w in warnings} == {"lines", "taxes"}


def test_requested_type_fills_a_missing_type():
    document, warnings = validate({"total": 3}, "credit_note")
    assert document.document_type == "credit_note" and warnings == []


# --- checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_gold_documents_add_up(path):
    # The arithmetic checks never cry wolf on a correct document.
    serious = [w for w in check_document(load_gold(path), today=dt.date(2026, 11, 24))
               if w.serious and w.code not in ("invalid_vat", "invalid_iban")]
    assert serious == []


def test_checks_flag_what_does_not_add_up():
    doc = {"subtotal": 100.0, "total_tax": 19.0, "total": 129.0, "issue_date": "2024-02-30", "due_date": None,
           "lines": [{"amount": 60.0, "quantity": 2, "unit_price": 30.0}, {"amount": 30.0, "quantity": 2,
                                                                           "unit_price": 30.0}], "taxes": [{"rate": 19, "base": 100.0, "amount": 17.0}],
           "seller": {"vat": "DE136695976", "iban": "DE89370400440532013000"},
           "buyer": {"vat": "DE123456789", "iban": "DE89370400440532013001"}}
    by_code = {w.code: w for w in check_document(doc)}
    assert set(by_code) == {"lines_subtotal_mismatch", "taxes_total_mismatch", "tax_rate_mismatch", "total_mismatch",
                            "invalid_vat", "invalid_iban", "invalid_date", "line_amount_mismatch"}
    assert by_code["line_amount_mismatch"].field == "lines[1].amount"  # 2 × 30.00 is not 30.00; line 1 adds up
    assert not by_code["line_amount_mismatch"].serious
    assert by_code["invalid_vat"].field == "buyer.vat" and by_code["invalid_iban"].field == "buyer.iban"
    assert not by_code["lines_subtotal_mismatch"].serious  # document-level allowances are legitimate
    assert by_code["total_mismatch"].serious


def test_checks_on_dates():
    codes = {w.code for w in check_document({"issue_date": "2024-05-10", "due_date": "2024-05-01"})}
    assert codes == {"due_before_issue"}
    codes = {w.code for w in check_document({"issue_date": "1920-05-10"})}
    assert codes == {"implausible_date"}


# --- inputs -------------------------------------------------------------------------------------

LIMITS = Limits(max_bytes=10_000_000, max_pages=5, max_pixels=20_000_000, max_tiles=12)


def test_phone_photo_is_turned_upright_from_exif():
    img = Image.new("RGB", (400, 200), "white")
    exif = img.getexif()
    exif[0x0112] = 6  # rotated 90° clockwise: the upright picture is 200 wide, 400 high
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    page = load_document(out.getvalue(), "", "photo.jpg", LIMITS).doc.pages[0]
    assert page.image.size == (200, 400)


def test_transparent_png_lands_on_white_paper():
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG")
    page = load_document(out.getvalue(), "image/png", "x.png", LIMITS).doc.pages[0]
    assert page.image.getpixel((50, 50)) == (255, 255, 255)


def _fax_tiff(width: int, height: int) -> bytes:
    """A white 1-bit TIFF (CCITT group 4): a few KB on the wire for any size."""
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "TIFF", compression="group4")
    return out.getvalue()


@pytest.mark.parametrize("make,size", [
    (lambda: h.png(7000, 6000), "7,000×6,000 pixels (42,000,000)"),  # over our limit: our check
    (lambda: h.huge_png_header_only(30_000, 20_000), "30,000×20,000 pixels (600,000,000)"),  # Pillow's guard first
    (lambda: _fax_tiff(20_000, 10_000), "20,000×10,000 pixels (200,000,000)"),
], ids=["over-the-limit", "decompression-bomb", "tiff-bomb"])
def test_the_pixel_limit_refusal_names_the_image_size_and_the_limit(make, size):
    with pytest.raises(errors.InvalidDocument) as info:
        load_document(make(), "", "scan", LIMITS)
    assert size in info.value.message and "at most 20,000,000 pixels per page (OCR_MAX_PIXELS)" in info.value.message


def test_request_max_pages_reads_fewer_pages_and_says_so():
    loaded = load_document(h.tiff_pages(4), "", "scan.tif", LIMITS, requested_pages=2)
    assert len(loaded.doc.pages) == 2 and loaded.doc.total_pages == 4
    assert [w.code for w in loaded.warnings] == ["pages_skipped"]


def test_pdf_pages_over_the_server_limit_are_refused_before_rendering():
    with pytest.raises(errors.InvalidDocument, match="6 pages"):
        load_document(h.pdf_with_pages(6), "", "long.pdf", LIMITS)


def test_render_scale_fills_the_tile_budget_within_dpi_bounds():
    a4 = (595, 842)
    assert 72 / 72 <= render_scale(*a4, max_tiles=1, max_pixels=10**8) < render_scale(*a4, 12, 10**8) <= 200 / 72
    tiny_receipt = (150, 300)
    assert render_scale(*tiny_receipt, 12, 10**8) == pytest.approx(200 / 72)  # capped: no point in more
