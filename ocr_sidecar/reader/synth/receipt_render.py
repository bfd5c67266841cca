"""A generated receipt's page (``print.Page``, words in mm) as the file an employee sends: an image drawn with a
system TrueType font (else Pillow's own), degraded as a flatbed scan or a phone photo, or a one-page PDF with a
text layer."""

from __future__ import annotations

import math
import random
from pathlib import Path

from .print import Page

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation", "/usr/share/fonts/TTF",
             "/usr/share/fonts/dejavu", "/Library/Fonts")
FONT_FILES = {(True, False): ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf"),
              (True, True): ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf"),
              (False, False): ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
              (False, True): ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")}
_FONTS: dict = {}


def _font(mono: bool, bold: bool, px: int):
    """A TrueType font of the system (DejaVu, Liberation), else Pillow's own scalable font."""
    from PIL import ImageFont

    key = (mono, bold, px)
    if key not in _FONTS:
        font = None
        for directory in FONT_DIRS:
            for file in FONT_FILES[(mono, bold)]:
                if (Path(directory) / file).is_file():
                    font = ImageFont.truetype(str(Path(directory) / file), px)
                    break
            if font:
                break
        _FONTS[key] = font or ImageFont.load_default(px)
    return _FONTS[key]


def render(page: Page, px_per_mm: float, thermal: float = 0.0):
    """The printed page as a greyscale image: each word drawn at its place, stretched to the width the layout gave
    it (the layout measures with average glyph widths); ``thermal`` fades the print (0 black, 1 pale)."""
    from PIL import Image

    width, height = max(1, round(page.width * px_per_mm)), max(1, round(page.height * px_per_mm))
    image = Image.new("L", (width, height), 255)
    ink = int(20 + 120 * thermal)
    for word in page.words:
        px = max(6, round(word.size * page.font * px_per_mm))
        bold = False
        font = _font(page.mono, bold, px)
        box = font.getbbox(word.text)
        glyphs = Image.new("L", (max(1, box[2]), max(1, round(px * 1.25))), 255)
        from PIL import ImageDraw

        ImageDraw.Draw(glyphs).text((0, 0), word.text, font=font, fill=ink)
        target = max(1, round((word.x1 - word.x0) * px_per_mm))
        if abs(target - glyphs.width) > 1:
            glyphs = glyphs.resize((target, glyphs.height), Image.BILINEAR)
        top = round(word.base * px_per_mm - font.getmetrics()[0])
        image.paste(glyphs, (round(word.x0 * px_per_mm), top), Image.eval(glyphs, lambda v: 255 - v))
    return image


def scan(rng: random.Random, image):
    """A flatbed scan: turned 0.3-1.5 degrees, a grey cast and a little noise."""
    from PIL import Image, ImageFilter

    degrees = rng.uniform(0.3, 1.5) * rng.choice([-1, 1])
    image = image.rotate(degrees, Image.BICUBIC, expand=True, fillcolor=235)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.6)))
    return _noise(rng, image, rng.uniform(2, 6)), {"angle": round(degrees, 2)}


def photograph(rng: random.Random, image):
    """A phone photo of the paper lying on a table: the paper off-white on a darker ground, turned, in perspective
    (one end nearer the camera), lit unevenly, blurred a little, noisy."""
    import numpy as np
    from PIL import Image, ImageFilter

    paper = Image.eval(image, lambda v: int(v * rng.uniform(0.86, 0.97)) if v > 200 else v)
    w, h = paper.size
    margin_x, margin_y = int(w * rng.uniform(0.08, 0.35)), int(h * rng.uniform(0.03, 0.12))
    ground = rng.randint(60, 150)
    canvas = Image.new("L", (w + 2 * margin_x, h + 2 * margin_y), ground)
    canvas.paste(paper, (margin_x, margin_y))
    degrees = rng.uniform(0.5, 7.0) * rng.choice([-1, 1])
    canvas = canvas.rotate(degrees, Image.BICUBIC, expand=False, fillcolor=ground)
    W_, H_ = canvas.size
    keystone = rng.uniform(0.0, 0.12) * W_  # the far end narrower
    coeffs = _perspective([(0, 0), (W_, 0), (W_, H_), (0, H_)],
                          [(keystone, 0), (W_ - keystone, 0), (W_, H_), (0, H_)])
    canvas = canvas.transform(canvas.size, Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=ground)
    pixels = np.asarray(canvas, dtype=np.float32)
    ys, xs = np.mgrid[0:H_, 0:W_].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xs / W_ - 0.5) * math.cos(angle) + (ys / H_ - 0.5) * math.sin(angle)
    light = 1.0 - rng.uniform(0.1, 0.4) * (ramp + 0.5)
    pixels = pixels * light
    canvas = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.3)))
    return _noise(rng, canvas, rng.uniform(4, 10)), {"angle": round(degrees, 2), "keystone": round(keystone / W_, 3)}


def _perspective(target, source) -> list[float]:
    """PIL's PERSPECTIVE coefficients mapping ``target`` corners onto ``source`` corners."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in source for c in point], dtype=float)
    return list(np.linalg.solve(a, b))


def _noise(rng: random.Random, image, sigma: float):
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, sigma, (image.height, image.width))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8))


# --- a born-digital PDF ---------------------------------------------------------------------------------------

MM = 72 / 25.4


def pdf_bytes(page: Page) -> bytes:
    """The page as a one-page PDF with a text layer: each word in Courier (WinAnsi), scaled horizontally to the
    width the layout gave it — an e-receipt as a till system sends it."""
    ops = []
    for word in page.words:
        text = word.text.encode("cp1252", "replace")
        escaped = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        size = word.size * page.font * MM
        natural = 0.6 * size * len(word.text)
        scale = 100 * (word.x1 - word.x0) * MM / natural if natural else 100
        x, y = word.x0 * MM, (page.height - word.base) * MM
        ops.append(b"BT /F1 %.2f Tf %.1f Tz %.2f %.2f Td (" % (size, scale, x, y) + escaped + b") Tj ET")
    stream = b"\n".join(ops)
    width, height = page.width * MM, page.height * MM
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents 5 0 R >>" % (width, height),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    return pdf_file(objects, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def pdf_file(objects: list[bytes], header: bytes = b"%PDF-1.4\n") -> bytes:
    """A PDF file of ``objects`` (numbered from 1, the first the catalog) with its cross-reference table."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
