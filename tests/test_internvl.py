"""The InternVL engine on a tiny random-weight model (real transformers + xgrammar code path): loading, the
machine's device and dtype, the prompt and the tiles, the grammar, reading the answer. How the answer is
decoded (jump-forward, drafts, the prefix cache, batches) is tests/test_internvl_decoders.py's."""

from __future__ import annotations

import json
import threading

import pytest

from ocr_sidecar import errors
from ocr_sidecar.answer import field_confidence, read_answer, repair_truncated_json, value_spans
from ocr_sidecar.device import choose_device, choose_dtype
from ocr_sidecar.engines.internvl import InternVLEngine, split_tile_budget
from ocr_sidecar.prompts import document_prompt
from ocr_sidecar.schema import parse_document
from ocr_sidecar.words import Word, WordLayer

import sidecar_helpers as h


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return h.tiny_engine(tiny_model_dir, max_tiles=4, max_tokens=400)


def test_random_model_folder_is_small_and_marked(tiny_model_dir):
    size = sum(p.stat().st_size for p in tiny_model_dir.iterdir())
    assert size < 1_000_000
    assert (tiny_model_dir / "config.json").exists() and (tiny_model_dir / "RANDOM_WEIGHTS").exists()


def test_loads_like_real_weights_and_says_it_is_random(engine):
    assert engine.demo and "random" in engine.model_name
    assert (engine.device, engine.dtype) == ("cpu", "float32")


def test_photo_gives_a_schema_valid_document_with_confidences(engine):
    doc = h.corpus_doc("img_contoso_simple_invoice.png")
    doc.document_type = "credit_note"
    result = engine.extract(doc)
    parse_document(result.document)
    assert result.document["document_type"] == "credit_note"  # pinned by the grammar
    assert 0 < result.tokens_out <= 400 and result.generate_ms > 0
    spans = {path for path, _, _ in value_spans(json.dumps(result.document, separators=(",", ":")))}
    assert set(result.field_confidence) <= spans | {"document_type"}
    assert all(0.0 <= v <= 1.0 for v in result.field_confidence.values())


def test_two_pages_share_the_tile_budget(engine):
    doc = h.opened(h.tiff_pages(2, size=(900, 1200)), "scan.tif")
    inputs, tiles = engine.prepare(doc)
    assert tiles == 2 * 3  # 4 tiles split 2 + 2, each page 1×2 tiles + thumbnail
    assert inputs["pixel_values"].shape[0] == tiles
    image_tokens = int((inputs["input_ids"] == engine.tokenizer.convert_tokens_to_ids("<IMG_CONTEXT>")).sum())
    assert image_tokens == 256 * tiles


def test_a_short_token_budget_is_never_a_silently_shorter_document(tiny_model_dir):
    eng = h.tiny_engine(tiny_model_dir, max_tiles=1, max_tokens=20)
    doc = h.blank_doc()
    result = eng.extract(doc)
    assert [w.code for w in result.warnings] == ["output_truncated"] and result.warnings[0].serious
    parse_document(result.document)


def test_cancel_stops_generation(engine):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(errors.Cancelled):
        engine.extract(h.blank_doc(), cancel)


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


def test_a_receipts_prompt_says_how_to_tell_its_values_from_the_time_the_payment_and_the_tax_split():
    head = document_prompt("receipt", [])[0]
    receipt = head.split("\n\n")[1]
    for hint in ("merchant", "the time printed beside it", "tax included", "not the cash given, the change",
                 "CGST + SGST", "Payment lines", "not the arrival", "₹ or Rs INR", "kr SEK"):
        assert hint in receipt, hint
    assert "merchant" not in document_prompt("invoice", [])[0], "the receipt's hints are for receipts only"


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
    eng = h.tiny_engine(tiny_model_dir, max_tiles=2, max_tokens=120, quantize="int8")
    assert "int8" in eng.model_name
    doc = h.corpus_doc("img_contoso_simple_invoice.png")
    result = eng.extract(doc)
    parse_document(result.document)
    assert result.tokens_out > 0


def test_text_layer_pages_use_few_tiles(engine):
    doc = h.corpus_doc("i2d_NetpresseInvoice.pdf", max_tiles=12)
    assert len(doc.pages[0].text or "") >= 200
    tiles = {}
    for policy in ("layout", "fixed"):
        eng = h.tiny_engine(engine.model_path, max_tiles=12, tile_policy=policy)
        tiles[policy] = eng.prepare(doc)[1]
    assert tiles["layout"] <= 3  # 2 tiles + thumbnail
    assert tiles["fixed"] >= 7  # an A4 page with the whole budget


def test_an_isa_capped_to_avx2_gets_fp32(monkeypatch):
    from ocr_sidecar.device import isa_capped

    assert isa_capped({"ATEN_CPU_CAPABILITY": "avx2"}) and isa_capped({"ONEDNN_MAX_CPU_ISA": "AVX2"})
    assert not isa_capped({}) and not isa_capped({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"})
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert choose_dtype("auto", "cpu", frozenset({"avx512_bf16"})) == "float32"


def test_a_bf16_checkpoint_is_widened_exactly(tmp_path):
    import torch
    from transformers import AutoModelForImageTextToText

    from ocr_sidecar.engines.internvl import checkpoint_dtype
    from ocr_sidecar.random_model import build_random_model

    path = build_random_model(tmp_path / "bf16", size="tiny", seed=1, dtype="bfloat16")
    assert checkpoint_dtype(path) == "bfloat16"
    eng = h.tiny_engine(path, max_tiles=2)
    assert eng.dtype == "float32"
    table = eng.model.get_input_embeddings()
    assert table.weight.dtype == torch.bfloat16, "the embedding table stays narrow"
    assert all(p.dtype == torch.float32 for n, p in eng.model.named_parameters() if p is not table.weight)
    reference = AutoModelForImageTextToText.from_pretrained(path, dtype=torch.float32).eval()
    doc = h.corpus_doc("img_contoso_simple_invoice.png")
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
    grammar = engine.kit.grammar(None, 4)
    for number in ("0", "12.5", "-0.07", "1234567.891234", "9999999999"):
        matcher = xgr.GrammarMatcher(grammar)
        assert matcher.accept_string(head + number + ',"total_tax":null,"total":null,"amount_due":null}'), number
    for runaway in ("1" * 12, "1.1234567", "1e5"):
        assert not xgr.GrammarMatcher(grammar).accept_string(head + runaway + ","), runaway


def test_an_unconvertible_number_is_a_truncation_warning_not_a_crash():

    document, warnings, _ = read_answer('{"total":' + "9" * 5000 + "}", True, 10, 10, [], [])
    assert [w.code for w in warnings] == ["output_truncated"] and isinstance(document, dict)
