"""What a synthetic document says before it is printed (``synth.py``): how it prints (``Style``: language, number,
date and currency habits, labels), its parties, lines and sums (consistent to the cent: amounts are kept in cents)."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from dataclasses import dataclass, field
from typing import Optional

from . import text as T
from . import world as W
from .ids import bic, fill, iban, iban_text, payment_reference, phone_number, tax_id, vat_id, vat_text


def weighted(rng: random.Random, options) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


# --- formats ------------------------------------------------------------------------------------------------


def _long_date(d: dt.date, lang: str) -> str:
    month = T.MONTHS[lang][d.month - 1]
    if lang == "de":
        return f"{d.day}. {month} {d.year}"
    if lang == "fr":
        return f"{'1er' if d.day == 1 else d.day} {month} {d.year}"
    if lang == "es":
        return f"{d.day} de {month} de {d.year}"
    return f"{d.day} {month} {d.year}"


def _en_month(d: dt.date, short: bool) -> str:
    name = T.MONTHS["en"][d.month - 1]
    return name[:3] if short else name


# name -> (the order ``printed.read_date`` reads it in, how to print a date in a language)
DATE_FORMATS = {
    "dd.mm.yyyy": ("dmy", lambda d, lang: f"{d.day:02d}.{d.month:02d}.{d.year}"),
    "d.m.yyyy": ("dmy", lambda d, lang: f"{d.day}.{d.month}.{d.year}"),
    "dd/mm/yyyy": ("dmy", lambda d, lang: f"{d.day:02d}/{d.month:02d}/{d.year}"),
    "dd-mm-yyyy": ("dmy", lambda d, lang: f"{d.day:02d}-{d.month:02d}-{d.year}"),
    "dd.mm.yy": ("dmy", lambda d, lang: f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}"),
    "dd/mm/yy": ("dmy", lambda d, lang: f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}"),
    "mm/dd/yyyy": ("mdy", lambda d, lang: f"{d.month:02d}/{d.day:02d}/{d.year}"),
    "m/d/yy": ("mdy", lambda d, lang: f"{d.month}/{d.day}/{d.year % 100:02d}"),
    "yyyy-mm-dd": ("ymd", lambda d, lang: d.isoformat()),
    "d month yyyy": ("name", _long_date),
    "month d, yyyy": ("name", lambda d, lang: f"{_en_month(d, False)} {d.day}, {d.year}"),
    "mon d, yyyy": ("name", lambda d, lang: f"{_en_month(d, True)} {d.day}, {d.year}"),
    "dd-mon-yyyy": ("name", lambda d, lang: f"{d.day:02d}-{_en_month(d, True)}-{d.year}"),
    "d mon yyyy": ("name", lambda d, lang: f"{d.day} {_en_month(d, True)} {d.year}"),
}


@dataclass
class Style:
    """How one document prints: its language and country's habits, drawn once per document."""

    lang: str
    country: str
    doc_type: str
    thousands: str
    decimal: str
    date_format: str
    currency: str
    cur_mode: str  # where the currency shows: amounts, total, label, header, note, none
    cur_form: str  # symbol_before, symbol_after, code_before, code_after
    negative: str  # credit notes: "" (positive), minus, trailing, parens
    pct_form: str
    colon: str = ":"  # after a label: ":" or, as French typography and aligned print-outs have it, " :"
    labels: dict = field(default_factory=dict)  # key -> the synonym this document uses
    families: frozenset = frozenset()  # the layout families beyond the plain letter (``family.py``)

    @classmethod
    def draw(cls, rng: random.Random, lang: str, country: str, doc_type: str) -> "Style":
        thousands, decimal = weighted(rng, [((t, d), w) for t, d, w in W.NUMBER_HABITS[country]])
        date_format = weighted(rng, list(W.DATE_HABITS[country].items()))
        currency = W.CURRENCY.get(country, "EUR")
        if rng.random() < 0.04:  # a foreign client invoiced in its currency
            currency = rng.choice([c for c in ("EUR", "USD", "GBP", "CHF") if c != currency])
        symbol = currency in W.SYMBOLS and rng.random() < 0.7
        first = country in W.SYMBOL_FIRST if rng.random() < 0.85 else country not in W.SYMBOL_FIRST
        cur_form = ("symbol_" if symbol else "code_") + ("before" if first else "after")
        cur_mode = weighted(rng, (("amounts", 4), ("total", 3), ("label", 1), ("header", 1), ("note", 1),
                                   ("none", 2)))
        negative = ""
        if doc_type == "credit_note" and rng.random() < 0.4:
            negative = rng.choice(["minus", "minus", "trailing", "parens"])
        pct_form = rng.choice(["{r}%", "{r} %", "{r2}%", "{r2} %", "{r}%"])
        colon = " :" if rng.random() < (0.7 if lang == "fr" else 0.1) else ":"
        return cls(lang, country, doc_type, thousands, decimal, date_format, currency, cur_mode, cur_form,
                   negative, pct_form, colon)

    def label(self, rng: random.Random, key: str, fresh: bool = False) -> str:
        """The document's word for ``key`` (the same each time it is asked, unless ``fresh``)."""
        if key in self.labels and not fresh:
            return self.labels[key]
        table = T.LABELS[self.lang]
        options = (table.get(f"{key}.{self.doc_type}") or table.get(f"{key}.{self.country}") or table[key])
        self.labels[key] = rng.choice(options)
        return self.labels[key]

    def amount(self, cents: int, negative: bool = False, currency: bool = False) -> str:
        whole, frac = divmod(abs(cents), 100)
        digits = f"{whole:,}".replace(",", self.thousands) if self.thousands else str(whole)
        text = f"{digits}{self.decimal}{frac:02d}"
        parens = negative and self.negative == "parens" and cents
        if negative and self.negative and cents and not parens:  # nothing is printed "-0,00"
            text = {"minus": f"-{text}", "trailing": f"{text}-"}[self.negative]
        text = self.with_currency(text) if currency else text
        return f"({text})" if parens else text  # "(€32.481,01)", as accounting prints it, not "€(32.481,01)"

    def with_currency(self, text: str) -> str:
        symbol = W.SYMBOLS.get(self.currency, self.currency)
        return {"symbol_before": f"{symbol}{text}" if self.country != "NL" else f"{symbol} {text}",
                "symbol_after": f"{text} {symbol}", "code_before": f"{self.currency} {text}",
                "code_after": f"{text} {self.currency}"}[self.cur_form]

    def currency_word(self) -> str:
        return W.SYMBOLS.get(self.currency, self.currency) if self.cur_form.startswith("symbol") else self.currency

    def date(self, d: dt.date) -> str:
        return DATE_FORMATS[self.date_format][1](d, self.lang)

    def pct(self, rate: float) -> str:
        r = f"{rate:g}".replace(".", self.decimal)
        r2 = f"{rate:.2f}".replace(".", self.decimal) if round(rate, 2) == rate else r
        return self.pct_form.format(r=r, r2=r2)

    def qty(self, q: float) -> str:
        if q == int(q):
            return str(int(q))
        return f"{q:.2f}".replace(".", self.decimal)


