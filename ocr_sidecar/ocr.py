"""OCR of scans and photos into a word layer, on the CPU, with weights that ship inside a PyPI wheel.

Engine: RapidOCR 3 with the PP-OCRv6 small detection/recognition models and the PP-OCR line orientation
classifier that its wheel carries (chosen by measurement: benchmarks/README.md, "OCR engine for scans and
photos"). The model paths are given explicitly — a model not in the wheel would be fetched from a hub on
first use, which neither this machine nor many customers' networks can reach. Detection works on the
image scaled to a longest side of 960 px (as accurate on invoices as the default and 3× faster); a page
much longer than wide — a till receipt — at a longer side that keeps its width (``detection_side``).

Photos are turned upright by their EXIF orientation first (inputs.py). A page still turned (a scan fed
sideways, a photo without EXIF) is found from the OCR's own pass: RapidOCR turns a text line whose box is
much taller than wide by 90° before reading it, and its line classifier says which lines are upside down
(0/180°). Most lines tall → the page is turned by 90° one way or the other, and the classifier's verdict on
those lines says which; most lines upside down → 180°. Such a page is turned upright and read again, and
the model is given the upright page; the boxes sent back are mapped to the page as the file shows it
(``WordLayer.angle``). An upright page — nearly every page — costs nothing more.

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
# A page longer than this many times its width (a till receipt; A4 is 1.41) is detected at a longer side, so that
# its width keeps what an A4 page's gets: at 960 px a receipt three times as long as wide is detected 320 px wide
# and its small print is lost (benchmarks/README.md, "Receipts to expenses"). At most RapidOCR's own input limit
# (Global.max_side_len: it shrinks larger images to 2000 px before detection).
LONG_PAGE = 1.5
MAX_DETECTION_SIDE = 2000
_ENGINE: Optional[Any] = None
_LOCK = threading.Lock()
_CALL = threading.local()  # the detection side of the page being read, per thread


def detection_side(width: int, height: int) -> int:
    """The longest side, in pixels, the text detector sees a ``width`` × ``height`` page at: ``DETECTION_SIDE``, or
    for a page longer than ``LONG_PAGE`` times its width, that much more as it is longer (capped)."""
    short, long = min(width, height), max(width, height)
    if short <= 0 or long <= LONG_PAGE * short:
        return DETECTION_SIDE
    return min(MAX_DETECTION_SIDE, round(DETECTION_SIDE * long / (LONG_PAGE * short)))


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
            _ENGINE = _orientation_aware(RapidOCR)(params=params)
        return _ENGINE


def available() -> bool:
    """Whether pages can be OCRed here: the package and the weights its wheel carries are installed (it is
    loaded once, as the first page would load it)."""
    try:
        _engine()
    except OcrUnavailable:
        return False
    return True


def _orientation_aware(base):
    """RapidOCR that keeps, of its last pass, which detected lines were tall (turned by 90° before reading)
    and what its line classifier said of each (its two steps, extended; nothing else changes)."""

    class OrientationAwareOCR(base):
        last_tall: list[bool] = []
        last_labels: list[tuple[str, float]] = []

        def detect_and_crop(self, img, op_record):
            detector = self._load_det_model()
            if not getattr(detector, "sidecar_side", False):  # the detector's resize reads the page's side
                made = detector.get_preprocess

                def get_preprocess():
                    op = made()
                    op.limit_side_len = getattr(_CALL, "side", op.limit_side_len)
                    return op

                detector.get_preprocess, detector.sidecar_side = get_preprocess, True
            _CALL.side = detection_side(img.shape[1], img.shape[0])
            crops, det = super().detect_and_crop(img, op_record)
            self.last_tall = [_is_tall(box) for box in det.boxes]
            self.last_labels = []
            return crops, det

        def cls_and_rotate(self, img):
            crops, cls = super().cls_and_rotate(img)
            self.last_labels = [(str(label), float(score)) for label, score in (cls.cls_res or ())]
            return crops, cls

    return OrientationAwareOCR


def _is_tall(quad) -> bool:
    """RapidOCR's own rule for turning a line crop by 90° (its height ≥ 1.5 × its width)."""
    (x0, y0), (x1, y1), _, (x3, y3) = [(float(p[0]), float(p[1])) for p in quad[:4]]
    width = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    height = ((x3 - x0) ** 2 + (y3 - y0) ** 2) ** 0.5
    return width > 0 and height / width >= 1.5


MIN_LINES = 3  # lines needed before the page's orientation is judged from them
MAJORITY = 0.6
CLS_SURE = 0.9  # RapidOCR's own threshold for turning a line by 180°


def page_angle(tall: list[bool], labels: list[tuple[str, float]]) -> int:
    """Degrees (clockwise) to turn the page so that it reads upright, from the OCR pass's lines: whether
    each was tall (and so turned 90° counter-clockwise before reading) and the classifier's verdict on it."""
    if len(tall) < MIN_LINES or len(labels) != len(tall):
        return 0
    flipped = ["180" in label and score >= CLS_SURE for label, score in labels]
    tall_lines = [f for t, f in zip(tall, flipped) if t]
    if len(tall_lines) >= MAJORITY * len(tall):
        # a tall line turned counter-clockwise reads upright: the page was turned clockwise → turn it back
        # (270° clockwise); read upside down after that turn: the page was turned counter-clockwise → 90°
        return 90 if sum(tall_lines) > len(tall_lines) / 2 else 270
    flat_lines = [f for t, f in zip(tall, flipped) if not t]
    if flat_lines and sum(flat_lines) >= MAJORITY * len(flat_lines):
        return 180
    return 0


# turning clockwise by these degrees (PIL's transpose names the counter-clockwise turn)
_CLOCKWISE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def _words(out, width: int, height: int) -> list[Word]:
    words: list[Word] = []
    for line in (getattr(out, "word_results", None) or ()):
        for text, confidence, quad in line:
            text = (text or "").strip()
            if not text or quad is None:
                continue
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            box = (max(0.0, min(xs) / width), max(0.0, min(ys) / height), min(1.0, max(xs) / width),
                   min(1.0, max(ys) / height))
            words.append(Word(text, box, confidence=float(confidence)))
    return words


def read_page(image: Image.Image) -> tuple[WordLayer, Image.Image]:
    """The word layer of a page image (RGB, upright by EXIF) and the page upright: the image itself, or,
    for a page found turned, the image turned upright (``layer.angle`` degrees clockwise), which the
    layer's boxes (0..1) are on."""
    import numpy as np

    engine = _engine()

    def ocr(img: Image.Image):
        # RapidOCR takes a numpy array as BGR (OpenCV's order)
        return engine(np.asarray(img.convert("RGB"))[:, :, ::-1], return_word_box=True)

    out = ocr(image)
    angle = page_angle(list(engine.last_tall), list(engine.last_labels))
    if angle:
        log.info("page turned by %d° (OCR lines): read again upright", angle)
        image = image.transpose(_CLOCKWISE[angle])
        out = ocr(image)
    width, height = image.size
    return WordLayer("ocr", assign_lines(_words(out, width, height)), angle=angle), image


def read_words(image: Image.Image) -> WordLayer:
    """The word layer of a page image; its boxes are on the page turned upright (``read_page``)."""
    return read_page(image)[0]
