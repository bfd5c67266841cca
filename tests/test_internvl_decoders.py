"""How the InternVL engine writes its answer, on the tiny random-weight model: the decoder chosen at load
(jump-forward with prompt-lookup drafts, transformers' generate), the prompt prefix's KV cache, and documents
batched together (OCR_BATCH_SIZE). What each costs is read from the engine's ``stats`` (DecodeStats)."""

from __future__ import annotations

import threading
import time

import pytest

from ocr_sidecar import errors
from ocr_sidecar.engines.internvl.hf import HfDecoder
from ocr_sidecar.engines.internvl.jump import JumpDecoder
from ocr_sidecar.engines.internvl.parallel import ParallelDecoder
from ocr_sidecar.schema import parse_document

import sidecar_helpers as h


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return h.tiny_engine(tiny_model_dir, max_tiles=4, max_tokens=400)


def test_the_decoder_is_chosen_once_at_load_and_counts_into_the_engine_s_stats(tiny_model_dir, engine):
    assert isinstance(engine.decoder, JumpDecoder) and engine.decoder.lookup_draft == 8
    assert engine.decoder.stats is engine.stats and engine.kit.stats is engine.stats
    for name, kind in (("hf", HfDecoder), ("parallel", ParallelDecoder)):
        eng = h.tiny_engine(tiny_model_dir, max_tiles=1, max_tokens=20, decoder=name, lookup_draft=3)
        assert type(eng.decoder) is kind and eng.decoder.name == name
    assert eng.decoder.reads_rows and eng.decoder.lookup_draft == 3  # parallel: documents in a batch jump
    with pytest.raises(ValueError, match="decoder must be"):
        h.tiny_engine(tiny_model_dir, decoder="rows")


def test_the_fixed_prompt_prefix_is_computed_once_and_changes_nothing(tiny_model_dir):
    import torch

    doc = h.corpus_doc("i2d_NetpresseInvoice.pdf")
    other = h.corpus_doc("img_contoso_simple_invoice.png")
    engines = {}
    for cached in (False, True):
        engines[cached] = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=120, prefix_cache=cached)
    eng = engines[True]
    with torch.inference_mode():
        first = eng.kit.prefill(eng.prepare(doc)[0]).logits
        assert eng.stats.prefix_reused == 0 and len(eng.kit.prefixes) == 1
        eng.kit.prefill(eng.prepare(other)[0])
        assert eng.stats.prefix_reused > 100, "another document of the same type reuses the instruction's cache"
        again = eng.kit.prefill(eng.prepare(doc)[0]).logits
        whole = engines[False].kit.prefill(engines[False].prepare(doc)[0]).logits
    assert torch.allclose(first, again) and torch.allclose(first, whole, atol=1e-5)
    assert eng.extract(doc).document == engines[False].extract(doc).document
    for kind in ("invoice", "credit_note", "purchase_order", "sales_order", "receipt", None):
        for hint in ("", "de"):
            other.document_type, other.language_hint = kind, hint
            with torch.inference_mode():
                eng.kit.prefill(eng.prepare(other)[0])
    assert len(eng.kit.prefixes) == 8, "a bounded number of prefixes is kept"


def test_jump_forward_reads_the_forced_skeleton_in_few_passes(tiny_model_dir):
    doc = h.corpus_doc("img_contoso_simple_invoice.png")
    results = {}
    for decoder in ("jump", "hf"):
        eng = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=300, decoder=decoder)
        result = eng.extract(doc)
        parse_document(result.document)
        results[decoder] = (result, eng.stats.forwards)
    jump, jump_passes = results["jump"]
    _, hf_passes = results["hf"]
    assert jump_passes < jump.tokens_out, "forced tokens share forward passes"
    assert hf_passes >= results["hf"][0].tokens_out, "generate: one pass per token"
    assert all(0.0 <= v <= 1.0 for v in jump.field_confidence.values())


