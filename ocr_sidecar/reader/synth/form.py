"""A form-style document of ``synth.py`` (the ``form`` family of ``family.py``): an ERP print-out or an
e-invoice visualisation. Section headings on their own line (Seller, Buyer, Ship to, Document details, Line
items, Totals, VAT breakdown, Payment details, Notes), sometimes bold, larger or in capitals, each over rows of
"Label: value" or of a label column and a value column; two sections side by side or one under the other; a
title that may carry the number and date ("Rechnung Nr. 471102 vom 05.03.2018"). The table, the page breaks and
the notes are ``table.Body``'s, the footer ``document.Document``'s."""

from __future__ import annotations

import random

from . import ids
from . import taxes as tax_tables
from . import world as W
from .content import Party, as_amount, party
from .document import Document
from .print import Page

Rows = list[tuple[str, str, list]]  # label, value, gold


class FormDocument(Document):
    """An invoice, credit note, purchase order or order confirmation printed as a form of sections."""

    def write(self) -> list[Page]:
        self.setup()
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        self.info.update(issuer="form", header="form")
        self.vat_place, self.due_place = "form", "fields" if d.due else ""
        self.iban_place = "form" if self.issuer.iban and d.doc_type != "purchase_order" else ""
        self.ref_place = "form" if d.payment_ref else ""
        self.pitch = s * rng.uniform(1.3, 1.55)
        self.colon = rng.random() < 0.35  # "Label: value" rows, else a label column and a value column
        self.bold_labels = not self.colon and rng.random() < 0.3
        self.heads = {"size": s * rng.uniform(1.0, 1.4), "bold": rng.random() < 0.8, "upper": rng.random() < 0.25,
                      "colon": rng.random() < 0.1, "gap": self.pitch * rng.uniform(1.4, 1.9)}
        self.footer = self.plan_footer()
        self.new_page()
        y = self.form_title(self.letterhead())
        details_first = rng.random() < 0.5
        if details_first:
            y = self.details(y)
        y = self.parties(y)
        if not details_first:
            y = self.details(y)
        y = self.sums(self.items(y))
        if d.taxes and st.country != "US" and ("tax_table" in st.families or rng.random() < 0.6):
            y = tax_tables.table(self, y, y + s * 0.5, 0, self.pitch)
        y = self.payment(y)
        if rng.random() < 0.5:
            y = self.heading("h.notes", self.left, y) - s * 1.5
        self.notes(y)
        self.number_pages()
        return self.pages

    # -- the top

    def letterhead(self) -> float:
        """The issuer's name large at the top, or nothing: the form starts with its title. No gold: the seller's
        section names it (as the letterhead, or by its legal name)."""
        rng, iss, s = self.rng, self.issuer, self.s
        y = self.top
        if rng.random() < 0.4:
            return y
        big = s * rng.uniform(1.3, 2.0)
        align = rng.choice("lcr")
        x = {"l": self.left, "c": (self.left + self.right) / 2, "r": self.right}[align]
        y += big
        self.put(iss.logo or iss.name, x, y, big, align, True)
        if iss.logo or iss.legal:  # the section prints the legal name
            self.info["other_name"] = iss.logo or iss.name
        if rng.random() < 0.4:
            y += s * 1.3
            self.put(rng.choice([" · ", " | ", ", "]).join([iss.street, " ".join(iss.city_line)]), x, y, s * 0.8, align)
        return y + s

    def form_title(self, y: float) -> float:
        """The title, with the number, or the number and the date, or alone; a credit note's corrected invoice."""
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        kind = rng.random()
        inline = self.label("inline")
        if kind < 0.45:  # "Rechnung Nr. 471102 vom 05.03.2018", "Invoice 2024-001 dated 3 May 2024"
            text = f"{inline} {d.number} {self.label('of')} {st.date(d.issue)}"
            gold, self.titled = [("document_number", d.number), ("issue_date", d.issue.isoformat())], {"number", "date"}
        elif kind < 0.7:
            text, gold, self.titled = f"{inline} {d.number}", [("document_number", d.number)], {"number"}
        else:
            text, gold, self.titled = self.label("title"), [], set()
        y += s * rng.uniform(2.0, 3.0)
        centred = rng.random() < 0.25
        self.put(text, (self.left + self.right) / 2 if centred else self.left, y, s * rng.uniform(1.3, 2.0),
                 "c" if centred else "l", True, gold=gold)
        return self.corrected(y + s * 0.5)

    def details(self, y: float) -> float:
        """The document's fields (number, dates, references, ...): rows, two pairs a row, or labels over values."""
        rng, st, s = self.rng, self.st, self.s
        fields = self.field_list()
        if rng.random() < 0.4:
            fields.append((self.label("f.currency"), st.currency, [("currency", st.currency)]))
        if not fields:
            return y
        if rng.random() < 0.6:
            y = self.heading("h.details", self.left, y)
        layout = rng.random()
        if layout < 0.25:
            return self.grid(fields, y)
        width = self.right - self.left
        if layout < 0.55 and len(fields) > 3:
            half, column = (len(fields) + 1) // 2, (width - 2 * s) / 2
            return self.form_rows([(self.left, column, fields[:half]), (self.left + column + 2 * s, column,
                                                                        fields[half:])], y)
        return self.form_rows([(self.left, width * rng.choice([0.6, 1.0]), fields)], y)

    # -- the parties

    def parties(self, y: float) -> float:
        """The issuer's and the other party's sections (and a ship-to), side by side or one under the other."""
        rng, d = self.rng, self.doc
        sections = [(f"h.{self.role}", self.party_rows(self.issuer, self.role)),
                    (f"h.{self.other_role}", self.party_rows(self.other, self.other_role))]
        if rng.random() < 0.25:
            sections.reverse()
        if d.buyer and rng.random() < 0.15:
            ship = party(rng, d.buyer.country)
            sections.append(("ship_to", [(self.label("f.name"), d.buyer.name, []),
                                         (self.label("f.address"), ship.street, []),
                                         ("", " ".join(ship.city_line), [])]))
        if rng.random() < 0.5:
            y = self.side_by_side(sections[:2], y)
            sections = sections[2:]
        for key, rows in sections:
            y = self.form_rows([(self.left, (self.right - self.left) * self.rng.choice([0.6, 0.8]), rows)],
                               self.heading(key, self.left, y))
        return y

    def party_rows(self, p: Party, role: str) -> Rows:
        """A party's rows: name (its legal name where the letterhead prints a short one), address, country, VAT id,
        contact, phone, e-mail, customer number."""
        rng, st, dist = self.rng, self.st, self.doc.distractors
        name = p.legal or p.name
        label = self.label("f.name")
        if st.lang == "en" and rng.random() < 0.3:  # US forms name the party in the row's label: "Vendor Name:"
            party_word = rng.choice(["Vendor", "Supplier", "Seller"] if role == "seller" else
                                    ["Customer", "Buyer", "Client", "Bill To"])
            label = f"{party_word} {rng.choice(['Name', 'Company', 'Company Name'])}"
        rows: Rows = [(label, name, [(f"{role}.name", name)])]
        where = [(f"{role}.address.street", p.street), (f"{role}.address.zip", p.zip), (f"{role}.address.city", p.city)]
        if rng.random() < 0.5:
            rows.append((self.label("f.address"), f"{p.street}, {' '.join(p.city_line)}", where))
        else:
            rows += [(self.label("f.address"), p.street, where[:1]), ("", " ".join(p.city_line), where[1:])]
        if p.country != st.country or rng.random() < 0.3:
            country = p.country if rng.random() < 0.4 else W.COUNTRY_NAMES[st.lang][p.country]
            rows.append((self.label("f.country"), country, [(f"{role}.address.country_code", p.country)]))
        if p.vat and rng.random() < (0.85 if role == "seller" else 0.5):
            rows.append((self.label("vat_id"), p.vat_text, [(f"{role}.vat", p.vat)]))
        for key, value, share in (("f.contact", p.person, 0.4), ("phone", p.phone, 0.4), ("email", p.email, 0.5)):
            if rng.random() < share:
                rows.append((self.label(key), value, []))
        # a party's GLN and its number at the other party, as e-invoice print-outs show them: drawn from their own
        # generator, so that the documents drawn before them stay the same
        extra = random.Random(f"{role}|{name}|{p.street}")
        numbers: Rows = []
        if extra.random() < 0.35:
            numbers.append((extra.choice(("GLN", "GLN:", "ILN", "Global ID", "Globale Nummer", "GLN/ILN")),
                            ids.gln(extra), []))
        if extra.random() < 0.25:
            numbers.append((extra.choice(("Nr.", "Nummer", "ID", "No.", "Número", "N°")),
                            ids.digits(extra, extra.randint(5, 7)), []))
        # the party's numbers after its rows, or first, its name under them (as e-invoice visualisations print)
        rows = numbers + rows if numbers and extra.random() < 0.5 else rows + numbers
        # its name and address without labels under the heading, in about one section in four (e-invoice
        # visualisations: "Verkäufer:" over "Nummer: 549910", then the name and its address lines)
        if random.Random(f"bare|{role}|{name}").random() < 0.25:
            plain = (f"{role}.name", f"{role}.address.street", f"{role}.address.zip", f"{role}.address.city")
            rows = [("" if any(path in plain for path, _ in gold) else label, value, gold)
                    for label, value, gold in rows]
        if role == "buyer" and "customer_no" in dist and rng.random() < 0.5:
            rows.append((self.label("customer_no"), dist["customer_no"], []))
        return rows

    # -- lines and sums

    def items(self, y: float) -> float:
        rng, s = self.rng, self.s
        if rng.random() < 0.7:
            y = self.heading("h.items", self.left, y) - s * 1.2
        if len(self.doc.items) <= 5 and rng.random() < 0.25:
            return self.item_blocks(y)
        return self.table(y)

    def item_blocks(self, y: float) -> float:
        """Each line as a block of rows under "Position 1", as e-invoice visualisations print them."""
        rng, st, s = self.rng, self.st, self.s
        code, rate, price_negative = rng.random() < 0.4, rng.random() < 0.5, self.minus and rng.random() < 0.5
        lines = []
        for i, item in enumerate(self.doc.items):
            rows: Rows = [(self.label("f.description"), item.description, [])]
            line = {"description": item.description, "quantity": item.qty, "unit": item.unit,
                    "unit_price": as_amount(item.price), "amount": as_amount(item.amount)}
            if code:
                rows.append((self.label("article"), item.code, []))
                line["product_code"] = item.code
            rows.append((self.label("f.qty"), f"{st.qty(item.qty)} {item.unit}", []))
            rows.append((self.label("f.price"), self.money(item.price, price_negative), []))
            if item.discount:
                rows.append((self.label("discount"), st.pct(item.discount), []))
                line["discount_percent"] = item.discount
            if rate:
                rows.append((self.label("f.rate"), st.pct(item.rate), []))
                line["tax_rate"] = item.rate
            rows.append((self.label("f.amount"), self.money(item.amount, self.minus), []))
            if y + self.pitch * (len(rows) + 2) > self.bottom:
                y = self.continuation()
            y += self.pitch * 1.3
            self.put(self.label("f.item").format(i=i + 1), self.left, y, s, bold=True)
            y = self.form_rows([(self.left + s * 2, (self.right - self.left) * 0.7, rows)], y)
            lines.append(line)
        self.set("lines", lines)
        return y

    def sums(self, y: float) -> float:
        """The totals as e-invoice visualisations print them: sum of lines, net, VAT, gross, amount due."""
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        rows: list[tuple[str, int, list, bool]] = []
        if d.charges or rng.random() < 0.5:
            rows.append((self.label("f.goods"), d.goods, [], False))
        rows += [(self.label(key), cents, [], False) for key, cents in d.charges]
        rows.append((self.label("f.net"), d.subtotal, [("subtotal", as_amount(d.subtotal))], False))
        if d.taxes:
            rows.append((self.label("f.tax"), d.total_tax, [("total_tax", as_amount(d.total_tax))], False))
        label = self.label("f.gross")
        if st.cur_mode == "label":
            label = f"{label} {st.currency_word()}"
            self.set("currency", st.currency)
        rows.append((label, d.total, [("total", as_amount(d.total))], True))
        if d.doc_type == "invoice" and d.paid:
            rows.append((self.label("f.paid"), d.paid, [], False))
            rows.append((self.label("f.due"), d.total - d.paid, [("amount_due", as_amount(d.total - d.paid))], True))
        elif d.doc_type == "invoice" and rng.random() < 0.6:
            rows.append((self.label("f.due"), d.total, [("amount_due", as_amount(d.total))], True))
        heading = rng.random() < 0.6
        if y + self.pitch * (len(rows) + 3) > self.bottom:
            y = self.continuation()
        if heading:
            y = self.heading("h.totals", self.left, y)
        else:
            y += self.pitch * 0.8
        printed = [(label, self.money(cents, True, st.cur_mode == "amounts" or st.cur_mode == "total" and emphasised),
                    gold, emphasised) for label, cents, gold, emphasised in rows]
        page = self.pages[-1]
        need = max(page.measure(t[0], s, True) for t in printed) + max(page.measure(t[1], s, True) for t in printed)
        label_x = self.left if rng.random() < 0.5 else self.left + (self.right - self.left) * rng.uniform(0.4, 0.55)
        value_x = self.right if rng.random() < 0.7 else label_x + rng.uniform(90, 120)
        if value_x > self.right or value_x - label_x < need + s * 3:
            label_x, value_x = self.left, self.right
        bold = rng.random() < 0.6
        for label, text, gold, emphasised in printed:
            y += self.pitch
            self.put(label, label_x, y, s, bold=bold and emphasised)
            self.put(text, value_x, y, s, "r", bold and emphasised, gold=gold)
        return y

    def payment(self, y: float) -> float:
        """Payment details: means, terms, account holder, bank, IBAN, BIC, payment reference."""
        rng, d, iss = self.rng, self.doc, self.issuer
        if d.doc_type == "purchase_order":
            return y
        rows: Rows = []
        if rng.random() < 0.6:
            rows.append((self.label("f.means"), self.label("f.means_value"), []))
        if rng.random() < 0.4:
            rows.append((self.label("f.terms"), self.label("terms").format(days=d.days), []))
        if self.iban_place == "form":
            if rng.random() < 0.4:
                rows.append((self.label("f.holder"), iss.legal or iss.name, []))
            if rng.random() < 0.3:
                rows.append((self.label("bank"), iss.bank, []))
            rows.append((self.label("iban"), iss.iban_text, [(f"{self.role}.iban", iss.iban)]))
            if rng.random() < 0.75:
                rows.append((self.label("bic"), iss.bic, []))
        if self.ref_place == "form":
            rows.append((self.label("payment_ref"), d.payment_ref, [("payment_reference", d.payment_ref)]))
        if not rows:
            return y
        return self.form_rows([(self.left, (self.right - self.left) * rng.choice([0.7, 1.0]), rows)],
                              self.heading("h.payment", self.left, y))

    # -- headings and rows

    def heading(self, key: str, x: float, y: float, width: float = 0.0) -> float:
        """A section's heading on its own line (a new page first where no rows would fit under it), set smaller
        where it is wider than ``width`` (mm)."""
        heads = self.heads
        if y + heads["gap"] + self.pitch * 3 > self.bottom:
            y = self.continuation()
        text = self.label(key)
        text = (text.upper() if heads["upper"] else text) + (":" if heads["colon"] else "")
        y += heads["gap"]
        size = heads["size"]
        wide = self.pages[-1].measure(text, size, heads["bold"])
        if width and wide > width:
            size *= width / wide
        self.put(text, x, y, size, bold=heads["bold"])
        return y + self.s * 0.15

    def side_by_side(self, sections: list[tuple[str, Rows]], y: float) -> float:
        s = self.s
        column = (self.right - self.left - 2 * s) / 2
        xs = [self.left, self.left + column + 2 * s]
        if y + self.heads["gap"] + self.pitch * (max(len(rows) for _, rows in sections) + 1) > self.bottom:
            y = self.continuation()
        top = [self.heading(key, x, y, column - s) for (key, _), x in zip(sections, xs)][0]
        return self.form_rows([(x, column, rows) for (_, rows), x in zip(sections, xs)], top)

    def form_rows(self, sections: list[tuple[float, float, Rows]], y: float) -> float:
        """Rows of one or more sections side by side, each (x, width, rows); returns the last baseline."""
        s, bold = self.s, self.bold_labels
        specs = []
        for x, width, rows in sections:
            widest = max(self.pages[-1].measure(label, s, bold) for label, _, _ in rows)
            specs.append((x, width, rows, 0 if self.colon else min(widest + s * 1.5, width * 0.45)))
        for i in range(max(len(rows) for _, _, rows in sections)):
            if y + self.pitch > self.bottom - s:
                y = self.continuation()
            y += self.pitch
            for x, width, rows, label_width in specs:
                if i >= len(rows):
                    continue
                label, value, gold = rows[i]
                if self.colon:
                    text = f"{label.rstrip(':')}{self.st.colon} {value}" if label else value
                    self.put(text, x, y, self.fit(text, width), gold=gold)
                    continue
                if label:
                    self.put(label, x, y, self.fit(label, label_width - s, bold), bold=bold)
                self.put(value, x + label_width, y, self.fit(value, width - label_width), gold=gold)
        return y

    def fit(self, text: str, width: float, bold: bool = False) -> float:
        """The font size at which ``text`` fits ``width`` (mm): the body's, or smaller."""
        wide = self.pages[-1].measure(text, self.s, bold)
        return self.s if wide <= width else max(self.s * 0.55, self.s * width / wide)
