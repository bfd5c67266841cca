"""Bytes → pages: sniff the format, enforce limits, render PDFs, decode images.

Every refusal is an ``InvalidDocument`` whose message tells the user what is wrong and what to
send instead. Limits are checked *before* the expensive step (page count before rendering, pixel
count from the image header before decoding) so hostile input costs little.
"""

from __future__ import annotations

import io
import logging
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from PIL import Image, ImageOps

from .einvoice import read_einvoice as read_einvoice_stage
from .errors import InvalidDocument
from .formats import ALIASES, SUPPORTED_MIME_TYPES, sniff_mime  # noqa: F401 - SUPPORTED_MIME_TYPES: re-exported
from .types import DocumentInput, Opened, Page, Warning
from .words import pdf_words

log = logging.getLogger("ocr_sidecar.inputs")
TILE = 448
# PDF rendering: enough pixels for the tile budget, never more than this resolution (9-pt text is
# legible to the model at ~150 dpi; more only costs time).
MAX_RENDER_DPI = 200
MIN_RENDER_DPI = 72

# pdfium is not thread-safe: every call into it is serialised (rendering is a few 100 ms per page,
# small next to the model).
_PDFIUM_LOCK = threading.Lock()


@dataclass
class Limits:
    max_bytes: int
    max_pages: int
    max_pixels: int
    max_tiles: int = 12
    words: str = "auto"  # OCR_WORDS: auto (PDF text layer, else OCR), pdf (text layer only), off


@dataclass
class Loaded:
    doc: DocumentInput
    warnings: list[Warning] = field(default_factory=list)


def load_document(content: bytes, claimed_mime: str, filename: str, limits: Limits, *,
                  requested_pages: int = 0, render: bool = True) -> Loaded:
    """Validate and decode. ``render=False`` only sniffs and counts (the e-invoice path needs no pixels)."""
    if not content:
        raise InvalidDocument("The document is empty (0 bytes). Send the file's content.")
    if len(content) > limits.max_bytes:
        raise InvalidDocument(
            f"The document is {len(content) / 1048576:.1f} MiB; this server accepts at most "
            f"{limits.max_bytes / 1048576:.1f} MiB (OCR_MAX_BYTES). Send a smaller scan or split it.")
    mime = sniff_mime(content)
    if mime is None:
        raise InvalidDocument(
            "The document's format is not recognised: send a PDF, PNG, JPEG, TIFF or WebP file, or an "
            "e-invoice XML" + (f" ({filename!r} is none of these)" if filename else "") + ".")
    warnings: list[Warning] = []
    claimed = ALIASES.get(claimed_mime.strip().lower(), claimed_mime.strip().lower())
    if claimed and claimed != mime and claimed != "application/octet-stream":
        warnings.append(Warning("mime_mismatch",
                                f"The request said {claimed_mime!r} but the bytes are {mime}; read as {mime}."))
    max_pages = limits.max_pages if requested_pages <= 0 else min(requested_pages, limits.max_pages)
    doc = DocumentInput(content=content, mime_type=mime, filename=filename)
    if mime == "application/pdf":
        _load_pdf(doc, limits, max_pages, warnings)
        if render:
            render_pages(doc, limits)
    elif mime == "application/xml":
        doc.total_pages = 0
    else:
        _load_image(doc, limits, max_pages, warnings)
    return Loaded(doc, warnings)


def open_document(content: bytes, claimed_mime: str, filename: str, limits: Limits, *, requested_pages: int = 0,
                  read_einvoice: bool = True, render: bool = True) -> Opened:
    """Every step that parses the untrusted bytes, in one call: sniff and count, read an embedded or
    uploaded e-invoice XML (``read_einvoice``), else render the PDF's pages (``render``). The server runs it in a
    limited worker process (``sandbox.py``); what comes back holds no copy of ``content``."""
    loaded = load_document(content, claimed_mime, filename, limits, requested_pages=requested_pages, render=False)
    doc, warnings = loaded.doc, list(loaded.warnings)
    einvoice, ocr_ms = None, 0
    tried = read_einvoice and doc.mime_type in ("application/pdf", "application/xml")
    if tried:
        einvoice = read_einvoice_stage(content, doc.mime_type, warnings)
    if einvoice is None and render:
        render_pages(doc, limits)
        if limits.words == "auto":
            ocr_started = time.perf_counter()
            warnings += ocr_pages(doc)
            ocr_ms = int((time.perf_counter() - ocr_started) * 1000)
    return Opened(doc.mime_type, doc.pages, doc.total_pages, warnings, einvoice, tried, ocr_ms)


