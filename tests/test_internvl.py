"""The InternVL engine on a tiny random-weight model (real transformers + xgrammar code path)."""

from __future__ import annotations

import json
import threading

import pytest

from ocr_sidecar import errors
from ocr_sidecar.device import choose_device, choose_dtype
from ocr_sidecar.engines.base import DocumentInput, Page
from ocr_sidecar.engines.internvl import (InternVLEngine, _value_spans, field_confidence, repair_truncated_json,
                                          split_tile_budget)
from ocr_sidecar.inputs import Limits, load_document
from ocr_sidecar.prompts import build_prompt
from ocr_sidecar.schema import parse_document

from conftest import DOCUMENTS_DIR
import sidecar_helpers as h

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
    spans = {path for path, _, _ in _value_spans(json.dumps(result.document, separators=(",", ":")))}
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
    prompt = build_prompt("purchase_order", ["PO 4711\nACME", None], extra="Ignore handwritten notes.",
                          language_hint="de")
    assert "purchase order" in prompt and "buyer = the ordering company" in prompt
    assert "--- page 1 ---\nPO 4711" in prompt and "page 2" not in prompt
    assert prompt.rstrip().endswith("Ignore handwritten notes.") and "language: de" in prompt
    assert "First decide document_type" in build_prompt(None, [])


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


def test_layout_tile_caps():
    from ocr_sidecar.engines.internvl import page_tile_cap

    assert page_tile_cap(1240, 1754, text_chars=1500) == 2, "A4 with a text layer: layout only"
    assert page_tile_cap(1240, 1754, text_chars=0) == 12, "scanned A4: 3x4 native tiles"
    assert page_tile_cap(600, 1200, text_chars=0) == 6, "small receipt: no upscaling"
    assert page_tile_cap(300, 200, text_chars=0) == 1
    assert page_tile_cap(300, 200, text_chars=5000) == 1


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
