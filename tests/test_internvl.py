"""The InternVL engine on a tiny random-weight model (real transformers + xgrammar code path)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ocr_sidecar import errors
from ocr_sidecar.answer import field_confidence, read_answer, repair_truncated_json, value_spans
from ocr_sidecar.device import choose_device, choose_dtype
from ocr_sidecar.engines.internvl import InternVLEngine, split_tile_budget
from ocr_sidecar.inputs import Limits, load_document
from ocr_sidecar.prompts import document_prompt
from ocr_sidecar.schema import parse_document
from ocr_sidecar.types import DocumentInput, Page
from ocr_sidecar.words import Word, WordLayer

import sidecar_helpers as h
from conftest import DOCUMENTS_DIR

LIMITS = Limits(max_bytes=10**8, max_pages=10, max_pixels=10**8, max_tiles=4)


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=4, max_tokens=400)
    eng.load()
    return eng


def test_random_model_folder_is_small_and_marked(tiny_model_dir):
    size = sum(p.stat().st_size for p in tiny_model_dir.iterdir())
    assert size < 1_000_000
    assert (tiny_model_dir / "config.json").exists() and (tiny_model_dir / "RANDOM_WEIGHTS").exists()


def test_loads_like_real_weights_and_says_it_is_random(engine):
    assert engine.demo and "random" in engine.model_name
    assert (engine.device, engine.dtype) == ("cpu", "float32")


def test_photo_gives_a_schema_valid_document_with_confidences(engine):
    doc = load_document((DOCUMENTS_DIR / "img_contoso_simple_invoice.png").read_bytes(), "", "x.png", LIMITS).doc
    doc.document_type = "credit_note"
    result = engine.extract(doc)
    parse_document(result.document)
    assert result.document["document_type"] == "credit_note"  # pinned by the grammar
    assert 0 < result.tokens_out <= 400 and result.generate_ms > 0
    spans = {path for path, _, _ in value_spans(json.dumps(result.document, separators=(",", ":")))}
    assert set(result.field_confidence) <= spans | {"document_type"}
    assert all(0.0 <= v <= 1.0 for v in result.field_confidence.values())


def test_two_pages_share_the_tile_budget(engine):
    doc = load_document(h.tiff_pages(2, size=(900, 1200)), "", "scan.tif", LIMITS).doc
    inputs, tiles = engine.prepare(doc)
    assert tiles == 2 * 3  # 4 tiles split 2 + 2, each page 1×2 tiles + thumbnail
    assert inputs["pixel_values"].shape[0] == tiles
    image_tokens = int((inputs["input_ids"] == engine.tokenizer.convert_tokens_to_ids("<IMG_CONTEXT>")).sum())
    assert image_tokens == 256 * tiles


def test_a_short_token_budget_is_never_a_silently_shorter_document(tiny_model_dir):
    eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=1, max_tokens=20)
    eng.load()
    doc = DocumentInput(content=b"", mime_type="image/png", pages=[Page(0, h_image())])
    result = eng.extract(doc)
    assert [w.code for w in result.warnings] == ["output_truncated"] and result.warnings[0].serious
    parse_document(result.document)


def h_image():
    from PIL import Image

    return Image.new("RGB", (300, 400), "white")


def test_cancel_stops_generation(engine):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(errors.Cancelled):
        engine.extract(DocumentInput(content=b"", mime_type="image/png", pages=[Page(0, h_image())]), cancel)


def test_missing_weights_is_one_clear_line(tmp_path):
    with pytest.raises(errors.ModelNotFound) as info:
        InternVLEngine(tmp_path / "none").load()
    assert "download-model" in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize("requested,device,flags,expected", [
    ("auto", "cpu", frozenset({"avx2"}), "float32"),
    ("auto", "cpu", frozenset({"avx2", "avx512_bf16"}), "bfloat16"),
    ("auto", "cpu", frozenset({"amx_bf16"}), "bfloat16"),
    ("auto", "cuda", frozenset(), "bfloat16"),
    ("fp32", "cuda", frozenset(), "float32"),
    ("bf16", "cpu", frozenset({"avx2"}), "bfloat16"),
])
def test_dtype_is_chosen_from_the_machine(requested, device, flags, expected):
    assert choose_dtype(requested, device, flags) == expected


@pytest.mark.parametrize("requested,device,dtype_requested,flags,expected", [
    ("auto", "cpu", "auto", frozenset({"avx2"}), "int8"),  # AVX2-only host: int8 instead of fp32
    ("auto", "cpu", "auto", frozenset({"avx2", "avx512_bf16"}), "none"),  # native bf16 stays bf16
    ("auto", "cpu", "fp32", frozenset({"avx2"}), "none"),  # an explicit fp32 is kept
    ("auto", "cuda", "auto", frozenset(), "none"),
    ("none", "cpu", "auto", frozenset({"avx2"}), "none"),
    ("int8", "cpu", "auto", frozenset({"avx512_bf16"}), "int8"),
])
def test_quantization_is_chosen_from_the_machine(requested, device, dtype_requested, flags, expected, monkeypatch):
    from ocr_sidecar.device import choose_quantize

    for name in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"):
        monkeypatch.delenv(name, raising=False)
    dtype = choose_dtype(dtype_requested, device, flags)
    assert choose_quantize(requested, device, dtype_requested, dtype) == expected


def test_device_choice(monkeypatch):
    import ocr_sidecar.device as device

    monkeypatch.setattr(device, "cuda_available", lambda: False)
    assert choose_device("auto") == "cpu"
    with pytest.raises(ValueError, match="no CUDA"):
        choose_device("cuda")
    monkeypatch.setattr(device, "cuda_available", lambda: True)
    assert choose_device("auto") == "cuda"
    with pytest.raises(ValueError):
        choose_dtype("fp16", "cpu")


def test_prompt_is_type_specific_carries_the_text_layer_and_the_users_instruction():
    head, tail = document_prompt("purchase_order", ["PO 4711\nACME", None], extra="Ignore handwritten notes.",
                                 language_hint="de")
    assert "purchase order" in head and "buyer = the ordering company" in head and "language: de" in head
    assert "--- page 1 ---\nPO 4711" in tail and "page 2" not in tail and "PO 4711" not in head
    assert "Ignore handwritten notes." in tail and tail.endswith("Answer with the JSON object.")
    assert "First decide document_type" in document_prompt(None, [])[0]
    assert document_prompt("invoice", ["A"])[0] == document_prompt("invoice", ["B"], extra="x")[0], \
        "the head depends on the document type only: its KV cache is reused"


def test_the_fixed_prompt_prefix_is_computed_once_and_changes_nothing(tiny_model_dir):
    import torch

    doc = load_document((DOCUMENTS_DIR / "i2d_NetpresseInvoice.pdf").read_bytes(), "", "x.pdf", LIMITS).doc
    other = load_document((DOCUMENTS_DIR / "img_contoso_simple_invoice.png").read_bytes(), "", "x.png", LIMITS).doc
    engines = {}
    for cached in (False, True):
        engines[cached] = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=120,
                                         prefix_cache=cached)
        engines[cached].load()
    eng = engines[True]
    with torch.inference_mode():
        first = eng._prefill(eng.prepare(doc)[0]).logits
        assert eng.last_prefix_reused == 0 and len(eng._prefixes) == 1
        eng._prefill(eng.prepare(other)[0])
        assert eng.last_prefix_reused > 100, "another document of the same type reuses the instruction's cache"
        again = eng._prefill(eng.prepare(doc)[0]).logits
        whole = engines[False]._prefill(engines[False].prepare(doc)[0]).logits
    assert torch.allclose(first, again) and torch.allclose(first, whole, atol=1e-5)
    assert eng.extract(doc).document == engines[False].extract(doc).document
    for kind in ("invoice", "credit_note", "purchase_order", "sales_order", "receipt", None):
        for hint in ("", "de"):
            other.document_type, other.language_hint = kind, hint
            with torch.inference_mode():
                eng._prefill(eng.prepare(other)[0])
    assert len(eng._prefixes) == 8, "a bounded number of prefixes is kept"


def test_tile_budget_split():
    assert split_tile_budget(12, 1) == [12]
    assert split_tile_budget(12, 5) == [3, 3, 2, 2, 2]
    assert split_tile_budget(2, 4) == [1, 1, 1, 1]


def test_truncated_json_is_repaired_to_its_complete_prefix():
    text = '{"document_type":"invoice","total":12.5,"seller":{"name":"ACME","vat":"DE1'
    assert repair_truncated_json(text) == {"document_type": "invoice", "total": 12.5, "seller": {"name": "ACME"}}
    assert repair_truncated_json('{"lines":[{"amount":1},{"amo') == {"lines": [{"amount": 1}]}
    assert repair_truncated_json("") == {}


def test_confidence_is_the_weakest_token_of_each_value():
    text = '{"a":"xy","b":null,"c":[{"d":12}]}'
    ends = [6, 7, 8, 9, 18, 29, 31, len(text)]
    probs = [1.0, 0.5, 0.9, 1.0, 1.0, 1.0, 0.3, 1.0]
    assert field_confidence(text, ends, probs) == {"a": 0.5, "c[0].d": 0.3}


def _layer(source: str, words: int, height: float, confidence: float = 1.0) -> WordLayer:
    return WordLayer(source, [Word("word" * 3, (0.1, i / (words + 1), 0.3, i / (words + 1) + height), i, confidence)
                              for i in range(words)])


def test_layout_tile_caps():
    from ocr_sidecar.engines.internvl import page_tile_cap

    assert page_tile_cap(1240, 1754, _layer("pdf", 100, 0.011)) == 2, "A4 with a text layer: layout only"
    assert page_tile_cap(1240, 1754, _layer("ocr", 100, 0.011, 0.95)) == 2, "a scan read well by OCR: the same"
    assert page_tile_cap(1240, 1754, None) is None, "no words: the processor's aspect-ratio grid, whole budget"
    # OCR not trusted: as many tiles as keep 9-pt print (1.1 % of an A4 page) legible: 2 x 3
    assert page_tile_cap(1240, 1754, _layer("ocr", 100, 0.011, 0.4)) == 6
    assert page_tile_cap(600, 1200, _layer("ocr", 10, 0.05, 0.4)) == 1, "large print: one tile is enough"
    assert page_tile_cap(300, 200, _layer("ocr", 3, 0.01, 0.4)) is None, "too few words to judge"


def test_int8_language_model_still_gives_schema_valid_documents(tiny_model_dir):
    eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=120, quantize="int8")
    eng.load()
    assert "int8" in eng.model_name
    doc = load_document((DOCUMENTS_DIR / "img_contoso_simple_invoice.png").read_bytes(), "", "x.png", LIMITS).doc
    result = eng.extract(doc)
    parse_document(result.document)
    assert result.tokens_out > 0


def test_text_layer_pages_use_few_tiles(engine):
    limits = Limits(max_bytes=10**8, max_pages=10, max_pixels=10**8, max_tiles=12)
    doc = load_document((DOCUMENTS_DIR / "i2d_NetpresseInvoice.pdf").read_bytes(), "", "x.pdf", limits).doc
    assert len(doc.pages[0].text or "") >= 200
    tiles = {}
    for policy in ("layout", "fixed"):
        eng = InternVLEngine(engine.model_path, device="cpu", dtype="fp32", max_tiles=12, tile_policy=policy)
        eng.load()
        tiles[policy] = eng.prepare(doc)[1]
    assert tiles["layout"] <= 3  # 2 tiles + thumbnail
    assert tiles["fixed"] >= 7  # an A4 page with the whole budget


def test_jump_forward_reads_the_forced_skeleton_in_few_passes(tiny_model_dir):
    doc = load_document((DOCUMENTS_DIR / "img_contoso_simple_invoice.png").read_bytes(), "", "x.png", LIMITS).doc
    results = {}
    for decoder in ("jump", "hf"):
        eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=300, decoder=decoder)
        eng.load()
        result = eng.extract(doc)
        parse_document(result.document)
        results[decoder] = (result, eng.last_forwards)
    jump, jump_passes = results["jump"]
    _, hf_passes = results["hf"]
    assert jump_passes < jump.tokens_out, "forced tokens share forward passes"
    assert hf_passes >= results["hf"][0].tokens_out, "generate: one pass per token"
    assert all(0.0 <= v <= 1.0 for v in jump.field_confidence.values())


def test_an_isa_capped_to_avx2_gets_fp32(monkeypatch):
    from ocr_sidecar.device import isa_capped

    assert isa_capped({"ATEN_CPU_CAPABILITY": "avx2"}) and isa_capped({"ONEDNN_MAX_CPU_ISA": "AVX2"})
    assert not isa_capped({}) and not isa_capped({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"})
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert choose_dtype("auto", "cpu", frozenset({"avx512_bf16"})) == "float32"


def _jump_answer(engine, lookup=None, budget=240):
    import torch

    from ocr_sidecar.schema import MAX_LINES

    doc = load_document((DOCUMENTS_DIR / "i2d_NetpresseInvoice.pdf").read_bytes(), "", "x.pdf", LIMITS).doc
    inputs, _ = engine.prepare(doc)
    with torch.inference_mode():
        ids, probs = engine._generate_jump(inputs, engine._grammar(None, MAX_LINES), budget, None, lookup)
    return inputs["input_ids"][0].tolist(), ids, probs, engine.last_forwards


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
    doc = load_document((DOCUMENTS_DIR / "i2d_NetpresseInvoice.pdf").read_bytes(), "", "x.pdf", LIMITS).doc
    results = {}
    for draft in (0, 8):
        eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=200,
                             lookup_draft=draft)
        eng.load()
        results[draft] = (eng.extract(doc), eng.last_lookup)
    (plain, none), (drafted, lookup) = results[0], results[8]
    assert none is None and lookup is not None and lookup.proposed > 0
    assert drafted.document == plain.document
    assert drafted.field_confidence == pytest.approx(plain.field_confidence, abs=1e-3)


def test_a_bf16_checkpoint_is_widened_exactly(tmp_path):
    import torch
    from transformers import AutoModelForImageTextToText

    from ocr_sidecar.engines.internvl import checkpoint_dtype
    from ocr_sidecar.random_model import build_random_model

    path = build_random_model(tmp_path / "bf16", size="tiny", seed=1, dtype="bfloat16")
    assert checkpoint_dtype(path) == "bfloat16"
    eng = InternVLEngine(path, device="cpu", dtype="fp32", max_tiles=2)
    eng.load()
    assert eng.dtype == "float32"
    table = eng.model.get_input_embeddings()
    assert table.weight.dtype == torch.bfloat16, "the embedding table stays narrow"
    assert all(p.dtype == torch.float32 for n, p in eng.model.named_parameters() if p is not table.weight)
    reference = AutoModelForImageTextToText.from_pretrained(path, dtype=torch.float32).eval()
    doc = load_document((DOCUMENTS_DIR / "img_contoso_simple_invoice.png").read_bytes(), "", "x.png", LIMITS).doc
    inputs, _ = eng.prepare(doc)
    with torch.inference_mode():
        ours = eng.model(**inputs, logits_to_keep=1).logits
        theirs = reference(**inputs, logits_to_keep=1).logits
    assert torch.equal(ours, theirs), "bf16 -> fp32 is exact: the same numbers as loading fp32"


def test_releasing_checkpoint_pages_never_touches_other_memory(tmp_path):
    import torch

    from ocr_sidecar.engines.internvl import checkpoint_mappings, release_file_pages

    anonymous = torch.arange(300_000, dtype=torch.float32)
    release_file_pages(anonymous, checkpoint_mappings())
    assert torch.equal(anonymous, torch.arange(300_000, dtype=torch.float32))
    path = tmp_path / "w.safetensors"
    path.write_bytes(torch.arange(300_000, dtype=torch.float32).numpy().tobytes())
    mapped = torch.from_file(str(path), shared=True, size=300_000, dtype=torch.float32)
    ranges = checkpoint_mappings()
    assert ranges, "the file mapping is found"
    release_file_pages(mapped, ranges)
    assert torch.equal(mapped, torch.arange(300_000, dtype=torch.float32)), "forgotten pages are read again"


def test_the_decoding_grammar_bounds_every_number(engine):
    """A random model once wrote a 4,436-digit number, which json.loads refuses: numbers are bounded."""
    import xgrammar as xgr

    head = ('{"document_type":null,"document_number":null,"issue_date":null,"due_date":null,"currency":null,'
            '"order_reference":null,"payment_reference":null,"seller":null,"buyer":null,"lines":[],"taxes":[],'
            '"subtotal":')
    grammar = engine._grammar(None, 4)
    for number in ("0", "12.5", "-0.07", "1234567.891234", "9999999999"):
        matcher = xgr.GrammarMatcher(grammar)
        assert matcher.accept_string(head + number + ',"total_tax":null,"total":null,"amount_due":null}'), number
    for runaway in ("1" * 12, "1.1234567", "1e5"):
        assert not xgr.GrammarMatcher(grammar).accept_string(head + runaway + ","), runaway


def test_an_unconvertible_number_is_a_truncation_warning_not_a_crash():

    document, warnings, _ = read_answer('{"total":' + "9" * 5000 + "}", True, 10, 10, [], [])
    assert [w.code for w in warnings] == ["output_truncated"] and isinstance(document, dict)


def _extract_at_once(engine, docs) -> list:
    """Each document from its own thread, all at once (as the server's workers send them)."""
    results: list = [None] * len(docs)

    def run(i):
        results[i] = engine.extract(docs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(docs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


BATCH_PAGES = ("img_contoso_simple_invoice.png", "i2d_NetpresseInvoice.pdf", "img_heroltd_po_Form_1.jpg")


@pytest.mark.parametrize("decoder", ["jump", "hf"])
def test_concurrent_documents_are_generated_as_one_batch_with_the_same_answers(tiny_model_dir, decoder):
    """Micro-batching (OCR_BATCH_SIZE): three documents of different lengths and types sent at once are
    run as one left-padded batch, each with its own grammar, and each gets the answer it gets alone — with
    jump-forward inside the batch (rows' forced runs of different lengths in one pass) or with generate."""
    docs = []
    for name, doc_type in zip(BATCH_PAGES, ("credit_note", None, "purchase_order")):
        doc = load_document((DOCUMENTS_DIR / name).read_bytes(), "", name, LIMITS).doc
        doc.document_type = doc_type
        docs.append(doc)
    alone = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=120, decoder=decoder)
    alone.load()
    expected = [alone.extract(doc) for doc in docs]
    together = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=120,
                              batch_size=4, batch_wait_ms=2000, decoder=decoder)
    together.load()
    results = _extract_at_once(together, docs)
    assert together._batcher.batches == [3]
    if decoder == "jump":
        assert together.last_forwards < max(r.tokens_out for r in results), "forced runs share passes"
    for want, got in zip(expected, results):
        assert got.document == want.document and got.tokens_out == want.tokens_out
        assert [w.code for w in got.warnings] == [w.code for w in want.warnings]
        assert got.field_confidence == pytest.approx(want.field_confidence, abs=1e-4)
    assert results[0].document["document_type"] == "credit_note"
    assert results[2].document["document_type"] == "purchase_order"


def test_a_batch_that_runs_out_of_memory_is_halved_and_every_document_still_answered(tiny_model_dir):
    import torch

    docs = [load_document((DOCUMENTS_DIR / name).read_bytes(), "", name, LIMITS).doc for name in BATCH_PAGES]
    eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=60, batch_size=4,
                         batch_wait_ms=2000)
    eng.load()
    expected = [eng.extract(doc) for doc in docs]  # one at a time: batches of one
    sizes = []
    real = eng._generate_batch_jump

    def small_device(batch, requests):
        sizes.append(len(requests))
        if len(requests) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(batch, requests)

    eng._generate_batch_jump = small_device
    results = _extract_at_once(eng, docs)
    assert eng._batcher.batches[-1] == 3 and sizes == [3, 2]  # 3 failed, then 1 (alone) + 2
    assert [r.document for r in results] == [r.document for r in expected]


