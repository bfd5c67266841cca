"""How far the int8 language model (OCR_QUANTIZE=int8) moves the model's numbers, on the random InternVL3-1B
shape: the same page through the fp32 and the int8 model, teacher-forced on the fp32 model's greedy tokens,
comparing the next-token logits at every step (cosine, top-1 agreement, top-5 overlap). Random weights give
flat distributions, where a tiny change flips the argmax: top-1 agreement here is a lower bound; cosine is
the number that carries over.

    python benchmarks/int8_numerics.py [--steps 32] [--page i2d_NetpresseInvoice.pdf]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cpu import DOCS, machine, model_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--page", default="i2d_NetpresseInvoice.pdf")
    args = parser.parse_args()

    import torch

    from ocr_sidecar.engines.internvl import InternVLEngine
    from ocr_sidecar.inputs import Limits, load_document

    doc = load_document((DOCS / args.page).read_bytes(), "", args.page,
                        Limits(max_bytes=10**8, max_pages=10, max_pixels=10**8, max_tiles=12)).doc
    engines = {}
    for name, quantize in (("fp32", "none"), ("int8", "int8")):
        engine = InternVLEngine(model_dir(), device="cpu", dtype="fp32", max_tiles=12, quantize=quantize)
        engine.load()
        engines[name] = engine
    inputs, _ = engines["fp32"].prepare(doc)
    cos, top1, top5 = [], 0, 0.0
    with torch.inference_mode():
        caches, logits = {}, {}
        for name, engine in engines.items():
            out = engine.model(**inputs, use_cache=True, logits_to_keep=1)
            caches[name], logits[name] = out.cache, out.logits[0, -1].float()
        for _ in range(args.steps):
            a, b = logits["fp32"], logits["int8"]
            cos.append(float(torch.nn.functional.cosine_similarity(a, b, dim=0)))
            top1 += int(a.argmax() == b.argmax())
            top5 += len(set(a.topk(5).indices.tolist()) & set(b.topk(5).indices.tolist())) / 5
            token = torch.tensor([[int(a.argmax())]])  # teacher-forced on the fp32 choice
            for name, engine in engines.items():
                out = engine.model(input_ids=token, cache=caches[name], use_cache=True, logits_to_keep=1)
                caches[name], logits[name] = out.cache, out.logits[0, -1].float()
    n = args.steps
    print(f"Machine: {machine()}\nPage {args.page}, {n} steps: logits cosine min {min(cos):.4f} / mean "
          f"{sum(cos) / n:.4f}; top-1 agreement {top1 / n:.0%}; top-5 overlap {top5 / n:.0%}")


if __name__ == "__main__":
    main()
