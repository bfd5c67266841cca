"""Printing a synthetic document (``synth.py``): words placed on a page in mm with their font size, the writer
that records the gold of what it prints, and till receipts (narrow and long)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from . import text as T
from .content import Content, Party, Style, as_amount
from .ids import digits

# --- printing: words placed on a page, in mm --------------------------------------------------------------

_EM: dict[str, float] = {}
GAPS = {" ": 0.28, "\u00a0": 0.28, "\u202f": 0.17}  # a space's width (em); a narrow no-break space is narrower
TOKENS = re.compile(r"[^ \u00a0\u202f]+|[ \u00a0\u202f]+")


def _em(ch: str) -> float:
    """A character's width in em, as in a proportional sans-serif font."""
    width = _EM.get(ch)
    if width is None:
        width = GAPS.get(ch) or (0.3 if ch in "il.,:;'|!Ijft()[]/-·’\"" else 0.85 if ch in "mwMW@%&—"
                                 else 0.68 if ch.isupper() else 0.556 if ch.isdigit() else 0.52)
        _EM[ch] = width
    return width


@dataclass
class Printed:
    text: str
    x0: float
    x1: float
    base: float  # the baseline, from the top
    size: float  # the font size (mm)
    group: int  # the words of one printed run: neighbours an OCR may merge


class Page:
    """A page being printed: words at positions in mm (x from the left edge, y the baseline from the top)."""

    def __init__(self, width: float, height: float, font: float, mono: bool = False):
        self.width, self.height, self.font, self.mono = width, height, font, mono
        self.words: list[Printed] = []
        self.groups = 0

    def measure(self, text: str, size: float, bold: bool = False) -> float:
        em = 0.6 * len(text) if self.mono else sum(_em(ch) for ch in text)
        return em * size * self.font * (1.07 if bold else 1.0)

    def put(self, text: str, x: float, y: float, size: float, align: str = "l", bold: bool = False
            ) -> tuple[float, float]:
        """Print ``text`` with its baseline at ``y``, starting (l), ending (r) or centred (c) at ``x``."""
        width = self.measure(text, size, bold)
        x0 = x - width if align == "r" else x - width / 2 if align == "c" else x
        self.groups += 1
        cursor = x0
        for match in TOKENS.finditer(text):
            token = match.group(0)
            step = self.measure(token, size, bold)
            if token[0] not in GAPS:
                self.words.append(Printed(token, cursor, cursor + step, y, size, self.groups))
            cursor += step
        return x0, x0 + width


class Writer:
    """Prints a document's parts and records the gold of what it prints: a value enters the gold only when a word
    of the page shows it."""

    def __init__(self, rng: random.Random, st: Style, doc: Content):
        self.rng, self.st, self.doc = rng, st, doc
        self.gold: dict = {"document_type": doc.doc_type}
        self.info: dict = {}
        self.pages: list[Page] = []
        self.marks: list[tuple[Page, float, float, float, str, str]] = []  # page numbers, known at the end
        self.minus = "credit" in st.families  # a credit note that prints every amount negative

    def set(self, path: str, value) -> None:
        node = self.gold
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    def label(self, key: str, fresh: bool = False) -> str:
        return self.st.label(self.rng, key, fresh)

    def put(self, text: str, x: float, y: float, size: float, align: str = "l", bold: bool = False,
            gold=()) -> tuple[float, float]:
        page = self.pages[-1]
        if "{i}" in text:  # a page number: printed once the pages are counted
            self.marks.append((page, x, y, size, align, text))
            return x, x + page.measure(text, size)
        width = page.measure(text, size, bold)
        room = {"l": page.width - 1.5 - x, "r": x - 1.5, "c": 2 * min(x, page.width - x) - 3}[align]
        if width > room > 0:  # too long for the room left: printed smaller, as a layout program would
            size *= room / width
        for path, value in gold:
            self.set(path, value)
        return page.put(text, x, y, size, align, bold)

    def set_party(self, role: str, p: Party, name=False, address=False, country=False, vat=False, iban=False):
        if name:
            self.set(f"{role}.name", p.name)
        if address:
            self.set(f"{role}.address.street", p.street)
            self.set(f"{role}.address.zip", p.zip)
            self.set(f"{role}.address.city", p.city)
        if country:
            self.set(f"{role}.address.country_code", p.country)
        if vat and p.vat:
            self.set(f"{role}.vat", p.vat)
        if iban and p.iban:
            self.set(f"{role}.iban", p.iban)

    def money(self, cents: int, negative: bool = False, currency: bool = False) -> str:
        if currency:
            self.set("currency", self.st.currency)
        return self.st.amount(cents, negative and self.doc.doc_type == "credit_note", currency)

    def number_pages(self) -> None:
        for page, x, y, size, align, template in self.marks:
            page.put(template.format(i=self.pages.index(page) + 1, n=len(self.pages)), x, y, size, align)


