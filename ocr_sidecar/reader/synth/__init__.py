"""Synthetic business documents as word layers, with their gold values: training data for the words reader.

The words reader (issue #33) ranks, for each header field, candidate values found among a page's words. It learns
from documents generated here, never from the evaluation documents. ``generate(rng)`` prints one invoice, credit
note, purchase order, order confirmation or receipt as the word layer a PDF's text layer (``born_digital``) or
OCR of a scan or a photo would give, and its gold: the canonical document (``schema.Document``) of what is printed,
each header value findable among the words as the reader of printed values (``printed.py``) reads it. Gold keeps
the true values also where OCR noise misprints them: a reader that reads a scan wrong is measured as wrong.

What varies, chosen at random per document:
- language (en, de, fr, nl, es, it) and country: number formats (1,234.56 · 1.234,56 · 1 234,56 · 1'234.56 ·
  1234,56), date formats (numeric in the country's order, month names, US forms), currency as code or symbol,
  before or after, only in a column header, a note, the total's label, or nowhere; credit notes printed negative;
- labels from several synonyms each, titles; header layouts: label and value rows, "Label: value", a grid of
  labels over values, a key-value block at the top right, the number in the title, an inline "Invoice 42 of
  5 March 2024", the date as a "City, date" line;
- parties: the issuer at the top left or right, or only a large name with its address in the footer; VAT ids and
  IBANs with valid check digits, compact or grouped; a buyer at the window position with or without a label,
  return-address lines, ship-to blocks, footers with bank, registration numbers, phone, e-mail and web;
- distractors near the real values: order and delivery dates, service periods, customer, delivery-note and
  quote numbers, the invoice a credit note corrects, page numbers, discounts, shipping, deposits (an amount due
  below the total), carried-forward subtotals on multi-page documents, tax summary tables, card slips;
- tables with columns in varying order, wrapped descriptions, units, discounts, per-line VAT rates; receipts
  printed narrow and long;
- layout families common in real business documents (``family.py``; a document may have several, a
  receipt none; about one document in six to nine each, half stay plain letters): form-style ERP print-outs and
  e-invoice visualisations (section headings over label and value rows, ``form.py``), many labelled
  references near a long structured document number, tax summary tables with category codes, exemption reasons
  and zero-rate rows or each rate's base and tax on lines of their own (``taxes.py``), the issuer's name
  printed two ways (gold: as its own block prints it), credit notes printing every amount negative with the
  invoice they correct;
- the capture: a born-digital text layer (tight glyph boxes), a scan (turned 0.3-2 degrees, OCR line-high boxes,
  misread characters, split and merged words, confidences) or a photo (turned up to 4 degrees, perspective
  drift, the page not filling the frame, more noise).

    for sample in samples(seed=7, count=1000):
        sample.layers, sample.gold, sample.kind, sample.lang, sample.doc_type, sample.style

The parts: ``content.py`` (what a document says, and ``Style``: how it prints), ``ids.py`` (VAT ids,
IBANs, references with valid check digits), ``print.py`` (pages, the gold-recording writer, receipts),
``document.py``, ``table.py``, ``form.py`` and ``taxes.py`` (A4 documents),
``family.py`` (the layout families), ``text.py``, ``labels.py`` and ``world.py`` (what they
print); this module draws a document and captures its pages (``capture``).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Iterator, Optional

from ...words import Word, WordLayer, assign_lines
from . import family
from . import text as T
from . import world as W
from .content import Style, content, weighted
from .document import Document
from .form import FormDocument
from .print import Page, Receipt

KINDS = ("born_digital", "scan", "photo")
DOC_TYPES = (("invoice", 48), ("credit_note", 14), ("purchase_order", 10), ("sales_order", 10), ("receipt", 18))


@dataclass
class Sample:
    layers: list[WordLayer]  # one per page, words in reading order (``words.assign_lines``)
    gold: dict  # the canonical document of what is printed (validates with ``schema.Document``)
    kind: str  # "born_digital" | "scan" | "photo"
    lang: str
    doc_type: str
    style: dict = field(default_factory=dict)  # how it was printed: header layout, date and number formats, ...


def samples(seed: int, count: int, kinds=KINDS, weights=(0.5, 0.3, 0.2)) -> Iterator[Sample]:
    """``count`` documents from ``seed``: the same seed gives the same documents, each drawn on its own (a change
    to how one document is drawn leaves the others as they were)."""
    for index in range(count):
        rng = random.Random(f"{seed}/{index}")
        yield generate(rng, rng.choices(kinds, weights)[0])


def generate(rng: random.Random, kind: Optional[str] = None) -> Sample:
    """One document, printed and captured as ``kind`` (drawn 0.5 / 0.3 / 0.2 when not given)."""
    kind = kind or rng.choices(KINDS, (0.5, 0.3, 0.2))[0]
    doc_type = weighted(rng, DOC_TYPES)
    lang = rng.choice(T.LANGS)
    country = weighted(rng, W.COUNTRIES[lang])
    style = Style.draw(rng, lang, country, doc_type)
    style.families = family.draw(rng, doc_type, country)
    doc = content(rng, style, doc_type)
    family.apply(rng, style, doc)
    printer = Receipt if doc_type == "receipt" else FormDocument if "form" in style.families else Document
    writer = printer(rng, style, doc)
    pages = writer.write()
    layers, pose = [], {}
    for page in pages:
        layer, pose = capture(rng, page, kind)
        layers.append(layer)
    info = {"country": country, "families": sorted(style.families), "date_format": style.date_format,
            "numbers": style.amount(123456),
            "currency": style.cur_mode, "pages": len(pages), **writer.info, **pose}
    return Sample(layers, writer.gold, kind, lang, doc_type, info)


# --- capture: the words as a PDF's text layer or an OCR of a scan or photo gives them -----------------------

CONFUSIONS = {"O": "0", "0": "O", "o": "0", "l": "1", "1": "l", "I": "1", "i": "l", "S": "5", "5": "S", "B": "8",
              "8": "B", "Z": "2", "G": "6", "6": "G", "e": "c", "c": "e", "u": "v", "é": "e", "è": "e", "à": "a",
              "ü": "u", "ä": "a", "ö": "o", "ß": "B", "€": "E", "£": "E", "ñ": "n", "°": "o", "º": "o", "rn": "m",
              "m": "rn"}
TALL = re.compile(r"[A-Z0-9bdfhklt!?/()\[\]{}|'\"%&#@$€£ÄÖÜÉÈÀßäöüéèàç]")
DEEP = re.compile(r"[gjpqyQ,;()\[\]{}|çµ]")


def capture(rng: random.Random, page: Page, kind: str) -> tuple[WordLayer, dict]:
    """The word layer of a printed page: tight glyph boxes from a text layer, or OCR's line-high boxes off a
    turned (and for photos, distorted and framed) page image, with misreadings; and how the page was posed."""
    W, H = page.width, page.height
    ocr = kind != "born_digital"
    items = []
    for w in page.words:
        if ocr:
            pad = w.size * 0.08
            top, bottom, x0, x1 = w.base - 0.8 * w.size - pad, w.base + 0.25 * w.size + pad, w.x0 - pad, w.x1 + pad
        else:
            top = w.base - (0.72 if TALL.search(w.text) else 0.52) * w.size
            bottom = w.base + (0.21 if DEEP.search(w.text) else 0.01) * w.size
            x0, x1 = w.x0, w.x1
        items.append([w.text, x0 / W, top / H, x1 / W, bottom / H, w.group, 1.0])
    if not ocr:
        words = [Word(t, (max(x0, 0.0), max(y0, 0.0), min(x1, 1.0), min(y1, 1.0)))
                 for t, x0, y0, x1, y1, _, _ in items if x0 < 1 and y0 < 1]  # what is off the page is not there
        return WordLayer("pdf", assign_lines(words)), {}
    photo = kind == "photo"
    items = _misread(rng, items, rng.uniform(0.05, 0.12) if photo else rng.uniform(0.02, 0.06), photo)
    degrees = rng.uniform(0.3, 4.0 if photo else 2.0) * rng.choice([-1, 1])
    drift = math.radians(rng.uniform(-1.2, 1.2)) if photo else 0.0  # the angle changes along the page
    keystone = rng.uniform(-0.05, 0.05) if photo else 0.0  # one end of the page wider than the other
    scale = rng.uniform(0.78, 0.98) if photo and rng.random() < 0.7 else rng.uniform(0.97, 1.0)
    ox, oy = rng.uniform(-1, 1) * (1 - scale) / 2, rng.uniform(-1, 1) * (1 - scale) / 2
    aspect = H / W
    angle = math.radians(degrees)
    jitter = 0.0012 if photo else 0.0007

    def pose(x: float, y: float) -> tuple[float, float]:
        a = angle + drift * (y - 0.5)
        cos, sin = math.cos(a), math.sin(a)
        dx, dy = (x - 0.5) * (1 + keystone * (y - 0.5) * 2), (y - 0.5) * aspect
        return 0.5 + ox + scale * (dx * cos - dy * sin), 0.5 + oy + scale * (dx * sin + dy * cos) / aspect

    words = []
    for text, x0, y0, x1, y1, _, confidence in items:
        corners = [pose(x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        box = (min(c[0] for c in corners) + rng.uniform(-jitter, jitter),
               min(c[1] for c in corners) + rng.uniform(-jitter, jitter) / aspect,
               max(c[0] for c in corners) + rng.uniform(-jitter, jitter),
               max(c[1] for c in corners) + rng.uniform(-jitter, jitter) / aspect)
        if box[2] <= 0 or box[3] <= 0 or box[0] >= 1 or box[1] >= 1:
            continue
        box = tuple(min(1.0, max(0.0, v)) for v in box)
        if box[2] > box[0] and box[3] > box[1]:
            words.append(Word(text, box, confidence=round(confidence, 3)))
    return WordLayer("ocr", assign_lines(words)), {"angle": round(degrees, 2)}


def _misread(rng: random.Random, items: list, rate: float, photo: bool) -> list:
    """OCR's mistakes on a share ``rate`` of the words: a confused character (O/0, l/1, S/5, B/8, rn/m, accents),
    a character dropped or doubled, a decimal separator misread, a word split in two or merged with its
    neighbour; confidences lower on the words misread."""
    out = []
    skip = False
    for index, item in enumerate(items):
        if skip:
            skip = False
            continue
        text, x0, y0, x1, y1, group, _ = item
        confidence = rng.uniform(0.7, 0.98) if photo else rng.uniform(0.86, 0.99)
        if photo and rng.random() < 0.004:
            continue  # not read at all
        if rng.random() < rate:
            confidence = rng.uniform(0.45, 0.8) if photo else rng.uniform(0.6, 0.85)
            op = rng.random()
            if op < 0.5:
                text = _confuse(rng, text)
            elif op < 0.6 and len(text) > 2:
                k = rng.randrange(len(text))
                text = text[:k] + text[k + 1:]
            elif op < 0.7:
                k = rng.randrange(len(text))
                text = text[:k] + text[k] + text[k:]
            elif op < 0.82 and len(text) >= 4:
                k = rng.randint(1, len(text) - 1)
                cut = x0 + (x1 - x0) * k / len(text)
                out.append([text[:k], x0, y0, cut, y1, group, confidence])
                text, x0 = text[k:], cut + (x1 - x0) * 0.02
            elif op < 0.95 and index + 1 < len(items) and items[index + 1][5] == group:
                nxt = items[index + 1]
                text, x1, y0, y1 = text + nxt[0], nxt[3], min(y0, nxt[2]), max(y1, nxt[4])
                skip = True
            elif "," in text or "." in text:
                text = text.translate(str.maketrans(",.", ".,"))
            else:
                text = _confuse(rng, text)
        out.append([text, x0, y0, x1, y1, group, confidence])
    return out


def _confuse(rng: random.Random, text: str) -> str:
    spots = [(i, key) for key in CONFUSIONS for i in range(len(text)) if text.startswith(key, i)]
    if not spots:
        return text
    i, key = rng.choice(spots)
    return text[:i] + CONFUSIONS[key] + text[i + len(key):]