def open_words(content: bytes, claimed_mime: str, filename: str, limits: Limits, requested_pages: int = 0,
               read_einvoice: bool = True) -> Opened:
    """``open_document`` for a words-only request: the e-invoice answer when there is one, else the pages'
    word layers — a PDF's text layer, OCR (``limits.words`` auto) for the pages without one, which alone are
    rendered — and no pixels in what comes back (the words are the answer)."""
    loaded = load_document(content, claimed_mime, filename, limits, requested_pages=requested_pages, render=False)
    doc, warnings = loaded.doc, list(loaded.warnings)
    einvoice = read_einvoice_stage(content, doc.mime_type, warnings) if read_einvoice else None
    if einvoice is not None:
        return Opened(doc.mime_type, [], doc.total_pages, warnings, einvoice, True)
    if doc.mime_type == "application/xml":
        raise InvalidDocument("The XML is not an e-invoice this server reads (Factur-X/ZUGFeRD/XRechnung CII, UBL, "
                              "Order-X). Send the PDF or an image of the document instead.")
    ocr_ms = 0
    if limits.words == "auto" and any(page.words is None for page in doc.pages):
        scans = [page for page in doc.pages if page.words is None]
        if doc.mime_type == "application/pdf":
            _render_some(doc, scans, limits)
        started = time.perf_counter()
        warnings += ocr_pages(doc)
        ocr_ms = int((time.perf_counter() - started) * 1000)
    for page in doc.pages:
        page.image = None
    return Opened(doc.mime_type, doc.pages, doc.total_pages, warnings, None, read_einvoice, ocr_ms)


def _render_some(doc: DocumentInput, pages: list[Page], limits: Limits) -> None:
    """Render only ``pages`` of the PDF (those without a text layer, for OCR)."""
    others = [page for page in doc.pages if page not in pages]
    for page in others:
        page.image = Image.new("RGB", (1, 1))  # placeholder: render_pages skips pages that have an image
    try:
        render_pages(doc, limits)
    finally:
        for page in others:
            page.image = None


def render_scale(width_pt: float, height_pt: float, max_tiles: int, max_pixels: int) -> float:
    """Scale (pixels per point) so the page fills the tile budget but stays under the pixel limit."""
    area_pt = max(width_pt * height_pt, 1.0)
    budget_px = min(max_tiles * TILE * TILE, max_pixels)
    scale = math.sqrt(budget_px / area_pt)
    return max(MIN_RENDER_DPI / 72, min(scale, MAX_RENDER_DPI / 72, math.sqrt(max_pixels / area_pt)))


def _load_pdf(doc: DocumentInput, limits: Limits, max_pages: int, warnings: list[Warning]) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(doc.content)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise InvalidDocument("The PDF is encrypted (password protected). Send it without a password.") from None
            raise InvalidDocument("The PDF cannot be read: it is damaged or truncated. Send the complete file "
                                  "(re-export or re-scan it).") from None
        try:
            total = len(pdf)
            if total == 0:
                raise InvalidDocument("The PDF has no pages.")
            if total > limits.max_pages:
                raise InvalidDocument(
                    f"The PDF has {total} pages; this server reads at most {limits.max_pages} (OCR_MAX_PAGES). "
                    "Send the pages of one document only.")
            doc.total_pages = total
            if total > max_pages:
                warnings.append(Warning("pages_skipped", f"Only the first {max_pages} of {total} pages were read "
                                                         "(max_pages of the request).", serious=True))
            for index in range(min(total, max_pages)):
                page = pdf[index]
                try:
                    doc.pages.append(_pdf_page(index, page, limits.words))
                finally:
                    page.close()
        finally:
            pdf.close()


