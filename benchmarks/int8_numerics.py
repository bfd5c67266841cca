"""How far OCR_QUANTIZE=int8 moves the model's numbers, on the random InternVL3-1B shape.

For each page, the fp32 model against the int8 one (one scale per output channel, as the engine does) and,
for comparison, int8 with one scale per tensor (torch's default):

1. Logits, teacher-forced on fp32's greedy tokens: cosine, top-1 agreement, top-5 overlap at each step; the
   size of int8's logit error (RMS of int8 - fp32) against fp32's margin (top-1 minus top-2 logit) at the
   steps where the choice flips: a trained model's margins are mostly far larger than a random one's.
2. The answer itself: the grammar-constrained jump-forward decoder run on each model for --answer tokens;
   how many tokens from the start are the same (the criterion that matters: "outputs equal").

Random weights give flat distributions, where a tiny change flips the argmax, so agreement here is a lower
bound of what trained weights (peaked distributions) give; the real check is `ocr-sidecar eval` on them.

    python benchmarks/int8_numerics.py [--steps 48] [--answer 96] [--pages a.pdf,b.png]
    python benchmarks/int8_numerics.py --model ./InternVL3-1B-hf      # the same on real weights
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cpu import DOCS, PAGES, machine, model_dir  # noqa: E402


def load(variant: str, model: Path):
    import ocr_sidecar.engines.internvl as internvl

    quantize = "none" if variant == "fp32" else "int8"
    engine = internvl.InternVLEngine(model, device="cpu", dtype="fp32", max_tiles=12, quantize=quantize)
    original = internvl.widen_and_quantize
    if variant == "int8-per-tensor":
        internvl.widen_and_quantize = functools.partial(original, per_channel=False)
    try:
        engine.load()
    finally:
        internvl.widen_and_quantize = original
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--answer", type=int, default=96)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--model", type=Path, help="an InternVL3-1B folder (default: the random 1B shape)")
    args = parser.parse_args()
    model = args.model or model_dir()

    import torch

    from ocr_sidecar.inputs import Limits, load_document
    from ocr_sidecar.schema import MAX_LINES

    variants = ("fp32", "int8", "int8-per-tensor")
    engines = {name: load(name, model) for name in variants}
    rows = []
    for page in [p for p in args.pages.split(",") if p]:
        doc = load_document((DOCS / page).read_bytes(), "", page,
                            Limits(max_bytes=10**8, max_pages=10, max_pixels=10**8, max_tiles=12)).doc
        inputs, _ = engines["fp32"].prepare(doc)
        grammar = engines["fp32"].kit.grammar(doc.document_type, MAX_LINES)
        with torch.inference_mode():
            caches, logits = {}, {}
            for name, engine in engines.items():
                out = engine.model(**inputs, use_cache=True, logits_to_keep=1)
                caches[name], logits[name] = out.cache, out.logits[0, -1].float()
            stats = {name: dict(cos=[], top1=0, top5=0.0, err=[], flips=[], margins=[]) for name in variants[1:]}
            for _ in range(args.steps):
                ref = logits["fp32"]
                for name in variants[1:]:
                    other, st = logits[name], stats[name]
                    st["cos"].append(float(torch.nn.functional.cosine_similarity(ref, other, dim=0)))
                    st["top1"] += int(ref.argmax() == other.argmax())
                    st["top5"] += len(set(ref.topk(5).indices.tolist()) & set(other.topk(5).indices.tolist())) / 5
                    top2 = ref.topk(2).values
                    margin = float(top2[0] - top2[1])
                    st["err"].append(float((other - ref).pow(2).mean().sqrt()))
                    st["margins"].append(margin)
                    if ref.argmax() != other.argmax():
                        st["flips"].append(margin)
                token = torch.tensor([[int(ref.argmax())]])  # teacher-forced on the fp32 choice
                for name, engine in engines.items():
                    out = engine.model(input_ids=token, cache=caches[name], use_cache=True, logits_to_keep=1)
                    caches[name], logits[name] = out.cache, out.logits[0, -1].float()
            answers = {name: engine.decoder.jump(inputs, grammar, args.answer, None)[0]
                       for name, engine in engines.items()}
        for name in variants[1:]:
            same = 0
            for a, b in zip(answers["fp32"], answers[name]):
                if a != b:
                    break
                same += 1
            st, n = stats[name], args.steps
            margins = sorted(st["margins"])
            rows.append((page, name, min(st["cos"]), sum(st["cos"]) / n, st["top1"] / n, st["top5"] / n, same,
                         len(answers["fp32"]), sum(st["err"]) / n, max(st["flips"], default=0.0),
                         margins[len(margins) // 2]))
            print(rows[-1], file=sys.stderr, flush=True)
    print(f"Machine: {machine()}; model {model}; {args.steps} teacher-forced steps, answers of {args.answer} tokens\n")
    print("| page | int8 weights | logits cosine min / mean | top-1 agreement | top-5 overlap "
          "| constrained answer: same first tokens | logit error RMS | largest fp32 margin flipped "
          "| median fp32 margin |")
    print("|---|---|---|---|---|---|---|---|---|")
    for page, name, cmin, cmean, top1, top5, same, total, err, flipped, median in rows:
        scales = "per channel (engine)" if name == "int8" else "per tensor"
        print(f"| {page} | {scales} | {cmin:.4f} / {cmean:.4f} | {top1:.0%} | {top5:.0%} | {same} / {total} "
              f"| {err:.3f} | {flipped:.3f} | {median:.3f} |")


if __name__ == "__main__":
    main()