# --- content: what a document says, before it is printed ----------------------------------------------------


@dataclass
class Party:
    name: str
    country: str
    street: str = ""
    zip: str = ""
    city: str = ""
    city_line: list[str] = field(default_factory=list)  # the lines after the street (US "Austin, TX 78701")
    vat: str = ""
    vat_text: str = ""
    iban: str = ""
    iban_text: str = ""
    bic: str = ""
    bank: str = ""
    phone: str = ""
    email: str = ""
    web: str = ""
    person: str = ""
    regs: list[str] = field(default_factory=list)
    legal: str = ""  # the name as the footer and the return address print it, where the block prints another
    logo: str = ""  # a short name printed large above the block (the block's name is ``name``)


@dataclass
class Item:
    description: str
    extra: str  # a second row under the description, "" for none
    code: str
    qty: float
    unit: str
    price: int  # cents
    discount: float
    rate: float
    amount: int  # cents: net (gross on receipts, as they print)


@dataclass
class Content:
    doc_type: str
    number: str
    issue: dt.date
    due: Optional[dt.date]
    seller: Party
    buyer: Optional[Party]
    items: list[Item]
    taxes: list[tuple[float, int, int]]  # rate, base, tax (cents)
    charges: list[tuple[str, int]]  # label key, cents (a discount negative)
    goods: int
    subtotal: int
    total_tax: int
    total: int
    paid: int
    order_ref: str = ""
    payment_ref: str = ""
    reverse: bool = False
    days: int = 30
    distractors: dict = field(default_factory=dict)  # label key -> printed value
    corrects: tuple = ()  # a credit note's corrected invoice: (number, date as printed)


