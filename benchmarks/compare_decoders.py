"""The parallel decoder's answers against the sequential decoder's, on real weights: run `ocr-sidecar eval`
once per decoder (OCR_DECODER=jump, then OCR_DECODER=parallel) over the corpus golds, then compare the two
reports — overall and per-field accuracy, latency, and the documents whose scores differ. This is the
evidence a user with the weights needs before switching the default (DESIGN: the default changes only
with it).

    python benchmarks/compare_decoders.py --model ./InternVL3-1B-hf             # runs both evals
    python benchmarks/compare_decoders.py --reports out/jump out/parallel        # compares two reports

Each eval runs in its own process (`python -m ocr_sidecar eval DIR --engine internvl --out ...`) with
MODEL_PATH and OCR_DECODER set; any other OCR_* setting in the environment applies to both. On random
weights (a folder with RANDOM_WEIGHTS) the figures mean nothing and the script says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = Path(os.environ.get("OCR_DOCUMENTS_DIR") or ROOT.parent / "shared" / "data" / "documents")
DECODERS = ("jump", "parallel")


def run_eval(model: Path, decoder: str, out: Path, docs: Path, extra: list[str]) -> None:
    env = dict(os.environ, MODEL_PATH=str(model), OCR_DECODER=decoder, OCR_ENGINE="internvl")
    cmd = [sys.executable, "-m", "ocr_sidecar", "eval", str(docs), "--engine", "internvl", "--out", str(out), *extra]
    print("$", f"OCR_DECODER={decoder}", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)


def compare(first: Path, second: Path) -> int:
    a = json.loads((first / "report.json").read_text())
    b = json.loads((second / "report.json").read_text())
    names = (first.name, second.name)
    oa, ob = a["overall"], b["overall"]
    print(f"| | {names[0]} | {names[1]} |\n|---|---:|---:|")
    for key in ("documents", "errors", "scored", "matched", "accuracy", "exact_accuracy", "latency_ms_median"):
        fa, fb = oa.get(key), ob.get(key)
        fmt = (lambda v: f"{v:.1%}") if "accuracy" in key else (lambda v: "-" if v is None else f"{v:g}")
        print(f"| {key} | {fmt(fa)} | {fmt(fb)} |")
    print(f"\n| field | {names[0]} | {names[1]} | difference |\n|---|---:|---:|---:|")
    for field in sorted(set(a["fields"]) | set(b["fields"])):
        fa, fb = a["fields"].get(field, {}), b["fields"].get(field, {})
        acc_a, acc_b = fa.get("accuracy"), fb.get("accuracy")
        if acc_a is None or acc_b is None:
            continue
        print(f"| {field} | {acc_a:.1%} ({fa['matched']}/{fa['scored']}) | {acc_b:.1%} ({fb['matched']}/{fb['scored']}) "
              f"| {acc_b - acc_a:+.1%} |")
    by_name = {d["name"]: d for d in b["documents"]}
    changed = [(d, by_name[d["name"]]) for d in a["documents"]
               if d["name"] in by_name and d["matched"] != by_name[d["name"]]["matched"]]
    print(f"\n{len(changed)} documents score differently:")
    for da, db in changed:
        print(f"- {da['name']}: {da['matched']}/{da['scored']} → {db['matched']}/{db['scored']}")
    same = all(x["matched"] == by_name.get(x["name"], {}).get("matched") for x in a["documents"])
    print("\nverdict: " + ("the same scores on every document" if same else
                          f"{names[1]} {'gains' if ob['accuracy'] >= oa['accuracy'] else 'loses'} "
                          f"{abs(ob['accuracy'] - oa['accuracy']):.1%} accuracy overall"))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="weights folder (InternVL3-1B-hf)")
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / ".cache" / "decoders")
    parser.add_argument("--reports", type=Path, nargs=2, help="compare two existing eval output folders")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--glob")
    args = parser.parse_args()
    if args.reports:
        return compare(*args.reports)
    if not args.model:
        parser.error("--model (to run both evals) or --reports (to compare two)")
    if (args.model / "RANDOM_WEIGHTS").exists():
        print("warning: random weights — the accuracy figures below mean nothing", file=sys.stderr)
    extra = (["--limit", str(args.limit)] if args.limit else []) + (["--glob", args.glob] if args.glob else [])
    outs = []
    for decoder in DECODERS:
        out = args.out / decoder
        run_eval(args.model, decoder, out, args.docs, extra)
        outs.append(out)
    return compare(*outs)


if __name__ == "__main__":
    sys.exit(main())