def test_in_a_batch_only_the_document_too_big_alone_fails_the_others_are_answered(tiny_model_dir):
    import torch

    docs = [load_document((DOCUMENTS_DIR / name).read_bytes(), "", name, LIMITS).doc for name in BATCH_PAGES]
    eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=2, max_tokens=60, batch_size=4,
                         batch_wait_ms=2000)
    eng.load()
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

    eng._generate_batch_jump, eng._generate_one = no_batch, small_device
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
        engine.extract(DocumentInput(content=b"", mime_type="image/png", pages=[Page(0, h_image())]))
    assert info.value.grpc_code_name == "RESOURCE_EXHAUSTED" and "OCR_MAX_TILES" in info.value.message


def test_a_batched_row_stops_alone_at_its_deadline(tiny_model_dir):
    eng = InternVLEngine(tiny_model_dir, device="cpu", dtype="fp32", max_tiles=1, max_tokens=300, batch_size=2,
                         batch_wait_ms=2000)
    eng.load()
    doc = DocumentInput(content=b"", mime_type="image/png", pages=[Page(0, h_image())])
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
    eng.batch_passes = 0
    deadline = time.monotonic() + 120
    while eng.batch_passes < 10:  # the batch is decoding: give up on the first request mid-generation
        if time.monotonic() > deadline or not all(t.is_alive() for t in threads):
            cancel.set()  # let the threads end either way
            pytest.fail(f"the batch never reached its tenth pass ({eng.batch_passes} passes, {outcome})")
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
    rows = sorted(eng.last_batch_tokens)
    assert rows[1] == kept and 0 < rows[0] < kept // 2, rows