def _company(rng: random.Random, country: str, shop: bool = False) -> str:
    lang = W.COUNTRY_LANG.get(country) or rng.choice({"CH": ["de", "fr", "it"], "BE": ["nl", "fr"]}[country])
    last = rng.choice(W.LAST[lang])
    if shop:
        kind = rng.choice(W.SHOPS[lang])
        return rng.choice([f"{kind} {last}", f"{last} {kind}", f"{kind} {rng.choice(W.INVENTED)}"])
    trade = rng.choice(W.TRADES[lang])
    name = rng.choice([f"{last} {trade}", f"{trade} {last}", f"{last} & {rng.choice(W.LAST[lang])}",
                       f"{rng.choice(W.INVENTED)} {trade}", rng.choice(W.INVENTED), f"{last} {trade}",
                       rng.choice(W.PHRASES[lang])])
    return f"{name} {rng.choice(W.FORMS[country])}" if rng.random() < 0.9 else name


def party(rng: random.Random, country: str, shop: bool = False, person: bool = False) -> Party:
    lang = W.COUNTRY_LANG.get(country, "fr" if country in ("BE", "LU") else "de")
    name = _company(rng, country, shop)
    if person:
        name = f"{rng.choice(W.FIRST[lang])} {rng.choice(W.LAST[lang])}"
    street = rng.choice(W.STREETS[country])
    house = str(rng.randint(1, 180)) + (rng.choice("abc") if rng.random() < 0.08 else "")
    if country in W.NUMBER_FIRST or (country in ("BE", "CH") and street.split()[0] in ("Rue", "Avenue", "Chaussée")):
        street = f"{house}, {street}" if country == "LU" else f"{house} {street}"
    elif country in ("ES", "IT"):
        street = f"{street}, {house}" if rng.random() < 0.6 else f"{street} {house}"
    else:
        street = f"{street} {house}"
    zip_code, city = rng.choice(W.CITIES[country])
    if country == "US":
        lines = [f"{city} {zip_code}"]
        city = city.split(",")[0]
    elif country in ("GB", "IE"):
        lines = [city, zip_code] if rng.random() < 0.6 else [f"{city} {zip_code}"]
    elif country == "IT" and rng.random() < 0.5:
        lines = [f"{zip_code} {city} ({W.PROVINCES[city]})"]
    else:
        lines = [f"{zip_code} {city}"]
    if country == "LU":
        zip_code = zip_code[2:]
    p = Party(name, country, street, zip_code, city, lines)
    p.vat = vat_id(rng, country) if country != "US" else tax_id(name)
    p.vat_text = vat_text(rng, p.vat) if p.vat else ""
    p.iban = iban(rng, country)
    p.iban_text = iban_text(rng, p.iban) if p.iban else ""
    p.bic = bic(rng, p.iban, country) if p.iban else ""
    p.bank = rng.choice(W.BANKS[country])
    slug = re.sub(r"[^a-z]", "", name.lower().split(" ")[0].translate(str.maketrans("äöüéèàçñ", "aoueeacn")))[:12]
    p.email = f"{rng.choice(['info', 'billing', 'office', 'accounts', 'sales'])}@{slug or 'mail'}.{W.TLD[country]}"
    p.web = f"www.{slug or 'web'}.{W.TLD[country]}"
    p.phone = phone_number(rng, country)
    p.person = f"{rng.choice(W.FIRST[lang])} {rng.choice(W.LAST[lang])}"
    p.regs = [f"{label} {fill(rng, pattern)}" for label, pattern in rng.sample(W.REGISTRATIONS[country], 1)]
    return p


def as_amount(cents: int) -> float:
    return round(cents / 100, 2)


def cents_of(value: float) -> int:
    return int(math.floor(value * 100 + 0.5 + 1e-9))


def document_number(rng: random.Random, doc_type: str, year: int) -> str:
    prefix = rng.choice({"invoice": ["INV", "RE", "R", "F", "FA", "FAC", "FT", "", "", ""],
                         "credit_note": ["CN", "GS", "AV", "CR", "NC", "RC", ""],
                         "purchase_order": ["PO", "BE", "BC", "PED", "OA", "P", ""],
                         "sales_order": ["SO", "AB", "CC", "OC", "ORD", "A", ""], "receipt": [""]}[doc_type])
    n = rng.randint(1, 99999)
    form = rng.randrange(7)
    if doc_type == "receipt":
        return rng.choice([str(n), f"{rng.randint(1, 9)}-{n:05d}", f"{rng.randint(1, 99):04d}-{n:06d}"])
    if form == 0:
        return f"{prefix}{year}-{n % 10000:04d}"
    if form == 1:
        return f"{prefix or 'N'}-{year}-{n:05d}"
    if form == 2:
        return f"{prefix}{n + 10000}"
    if form == 3:
        return f"{n % 1000}/{year}"
    if form == 4:
        return f"{year}/{n % 10000:04d}"
    if form == 5:
        return f"{prefix}{year % 100:02d}{n:05d}"
    return f"{prefix}{rng.randint(1, 9)}{n:06d}"