def render_pages(doc: DocumentInput, limits: Limits) -> None:
    """Render the PDF pages that ``load_document(render=False)`` counted (after the e-invoice path declined)."""
    if doc.mime_type != "application/pdf" or all(p.image is not None for p in doc.pages):
        return
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(doc.content)
        try:
            for page_info in doc.pages:
                page = pdf[page_info.index]
                try:
                    width, height = page.get_size()
                    scale = render_scale(width, height, limits.max_tiles, limits.max_pixels)
                    try:
                        page_info.image = page.render(scale=scale).to_pil().convert("RGB")
                    except pdfium.PdfiumError:
                        raise InvalidDocument(f"Page {page_info.index + 1} of the PDF cannot be rendered: the file "
                                              "is damaged. Re-export or re-scan it.") from None
                finally:
                    page.close()
        finally:
            pdf.close()


def ocr_pages(doc: DocumentInput) -> list[Warning]:
    """OCR the rendered pages that have no word layer (scans, photos, PDF pages without text); a page the OCR
    cannot read still goes to the model, with a warning. OCR never turns a readable document into an error."""
    from . import sandbox
    from .ocr import OcrUnavailable, read_page

    warnings: list[Warning] = []
    for page in doc.pages:
        if page.image is None or page.words is not None:
            continue
        sandbox.rearm_cpu()  # seconds a page: each page gets the document's CPU budget
        try:
            layer, upright = read_page(page.image)
        except MemoryError:  # over the memory limit: the sandbox says so
            raise
        except OcrUnavailable as exc:
            return [Warning("ocr_unavailable", f"No OCR on this server ({exc}); the pages were read from their "
                                               "pixels alone.")]
        except Exception as exc:  # noqa: BLE001 - OCR is a help, never the reason a document fails
            log.warning("OCR failed on page %d: %s", page.index + 1, exc)
            layer = None
        if layer is None or not layer.words:
            warnings.append(Warning("no_words_found", f"Page {page.index + 1}: OCR found no words (blank, noise or "
                                                      "unreadable); it was read from its pixels alone."))
            continue
        page.words, page.text, page.image = layer, layer.text(), upright  # the model reads the page upright
    return warnings


def _pdf_page(index: int, page, words: str) -> Page:
    """A PDF page before rendering: its word layer from the text layer (none for a scan, or ``words`` off)."""
    if words == "off":
        return Page(index=index, image=None)
    try:
        layer = pdf_words(page)
    except MemoryError:  # over the memory limit: not a damaged file (sandbox.py)
        raise
    except Exception:  # noqa: BLE001 - a page without a usable text layer is still a page (scans)
        return Page(index=index, image=None)
    if not layer.words:
        return Page(index=index, image=None)
    return Page(index=index, image=None, text=layer.text(), words=layer)