class Receipt(Writer):
    """A till receipt: narrow and long, the merchant at the top, items, a total, payment, a tax summary."""

    def write(self) -> list[Page]:
        rng, st, d = self.rng, self.st, self.doc
        width = rng.choice([58.0, 80.0, 80.0, 80.0])
        mono = rng.random() < 0.75
        s = self.s = rng.uniform(2.3, 3.0) if width > 60 else rng.uniform(1.9, 2.4)
        page = Page(width, 1000.0, 1.0 if mono else rng.uniform(0.9, 1.05), mono)
        self.pages.append(page)
        left, right, centre = rng.uniform(2.5, 5), width - rng.uniform(2.5, 5), width / 2
        self.info.update(issuer="receipt", header="receipt")
        seller, pitch = d.seller, s * rng.uniform(1.25, 1.5)
        y = rng.uniform(4, 10)
        title = rng.random()
        if title < 0.2:
            y += s * 1.5
            self.put(self.label("title"), centre, y, s * 1.2, "c", True)
        big = s * rng.uniform(1.2, 1.8)
        y += big
        name = seller.name.upper() if rng.random() < 0.4 else seller.name
        self.put(name, centre, y, big, "c", True, gold=[("seller.name", name)])
        for line in [seller.street, *seller.city_line]:
            y += pitch
            self.put(line, centre, y, s, "c")
        self.set_party("seller", seller, address=True)
        if rng.random() < 0.6:
            y += pitch
            self.put(f"{self.label('phone')} {seller.phone}", centre, y, s, "c")
        if seller.vat and rng.random() < 0.85:
            y += pitch
            self.put(f"{self.label('vat_id')} {seller.vat_text}", centre, y, s, "c", gold=[("seller.vat", seller.vat)])
        if 0.2 <= title < 0.5:
            y += pitch * 1.5
            self.put(self.label("title"), centre, y, s * 1.2, "c", True)
        stamp = f"{st.date(d.issue)} {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}"
        stamp_gold = [("issue_date", d.issue.isoformat())]
        number = rng.random() < 0.85
        date_last = rng.random() < 0.3
        y += pitch * 0.5
        if not date_last:
            y += pitch
            if rng.random() < 0.5:
                self.put(stamp, left, y, s, gold=stamp_gold)
            else:
                self.put(f"{self.label('date')}: {stamp}", left, y, s, gold=stamp_gold)
        if number:
            y += pitch
            self.put(f"{self.label('number')} {d.number}", left, y, s, gold=[("document_number", d.number)])
        if rng.random() < 0.5:
            self.put(f"{self.label('r.cashier')} {rng.randint(1, 12)}", right, y, s, "r")
        y = self.rule(y, pitch, right - left, left)
        y = self.items(y, pitch, left, right)
        y = self.rule(y, pitch, right - left, left)
        y = self.sums(y, pitch, left, right, big)
        if date_last:
            y += pitch
            self.put(stamp, left, y, s, gold=stamp_gold)
        for text in [self.label("r.thanks")] + ([seller.web] if rng.random() < 0.3 else []):
            y += pitch
            self.put(text, centre, y, s, "c")
        page.height = y + rng.uniform(5, 15)
        return self.pages

    def rule(self, y: float, pitch: float, width: float, left: float) -> float:
        if self.rng.random() < 0.5:
            return y + pitch * 0.5
        page = self.pages[-1]
        char = self.rng.choice("-=*")
        count = max(3, int(width / page.measure(char, self.s)) - 1)
        self.put(char * count, left, y + pitch, self.s)
        return y + pitch * 1.3

    def items(self, y: float, pitch: float, left: float, right: float) -> float:
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        codes = {rate: "ABCD"[k] for k, rate in enumerate(sorted({i.rate for i in d.items}, reverse=True))}
        show_codes = len(codes) > 1 and rng.random() < 0.7 or rng.random() < 0.2
        qty_above = rng.random() < 0.5
        lines = []
        for item in d.items:
            line = {"description": item.description, "amount": as_amount(item.amount)}
            if item.qty > 1:
                line.update(quantity=item.qty, unit_price=as_amount(item.price))
                text = f"{st.qty(item.qty)} x {st.amount(item.price)}"
                if qty_above:
                    y += pitch
                    self.put(text, left + s, y, s)
            y += pitch
            self.put(item.description, left, y, s)
            amount = st.amount(item.amount) + (f" {codes[item.rate]}" if show_codes else "")
            if item.qty > 1 and not qty_above:
                self.put(text, left + (right - left) * 0.45, y, s)
            self.put(amount, right, y, s, "r")
            lines.append(line)
        self.set("lines", lines)
        self.codes = codes if show_codes else {}
        return y

    def sums(self, y: float, pitch: float, left: float, right: float, big: float) -> float:
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        us = st.country == "US"
        if us:
            y += pitch
            self.put(self.label("r.subtotal"), left, y, s)
            self.put(st.amount(d.subtotal), right, y, s, "r", gold=[("subtotal", as_amount(d.subtotal))])
            for rate, _, tax in d.taxes:
                y += pitch
                self.put(f"{self.label('r.tax')} {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r", gold=[("total_tax", as_amount(tax))])
                self.set("taxes", [{"rate": rate, "amount": as_amount(tax)}])
        label = self.label("r.total")
        if st.cur_mode in ("label", "header", "note"):
            label = f"{label} {st.currency_word()}"
            self.set("currency", st.currency)
        y += pitch * 1.4
        total = self.money(d.total, currency=st.cur_mode in ("amounts", "total"))
        self.put(label, left, y, big, bold=True)
        self.put(total, right, y, big, "r", True, gold=[("total", as_amount(d.total))])
        if rng.random() < 0.15:
            y += pitch
            self.put(self.label("r.due"), left, y, s)
            self.put(st.amount(d.total), right, y, s, "r", gold=[("amount_due", as_amount(d.total))])
        y += pitch * 0.5
        if rng.random() < 0.5:  # cash: given and change
            given = d.total + rng.choice([0, 1, 5, 10, 20, 50]) * 100 - d.total % 100
            given = max(given, d.total)
            for key, value in (("r.cash", given), ("r.change", given - d.total)):
                y += pitch
                self.put(self.label(key), left, y, s)
                self.put(st.amount(value), right, y, s, "r")
        else:
            y += pitch
            self.put(self.label("r.card"), left, y, s)
            self.put(st.amount(d.total), right, y, s, "r")
            y += pitch
            self.put("*" * 12 + digits(rng, 4), left, y, s)
            for _ in range(rng.randint(0, 2)):
                y += pitch
                self.put(f"{self.label('r.terminal', fresh=True)}: {digits(rng, rng.choice([6, 8]))}", left, y, s)
        if us or not d.taxes:
            return y
        form = rng.random()
        if form < 0.6:  # a table: code/rate, net, tax, gross
            heads = T.LABELS[st.lang]["rate_head"]
            ends = [left + (right - left) * f for f in (0.25, 0.5, 0.75, 1.0)]
            y += pitch * 1.5
            for k, head in enumerate(heads):
                self.put(head, ends[k], y, s * 0.9, "r")
            for rate, base, tax in d.taxes:
                y += pitch
                code = f"{self.codes[rate]} " if rate in self.codes else ""
                for k, text in enumerate((code + st.pct(rate), st.amount(base), st.amount(tax), st.amount(base + tax))):
                    self.put(text, ends[k], y, s, "r")
            self.set("taxes", [{"rate": r, "base": as_amount(b), "amount": as_amount(t)} for r, b, t in d.taxes])
            if len(d.taxes) == 1:
                self.set("total_tax", as_amount(d.total_tax))
                self.set("subtotal", as_amount(d.subtotal))
            elif rng.random() < 0.5:
                y += pitch
                self.put(self.label("r.tax"), left, y, s)
                for k, value, path in ((1, d.subtotal, "subtotal"), (2, d.total_tax, "total_tax")):
                    self.put(st.amount(value), ends[k], y, s, "r", gold=[(path, as_amount(value))])
        elif form < 0.9:  # "incl. 19% VAT 1.97" per rate
            for rate, _, tax in d.taxes:
                y += pitch
                self.put(f"{self.label('r.tax')} {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r")
            self.set("taxes", [{"rate": r, "amount": as_amount(t)} for r, _, t in d.taxes])
            if len(d.taxes) == 1:
                self.set("total_tax", as_amount(d.total_tax))
        return y
