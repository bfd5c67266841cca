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
