"""Till receipts of restaurants, taxis, fuel stations, hotels and shops as an employee brings them for an expense
(issue #35): printed on narrow thermal paper (58 or 80 mm; long ones too), rendered as images — a scan, or a phone
photo (turned, in perspective, unevenly lit, blurred, noisy, JPEG) — or as the born-digital PDF an e-receipt is,
with their gold in the canonical schema (``schema.Document``; document_type "receipt", the seller the merchant,
no buyer). The evaluation set of ``benchmarks/receipts_expenses.py`` and of the VLM's tiling measurement
(``benchmarks/receipt_tiling.py``).

    for sample in receipts(seed=35, count=60):  # or long_receipts(seed, count): 250 mm of paper and more
        sample.content, sample.filename, sample.gold, sample.trade, sample.capture, sample.lang, sample.country
    for sample in word_samples(seed, count):  # synth.Sample word layers, as the words reader's training takes

What varies, drawn per receipt from its own ``random.Random`` (nothing is taken from ``synth.samples``' stream: the
invoices the words reader is trained on are generated as before):
- the merchant's trade (restaurant, taxi, fuel, hotel, shop) and what it sells: dishes and drinks (two rates where
  the country taxes drinks apart), a fare with its distance and extras, litres at a price per litre, nights and
  breakfast with a city tax outside VAT, groceries (long receipts up to 40 items);
- language and country: en (GB, US, IE, IN, SE — Swedish merchants print in English here, as for travellers),
  de (DE, AT, CH), fr (FR, BE, CH), nl (NL, BE), es, it (IT, CH); the currency (EUR, GBP, USD, CHF, INR, SEK) as a
  symbol or code before or after, on the total or every amount, in a label, or nowhere; the country's number,
  date and time formats (14:05, 14:05:33, 2:05 PM, 14h05);
- tax as printed: included in the prices with a summary (a rate table of net, tax and gross, or "incl. 19 % VAT
  1.97" per rate, or none), one or two rates; US sales tax on top of a subtotal; India's GST with its CGST and
  SGST halves; a receipt without tax (a taxi that charges none);
- the payment: cash given and change, or a card slip (masked number, terminal, authorisation code); a customer
  copy, terms and loyalty lines at the foot (long receipts); distractor dates and numbers (a hotel's arrival and
  departure, a taxi's distance, a fuel pump, table and covers);
- the capture (``CAPTURES``): ``pdf`` (a text layer in Courier, as e-receipts are sent), ``scan`` (grey, 200 dpi,
  slightly turned) or ``photo`` (the paper on a table, turned up to 7 degrees, keystone perspective, light falling
  off across the paper, faded thermal print, blur, noise, JPEG 45-85).

The parts: ``receipt_content.py`` (trades, countries, merchants, what was bought, ``ReceiptStyle``),
``receipt_print.py`` (``TillReceipt``: the page, ``print.Page`` with words placed in mm as for the synthetic
documents, recorded by ``print.Writer``: a value enters the gold only where a word shows it), ``receipt_render.py``
(``render`` draws it, ``photograph`` and ``scan`` degrade it, ``pdf_bytes`` writes it as a PDF); this module draws
one and captures it. ``info`` keeps how it was drawn, among it the body text's size in mm
(``text_mm``) and, for images, in pixels (``text_px``): how tall a text line is, for the tiling measurement.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from typing import Iterator, Optional

from .content import weighted
from .print import Page
from .receipt_content import CAPTURES, LOCALES, RATES, TRADES, ReceiptStyle, items_of, merchant_of, receipt_style
from .receipt_print import TillReceipt
from .receipt_render import pdf_bytes, photograph, render, scan

__all__ = ["CAPTURES", "LOCALES", "RATES", "TRADES", "ReceiptSample", "TillReceipt", "draw", "generate",
           "long_receipts", "pdf_bytes", "photograph", "receipts", "render", "scan", "word_samples"]

# --- a receipt drawn and captured ------------------------------------------------------------------------------


@dataclass
class ReceiptSample:
    name: str
    content: bytes  # the file: PNG (scan), JPEG (photo) or PDF
    filename: str
    gold: dict
    trade: str
    capture: str  # pdf, scan or photo
    lang: str
    country: str
    currency: str
    info: dict = field(default_factory=dict)  # how it was printed and captured (sizes in mm and px, formats)
    printed: list[str] = field(default_factory=list)  # the page's words as printed, in order


def draw(rng: random.Random, trade: Optional[str] = None, capture: Optional[str] = None
         ) -> tuple[Page, dict, dict, ReceiptStyle]:
    """One receipt printed (not rendered): its page, gold, what was drawn, and its style."""
    trade = trade or weighted(rng, TRADES)
    capture = capture or weighted(rng, CAPTURES)
    lang, country = rng.choices([(l, c) for l, c, _ in LOCALES], [w for _, _, w in LOCALES])[0]
    st = receipt_style(rng, lang, country, capture == "pdf")
    rates = RATES[trade].get(country)
    if country == "US" and rates:
        rates = (rng.choice(rates),)
    merchant = merchant_of(rng, trade, lang, country)
    issue = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))
    bought, extra = items_of(rng, trade, lang, country, rates or (None,))
    if rates is None:
        for b in bought:
            b.rate = None
    writer = TillReceipt(rng, st, trade, merchant, issue, bought, extra, rates, capture == "pdf")
    page = writer.write()[0]
    info = {"lang": lang, "country": country, "currency": st.currency, "capture": capture, **writer.info}
    return page, writer.gold, info, st


def generate(rng: random.Random, trade: Optional[str] = None, capture: Optional[str] = None,
             name: str = "receipt") -> ReceiptSample:
    """One receipt, printed and captured as a file."""
    page, gold, info, st = draw(rng, trade, capture)
    capture = info["capture"]
    if capture == "pdf":
        content, filename = pdf_bytes(page), f"{name}.pdf"
    else:
        px_per_mm = rng.uniform(7.5, 8.5) if capture == "scan" else rng.uniform(6.0, 11.0)
        longest = 2400 if capture == "scan" else 2600  # a phone photo as a client sends it, downsized
        px_per_mm = min(px_per_mm, longest / page.height)
        image = render(page, px_per_mm, thermal=rng.uniform(0.0, 0.5) if capture == "photo" else 0.1)
        image, pose = (photograph(rng, image) if capture == "photo" else scan(rng, image))
        info.update(px_per_mm=round(px_per_mm, 2), text_px=round(info["text_mm"] * px_per_mm, 1), **pose)
        buffer = io.BytesIO()
        if capture == "photo":
            quality = rng.randint(45, 85)
            image.convert("RGB").save(buffer, "JPEG", quality=quality)
            info["jpeg_quality"], filename = quality, f"{name}.jpg"
        else:
            image.save(buffer, "PNG", optimize=False)
            filename = f"{name}.png"
        info["image_px"] = list(image.size)
        content = buffer.getvalue()
    return ReceiptSample(name, content, filename, gold, info["trade"], capture, info["lang"], info["country"],
                         info["currency"], info, [w.text for w in page.words])


def receipts(seed: int, count: int, trades=None, captures=None) -> Iterator[ReceiptSample]:
    """``count`` receipts from ``seed``: the same seed gives the same receipts (and files)."""
    rng = random.Random(seed)
    for index in range(count):
        trade = rng.choice(trades) if trades else None
        capture = rng.choice(captures) if captures else None
        yield generate(random.Random(rng.getrandbits(64)), trade, capture, name=f"receipt_{seed}_{index:04d}")


def long_receipts(seed: int, count: int, min_mm: float = 250.0, captures=None) -> Iterator[ReceiptSample]:
    """``count`` receipts of at least ``min_mm`` of paper (shops with many items, card slips, terms), from
    ``seed``: receipts are drawn (cheap) until one is that long, and only those are rendered."""
    rng = random.Random(seed)
    found = 0
    while found < count:
        state = rng.getrandbits(64)
        capture = rng.choice(captures) if captures else None
        page = draw(random.Random(state), "shop", capture)[0]
        if page.height >= min_mm:
            yield generate(random.Random(state), "shop", capture, name=f"long_{seed}_{found:04d}")
            found += 1


def word_samples(seed: int, count: int, kinds=("born_digital", "scan", "photo"), weights=(0.3, 0.3, 0.4)):
    """``count`` receipts as ``synth.Sample`` word layers — the page's words captured as ``synth.capture``
    simulates a text layer, a scan's or a photo's OCR (nothing rendered, nothing OCRed) — the form the words
    reader's training set (``train.py``) takes, for a retraining that includes these receipts."""
    from . import Sample, capture

    rng = random.Random(seed)
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        page, gold, info, st = draw(random.Random(rng.getrandbits(64)), capture="pdf" if kind == "born_digital"
                                    else rng.choice(["scan", "photo"]))
        layer, pose = capture(rng, page, kind)
        yield Sample([layer], gold, kind, info["lang"], "receipt",
                     {"country": info["country"], "date_format": st.date_format, "currency": st.cur_mode,
                      "pages": 1, "issuer": "receipt", "header": "receipt", "trade": info["trade"], **pose})