def _jump_answer(engine, lookup=None, budget=240):
    import torch

    from ocr_sidecar.schema import MAX_LINES

    doc = h.corpus_doc("i2d_NetpresseInvoice.pdf")
    inputs, _ = engine.prepare(doc)
    with torch.inference_mode():
        ids, probs = engine.decoder.jump(inputs, engine.kit.grammar(None, MAX_LINES), budget, None, lookup)
    return inputs["input_ids"][0].tolist(), ids, probs, engine.stats.forwards


def test_prompt_lookup_drafts_keep_the_greedy_answer_in_fewer_passes(engine):
    from ocr_sidecar.lookup import PromptLookup

    image = engine.tokenizer.convert_tokens_to_ids("<IMG_CONTEXT>")
    prompt, plain, plain_probs, plain_passes = _jump_answer(engine)
    # The answer itself as the text to copy from, as a PDF text layer holds a trained model's values:
    lookup = PromptLookup(prompt + plain, ignore=(image,))
    _, drafted, drafted_probs, drafted_passes = _jump_answer(engine, lookup)
    assert drafted == plain, "verification keeps only what greedy decoding would have written"
    assert drafted_probs == pytest.approx(plain_probs, abs=1e-4)
    assert lookup.accepted > 0 and drafted_passes < plain_passes


def test_wrong_drafts_are_cut_from_the_cache_and_change_nothing(engine):
    from ocr_sidecar.lookup import PromptLookup

    _, plain, _, _ = _jump_answer(engine)

    class Wrong(PromptLookup):
        def draft(self, limit=None):  # the right continuation shifted by one token: mostly wrong
            guess = super().draft(limit)
            return guess[1:] + guess[:1]

    lookup = Wrong(list(plain) * 2)
    _, drafted, _, _ = _jump_answer(engine, lookup)
    assert drafted == plain
    assert lookup.proposed > lookup.accepted


def test_the_engine_drafts_from_its_prompt_and_gives_the_same_document(tiny_model_dir):
    doc = h.corpus_doc("i2d_NetpresseInvoice.pdf")
    results = {}
    for draft in (0, 8):
        eng = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=200, lookup_draft=draft)
        results[draft] = (eng.extract(doc), eng.stats.lookup)
    (plain, none), (drafted, lookup) = results[0], results[8]
    assert none is None and lookup is not None and lookup.proposed > 0
    assert drafted.document == plain.document
    assert drafted.field_confidence == pytest.approx(plain.field_confidence, abs=1e-3)


@pytest.mark.parametrize("decoder", ["jump", "hf"])
def test_concurrent_documents_are_generated_as_one_batch_with_the_same_answers(tiny_model_dir, decoder):
    """Micro-batching (OCR_BATCH_SIZE): three documents of different lengths and types sent at once are
    run as one left-padded batch, each with its own grammar, and each gets the answer it gets alone — with
    jump-forward inside the batch (rows' forced runs of different lengths in one pass) or with generate."""
    docs = []
    for name, doc_type in zip(h.BATCH_PAGES, ("credit_note", None, "purchase_order")):
        doc = h.corpus_doc(name)
        doc.document_type = doc_type
        docs.append(doc)
    alone = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=120, decoder=decoder)
    expected = [alone.extract(doc) for doc in docs]
    together = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=120, batch_size=4, batch_wait_ms=2000, decoder=decoder)
    results = h.extract_at_once(together, docs)
    assert together._batcher.batches == [3]
    if decoder == "jump":
        assert together.stats.forwards < max(r.tokens_out for r in results), "forced runs share passes"
    for want, got in zip(expected, results):
        assert got.document == want.document and got.tokens_out == want.tokens_out
        assert [w.code for w in got.warnings] == [w.code for w in want.warnings]
        assert got.field_confidence == pytest.approx(want.field_confidence, abs=1e-4)
    assert results[0].document["document_type"] == "credit_note"
    assert results[2].document["document_type"] == "purchase_order"