def _load_image(doc: DocumentInput, limits: Limits, max_pages: int, warnings: list[Warning]) -> None:
    kind = doc.mime_type.split("/")[1].upper()
    try:
        # Image.open reads the header only: size and frame count are known before any pixel is decoded.
        with Image.open(io.BytesIO(doc.content)) as img:
            frames = getattr(img, "n_frames", 1)
            if frames > limits.max_pages:
                raise InvalidDocument(f"The {kind} image has {frames} pages; this server reads at most "
                                      f"{limits.max_pages} (OCR_MAX_PAGES).")
            doc.total_pages = frames
            if frames > max_pages:
                warnings.append(Warning("pages_skipped", f"Only the first {max_pages} of {frames} pages were read "
                                                         "(max_pages of the request).", serious=True))
            read = min(frames, max_pages)
            for index in range(read):
                img.seek(index)
                width, height = img.size
                if width * height > limits.max_pixels:
                    raise InvalidDocument(_too_many_pixels(kind, width, height, limits.max_pixels))
                if width < 16 or height < 16:
                    raise InvalidDocument(f"The image is only {width}×{height} pixels: too small to hold a document.")
                frame = ImageOps.exif_transpose(img) if index == 0 else img.copy()
                share = -(-max(limits.max_tiles, read) // read)  # the page's share of the tile budget
                doc.pages.append(Page(index=index, image=_fit_budget(_to_rgb(frame), share)))
    except InvalidDocument:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's own guard fired in Image.open (over twice its limit), before our check above could say
        # how large the image is and what this server accepts: both are read from the header here instead.
        width, height = _header_size(doc.content, doc.mime_type) or (0, 0)
        if width and height:
            raise InvalidDocument(_too_many_pixels(kind, width, height, limits.max_pixels)) from None
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        raise InvalidDocument(f"The {kind} image has {int(pixels.group(1)) if pixels else 0:,} pixels; this server "
                              f"accepts at most {limits.max_pixels:,} pixels per page (OCR_MAX_PIXELS). Send a "
                              "smaller scan (150–300 dpi).") from None
    except MemoryError:  # over the memory limit: not a damaged file (sandbox.py)
        raise
    except Exception as exc:  # noqa: BLE001 - PIL's plugins raise many types on malformed files
        detail = re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-f]+>", "", str(exc)).strip()
        raise InvalidDocument(f"The {kind} image cannot be decoded: it is damaged or truncated"
                              + (f" ({detail})" if detail else "") + ". Send the complete file.") from None


def _too_many_pixels(kind: str, width: int, height: int, limit: int) -> str:
    return (f"The {kind} image is {width:,}×{height:,} pixels ({width * height:,}); this server accepts at most "
            f"{limit:,} pixels per page (OCR_MAX_PIXELS). Send a smaller scan (150–300 dpi).")


def _header_size(content: bytes, mime_type: str) -> Optional[tuple[int, int]]:
    """Width and height from the image's header, without Pillow's decompression-bomb guard (which refuses to
    open it at all); None when they cannot be read. Nothing is decoded: the plugin reads the header only."""
    from PIL import JpegImagePlugin, PngImagePlugin, TiffImagePlugin, WebPImagePlugin

    plugin = {"image/png": PngImagePlugin.PngImageFile, "image/jpeg": JpegImagePlugin.JpegImageFile,
              "image/tiff": TiffImagePlugin.TiffImageFile, "image/webp": WebPImagePlugin.WebPImageFile}.get(mime_type)
    if plugin is None:
        return None
    try:
        with plugin(io.BytesIO(content)) as img:
            return img.size
    except Exception:  # noqa: BLE001 - a header the plugin cannot read: the caller says what it can
        return None


# Pages keep at most this many times the pixels of their share of the tile budget (the engine splits it
# over the pages): every tile the engine can take is still there (a page this large gets its whole share
# either way), and the server's memory per page is bounded by the budget, not by OCR_MAX_PIXELS (a 40 Mpx
# scan is 120 MB of RGB; its pages travel from the sandbox to the server).
PAGE_PIXELS_PER_BUDGET = 4


# ... and never fewer than these (an A4 page at ~150 dpi: what OCR needs to read 9-pt print)
MIN_PAGE_PIXELS = 2_500_000


def _fit_budget(img: Image.Image, tiles: int) -> Image.Image:
    cap = max(PAGE_PIXELS_PER_BUDGET * tiles * TILE * TILE, MIN_PAGE_PIXELS)
    width, height = img.size
    if width * height <= cap:
        return img
    scale = math.sqrt(cap / (width * height))
    return img.resize((max(16, int(width * scale)), max(16, int(height * scale))), Image.Resampling.LANCZOS,
                      reducing_gap=3.0)


def _to_rgb(img: Image.Image) -> Image.Image:
    img.load()
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent areas of scans/screenshots are paper: composite on white, not black.
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")
