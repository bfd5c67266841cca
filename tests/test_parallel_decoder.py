"""The parallel decoder (OCR_DECODER=parallel) on the tiny random InternVL: the document's values decoded
as rows of one batch sharing the prompt's KV cache. Random weights read nothing; these tests check that
the answer is schema-valid, that each row is exactly the greedy answer of its prefix under its grammar
(the shared-prompt attention changes no number), and that it takes fewer sequential passes."""

from __future__ import annotations

import grpc
import pytest

from ocr_sidecar.engines.internvl.parallel import MAX_ROWS, assemble, header_rows
from ocr_sidecar.proto import document_service_pb2 as pb
from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
from ocr_sidecar.schema import MAX_LINES, decoding_json_schema, parse_document
from ocr_sidecar.settings import Settings
from ocr_sidecar.testing import SidecarThread

import sidecar_helpers as h
from conftest import DOCUMENTS_DIR

NETPRESSE = "i2d_NetpresseInvoice.pdf"


@pytest.fixture(scope="module")
def engines(tiny_model_dir):
    out = {}
    for decoder in ("jump", "parallel"):
        out[decoder] = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=400, decoder=decoder, lookup_draft=0)
    return out


def test_rows_cover_every_key_of_the_canonical_document_in_order():
    schema = decoding_json_schema(None, MAX_LINES)
    rows = header_rows(schema)
    paths = [p for p, _, _ in rows]
    assert len(paths) == len(set(paths))
    assert {"seller.vat", "buyer.address.city", "total", "lines", "taxes", "document_type"} <= set(paths)
    assert all(prefix.startswith('{"') and prefix.endswith(":") for _, prefix, _ in rows)
    document = assemble(schema, {"total": 1.5, "seller.vat": "DE1"}, [])
    assert list(document) == list(schema["properties"])
    assert document["seller"]["vat"] == "DE1" and document["buyer"] is None and document["lines"] == []
    parse_document(document)


def test_parallel_answer_is_schema_valid_in_fewer_passes(engines):
    doc = h.corpus_doc(NETPRESSE, "credit_note")
    seq = engines["jump"].extract(doc)
    seq_passes = engines["jump"].stats.forwards
    par = engines["parallel"].extract(doc)
    par_passes = engines["parallel"].stats.forwards
    parse_document(par.document)
    assert par.document["document_type"] == "credit_note"  # pinned by its row's grammar
    assert list(par.document) == list(seq.document)
    assert par.tokens_out >= seq.tokens_out * 0.9, "the same budget of tokens, written in rows"
    assert par_passes * 2 < seq_passes, (par_passes, seq_passes)
    stages = engines["parallel"].stats.stage_passes
    assert stages[0][0] == len(header_rows(decoding_json_schema("credit_note", MAX_LINES)))
    assert par_passes == 1 + sum(p for _, p in stages)
    lines = par.document["lines"]
    assert lines, "the lines' descriptions row gave lines: stage 2 ran"
    fields = len(lines[0]) - 1  # every field of a line but its description is a row of stage 2
    assert [n for n, _ in stages[1:]] == [min(MAX_ROWS, fields * len(lines) - i)
                                          for i in range(0, fields * len(lines), MAX_ROWS)]
    assert all(0.0 <= v <= 1.0 for v in par.field_confidence.values())


def test_each_row_is_the_greedy_answer_of_its_prefix_alone(engines):
    """The rows share the prompt's KV cache through their own attention (parallel.py): each row's tokens
    must be what plain greedy decoding under that row's grammar writes after prompt + row prefix."""
    import torch

    eng = engines["parallel"]
    inputs, _ = eng.prepare(h.corpus_doc(NETPRESSE))
    schema = decoding_json_schema(None, MAX_LINES)
    picked = [r for r in header_rows(schema) if r[0] in ("document_number", "seller.address.zip", "total", "lines")]
    rows = [(prefix, eng.kit.row_grammar(s)) for _, prefix, s in picked]
    with torch.inference_mode():
        out = eng.kit.prefill(inputs)
        texts, _, probs, _, _ = eng.decoder.decode_rows(out.cache, inputs["input_ids"].shape[1], rows, 120, None)
        for (prefix, grammar), text, row_probs in zip(rows, texts, probs):
            ids = torch.cat([inputs["input_ids"], torch.tensor([eng.tokenizer.encode(prefix)])], dim=1)
            alone = dict(inputs, input_ids=ids, attention_mask=torch.ones_like(ids))
            want, want_probs = eng.decoder.jump(alone, grammar, 30, None, None)
            if want and want[-1] in eng.stop_ids:
                want, want_probs = want[:-1], want_probs[:-1]
            want_text = eng.tokenizer.decode(want, skip_special_tokens=True)
            m = min(len(text), len(want_text))  # the batch's budget may cut a row sooner than alone
            assert m > 0 and text[:m] == want_text[:m], (prefix, text, want_text)
            chosen = [p for p in want_probs if p < 1.0][:3]  # the model's first choices, same probabilities
            assert [p for p in row_probs if p < 1.0][:len(chosen)] == pytest.approx(chosen, abs=1e-3)


def test_setting_and_the_server_path(tiny_model_dir):
    assert Settings.from_env({"OCR_DECODER": "parallel"}).decoder == "parallel"  # from_env validates: accepted
    with pytest.raises(ValueError, match="OCR_DECODER='rows' is unknown"):
        Settings(decoder="rows").validate()
    thread = SidecarThread(engine="internvl", model_path=tiny_model_dir, max_tokens=160, max_tiles=4,
                           max_pages=10, device="cpu", dtype="fp32", decoder="parallel")
    thread.start(timeout=120)
    try:
        with grpc.insecure_channel(thread.target) as channel:
            stub = pb_grpc.DocumentServiceStub(channel)
            path = DOCUMENTS_DIR / "img_contoso_receipt_photo1.png"
            response = stub.Extract(pb.ExtractRequest(content=path.read_bytes(), filename=path.name,
                                                      document_type=pb.DOCUMENT_TYPE_RECEIPT), timeout=120)
    finally:
        thread.stop()
    document = parse_document(response.document_json)
    assert document.document_type == "receipt"
    assert 0 < response.timings.tokens_out <= 160
    assert response.engine == "internvl"
    for value in response.field_confidence.values():
        assert 0.0 <= value <= 1.0


def test_with_a_batcher_documents_still_batch_with_jump_forward(tiny_model_dir):
    """OCR_BATCH_SIZE > 1 (the GPU path): documents are rows of one batch, as with jump; same answers."""
    docs = [h.corpus_doc("img_contoso_simple_invoice.png", "credit_note"), h.corpus_doc(NETPRESSE)]
    alone = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=100)
    expected = [alone.extract(d) for d in docs]
    together = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=100, batch_size=4, batch_wait_ms=2000,
                             decoder="parallel")
    results = h.extract_at_once(together, docs)
    assert together._batcher.batches == [2]
    for want, got in zip(expected, results):
        assert got.document == want.document
