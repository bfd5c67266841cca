"""OCR of scans and photos into a word layer, on the CPU, with weights that ship inside a PyPI wheel.

Engine: RapidOCR 3 with the PP-OCRv6 small detection/recognition models and the PP-OCR line orientation
classifier that its wheel carries (chosen by measurement: benchmarks/README.md, "OCR engine for scans and
photos"). The model paths are given explicitly — a model not in the wheel would be fetched from a hub on
first use, which neither this machine nor many customers' networks can reach. Detection works on the
image scaled to a longest side of 960 px (as accurate on invoices as the default and 3× faster).

Photos are turned upright by their EXIF orientation first (inputs.py); RapidOCR's classifier then turns
upside-down text lines (0/180°). It does not detect a page turned by 90°: such a page comes back with few
words and a warning, and the model still reads the pixels.

Runs in the sandbox worker (sandbox.py) like every other decoder of untrusted input; the engine is loaded
once per worker, on first use.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Optional

from PIL import Image

from .words import Word, WordLayer, assign_lines

log = logging.getLogger("ocr_sidecar.ocr")

DETECTION_SIDE = 960
_ENGINE: Optional[Any] = None
_LOCK = threading.Lock()


class OcrUnavailable(RuntimeError):
    """The OCR package is not installed; the page is read from its pixels alone."""


def _engine():
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            try:
                import rapidocr
                from rapidocr import RapidOCR
            except ImportError as exc:
                raise OcrUnavailable(f"OCR is not installed ({exc}): pip install rapidocr onnxruntime") from None
            models = Path(rapidocr.__file__).parent / "models"
            params = {"Det.model_path": str(models / "PP-OCRv6_det_small.onnx"),
                      "Rec.model_path": str(models / "PP-OCRv6_rec_small.onnx"),
                      "Cls.model_path": str(models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
                      "Det.limit_type": "max", "Det.limit_side_len": DETECTION_SIDE,
                      "Global.use_cls": True, "Global.log_level": "warning"}
            for key in ("Det.model_path", "Rec.model_path", "Cls.model_path"):
                if not Path(params[key]).is_file():  # never let it reach for a hub
                    raise OcrUnavailable(f"the OCR model {params[key]} is not in the installed rapidocr wheel")
            _ENGINE = RapidOCR(params=params)
        return _ENGINE


def read_words(image: Image.Image) -> WordLayer:
    """The word layer of a page image (RGB, upright by EXIF): words with boxes (0..1) and confidences."""
    import numpy as np

    engine = _engine()
    width, height = image.size
    # RapidOCR takes a numpy array as BGR (OpenCV's order)
    out = engine(np.asarray(image.convert("RGB"))[:, :, ::-1], return_word_box=True)
    words: list[Word] = []
    for line in (getattr(out, "word_results", None) or ()):
        for text, confidence, quad in line:
            text = (text or "").strip()
            if not text:
                continue
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            box = (max(0.0, min(xs) / width), max(0.0, min(ys) / height), min(1.0, max(xs) / width),
                   min(1.0, max(ys) / height))
            words.append(Word(text, box, confidence=float(confidence)))
    return WordLayer("ocr", assign_lines(words))
