"""Random-weight InternVL folders that load exactly like the real InternVL3-1B-hf.

No weights can be downloaded on the development and CI machines, yet the real code path (config →
AutoModelForImageTextToText → tiling → chat template → grammar-constrained generate) must run in tests
and benchmarks. This writes an HF folder with random weights and a working byte-level BPE tokenizer:

- ``tiny``: hidden 32, 2 layers — under 1 MB, builds in well under a second (tests);
- ``1b``: the exact InternVL3-1B shape (938 M parameters, vocab 151,674) — benchmarks.

A ``RANDOM_WEIGHTS`` marker file makes the engine report ``demo = True`` and say "random" in its
model name, so a random model can never pass for the real one.
"""

from __future__ import annotations

import json
from pathlib import Path

RANDOM_MARKER = "RANDOM_WEIGHTS"
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>", "<video>"]

# Qwen2-style chat template, with InternVL's image placeholder: the engine expands each <IMG_CONTEXT>
# into <img> + 256 × tiles context tokens + </img>, as InternVLProcessor does.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}<IMG_CONTEXT>\n{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

SHAPES = {
    "tiny": dict(vision=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64),
                 text=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                           intermediate_size=64),
                 vocab_size=None, bpe_vocab=700),
    "1b": dict(vision=dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096),
               text=dict(hidden_size=896, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                         intermediate_size=4864),
               vocab_size=151674, bpe_vocab=4000),
}

# Training text for the BPE: the vocabulary of invoices and of the canonical JSON, so common keys and
# numbers become single tokens as they would with a real tokenizer.
_TRAINING_TEXT = """
{"document_type":"invoice","document_number":"INV-2024-0042","issue_date":"2024-03-15","due_date":"2024-04-14",
"currency":"EUR","order_reference":"PO-7781","payment_reference":"RF18539007547034","seller":{"name":"ACME GmbH",
"vat":"DE123456789","iban":"DE89370400440532013000","email":"billing@acme.example","phone":"+49 30 1234567",
"address":{"street":"Hauptstrasse 1","city":"Berlin","zip":"10115","country_code":"DE"}},"buyer":null,
"lines":[{"description":"Consulting services","product_code":"SKU-001","quantity":2.0,"unit":"h","unit_price":95.5,
"discount_percent":null,"tax_rate":19.0,"amount":191.0}],"taxes":[{"rate":19.0,"base":191.0,"amount":36.29}],
"subtotal":191.0,"total_tax":36.29,"total":227.29,"amount_due":227.29}
Invoice Facture Rechnung Gutschrift credit note purchase order sales order receipt Total Subtotal VAT TVA MwSt
Quantity Unit price Amount Description Date Due date Payment terms IBAN BIC Customer Supplier Vendor Order
0123456789 0.00 1.00 10.00 100.00 1,000.00 2024 2025 2026 January February March April May June July
You read business documents and answer with one JSON object of the canonical schema.
"""


MAX_SPACE_RUN = 32


def _build_tokenizer(vocab: int, space_runs: bool = False):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # space_runs: runs of spaces get tokens, as in a real BPE (Qwen2's vocabulary writes the column padding of
    # a layout-preserving text layer in a token or two, not one token per space), so that the 1b shape's
    # prompts are as long as the real model's would be, not longer. The tiny one for tests keeps the tokenizer
    # its tests' random answers were written against (with these merges its parallel rows run to their
    # length bounds and a test's token budget no longer holds them).
    padding = ["\n".join(f"Total{' ' * n}42.00" for n in range(2, MAX_SPACE_RUN + 1))] if space_runs else []
    bpe.train_from_iterator([_TRAINING_TEXT] * 4 + padding * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None,
        extra_special_tokens={"start_image_token": "<img>", "end_image_token": "</img>",
                              "context_image_token": "<IMG_CONTEXT>", "video_token": "<video>"})
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_random_model(path: str | Path, size: str = "tiny", seed: int = 0, dtype: str | None = None) -> Path:
    """Write a random InternVL folder at ``path`` and return it. ``dtype`` default: fp32 tiny, bf16 1b."""
    import torch
    from transformers import AutoModelForImageTextToText, InternVLConfig

    if size not in SHAPES:
        raise ValueError(f"size must be one of {', '.join(SHAPES)}")
    shape = SHAPES[size]
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tokenizer = _build_tokenizer(shape["bpe_vocab"], space_runs=size == "1b")
    vocab_size = shape["vocab_size"] or len(tokenizer)
    config = InternVLConfig(
        vision_config=dict(model_type="internvl_vision", image_size=[448, 448], patch_size=[14, 14],
                           norm_type="layer_norm", use_qk_norm=False, use_mean_pooling=True, **shape["vision"]),
        text_config=dict(model_type="qwen2", vocab_size=vocab_size, max_position_embeddings=32768,
                         rope_theta=1_000_000.0, rms_norm_eps=1e-6, tie_word_embeddings=False,
                         bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
                         eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"), **shape["text"]),
        image_token_id=tokenizer.convert_tokens_to_ids("<IMG_CONTEXT>"), image_seq_length=256,
        downsample_ratio=0.5, vision_feature_layer=-1, vision_feature_select_strategy="default",
        tie_word_embeddings=False)
    torch.manual_seed(seed)
    torch_dtype = getattr(torch, dtype or ("float32" if size == "tiny" else "bfloat16"))
    with torch.device("cpu"):
        model = AutoModelForImageTextToText.from_config(config, dtype=torch_dtype)
    model.eval()
    model.generation_config.eos_token_id = config.text_config.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    (path / "preprocessor_config.json").write_text(json.dumps({
        "image_processor_type": "GotOcr2ImageProcessor", "crop_to_patches": True, "min_patches": 1,
        "max_patches": 12, "size": {"height": 448, "width": 448}, "do_resize": True, "do_rescale": True,
        "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": [0.485, 0.456, 0.406],
        "image_std": [0.229, 0.224, 0.225], "do_convert_rgb": True, "resample": 3}, indent=2))
    (path / RANDOM_MARKER).write_text(f"random weights, size={size}, seed={seed}: outputs are meaningless\n")
    return path
