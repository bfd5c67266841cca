#!/usr/bin/env python3
"""What the text layer of the born-digital PDFs costs in the prompt: characters, spaces, and tokens of the
benchmark model's stand-in tokenizer, with and without tokens for runs of spaces (the real Qwen2 BPE has
them; ``ocr_sidecar.random_model`` gives them to the 1b shape).

Every PDF page of the corpus with a text layer (../shared/data/documents/*.pdf) is rendered as the prompt
gets it (``WordLayer.text``, the layout-preserving text). Printed per document and in all.

    python benchmarks/text_layer_tokens.py [--pages i2d_NetpresseInvoice.pdf,...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pypdfium2 as pdfium

from ocr_sidecar.random_model import SHAPES, _build_tokenizer
from ocr_sidecar.words import pdf_words

DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "documents"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--pages", default="", help="comma-separated file names (default: every PDF)")
    args = parser.parse_args()
    names = [n for n in args.pages.split(",") if n]
    files = [args.docs / n for n in names] if names else sorted(args.docs.glob("*.pdf"))
    vocab = SHAPES["1b"]["bpe_vocab"]
    plain, runs = _build_tokenizer(vocab), _build_tokenizer(vocab, space_runs=True)
    print("| document | pages | chars | of them spaces | stand-in tokens, one per space | with space-run tokens |")
    print("|---|---|---|---|---|---|")
    totals = [0, 0, 0, 0]
    for path in files:
        pdf = pdfium.PdfDocument(path)
        text = "\n\n".join(pdf_words(page).text() for page in pdf)
        if not text.strip():
            continue
        row = [len(text), text.count(" "), len(plain(text, add_special_tokens=False)["input_ids"]),
               len(runs(text, add_special_tokens=False)["input_ids"])]
        totals = [a + b for a, b in zip(totals, row)]
        print(f"| {path.name} | {len(pdf)} | " + " | ".join(f"{v:,}" for v in row) + " |")
    print("| **all** | | " + " | ".join(f"**{v:,}**" for v in totals) + " |")


if __name__ == "__main__":
    main()
