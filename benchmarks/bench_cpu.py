"""Seconds per page on this machine, measured to the end of the answer: the seed's settings re-run in this
code base against ours, side by side, with the forward passes each answer took beside its seconds.

Builds a shape-identical random InternVL3-1B once (benchmarks/.cache/, ~2 GB, git-ignored), then runs a
fixed set of pages of ../shared/data/documents through the real pipeline (inputs → InternVL engine →
validation) once per configuration, each configuration in its own process so that its peak RSS is its own.
Random weights do not stop where a trained model stops: they write until the budget (--tokens) or until
the grammar closes the JSON, at a length that depends on the prompt and the decoder. --match-tokens
therefore runs the first configuration first and gives every other one, page by page, the token count the
first wrote; where one closed its answer earlier than that, the configurations that wrote more run that page
again with the smallest count as their budget. A ratio is printed only where two rows wrote the same number
of tokens. The page time is the whole run to the end of the answer, nothing projected; each process first
reads its first page once untimed (4 tokens), as a serving process has had its first request.

    python benchmarks/bench_cpu.py                      # seed-settings vs ours, 3 pages, 1,024 tokens
    python benchmarks/bench_cpu.py --configs seed-settings,ours,ours-parallel --pages i2d_NetpresseInvoice.pdf
    python benchmarks/bench_cpu.py --configs ours,seed-settings --match-tokens   # same tokens, page by page

Configurations:
  seed-settings  the seed service's settings re-run in this code base (not the seed's own code): bf16,
             12 tiles on every page, no word layer (no PDF text, no OCR) in the prompt, transformers generate
             (one forward pass per token); "seed" is accepted for it
  ours       dtype by CPU capability (auto), tile budget per page from its layout, word layer in the prompt,
             grammar jump-forward decoding (the JSON skeleton read in one pass per run), prompt-lookup drafts
             (OCR_LOOKUP_DRAFT=8: tokens copied from the prompt, verified in the same forward pass), the KV cache
             of the fixed instruction prefix kept between documents
  ours-nolookup  ours without the drafts  ours-hf  ours with transformers generate instead of jump-forward
  ours-fp32  ours, forced fp32          ours-int8  ours with every linear layer dynamic int8 (OCR_QUANTIZE=int8)
  ours-int8-nolookup  int8 without the drafts
  ours-parallel  ours with OCR_DECODER=parallel (each value a row of one batch sharing the prompt's cache;
             its tokens are the rows' values and in-row punctuation, the rows' key prefixes not counted)
  ours-int8-parallel  int8 with the parallel decoder
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache"
DOCS = Path(os.environ.get("OCR_DOCUMENTS_DIR") or ROOT.parent / "shared" / "data" / "documents")
PAGES = ["i2d_NetpresseInvoice.pdf", "img_contoso_receipt_photo1.png", "img_heroltd_po_Form_1.jpg"]
CONFIGS = {
    "seed-settings": dict(dtype="bf16", tile_policy="fixed", text_layer=False, quantize="none", decoder="hf", lookup=0),
    "ours": dict(dtype="auto", tile_policy="layout", text_layer=True, quantize="none", decoder="jump", lookup=8),
    "ours-nolookup": dict(dtype="auto", tile_policy="layout", text_layer=True, quantize="none", decoder="jump",
                          lookup=0),
    "ours-fp32": dict(dtype="fp32", tile_policy="layout", text_layer=True, quantize="none", decoder="jump", lookup=8),
    "ours-int8": dict(dtype="fp32", tile_policy="layout", text_layer=True, quantize="int8", decoder="jump", lookup=8),
    "ours-int8-nolookup": dict(dtype="fp32", tile_policy="layout", text_layer=True, quantize="int8", decoder="jump",
                               lookup=0),
    "ours-parallel": dict(dtype="auto", tile_policy="layout", text_layer=True, quantize="none", decoder="parallel",
                          lookup=0),
    "ours-int8-parallel": dict(dtype="fp32", tile_policy="layout", text_layer=True, quantize="int8",
                               decoder="parallel", lookup=0),
    "ours-hf": dict(dtype="auto", tile_policy="layout", text_layer=True, quantize="none", decoder="hf", lookup=0),
}
REFERENCE = "seed-settings"
ALIASES = {"seed": REFERENCE}


def model_dir() -> Path:
    path = CACHE / "internvl3-1b-random"
    if not (path / "config.json").exists():
        from ocr_sidecar.random_model import build_random_model

        print(f"building the random InternVL3-1B shape in {path} (once) ...", file=sys.stderr)
        build_random_model(path, size="1b", seed=0)
    return path


class StageClock:
    """Forward hooks: time in the vision encoder + projector, and in the language model with its output head
    (the calls inside the engine's kit.prefill — the instruction prefix and the rest of the prompt — or else the
    first call of a generate = prefill; the others = decode steps). What a page costs beyond these (grammar
    masks, jump-forward, drafts, reading the answer, checks, evidence) is its "other" time."""

    def __init__(self, model):
        self.vision = self.prefill = self.decode = 0.0
        self.lm_calls = 0
        self.prefilling = False
        self.last_was_prefill = False
        inner = model.model
        for module in (inner.vision_tower, inner.multi_modal_projector):
            self._wrap(module, "vision")
        self._wrap(inner.language_model, "lm")
        self._wrap(model.lm_head, "head")  # 151,674 × 896: read on every pass, outside language_model

    def _wrap(self, module, kind):
        state = {}

        def pre(_m, _args):
            state["t"] = time.perf_counter()

        def post(_m, _args, _out):
            elapsed = time.perf_counter() - state["t"]
            if kind == "lm":  # the head that follows belongs to the same stage as this call
                self.last_was_prefill = self.prefilling or self.lm_calls == 0
                self.lm_calls += 1
            if kind == "vision":
                self.vision += elapsed
            elif self.last_was_prefill:
                self.prefill += elapsed
            else:
                self.decode += elapsed

        module.register_forward_pre_hook(pre)
        module.register_forward_hook(post)

    def reset(self):
        self.vision = self.prefill = self.decode = 0.0
        self.lm_calls = 0


def worker(config_name: str, pages: list[str], tokens: int, threads: int | None,
           page_tokens: dict[str, int] | None = None) -> None:
    from ocr_sidecar.engines.internvl import InternVLEngine
    from ocr_sidecar.pipeline import ExtractParams, Pipeline
    from ocr_sidecar.settings import Settings

    cfg = CONFIGS[config_name]
    engine = InternVLEngine(model_dir(), device="cpu", dtype=cfg["dtype"], max_tiles=12, max_tokens=tokens,
                            threads=threads, seed=0, tile_policy=cfg["tile_policy"], quantize=cfg["quantize"],
                            decoder=cfg["decoder"], lookup_draft=cfg["lookup"])
    started = time.perf_counter()
    engine.load()
    load_s = time.perf_counter() - started
    clock = StageClock(engine.model)
    prefill = engine.kit.prefill

    def timed_prefill(inputs):
        clock.prefilling = True
        try:
            return prefill(inputs)
        finally:
            clock.prefilling = False

    engine.kit.prefill = timed_prefill
    if not cfg["text_layer"]:  # the seed sent the page image only
        prepare = engine.prepare

        def image_only(doc):
            for page in doc.pages:
                page.text = None
            return prepare(doc)

        engine.prepare = image_only
    tiles_seen = {}
    prepare_with_tiles = engine.prepare

    def counting(doc):
        inputs, tiles = prepare_with_tiles(doc)
        tiles_seen["tiles"], tiles_seen["prompt"] = tiles, int(inputs["input_ids"].shape[1])
        return inputs, tiles

    engine.prepare = counting
    # the seed had no word layer: no OCR, no text in the prompt
    pipeline = Pipeline(Settings(engine="internvl", max_tiles=12, max_tokens=tokens, einvoice=False,
                                 words="auto" if cfg["text_layer"] else "off"), engine)
    if pages:  # untimed warm-up, as a serving process has had its first request (kernels, caches)
        engine.max_tokens = 4
        pipeline.run(ExtractParams(content=(DOCS / pages[0]).read_bytes(), filename=pages[0]))
    for name in pages:
        content = (DOCS / name).read_bytes()
        engine.max_tokens = (page_tokens or {}).get(name, tokens)  # --match-tokens: what the first config wrote
        clock.reset()
        t0 = time.perf_counter()
        result = pipeline.run(ExtractParams(content=content, filename=name))
        total = time.perf_counter() - t0
        # output tokens per second of decode: jump-forward puts several tokens in one pass
        tok_s = max(result.timings.tokens_out - 1, 1) / clock.decode if clock.decode else 0.0
        print(json.dumps({
            "config": config_name, "page": name, "dtype": engine.dtype, "tiles": tiles_seen.get("tiles"),
            "prompt_tokens": tiles_seen.get("prompt"), "preprocess_s": result.timings.preprocess_ms / 1000
            + result.timings.decode_ms / 1000, "ocr_s": result.timings.ocr_ms / 1000, "vision_s": clock.vision,
            "prefill_s": clock.prefill,
            "decode_s": clock.decode, "tokens_out": result.timings.tokens_out, "decode_tok_s": tok_s,
            "forward_passes": engine.stats.forwards,
            "drafts": [engine.stats.lookup.accepted, engine.stats.lookup.proposed] if engine.stats.lookup else None,
            "stages": engine.stats.stage_passes if cfg["decoder"] == "parallel" else None,
            "total_s": total, "load_s": load_s}), flush=True)
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(json.dumps({"config": config_name, "peak_rss_gb": rss_gb, "rss_gb": _current_rss_gb()}), flush=True)


def _current_rss_gb() -> float:
    """Resident memory now (after the pages), without the load-time peak ru_maxrss keeps."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def machine() -> str:
    import torch
    from machine_info import cpu_model

    from ocr_sidecar.device import cpu_flags, physical_cores

    model = cpu_model()
    bf16 = "yes" if cpu_flags() & {"avx512_bf16", "amx_bf16"} else "no"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = f", GPU: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no GPU"
    return (f"{model}, {physical_cores()} cores ({os.cpu_count()} threads), {mem:.0f} GiB, native bf16: {bf16}, "
            f"torch {torch.__version__}, Python {platform.python_version()}{gpu}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="seed-settings,ours")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--tokens", type=int, default=1024,
                        help="tokens every configuration writes per page (random weights never stop on their own)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--emulate-avx2", action="store_true",
                        help="cap torch and oneDNN to AVX2 (ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2): "
                             "measure an AVX2-only host's figures on a newer CPU (auto then picks fp32)")
    parser.add_argument("--match-tokens", action="store_true",
                        help="the first configuration runs first; every other one is then given, page by page, the "
                             "token count the first wrote as its budget (under the grammar a random model can close "
                             "its JSON early, so a shared --tokens budget does not make the counts equal)")
    parser.add_argument("--page-tokens", help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    pages = [p for p in args.pages.split(",") if p]
    if args.worker:
        worker(ALIASES.get(args.worker, args.worker), pages, args.tokens, args.threads,
               json.loads(args.page_tokens) if args.page_tokens else None)
        return
    model_dir()
    rows, rss = [], {}
    configs = [ALIASES.get(c, c) for c in args.configs.split(",") if c]
    def run(name: str, run_pages: list[str], budgets: Optional[dict]) -> list[dict]:
        """One configuration in its own process: its rows (its peak RSS goes into ``rss``)."""
        cmd = [sys.executable, __file__, "--worker", name, "--pages", ",".join(run_pages), "--tokens", str(args.tokens)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        if budgets:
            cmd += ["--page-tokens", json.dumps(budgets)]
        env = dict(os.environ)
        if args.emulate_avx2:
            env.update(ATEN_CPU_CAPABILITY="avx2", ONEDNN_MAX_CPU_ISA="AVX2")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        got = []
        for line in out.splitlines():
            if line.startswith("{"):
                item = json.loads(line)
                if "peak_rss_gb" in item:
                    peak, after = rss.get(item["config"], (0.0, 0.0))
                    rss[item["config"]] = (max(peak, item["peak_rss_gb"]), max(after, item["rss_gb"]))
                else:
                    got.append(item)
                    print(json.dumps(item), file=sys.stderr)
        return got

    page_tokens = None
    for name in configs:
        rows += run(name, pages, page_tokens)
        if args.match_tokens and page_tokens is None:
            page_tokens = {r["page"]: r["tokens_out"] for r in rows if r["config"] == name}
            print(f"--match-tokens: budgets from {name}: {page_tokens}", file=sys.stderr)
    if args.match_tokens:
        # A configuration that closed its answer early cannot be made to write more: the ones that wrote more
        # on that page run it again with the smallest count as their budget (the parallel decoder's tokens
        # are counted otherwise — values only — and are left as they are).
        counted = [r for r in rows if not r.get("stages")]
        least = {p: min(r["tokens_out"] for r in counted if r["page"] == p) for p in pages
                 if any(r["page"] == p for r in counted)}
        redo: dict[str, list[str]] = {}
        for r in counted:
            if r["tokens_out"] > least[r["page"]]:
                redo.setdefault(r["config"], []).append(r["page"])
        for name, again in redo.items():
            print(f"--match-tokens: {name} again on {again} with {[least[p] for p in again]} tokens", file=sys.stderr)
            fresh = run(name, again, {p: least[p] for p in again})
            rows = [r for r in rows if not (r["config"] == name and r["page"] in again)] + fresh
        rows.sort(key=lambda r: (configs.index(r["config"]), pages.index(r["page"])))
    print(f"\nMachine: {machine()}" + (" — capped to AVX2 (ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2)"
                                        if args.emulate_avx2 else "") + "\n")
    print("| config | page | dtype | tiles | prompt tok | preprocess s (OCR s) | vision s | prefill s | decode s "
          "| other s | tokens / passes | passes per 1,000 tok | drafts kept / sent | page s, measured to the end "
          "| RSS GB peak / after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        per_k = 1000 * r["forward_passes"] / max(r["tokens_out"], 1)
        other = r["total_s"] - r["preprocess_s"] - r["vision_s"] - r["prefill_s"] - r["decode_s"]
        stages = r.get("stages")
        passes = f"{r['forward_passes']}" + (" (" + " + ".join(f"{p} in {n} rows" for n, p in stages) + " + prefill)"
                                             if stages else "")
        print(f"| {r['config']} | {r['page']} | {r['dtype']} | {r['tiles']} | {r['prompt_tokens']} | "
              f"{r['preprocess_s']:.1f} ({r.get('ocr_s', 0):.1f}) | {r['vision_s']:.1f} | {r['prefill_s']:.1f} | "
              f"{r['decode_s']:.1f} | {other:.1f} | {r['tokens_out']} / {passes} | {per_k:.0f} | "
              f"{'%d / %d' % tuple(r['drafts']) if r.get('drafts') else '-'} | "
              f"{r['total_s']:.1f} | {rss.get(r['config'], (0, 0))[0]:.1f} / {rss.get(r['config'], (0, 0))[1]:.1f} |")
    if REFERENCE in configs:
        for other in configs:
            if other == REFERENCE:
                continue
            for page in pages:
                ref = next((r for r in rows if r["config"] == REFERENCE and r["page"] == page), None)
                ours = next((r for r in rows if r["config"] == other and r["page"] == page), None)
                if ref and ours and ours["total_s"] and ref["tokens_out"] != ours["tokens_out"]:
                    print(f"\n{page}: {other} wrote {ours['tokens_out']} tokens, {REFERENCE} {ref['tokens_out']}: not the "
                          "same answer length, no ratio", end="")
                elif ref and ours and ours["total_s"]:
                    print(f"\n{page}: {other} is {ref['total_s'] / ours['total_s']:.2f}x {REFERENCE}, measured to the "
                          f"end of the answer ({ref['total_s']:.1f} s, {ref['tokens_out']} tokens in "
                          f"{ref['forward_passes']} passes → {ours['total_s']:.1f} s, {ours['tokens_out']} tokens in "
                          f"{ours['forward_passes']} passes)", end="")
        print()


if __name__ == "__main__":
    main()