def test_a_batch_that_runs_out_of_memory_is_halved_and_every_document_still_answered(tiny_model_dir):
    import torch

    docs = [h.corpus_doc(name) for name in h.BATCH_PAGES]
    eng = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=60, batch_size=4, batch_wait_ms=2000)
    expected = [eng.extract(doc) for doc in docs]  # one at a time: batches of one
    sizes = []
    real = eng.decoder.generate_batch

    def small_device(batch, requests):
        sizes.append(len(requests))
        if len(requests) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(batch, requests)

    eng.decoder.generate_batch = small_device
    results = h.extract_at_once(eng, docs)
    assert eng._batcher.batches[-1] == 3 and sizes == [3, 2]  # 3 failed, then 1 (alone) + 2
    assert [r.document for r in results] == [r.document for r in expected]


def test_in_a_batch_only_the_document_too_big_alone_fails_the_others_are_answered(tiny_model_dir):
    import torch

    docs = [h.corpus_doc(name) for name in h.BATCH_PAGES]
    eng = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=60, batch_size=4, batch_wait_ms=2000)
    expected = [eng.extract(doc) for doc in docs]
    lengths = [eng.prepare(doc)[0]["input_ids"].shape[1] for doc in docs]
    too_big = lengths[1]  # the PDF: its text layer makes its prompt the only one of this length
    assert lengths.count(too_big) == 1
    real_one = eng._generate_one

    def no_batch(batch, requests):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    def small_device(inputs, *args):
        if inputs["input_ids"].shape[1] == too_big:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_one(inputs, *args)

    eng.decoder.generate_batch, eng._generate_one = no_batch, small_device
    outcome: list = [None] * 3

    def run(i):
        try:
            outcome[i] = eng.extract(docs[i])
        except errors.OutOfMemory as exc:
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert eng._batcher.batches[-1] == 3, "they shared a batch"
    assert isinstance(outcome[1], errors.OutOfMemory) and "OCR_MAX_TILES" in outcome[1].message
    assert [outcome[0].document, outcome[2].document] == [expected[0].document, expected[2].document]


def test_a_document_too_big_for_the_device_alone_is_a_clear_resource_error(engine, monkeypatch):
    import torch

    def too_big(*args):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(engine, "_generate_one", too_big)
    with pytest.raises(errors.OutOfMemory) as info:
        engine.extract(h.blank_doc())
    assert info.value.grpc_code_name == "RESOURCE_EXHAUSTED" and "OCR_MAX_TILES" in info.value.message


def test_a_batched_row_stops_alone_at_its_deadline(tiny_model_dir):
    eng = h.tiny_engine(tiny_model_dir, max_tiles=1, max_tokens=300, batch_size=2, batch_wait_ms=2000)
    doc = h.blank_doc()
    cancel = threading.Event()
    outcome: dict = {}

    def cancelled():
        try:
            eng.extract(doc, cancel)
        except errors.Cancelled as exc:
            outcome["cancelled"] = exc

    def kept():
        outcome["kept"] = eng.extract(doc)

    threads = [threading.Thread(target=cancelled), threading.Thread(target=kept)]
    for t in threads:
        t.start()
    eng.stats.batch_passes = 0
    deadline = time.monotonic() + 120
    while eng.stats.batch_passes < 10:  # the batch is decoding: give up on the first request mid-generation
        if time.monotonic() > deadline or not all(t.is_alive() for t in threads):
            cancel.set()  # let the threads end either way
            pytest.fail(f"the batch never reached its tenth pass ({eng.stats.batch_passes} passes, {outcome})")
        time.sleep(0.002)
    cancel.set()
    for t in threads:
        t.join()
    assert eng._batcher.batches == [2], "both documents were in one batch"
    assert "cancelled" in outcome
    parse_document(outcome["kept"].document)
    kept = outcome["kept"].tokens_out
    assert kept > 0
    # the cancelled row left the batch early: far fewer tokens than its batch-mate, which ran on to its end
    rows = sorted(eng.stats.batch_tokens)
    assert rows[1] == kept and 0 < rows[0] < kept // 2, rows
