"""The word layer over gRPC: every answer carries the pages' words; ``words_only`` returns them without the
model (the Odoo addon reads a repeat vendor's document from its learned layout with them)."""

from __future__ import annotations

import json

import grpc
import pytest

from ocr_sidecar.proto import document_service_pb2 as pb
from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
from ocr_sidecar.schema import parse_document
from ocr_sidecar.testing import SidecarThread

from conftest import DOCUMENTS_DIR, load_gold

BILL = DOCUMENTS_DIR / "i2d_coolblue1.pdf"
EINVOICE = DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"
PHOTO = DOCUMENTS_DIR / "img_contoso_receipt_photo1.png"


@pytest.fixture(scope="module")
def thread():
    sidecar = SidecarThread(engine="replay")
    sidecar.start()
    yield sidecar
    sidecar.stop()


@pytest.fixture(scope="module")
def sidecar(thread):
    with grpc.insecure_channel(thread.target) as channel:
        yield channel


def extract(channel, path, **kw):
    return pb_grpc.DocumentServiceStub(channel).Extract(
        pb.ExtractRequest(content=path.read_bytes(), filename=path.name, **kw), timeout=60)


def test_words_only_returns_the_word_layer_and_an_empty_document_without_the_model(sidecar, thread):
    engine = thread.engine
    calls = engine.calls
    response = extract(sidecar, BILL, words_only=True, document_type=pb.DOCUMENT_TYPE_INVOICE)
    assert engine.calls == calls, "the engine was not asked"
    assert response.engine == "words" and response.pages == 1
    document = json.loads(response.document_json)
    assert parse_document(response.document_json).document_type == "invoice"
    assert not document.get("document_number") and not document.get("lines")
    [page] = response.page_words
    assert (page.page, page.source) == (1, "pdf")
    texts = [w.text for w in page.words]
    assert load_gold(BILL)["document_number"] in texts and "Factuurnummer:" in texts
    word = page.words[texts.index("Factuurnummer:")]
    assert 0 <= word.box.x0 < word.box.x1 <= 1 and 0 <= word.box.y0 < word.box.y1 <= 1
    number = page.words[texts.index(load_gold(BILL)["document_number"])]
    assert number.line == word.line and number.box.x0 > word.box.x1, "same row, right of its label"
    assert [w.line for w in page.words] == sorted(w.line for w in page.words), "reading order"


def test_a_normal_answer_carries_the_same_words(sidecar):
    full = extract(sidecar, BILL)
    words = extract(sidecar, BILL, words_only=True)
    assert full.engine == "replay" and json.loads(full.document_json)["document_number"]
    assert [(w.text, w.line) for w in full.page_words[0].words] == [(w.text, w.line) for w in words.page_words[0].words]


def test_words_only_on_an_e_invoice_answers_from_its_xml(sidecar):
    response = extract(sidecar, EINVOICE, words_only=True)
    assert response.engine == "einvoice"
    assert json.loads(response.document_json)["document_number"] == load_gold(EINVOICE)["document_number"]
    assert not response.page_words, "values from the XML: no words needed"


def test_words_only_on_a_photo_is_ocr_or_says_why_not(sidecar):
    response = extract(sidecar, PHOTO, words_only=True)
    assert response.engine == "words"
    codes = {w.code for w in response.warnings}
    assert response.page_words and response.page_words[0].source == "ocr" or codes & {"ocr_unavailable",
                                                                                      "no_words_found"}


def test_each_word_says_the_table_column_it_is_printed_in(sidecar):
    """The word layer carries the page's table (issue #31): the header row's line, and for each word from there
    down the column it is printed in, so the addon's layouts and evidence read a line's cells by column."""
    response = extract(sidecar, BILL, words_only=True, document_type=pb.DOCUMENT_TYPE_INVOICE)
    [page] = response.page_words
    assert page.table_header_line >= 0
    header = [w for w in page.words if w.line == page.table_header_line]
    assert {"description", "qty", "price", "vat", "amount"} <= {w.column for w in header}
    assert all(w.column == "" for w in page.words if w.line < page.table_header_line)
    gold = load_gold(BILL)["lines"][0]
    first_row = next(line for line in sorted({w.line for w in page.words}) if line > page.table_header_line)
    row = [w for w in page.words if w.line == first_row]
    assert [w.column for w in row if w.text == f"{gold['quantity']:g}"] == ["qty"]
    assert {w.column for w in row if w.text.endswith("%")} == {"vat"}
