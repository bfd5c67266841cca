"""The body of a synthetic document (``synth.py``): its table of lines (columns in varying order, wrapped
descriptions, page breaks with carried-forward sums), its totals (tax rows or a tax summary table, deposits,
amounts due) and its notes (terms, payment reference, bank, reverse charge)."""

from __future__ import annotations

import random

from . import taxes as tax_tables
from . import text as T
from .content import as_amount
from .ids import fill
from .print import Writer

COLUMN_ORDERS = (("pos", "article", "description", "qty", "unit", "price", "discount", "vat", "amount"),
                 ("pos", "qty", "unit", "article", "description", "price", "discount", "vat", "amount"),
                 ("pos", "description", "article", "qty", "unit", "price", "discount", "amount", "vat"),
                 ("article", "description", "qty", "unit", "price", "vat", "discount", "amount"))
NUMERIC = frozenset({"qty", "price", "discount", "vat", "amount"})


class Body(Writer):
    """What follows the header: the table, the totals, the notes (``document.Document`` prints the rest)."""

    # -- the table of lines

    def columns(self) -> list[str]:
        rng, items = self.rng, self.doc.items
        wanted = {"description", "amount"}
        if rng.random() < 0.9:
            wanted.add("qty")
            if rng.random() < 0.92:
                wanted.add("price")
            if rng.random() < 0.4:
                wanted.add("unit")
        for key, share in (("pos", 0.5), ("article", 0.3)):
            if rng.random() < share:
                wanted.add(key)
        if self.st.country != "US" and (rng.random() < 0.35 or len({i.rate for i in items}) > 1 and rng.random() < 0.8):
            wanted.add("vat")
        if any(i.discount for i in items) and "price" in wanted:
            wanted.add("discount")
        return [c for c in rng.choice(COLUMN_ORDERS) if c in wanted]

    def table(self, y: float) -> float:
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        page = self.pages[-1]
        cols = self.columns()
        unit_in_qty = "unit" not in cols and "qty" in cols and rng.random() < 0.35
        cur_cells = st.cur_mode == "amounts" and rng.random() < 0.3
        negative = self.minus or rng.random() < 0.5
        price_negative = self.minus and rng.random() < 0.5
        pos_form = rng.choice(["{i}", "{i}", "{i0}", "{i}."])
        heads = {c: self.label(c) for c in cols}
        if st.cur_mode == "header":
            for c in ("price", "amount"):
                if c in heads:
                    heads[c] = rng.choice(["{} ({})", "{} {}"]).format(heads[c], st.currency_word())
                    self.set("currency", st.currency)
        if rng.random() < 0.2:
            heads = {c: h.upper() for c, h in heads.items()}
        cells = []
        for i, item in enumerate(d.items):
            qty = st.qty(item.qty) + (f" {item.unit}" if unit_in_qty else "")
            cells.append({"pos": pos_form.format(i=i + 1, i0=(i + 1) * 10), "article": item.code, "qty": qty,
                          "unit": item.unit, "price": self.money(item.price, price_negative, cur_cells),
                          "discount": st.pct(item.discount) if item.discount else "", "vat": st.pct(item.rate),
                          "amount": self.money(item.amount, negative and st.negative != "", cur_cells)})
        head_share, bold = rng.uniform(0.85, 1.0), rng.random() < 0.5
        while True:  # a table too wide for the page is set smaller, then loses its least needed columns
            head_size, pad = s * head_share, s * 1.2
            widths = {c: max([page.measure(heads[c], head_size, bold)] + [page.measure(row[c], s) for row in cells])
                      + pad for c in cols if c != "description"}
            room = self.right - self.left - sum(widths.values())
            if room >= s * 14:
                break
            if s > self.s * 0.75:
                s *= 0.92
            else:
                cols.remove(next(c for c in ("article", "discount", "pos", "unit", "vat", "price") if c in cols))
        widths["description"] = room
        xs, x = {}, self.left
        for c in cols:
            xs[c] = (x, x + widths[c])
            x += widths[c]
        self.xs, self.head = xs, (cols, heads, head_size, bold, pad)
        y = self.table_head(y + s * 1.2)
        pitch = s * rng.uniform(1.35, 1.7)
        running = 0
        lines = []
        for item, row in zip(d.items, cells):
            texts = self.wrap(item.description, widths["description"] - pad, s) + ([item.extra] if item.extra else [])
            if y + pitch + (len(texts) - 1) * s * 1.15 > self.bottom - s * 2:
                y = self.page_break(y, running, pitch)
            y += pitch
            for c in cols:
                if c == "description":
                    for k, text in enumerate(texts):
                        self.put(text, xs[c][0], y + k * s * 1.15, s)
                elif c in NUMERIC:
                    self.put(row[c], xs[c][1] - pad / 2, y, s, "r")
                else:
                    self.put(row[c], xs[c][0], y, s)
            y += (len(texts) - 1) * s * 1.15
            running += item.amount
            line = {"description": " ".join(texts), "amount": as_amount(item.amount)}
            for c, key, value in (("qty", "quantity", item.qty), ("price", "unit_price", as_amount(item.price)),
                                  ("vat", "tax_rate", item.rate), ("article", "product_code", item.code),
                                  ("unit", "unit", item.unit), ("discount", "discount_percent", item.discount)):
                if c in cols and (c != "discount" or item.discount):
                    line[key] = value
            if unit_in_qty:
                line["unit"] = item.unit
            lines.append(line)
        self.set("lines", lines)
        return y

    def table_head(self, y: float) -> float:
        cols, heads, size, bold, pad = self.head
        y += self.s * 1.2
        for c in cols:
            if c in NUMERIC:
                self.put(heads[c], self.xs[c][1] - pad / 2, y, size, "r", bold)
            else:
                self.put(heads[c], self.xs[c][0], y, size, "l", bold)
        return y + self.s * 0.4

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        rows, row = [], ""
        for token in text.split(" "):
            candidate = f"{row} {token}".strip()
            if row and self.pages[-1].measure(candidate, size) > width:
                rows.append(row)
                row = token
            else:
                row = candidate
        return rows + [row]

    def page_break(self, y: float, running: int, pitch: float) -> float:
        s, amount_x = self.s, self.xs["amount"][1] - self.head[4] / 2
        if self.carry:
            y += pitch
            self.put(self.label("carried"), self.xs["description"][0], y, s, bold=True)
            self.put(self.money(running), amount_x, y, s, "r")
        if self.rng.random() < 0.4:
            self.put(self.label("continued"), self.right, min(y + pitch * 1.5, self.bottom), s * 0.8, "r")
        y = self.continuation()
        y = self.table_head(y)
        if self.carry:
            y += pitch
            self.put(self.label("brought"), self.xs["description"][0], y, s, bold=True)
            self.put(self.money(running), amount_x, y, s, "r")
        return y

    def continuation(self) -> float:
        """A new page: the footer again, and a short header (title, number, page) at its top."""
        self.new_page()
        y = self.top + self.s * 2
        self.put(f"{self.label('title')} {self.doc.number}", self.left, y, self.s * 1.1, bold=True)
        self.put(self.label("page"), self.right, y, self.s * 0.9, "r")
        return y + self.s * 1.5

    # -- totals and notes

    def totals(self, y: float) -> float:
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        cur_all = st.cur_mode == "amounts"
        rows: list[tuple[str, int, list, bool]] = []  # label, cents, gold, emphasised
        if d.charges:
            rows.append((self.label("goods"), d.goods, [], False))
            rows += [(self.label(key), value, [], False) for key, value in d.charges]
        single = len(d.taxes) == 1
        mode = ""  # the tax_table family: a table of the rates, or each rate's base and tax on lines of their own
        if "tax_table" in st.families and d.taxes and st.country != "US":
            mode = "split" if rng.random() < 0.35 else "table"
        summary = mode == "table" or st.country != "US" and bool(d.taxes) and rng.random() < 0.2
        net_row = rng.random() < (0.9 if d.charges or len(d.taxes) > 1 else 0.8) or summary
        if net_row and not (mode == "split" and single):
            rows.append((self.label("subtotal"), d.subtotal, [("subtotal", as_amount(d.subtotal))], False))
        taxes = []
        if mode == "split":
            rows += tax_tables.split_rows(self)
            if not single and rng.random() < 0.5:
                rows.append((self.label("total_tax"), d.total_tax, [("total_tax", as_amount(d.total_tax))], False))
        elif d.taxes and not summary:
            template = self.label("tax_row")
            for rate, base, tax in d.taxes:
                entry = {"rate": rate, "amount": as_amount(tax)} if "{rate}" in template else {"amount": as_amount(tax)}
                gold = []
                if "{base}" in template or (single and net_row):
                    entry["base"] = as_amount(base)
                    if single and not net_row:
                        gold.append(("subtotal", as_amount(d.subtotal)))
                if single:
                    gold.append(("total_tax", as_amount(d.total_tax)))
                text = template.format(rate=st.pct(rate), base=self.money(base, self.minus,
                                                                          cur_all and rng.random() < 0.5))
                rows.append((text, tax, gold, False))
                taxes.append(entry)
            if not single and rng.random() < 0.5:
                rows.append((self.label("total_tax"), d.total_tax, [("total_tax", as_amount(d.total_tax))], False))
        elif summary:
            rows.append((self.label("total_tax"), d.total_tax, [("total_tax", as_amount(d.total_tax))], False))
        invoice = d.doc_type == "invoice"  # what is left to pay is an invoice's
        due_as_total = invoice and not d.paid and rng.random() < 0.12
        label = self.label("amount_due" if due_as_total else "total")
        if st.cur_mode == "label":
            label = f"{label} {st.currency_word()}"
            self.set("currency", st.currency)
        gold = [("total", as_amount(d.total))] + ([("amount_due", as_amount(d.total))] if due_as_total else [])
        rows.append((label, d.total, gold, True))
        if d.paid:
            rows.append((self.label("paid"), -d.paid, [], False))
            rows.append((self.label("amount_due"), d.total - d.paid, [("amount_due", as_amount(d.total - d.paid))], True))
        elif invoice and not due_as_total and rng.random() < 0.12:
            rows.append((self.label("amount_due"), d.total, [("amount_due", as_amount(d.total))], True))
        pitch = s * rng.uniform(1.35, 1.7)
        need = pitch * (len(rows) + 1 + (len(d.taxes) + 2 + 2 * (mode == "table") if summary else 0))
        if y + need > self.bottom:
            y = self.continuation()
        value_x = self.xs["amount"][1] - self.head[4] / 2 if "amount" in self.xs else self.right
        big = s * rng.uniform(1.0, 1.3)
        printed = []
        for label, value, gold, emphasised in rows:
            currency = cur_all or (st.cur_mode == "total" and emphasised)
            text = self.money(value, True, currency) if value >= 0 else "-" + self.money(-value, False, currency)
            printed.append((label, text, gold, emphasised, big if emphasised else s))
        widest = max(self.pages[-1].measure(text, size, True) for _, text, _, _, size in printed)
        flush_left = rng.random() < 0.6
        label_x = value_x - widest - s * rng.uniform(1.5, 4)
        if flush_left:
            label_x = value_x - max(rng.uniform(70, 95), widest + s * 2 + max(
                self.pages[-1].measure(label, size, True) for label, _, _, _, size in printed))
        top = y
        y += s * 0.8
        for label, text, gold, emphasised, size in printed:
            y += pitch * (1.2 if emphasised else 1.0)
            bold = emphasised and rng.random() < 0.7
            self.put(text, value_x, y, size, "r", bold, gold=gold)
            self.put(label, label_x, y, size, "l" if flush_left else "r", bold)
        if taxes:
            self.set("taxes", taxes)
        if mode == "table":
            labels_from = label_x if flush_left else label_x - max(
                self.pages[-1].measure(label, size, True) for label, _, _, _, size in printed)
            y = max(y, tax_tables.table(self, top, y + pitch * 0.5, labels_from - self.left - s * 3, pitch))
        elif summary:
            y = self.summary(top if label_x > self.left + s * 28 else y + pitch, pitch)
        return y

    def summary(self, y: float, pitch: float) -> float:
        """A table of the tax rates: rate, base, tax, gross."""
        s, st = self.s, self.st
        heads = T.LABELS[st.lang]["rate_head"]
        ends = [self.left + s * k for k in (5, 12, 19, 26)]
        y += pitch
        for k, head in enumerate(heads):
            self.put(head, ends[k], y, s * 0.9, "r")
        taxes = []
        for rate, base, tax in self.doc.taxes:
            y += pitch
            for k, text in enumerate((st.pct(rate), self.money(base, self.minus), self.money(tax, self.minus),
                                      self.money(base + tax, self.minus))):
                self.put(text, ends[k], y, s, "r")
            taxes.append({"rate": rate, "base": as_amount(base), "amount": as_amount(tax)})
        self.set("taxes", taxes)
        return y

    def notes(self, y: float) -> None:
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        iss, role = self.issuer, self.role
        notes: list[tuple[str, list]] = []
        if st.cur_mode == "note" and "currency" not in self.gold:
            notes.append((self.label("amounts_in").format(cur=st.currency), [("currency", st.currency)]))
        if self.due_place == "notes":
            notes.append((self.label("terms_due").format(due=st.date(d.due)), [("due_date", d.due.isoformat())]))
        elif d.doc_type != "purchase_order" and rng.random() < 0.5:
            notes.append((self.label("terms").format(days=d.days), []))
        if self.ref_place == "notes":
            notes.append((f"{self.label('payment_ref')}{self.st.colon} {d.payment_ref}", [("payment_reference", d.payment_ref)]))
        if self.iban_place == "notes":
            notes.append((f"{self.label('bank')}{self.st.colon} {iss.bank}", []))
            notes.append((f"{self.label('iban')}{self.st.colon} {iss.iban_text}   {self.label('bic')}{self.st.colon} {iss.bic}",
                          [(f"{role}.iban", iss.iban)]))
        if st.country == "US" and rng.random() < 0.3:
            notes.append((fill(rng, "Routing No. 0########   Account No. ##########"), []))
        if self.vat_place == "notes":
            notes.append((f"{self.label('vat_id')} {iss.vat_text}", [(f"{role}.vat", iss.vat)]))
        if d.reverse:
            notes.append((self.label("reverse"), []))
        # the order an invoice answers cited again in a sentence ("Rechnung gemäß Bestellung Nr. …"), in one in four
        # that print one: a value printed twice is not always the document's number. Drawn apart (no other draw moves)
        cite = random.Random(f"cite|{d.number}")
        if d.order_ref and d.doc_type in ("invoice", "credit_note") and cite.random() < 0.25:
            notes.append((st.label(cite, "order_cited", fresh=True).format(ref=d.order_ref),
                          [("order_reference", d.order_ref)]))
        if st.lang == "fr" and "currency" in self.gold and rng.random() < 0.3:
            notes.append((self.label("late").format(sym=st.currency_word()), []))
        if self.minus and rng.random() < 0.5:
            notes.append((self.label("refund"), []))
        if rng.random() < 0.35:
            notes.append((self.label("thanks"), []))
        y += s * rng.uniform(2, 4)
        for text, gold in notes:
            if y + s * 1.4 > self.bottom:
                y = self.continuation()
            y += s * 1.4
            self.put(text, self.left, y, s * 0.9, gold=gold)