def content(rng: random.Random, st: Style, doc_type: str) -> Content:
    """What the document says: parties, dates, numbers, lines and sums (consistent to the cent)."""
    country = st.country
    issue = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randint(0, 3100))
    receipt = doc_type == "receipt"
    seller = party(rng, country, shop=receipt)
    buyer, person = None, False
    if not receipt:
        abroad = rng.random() < 0.2 and country != "US"
        buyer_country = rng.choice([c for c in W.EU + ("GB", "CH") if c != country]) if abroad else country
        person = doc_type == "invoice" and rng.random() < 0.1
        buyer = party(rng, buyer_country, person=person)
    days = rng.choice([7, 10, 14, 14, 21, 30, 30, 30, 45, 60, 90])
    due = issue + dt.timedelta(days=days) if not receipt else None
    if doc_type == "purchase_order":
        due = issue + dt.timedelta(days=rng.randint(3, 60)) if rng.random() < 0.7 else None
    rates = W.VAT_RATES[country]
    reverse = bool(buyer and buyer.country != country and country in W.EU and buyer.country in W.EU
                   and rng.random() < 0.7 and not person)
    us = country == "US"
    items = [_item(rng, st, rates, receipt, us, reverse) for _ in range(_item_count(rng, receipt))]
    goods = sum(i.amount for i in items)
    charges: list[tuple[str, int]] = []
    if not receipt and rng.random() < 0.15:
        charges.append(("shipping", cents_of(rng.choice([4.9, 5.95, 9.9, 12.5, 19.0, 25.0, 49.0]))))
    if not receipt and rng.random() < 0.08 and goods > 2000:
        charges.append(("discount_row", -cents_of(goods / 100 * rng.choice([2, 3, 5, 10]) / 100)))
    taxes = [] if us and rng.random() < 0.15 else taxes_of(items, charges, receipt and not us)
    subtotal = goods + sum(c for _, c in charges) if not (receipt and not us) else sum(b for _, b, _ in taxes)
    total_tax = sum(t for _, _, t in taxes)
    total = subtotal + total_tax
    paid = cents_of(total / 100 * rng.choice([0.2, 0.3, 0.5])) if doc_type == "invoice" and rng.random() < 0.1 else 0
    number = document_number(rng, doc_type, issue.year)
    doc = Content(doc_type, number, issue, due, seller, buyer, items, taxes, charges, goods, subtotal, total_tax, total,
                  paid, reverse=reverse, days=days)
    customer = rng.choice(["", f"{rng.randint(10000, 99999)}", f"K{rng.randint(1000, 99999)}",
                           f"C-{rng.randint(100, 9999):04d}", f"D{rng.randint(100000, 999999)}"])
    if doc_type in ("invoice", "sales_order", "credit_note") and rng.random() < 0.45:
        doc.order_ref = rng.choice([f"PO-{rng.randint(1000, 99999)}", f"{rng.randint(4500000000, 4509999999)}",
                                    f"B{issue.year % 100}-{rng.randint(100, 9999)}",
                                    document_number(rng, "purchase_order", issue.year)])
    if doc_type == "invoice" and rng.random() < 0.4:
        doc.payment_ref = payment_reference(rng, country, doc.number, customer)
    dist = doc.distractors
    if customer:
        dist["customer_no"] = customer
    past = issue - dt.timedelta(days=rng.randint(1, 40))
    for key, value in (("order_date", st.date(past)), ("delivery_date", st.date(issue - dt.timedelta(
            days=rng.randint(0, 20)))), ("delivery_note", f"{rng.choice(['LS', 'DN', 'BL', ''])}{rng.randint(1000, 99999)}"),
            ("contact", seller.person), ("quote", f"{rng.choice(['Q', 'AN', 'DV', ''])}{rng.randint(100, 9999)}")):
        if rng.random() < 0.25:
            dist[key] = value
    if rng.random() < 0.15:
        start = (issue.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        end = issue.replace(day=1) - dt.timedelta(days=1)
        dist["period"] = f"{st.date(start)} - {st.date(end)}"
    if doc_type == "credit_note" and rng.random() < 0.7:
        dist["ref_invoice"] = document_number(rng, "invoice", issue.year)
    if not receipt and rng.random() < 0.15:
        _dated_items(rng, st, items, issue)
    return doc


def _dated_items(rng: random.Random, st: Style, items: list[Item], issue: dt.date) -> None:
    """Dates printed under some lines' descriptions, none of them the document's: the days a service was given
    ("11.09.2018; 14.09.2018; 19.09.2018"), a period."""
    for item in items:
        if item.extra or rng.random() < 0.5:
            continue
        days = sorted(issue - dt.timedelta(days=rng.randint(-10, 45)) for _ in range(rng.randint(1, 6)))
        if rng.random() < 0.6:
            item.extra = "; ".join(st.date(day) for day in days)
        else:
            item.extra = f"{st.date(days[0])} - {st.date(days[-1] + dt.timedelta(days=rng.randint(1, 30)))}"


def _item_count(rng: random.Random, receipt: bool) -> int:
    if receipt:
        return rng.choice([1, 1, 2, 3, 3, 4, 5, 6, 8, 12])
    return rng.choice([rng.randint(1, 3), rng.randint(1, 3), rng.randint(4, 8), rng.randint(4, 8),
                       rng.randint(9, 15), rng.randint(16, 40) if rng.random() < 0.4 else 6])


def _item(rng: random.Random, st: Style, rates, receipt: bool, us: bool, reverse: bool) -> Item:
    if receipt:
        qty = float(rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 6]))
        price = cents_of(rng.choice([0.49, 0.99, 1.19, 1.49, 1.99, 2.5, 2.99, 3.5, 4.2, 5.99, 7.9, 12.5, 19.99]))
        rate = rates[0] if us or rng.random() < 0.6 else rates[1]
        return Item(rng.choice(W.SHOP[st.lang]), "", "", qty, "", price, 0.0, rate, cents_of(qty * price / 100))
    description, kind = rng.choice(W.ITEMS[st.lang])
    extra = rng.choice(W.MORE[st.lang]) if rng.random() < 0.2 else ""
    low, high = W.PRICE_RANGES[kind]
    price = cents_of(math.exp(rng.uniform(math.log(low), math.log(high))))
    if kind == "h":
        qty = rng.choice([0.5, 1, 1.5, 2, 2.5, 3, 4, 6, 7.5, 8, 16, 24, 40])
    elif kind in ("kg", "m"):
        qty = round(rng.uniform(0.5, 120), rng.choice([0, 1, 2]))
    elif kind in ("month", "flat"):
        qty = rng.choice([1, 1, 1, 3, 6, 12])
    else:
        qty = rng.choice([1, 1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 25, 50, 100, 250])
    discount = rng.choice([0, 0, 0, 5, 10, 15, 20]) if rng.random() < 0.15 else 0
    rate = 0.0 if reverse else rates[0] if rng.random() < 0.75 or us else rng.choice(rates)
    amount = cents_of(qty * price / 100 * (1 - discount / 100))
    code = fill(rng, rng.choice(["#####", "A-####", "###-###", "ART####", "##.###.##", "SKU#####"]))
    return Item(description, extra, code, float(qty), rng.choice(W.UNITS[st.lang][kind]), price, float(discount),
                rate, amount)


def taxes_of(items, charges, gross: bool) -> list[tuple[float, int, int]]:
    """One (rate, base, tax) per rate, in cents, highest rate first; receipts print gross prices (``gross``), so
    their base is taken out of the gross sum."""
    by_rate: dict[float, int] = {}
    for item in items:
        by_rate[item.rate] = by_rate.get(item.rate, 0) + item.amount
    main = max(by_rate, key=by_rate.get)
    for _, cents in charges:  # shipping and discounts count at the rate of most of the goods
        by_rate[main] += cents
    out = []
    for rate in sorted(by_rate, reverse=True):
        base = by_rate[rate]
        if gross:
            net = cents_of(base / 100 / (1 + rate / 100))
            out.append((rate, net, base - net))
        else:
            out.append((rate, base, cents_of(base / 100 * rate / 100)))
    return [t for t in out if t[1] > 0]
