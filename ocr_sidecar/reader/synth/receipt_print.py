"""Printing a generated receipt (``receipts.py``) on a narrow roll: the merchant, the date and time, the trade's
rows, the items, the total, the tax as printed, the payment and the foot; ``print.Writer`` records the gold of
what it prints."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

from . import text as T
from .content import Item, Party, as_amount, cents_of, taxes_of
from .ids import digits
from .print import Page, Writer
from .receipt_content import FOOTER, WORDS, Bought, ReceiptStyle


class TillReceipt(Writer):
    """One receipt on a narrow roll: the merchant, the date and time, the trade's rows, the items, the total, the
    tax as printed, the payment; long ones have many items, a card slip and a footer."""

    def __init__(self, rng: random.Random, st: ReceiptStyle, trade: str, merchant: Party, issue: dt.date,
                 bought: list[Bought], extra: list[tuple], rates, pdf: bool):
        self.trade, self.merchant, self.issue, self.bought, self.extra, self.rates = (
            trade, merchant, issue, bought, extra, rates)
        self.pdf = pdf
        super().__init__(rng, st, SimpleNamespace(doc_type="receipt"))  # type: ignore[arg-type] - no Content

    def label(self, key: str, fresh: bool = False) -> str:
        if key.startswith("title") or key.startswith("number"):
            key = f"{key}.receipt" if f"{key}.receipt" in T.LABELS[self.st.lang] else key
            options = T.LABELS[self.st.lang][key]
            return self.rng.choice(options)
        return self.st.label(self.rng, key, fresh)

    def money(self, cents: int, negative: bool = False, currency: bool = False) -> str:
        if currency:
            self.set("currency", self.st.currency)
        return self.st.amount(cents, False, currency)

    def write(self) -> list[Page]:
        rng, st = self.rng, self.st
        width = rng.choice([58.0, 80.0, 80.0, 80.0]) if not self.pdf else rng.choice([80.0, 100.0])
        mono = self.pdf or rng.random() < 0.75
        s = self.s = rng.uniform(2.4, 3.0) if width > 60 else rng.uniform(2.0, 2.4)
        page = Page(width, 2000.0, 1.0 if mono else rng.uniform(0.9, 1.05), mono)
        self.pages.append(page)
        self.info.update(trade=self.trade, width_mm=width, text_mm=round(s, 3), mono=mono)
        left, right, centre = rng.uniform(2.5, 5), width - rng.uniform(2.5, 5), width / 2
        m, pitch = self.merchant, s * rng.uniform(1.3, 1.6)
        y = rng.uniform(4, 10) + (rng.uniform(8, 25) if rng.random() < 0.4 else 0)  # room for a printed logo
        big = s * rng.uniform(1.3, 1.8)
        y += big
        name = m.name.upper() if rng.random() < 0.4 else m.name
        self.put(name, centre, y, big, "c", True, gold=[("seller.name", name)])
        for line in [m.street, *m.city_line]:
            y += pitch
            self.put(line, centre, y, s, "c")
        self.set_party("seller", m, address=True)
        if rng.random() < 0.6:
            y += pitch
            self.put(f"{self.label('phone')} {m.phone}", centre, y, s, "c")
        vat_label = "GSTIN" if st.country == "IN" else "Org.nr / VAT" if st.country == "SE" else self.label("vat_id")
        if m.vat and rng.random() < 0.85:
            y += pitch
            self.put(f"{vat_label} {m.vat_text}", centre, y, s, "c", gold=[("seller.vat", m.vat)])
        if rng.random() < 0.5:
            y += pitch * 1.5
            self.put(self.label("title"), centre, y, s * 1.2, "c", True)
        # the date and its time: one line, or the date and the time on lines of their own
        hour, minute, second = rng.randint(6, 23), rng.randint(0, 59), rng.randint(0, 59)
        day, clock = st.date(self.issue), st.time(hour, minute, second)
        self.info.update(date=day, time=clock, date_format=st.date_format, time_format=st.time_format)
        date_gold = [("issue_date", self.issue.isoformat())]
        y += pitch * 0.5
        stamp_last = rng.random() < 0.25
        if self.trade == "hotel":
            nights = int(self.bought[0].qty)
            arrival = self.issue - dt.timedelta(days=nights)
            y += pitch
            self.put(f"{WORDS[st.lang]['arrival']}: {st.date(arrival)}", left, y, s)
            y += pitch
            self.put(f"{WORDS[st.lang]['departure']}: {day}", left, y, s, gold=date_gold)
            y += pitch
            self.put(f"{WORDS[st.lang]['room']} {rng.randint(101, 640)}", left, y, s)
            stamp_last = False
        elif not stamp_last:
            y = self.stamp(y, pitch, left, right, day, clock, date_gold)
        if rng.random() < 0.85:
            y += pitch
            number = rng.choice([str(rng.randint(1, 99999)), f"{rng.randint(1, 9)}-{rng.randint(1, 99999):05d}",
                                 f"{rng.randint(1, 99):04d}-{rng.randint(1, 999999):06d}"])
            self.put(f"{self.label('number')} {number}", left, y, s, gold=[("document_number", number)])
            if rng.random() < 0.5:
                self.put(f"{self.label('r.cashier')} {rng.randint(1, 12)}", right, y, s, "r")
        for key, value in self.extra:
            y += pitch
            self.put(f"{key}: {value}", left, y, s)
        y = self.rule(y, pitch, right - left, left)
        y = self.items(y, pitch, left, right)
        y = self.rule(y, pitch, right - left, left)
        y = self.sums(y, pitch, left, right, big)
        if stamp_last:
            y = self.stamp(y, pitch, left, right, day, clock, date_gold)
        y = self.footer(y, pitch, left, right, centre)
        page.height = y + rng.uniform(5, 15)
        self.info["height_mm"] = round(page.height, 1)
        return self.pages

    def stamp(self, y, pitch, left, right, day, clock, gold) -> float:
        rng, words = self.rng, WORDS[self.st.lang]
        form = rng.random()
        y += pitch
        if form < 0.45:
            self.put(f"{day} {clock}", left, y, self.s, gold=gold)
        elif form < 0.7:
            self.put(f"{self.label('date')}: {day}", left, y, self.s, gold=gold)
            self.put(f"{words['time']}: {clock}", right, y, self.s, "r")
        else:
            self.put(f"{self.label('date')}: {day}", left, y, self.s, gold=gold)
            y += pitch
            self.put(f"{words['time']}: {clock}", left, y, self.s)
        return y

    def rule(self, y: float, pitch: float, width: float, left: float) -> float:
        if self.rng.random() < 0.4:
            return y + pitch * 0.5
        page = self.pages[-1]
        char = self.rng.choice("-=*")
        self.put(char * max(3, int(width / page.measure(char, self.s)) - 1), left, y + pitch, self.s)
        return y + pitch * 1.3

    def items(self, y: float, pitch: float, left: float, right: float) -> float:
        rng, st, s = self.rng, self.st, self.s
        rates = sorted({b.rate for b in self.bought if b.rate is not None}, reverse=True)
        self.codes = {rate: "ABCD"[k] for k, rate in enumerate(rates)}
        show_codes = st.country != "US" and (len(rates) > 1 and rng.random() < 0.7 or rng.random() < 0.15)
        qty_above = rng.random() < 0.5
        lines = []
        for b in self.bought:
            line = {"description": b.description, "amount": as_amount(b.amount)}
            amount = self.money(b.amount, currency=st.cur_mode == "amounts")
            if show_codes and b.rate is not None:
                amount += f" {self.codes[b.rate]}"
            if b.detail:
                y += pitch
                self.put(b.description, left, y, s)
                self.put(amount, right, y, s, "r")
                y += pitch
                self.put(b.detail, left + s, y, s)
                line.update(quantity=b.qty, unit_price=round(b.price / 100, 3))
            else:
                if b.qty > 1 and self.trade != "hotel":
                    line.update(quantity=b.qty, unit_price=as_amount(b.price))
                    text = f"{st.qty(b.qty)} x {st.amount(b.price)}"
                    if qty_above:
                        y += pitch
                        self.put(text, left + s, y, s)
                y += pitch
                self.put(b.description, left, y, s)
                if b.qty > 1 and self.trade != "hotel" and not qty_above:
                    self.put(text, left + (right - left) * 0.5, y, s)
                self.put(amount, right, y, s, "r")
            lines.append(line)
        self.set("lines", lines)
        self.show_codes = show_codes
        self.info["lines"] = len(lines)
        return y

    def sums(self, y: float, pitch: float, left: float, right: float, big: float) -> float:
        rng, st, s = self.rng, self.st, self.s
        goods = sum(b.amount for b in self.bought)
        taxed = [b for b in self.bought if b.rate is not None]
        us, india = st.country == "US", st.country == "IN"
        taxes: list[tuple[float, int, int]] = []
        if taxed and self.rates is not None:
            items = [Item(b.description, "", "", b.qty, "", b.price, 0.0, b.rate, b.amount) for b in taxed]
            taxes = taxes_of(items, [], gross=not us)
            if us:
                taxes = taxes[:1]  # one sales tax rate on the whole subtotal
                rate = taxes[0][0]
                taxes = [(rate, goods, cents_of(goods / 100 * rate / 100))]
        total_tax = sum(t for _, _, t in taxes)
        total = goods + (total_tax if us else 0)
        self.info.update(rates=[r for r, _, _ in taxes], total=as_amount(total))
        if us:
            y += pitch
            self.put(self.label("r.subtotal"), left, y, s)
            self.put(st.amount(goods), right, y, s, "r", gold=[("subtotal", as_amount(goods))])
            if taxes:
                rate, _, tax = taxes[0]
                y += pitch
                self.put(f"{self.label('r.tax')} {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r", gold=[("total_tax", as_amount(tax))])
                self.set("taxes", [{"rate": rate, "base": as_amount(goods), "amount": as_amount(tax)}])
        label = self.label("r.total")
        if st.cur_mode == "label":
            label = f"{label} {st.currency_word()}"
            self.set("currency", st.currency)
        y += pitch * 1.4
        self.put(label, left, y, big, bold=True)
        self.put(self.money(total, currency=st.cur_mode in ("amounts", "total")), right, y, big, "r", True,
                 gold=[("total", as_amount(total))])
        y = self.payment(y, pitch, left, right, total)
        if us or not taxes:
            self.info["tax_form"] = "sales tax" if us and taxes else "none"
            if not taxes and rng.random() < 0.5 and not us:  # "no VAT charged": a tax of nothing, printed
                y += pitch
                self.put(f"{self.label('r.tax')} 0{st.decimal}00", left, y, s, gold=[("total_tax", 0.0)])
            return y
        if india:
            self.info["tax_form"] = "gst"
            for rate, _, tax in taxes:
                half, other = tax // 2, tax - tax // 2
                y += pitch
                self.put(f"GST {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r")
                for name, part in (("CGST", half), ("SGST", other)):
                    y += pitch
                    self.put(f"{name} @{st.pct(rate / 2)}", left + s, y, s)
                    self.put(st.amount(part), right, y, s, "r")
            self.set("taxes", [{"rate": r, "amount": as_amount(t)} for r, _, t in taxes])
            if len(taxes) == 1:
                self.set("total_tax", as_amount(total_tax))
            return y
        form = rng.random()
        if form < 0.55:  # a table: code/rate, net, tax, gross
            self.info["tax_form"] = "table"
            heads = T.LABELS[st.lang]["rate_head"]
            ends = [left + (right - left) * f for f in (0.25, 0.5, 0.75, 1.0)]
            y += pitch * 1.5
            for k, head in enumerate(heads):
                self.put(head, ends[k], y, s * 0.9, "r")
            for rate, base, tax in taxes:
                y += pitch
                code = f"{self.codes[rate]} " if self.show_codes else ""
                for k, text in enumerate((code + st.pct(rate), st.amount(base), st.amount(tax),
                                          st.amount(base + tax))):
                    self.put(text, ends[k], y, s, "r")
            self.set("taxes", [{"rate": r, "base": as_amount(b), "amount": as_amount(t)} for r, b, t in taxes])
            if len(taxes) == 1:
                self.set("total_tax", as_amount(total_tax))
        elif form < 0.9:  # "incl. 19% VAT 1.97" per rate
            self.info["tax_form"] = "per rate"
            for rate, _, tax in taxes:
                y += pitch
                self.put(f"{self.label('r.tax')} {st.pct(rate)}", left, y, s)
                self.put(st.amount(tax), right, y, s, "r")
            self.set("taxes", [{"rate": r, "amount": as_amount(t)} for r, _, t in taxes])
            if len(taxes) == 1:
                self.set("total_tax", as_amount(total_tax))
        else:
            self.info["tax_form"] = "not printed"
        return y

    def payment(self, y: float, pitch: float, left: float, right: float, total: int) -> float:
        rng, st, s = self.rng, self.st, self.s
        y += pitch * 0.5
        if rng.random() < 0.35 and self.trade != "hotel":
            self.info["payment"] = "cash"
            given = max(total, total + rng.choice([0, 1, 5, 10, 20, 50]) * 100 - total % 100)
            for key, value in (("r.cash", given), ("r.change", given - total)):
                y += pitch
                self.put(self.label(key), left, y, s)
                self.put(st.amount(value), right, y, s, "r")
            return y
        self.info["payment"] = "card"
        y += pitch
        self.put(self.label("r.card") if rng.random() < 0.7 else WORDS[st.lang]["paid"], left, y, s)
        self.put(st.amount(total), right, y, s, "r")
        y += pitch
        self.put("*" * 12 + digits(rng, 4), left, y, s)
        if rng.random() < 0.6:
            y += pitch
            self.put(f"{WORDS[st.lang]['auth']}: {digits(rng, 6)}", left, y, s)
        for _ in range(rng.randint(0, 2)):
            y += pitch
            self.put(f"{self.label('r.terminal', fresh=True)}: {digits(rng, rng.choice([6, 8]))}", left, y, s)
        return y

    def footer(self, y: float, pitch: float, left: float, right: float, centre: float) -> float:
        rng, st, s = self.rng, self.st, self.s
        long = rng.random() < 0.3  # a card slip again as the customer's copy, and terms: a long receipt
        if long:
            y += pitch * 2
            self.put(WORDS[st.lang]["copy"], centre, y, s, "c", True)
            y += pitch
            self.put(f"{self.label('r.card', fresh=True)} {st.amount(cents_of(self.info['total']))}", left, y, s)
            y += pitch
            self.put(f"{st.date(self.issue)} {self.info['time']}", left, y, s)
            y += pitch
            self.put(f"AID A0000000{digits(rng, 6)}", left, y, s)
            for _ in range(rng.randint(3, 8)):
                y += pitch
                self.put(rng.choice(T.LABELS[st.lang]["r.thanks"]), centre, y, s * 0.9, "c")
        for text in [self.label("r.thanks")] + ([self.merchant.web] if rng.random() < 0.4 else []):
            y += pitch
            self.put(text, centre, y, s, "c")
        notes = FOOTER[st.lang]
        for text in rng.sample(notes, rng.randint(0, len(notes))):  # terms, loyalty, survey: paper, not values
            y += pitch
            self.put(text, centre, y, s * 0.9, "c")
        if rng.random() < 0.4:  # the till's own line: register, transaction and a long number under a barcode
            y += pitch * 1.5
            self.put(f"{digits(rng, 4)} {digits(rng, 2)} {digits(rng, 6)} {digits(rng, 4)}", centre, y, s * 0.9, "c")
        self.info["long"] = long
        return y
