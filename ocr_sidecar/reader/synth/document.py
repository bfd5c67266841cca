"""An invoice, credit note, purchase order or order confirmation of ``synth.py`` on A4 (US Letter) pages: the
letterhead, the addresses, the title and the header fields in one of several layouts, the footer; the body
(table, totals, notes) is ``table.py``."""

from __future__ import annotations

import datetime as dt
import random

from . import text as T
from . import world as W
from .content import Party, party, weighted
from .ids import gln, gtin, phone_number
from .print import Page
from .table import Body

HEADER_LAYOUTS = (("rows", 3), ("colon", 2), ("grid", 2), ("kv_right", 3), ("title", 1), ("inline", 1))
REFERENCE_LAYOUTS = (("rows", 2), ("colon", 1), ("grid", 3), ("kv_right", 2), ("title", 1))  # many fields
TITLED = {"title": {"number"}, "inline": {"number", "date"}}  # the fields a header layout prints in its title


class Document(Body):
    """An invoice, credit note, purchase order or order confirmation on A4 (US Letter in the US) pages."""

    def write(self) -> list[Page]:
        self.setup()
        self.footer = self.plan_footer()
        self.new_page()
        y = self.fields(self.top_of_page())
        y = self.totals(self.table(y))
        self.notes(y)
        self.number_pages()
        return self.pages

    def setup(self) -> None:
        """The page, the fonts and margins, the issuer, the header layout, where the VAT id and IBAN go."""
        rng, st, d = self.rng, self.st, self.doc
        self.W, self.H = (215.9, 279.4) if st.country == "US" else (210.0, 297.0)
        self.font = rng.uniform(0.9, 1.1)
        self.s = rng.uniform(3.1, 4.4)  # the body's font size, mm (9 to 12.5 pt)
        self.left, self.right = rng.uniform(12, 25), self.W - rng.uniform(12, 22)
        self.top = rng.uniform(10, 20)
        po = d.doc_type == "purchase_order"
        self.issuer, self.role = (d.buyer, "buyer") if po else (d.seller, "seller")
        self.other, self.other_role = (d.seller, "seller") if po else (d.buyer, "buyer")
        two_names = bool(self.issuer.legal or self.issuer.logo)  # its block is at the top (trade_name)
        self.info["issuer"] = weighted(rng, (("left", 4), ("right", 3), ("footer", 0 if two_names else 2)))
        references = "references" in st.families
        self.info["header"] = weighted(rng, REFERENCE_LAYOUTS if references else HEADER_LAYOUTS)
        self.titled = TITLED.get(self.info["header"], set())
        self.vat_place = rng.choice(["header", "footer", "footer", "notes"]) if self.issuer.vat else ""
        if references and self.issuer.vat and rng.random() < 0.6:
            self.vat_place = "header"
        self.iban_place = rng.choice(["footer", "footer", "notes", ""]) if self.issuer.iban else ""
        if po and rng.random() < 0.5:
            self.iban_place = ""
        self.due_place = rng.choice(["fields"] * 7 + ["notes"] * 2 + [""]) if d.due else ""
        self.ref_place = rng.choice(["fields", "notes"]) if d.payment_ref else ""
        self.carry = rng.random() < 0.5
        # a banner over every page (a copy mark, an e-invoice visualisation's name), in about one document in eight
        self.banner = (self.label("banner"), rng.uniform(5.5, 8.5), self.s * rng.uniform(0.6, 1.4), rng.choice("lcr"),
                       rng.random() < 0.4) if rng.random() < 0.12 else None
        # under it on the first page, in about one document in twelve: the lines of the program that printed it
        # (what was added to the generator later is drawn apart, from the document's number: the rest of the
        # document is drawn as without it)
        self.aside = own = random.Random(f"{d.number}/{d.issue}")
        self.preamble = [self.preamble_line(own) for _ in range(own.randint(1, 3))] if own.random() < 0.08 else []
        if self.preamble:
            self.top += len(self.preamble) * self.s * 0.8 * 1.4 + (4 if self.banner else 0)
        # the title's word alone as the number's label, in one document in ten ("Invoice: 4711", "Factuur" heading
        # a column); a sentence asking for the payment's reference, in one in six that print one
        table = T.LABELS[st.lang]
        bare = table.get(f"bare_number.{d.doc_type}")
        if own.random() < 0.1 and bare:
            st.labels["number"] = own.choice(bare)
        if own.random() < 0.16 and d.payment_ref:
            st.labels["payment_ref"] = own.choice(table["payment_ref_sentence"])
        if own.random() < 0.25:  # articles numbered by their GTIN (13 digits), where an article column is printed
            for item in d.items:
                item.code = gtin(own)

    def preamble_line(self, rng: random.Random) -> str:
        """"Stylesheet-Version: 2.6 vom 10.11.2025", "Printed on 3 May 2024": a version's date or the print's."""
        st = self.st
        day = self.doc.issue + dt.timedelta(days=rng.choice([rng.randint(-900, -1), rng.randint(1, 120)]))
        version = f"{rng.randint(1, 4)}.{rng.randint(0, 9)}"
        return st.label(rng, "preamble", fresh=True).format(v=version, date=st.date(day))

    # -- pages, footer

    def new_page(self) -> None:
        self.pages.append(Page(self.W, self.H, self.font))
        if self.banner:
            text, y, size, align, bold = self.banner
            y = max(y, size * 1.1 + 1.0)  # its letters on the page
            x = {"l": self.left, "c": (self.left + self.right) / 2, "r": self.right}[align]
            self.put(text, x, y, size, align, bold)
        if self.preamble and len(self.pages) == 1:
            y = (self.banner[1] + 2.0) if self.banner else 6.0
            for text in self.preamble:
                y += self.s * 0.8 * 1.4
                self.put(text, self.left, y, self.s * 0.8)
        small, columns = self.footer["size"], self.footer["columns"]
        pitch = small * 1.3
        if self.footer["style"] == "columns":
            width = (self.right - self.left) / len(columns)
            top = self.H - self.footer["margin"] - max(len(c) for c in columns) * pitch
            for k, column in enumerate(columns):
                for j, (text, gold) in enumerate(column):
                    size = min(small, small * (width - 2) / max(self.pages[-1].measure(text, small), 1e-6))
                    self.put(text, self.left + k * width, top + (j + 1) * pitch, size, gold=gold)
        else:
            rows = [(" · " if self.footer["sep"] == "dot" else " | ").join(t for t, _ in c) for c in columns]
            top = self.H - self.footer["margin"] - len(rows) * pitch
            for j, (row, column) in enumerate(zip(rows, columns)):
                self.put(row, (self.left + self.right) / 2, top + (j + 1) * pitch, small, "c",
                         gold=[g for _, gold in column for g in gold])
        if self.footer["page"]:
            self.put(self.footer["page"], self.right, top - pitch * 0.5, small, "r")
        self.bottom = top - self.s * 1.5

    def plan_footer(self) -> dict:
        rng, iss, role = self.rng, self.issuer, self.role
        where = self.info["issuer"]
        address = [(f"{role}.address.{k}", v) for k, v in (("street", iss.street), ("zip", iss.zip), ("city", iss.city))]
        company = [(iss.legal or iss.name, [] if iss.legal else [(f"{role}.name", iss.name)]), (iss.street, address)]
        company += [(line, []) for line in iss.city_line]
        if iss.legal and rng.random() < 0.6:  # "Au bon moulin SARL - 12 chemin des Vignes - 84340 Malaucène"
            sep = rng.choice([" - ", " · ", " | ", ", "])
            company = [(sep.join([iss.legal, iss.street, " ".join(iss.city_line)]), address)]
        contact = [(f"{self.label('phone')} {iss.phone}", []), (f"{self.label('email')} {iss.email}", []),
                   (iss.web, [])]
        contact = contact[:rng.randint(1, 3)]
        if rng.random() < 0.3:
            contact.insert(1, (f"{self.label('fax')} {phone_number(rng, iss.country)}", []))
        bank = []
        if self.iban_place == "footer":
            bank = [(iss.bank, []), (f"{self.label('iban')} {iss.iban_text}", [(f"{role}.iban", iss.iban)]),
                    (f"{self.label('bic')} {iss.bic}", [])]
        legal = [(reg, []) for reg in iss.regs]
        if self.vat_place == "footer":
            legal.insert(rng.randint(0, len(legal)), (f"{self.label('vat_id')} {iss.vat_text}", [(f"{role}.vat", iss.vat)]))
        if rng.random() < 0.4:
            legal.append((f"{self.label('director')}{self.st.colon} {iss.person}", []))
        columns = [c for c in (company if where == "footer" or iss.legal or rng.random() < 0.5 else [],
                               contact if rng.random() < 0.7 else [], bank, legal) if c]
        page = ""
        if rng.random() < 0.35:
            page = self.label("page")
        return {"columns": columns or [contact], "style": rng.choice(["columns", "columns", "lines"]),
                "size": self.s * rng.uniform(0.6, 0.8), "margin": rng.uniform(8, 16), "page": page,
                "sep": rng.choice(["dot", "bar"])}

    # -- the top: letterhead, addresses, title

    def party_lines(self, p: Party, country: bool) -> list[str]:
        lines = [p.street, *p.city_line]
        return lines + [W.COUNTRY_NAMES[self.st.lang][p.country]] if country else lines

    def top_of_page(self) -> float:
        rng, st, s, d = self.rng, self.st, self.s, self.doc
        left, right, where = self.left, self.right, self.info["issuer"]
        iss, role = self.issuer, self.role
        y_left = y_right = self.top
        big = s * rng.uniform(1.3, 2.2)
        country = rng.random() < 0.15
        extra = []
        if rng.random() < 0.5:
            extra.append(f"{self.label('phone')} {iss.phone}")
        if rng.random() < 0.4:
            extra.append(iss.email)
        if rng.random() < 0.08:  # a party's GLN, as EDI-minded issuers print it under the address
            extra.append(f"{rng.choice(['GLN', 'GLN:', 'ILN', 'GLN/ILN'])} {gln(rng)}")
        if rng.random() < 0.2:  # a person: the owner, or whom to contact (not the party's name)
            extra.insert(0, rng.choice([iss.person, f"{self.label('contact')}{self.st.colon} {iss.person}"]))
        vat_line = (f"{self.label('vat_id')} {iss.vat_text}", [(f"{role}.vat", iss.vat)])
        name_gold = [(f"{role}.name", iss.name)]
        head, head_gold = (iss.logo, []) if iss.logo else (iss.name, name_gold)  # a logo over the named block
        named = [(iss.name, name_gold)] if iss.logo else []
        if iss.legal or iss.logo:  # the name printed elsewhere: the footer's legal name, or the logo
            self.info["other_name"] = iss.legal or iss.logo
        if where == "left" and not iss.logo and rng.random() < 0.15:
            # the letterhead on one line: "Au bon moulin SARL - 12 chemin des Vignes - 84340 Malaucène - France",
            # its contacts (and VAT id) on the next, small, left or centred
            sep = rng.choice([" - ", " · ", " | ", ", "])
            parts = [iss.name, iss.street, " ".join(iss.city_line)]
            if country:
                parts.append(W.COUNTRY_NAMES[st.lang][iss.country])
            centred = rng.random() < 0.5
            x, align = ((left + right) / 2, "c") if centred else (left, "l")
            head, big = sep.join(parts), s * rng.uniform(0.75, 1.0)
            y_left += big * 1.2
            self.put(head, x, y_left, big, align, gold=name_gold)
            self.set_party(role, iss, address=True, country=country)
            rows = [(sep.join(extra), [])] if extra else []
            if self.vat_place == "header":
                rows.append(vat_line)
            for text, gold in rows:
                y_left += s * 1.1
                self.put(text, x, y_left, s * 0.75, align, gold=gold)
            y_left += s * 0.5
        elif where in ("left", "footer"):
            centred = where == "footer" and rng.random() < 0.4
            y_left += big
            self.put(head, (left + right) / 2 if centred else left, y_left, big, "c" if centred else "l", True,
                     gold=head_gold)
            y_left += big * 0.35  # a large line keeps its leading from the next
            if where == "left":
                y_left = self.block(named + self.party_lines(iss, country) + extra, left, y_left, s * 0.9, "l")
                self.set_party(role, iss, address=True, country=country)
                if self.vat_place == "header":
                    y_left = self.block([vat_line], left, y_left, s * 0.9, "l")
        else:
            align = rng.choice("lr")
            x = right if align == "r" else self.W * rng.uniform(0.56, 0.62)
            y_right += big
            self.put(head, x, y_right, big, align, True, gold=head_gold)
            y_right += big * 0.35
            y_right = self.block(named + self.party_lines(iss, country) + extra, x, y_right, s * 0.9, align)
            self.set_party(role, iss, address=True, country=country)
            if self.vat_place == "header":
                y_right = self.block([vat_line], x, y_right, s * 0.9, align)
        if where == "footer" and self.vat_place == "header":
            self.vat_place = "notes"
        self.title_done = False
        if where != "right" and self.info["header"] != "inline" and rng.random() < 0.35:
            title, size, gap = self.title(), s * rng.uniform(1.6, 2.4), s * rng.uniform(2.5, 4)
            page = self.pages[-1]
            name_end = (left + (right - left + page.measure(head, big, True)) / 2 if centred
                        else left + page.measure(head, big, True))
            if right - page.measure(title, size, True) > name_end + s * 2:  # else the title comes below
                y_right += gap
                self.put(title, right, y_right, size, "r", True, gold=self.title_gold())
                self.title_done = True
        # the window: a return-address line, the addressee (the buyer; a purchase order's supplier)
        y = max(y_left + s * 2, self.top + rng.uniform(36, 50))
        window = y
        if rng.random() < (0.55 if st.country in ("DE", "AT", "CH") else 0.15):
            sep = rng.choice([" · ", " - ", " | ", ", "])
            self.put(sep.join([iss.legal or iss.name, iss.street, " ".join(iss.city_line)]), left, y, s * 0.65,
                     gold=[] if iss.legal else name_gold)
            self.set_party(role, iss, address=True)
            y += s * 1.8
        other = self.other
        # the heading and the name on one line ("Bill to: ACME Ltd", "SELLER: DMBP NANTES"), in one in four that
        # print a heading (drawn apart: no other draw moves)
        inline = random.Random(f"inline|{d.number}").random() < 0.25
        heading = ""
        if rng.random() < 0.55:
            heading = self.label("supplier" if d.doc_type == "purchase_order" else "bill_to")
            bold = rng.random() < 0.5
            if not inline:
                self.put(heading, left, y, s, bold=bold)
                y += s * 1.4
        abroad = other.country != iss.country
        colon = "" if heading.endswith(".") else self.st.colon  # "Spett.le ACME S.r.l."
        lines = [f"{heading}{colon} {other.name}" if heading and inline else other.name]
        if rng.random() < 0.2:
            lines.append(f"{self.label('attn')} {other.person}")
        elif self.aside.random() < 0.15 and other.person != other.name:  # whom it is for, under the company
            lines.append(other.person)
        lines += self.party_lines(other, abroad and rng.random() < 0.9 or rng.random() < 0.05)
        other_country = len(lines) > 1 and lines[-1] == W.COUNTRY_NAMES[st.lang][other.country]
        if rng.random() < 0.06:
            lines.insert(rng.choice([0, 1, len(lines)]), f"{rng.choice(['GLN', 'ILN'])} {gln(rng)}")
        y = self.block(lines, left, y - s * 1.3, s, "l")
        self.set_party(self.other_role, other, name=True, address=True, country=other_country)
        if other.vat and other.country != "US" and (d.reverse or rng.random() < 0.15) \
                and d.doc_type != "purchase_order":  # a US buyer's tax id is no VAT id to quote
            y = self.block([(f"{self.label('buyer_vat')} {other.vat_text}", [(f"{self.other_role}.vat", other.vat)])],
                           left, y, s, "l")
        if self.info["header"] != "kv_right" and where != "right" and rng.random() < 0.2:
            ship = party(rng, other.country)
            x = left + rng.uniform(80, 95)
            self.put(self.label("ship_to"), x, window, s, bold=True)
            self.block([other.name, *self.party_lines(ship, False)], x, window, s, "l")
        if self.info["header"] == "kv_right":
            x = self.W * rng.uniform(0.55, 0.62)
            y_right = self.kv(self.field_list(), x, max(y_right + s * 2, window - s))
        return max(y, y_right) + s * rng.uniform(1.5, 3)

    def block(self, lines, x: float, y: float, size: float, align: str) -> float:
        """Lines under each other (text, or (text, gold)); returns the last baseline."""
        for line in lines:
            text, gold = (line, ()) if isinstance(line, str) else line
            y += size * 1.3
            self.put(text, x, y, size, align, gold=gold)
        return y

    def title(self) -> str:
        title = self.label("title")
        if self.info["header"] == "title":
            return f"{self.rng.choice([title, self.label('inline')])} {self.doc.number}"
        return title

    def title_gold(self) -> list:
        return [("document_number", self.doc.number)] if self.info["header"] == "title" else []

    # -- header fields

    def field_list(self) -> list[tuple[str, str, list]]:
        rng, st, d = self.rng, self.st, self.doc
        main = []
        if "number" not in self.titled:
            main.append((self.label("number"), d.number, [("document_number", d.number)]))
        if "date" not in self.titled and not self.info.get("city_date"):
            main.append((self.label("date"), st.date(d.issue), [("issue_date", d.issue.isoformat())]))
        if self.due_place == "fields":
            main.append((self.label("due"), st.date(d.due), [("due_date", d.due.isoformat())]))
        if d.order_ref:
            main.append((self.label("order_ref"), d.order_ref, [("order_reference", d.order_ref)]))
        if self.ref_place == "fields":
            main.append((self.label("payment_ref"), d.payment_ref, [("payment_reference", d.payment_ref)]))
        extras = [(self.label(key), value, []) for key, value in d.distractors.items()]
        if rng.random() < 0.25:
            page = self.label("page").split(" ", 1)
            extras.append((page[0], page[1] if len(page) > 1 else "{i}", []))
        if rng.random() < 0.3:
            rng.shuffle(main)
        rng.shuffle(extras)
        out = main + extras
        if rng.random() < 0.5 and extras:  # distractors among the fields, not only after them
            out = main[:1] + extras[:1] + main[1:] + extras[1:]
        return out

    def fields(self, y: float) -> float:
        rng, st, d, s = self.rng, self.st, self.doc, self.s
        layout = self.info["header"]
        left, right = self.left, self.right
        if layout in ("rows", "colon", "title") and rng.random() < 0.25:
            self.info["city_date"] = True
            text = self.label("city_date").format(city=self.issuer.city, date=st.date(d.issue))
            self.put(text, right, y, s, "r", gold=[("issue_date", d.issue.isoformat())])
            y += s * 1.5
        if layout == "inline":
            text = f"{self.label('inline')} {d.number} {self.label('of')} {st.date(d.issue)}"
            y += s * 2.2
            self.put(text, left, y, s * rng.uniform(1.1, 1.5), bold=True,
                     gold=[("document_number", d.number), ("issue_date", d.issue.isoformat())])
            y += s * 0.6
        elif not self.title_done:
            y += s * 2.4
            centred = rng.random() < 0.2
            self.put(self.title(), (left + right) / 2 if centred else left, y, s * rng.uniform(1.4, 2.2),
                     "c" if centred else "l", True, gold=self.title_gold())
            y += s * 0.8
        y = self.corrected(y)
        if st.cur_mode == "note" and rng.random() < 0.5:
            y += s * 1.4
            self.put(self.label("amounts_in").format(cur=st.currency), left, y, s * 0.9,
                     gold=[("currency", st.currency)])
        if layout == "kv_right":
            return y + s
        fields = self.field_list()
        if not fields:
            return y + s
        sub = layout if layout in ("rows", "colon", "grid") else rng.choice(["rows", "colon"])
        page, half_width = self.pages[-1], (right - left) / 2

        def narrow(group) -> bool:  # fits the left half, beside another column
            return (max(page.measure(label, s) for label, _, _ in group) + s + 10
                    + max(page.measure(value, s) for _, value, _ in group) < half_width)

        if sub == "grid":
            y = self.grid(fields, y)
        elif sub == "colon":
            two = len(fields) > 3 and rng.random() < 0.4 and narrow(fields[::2])
            for i, (label, value, gold) in enumerate(fields):
                column = i % 2 if two else 0
                if column == 0:
                    y += s * rng.uniform(1.3, 1.6)
                self.put(f"{label}{self.st.colon} {value}", left + column * (right - left) / 2, y, s, gold=gold)
        elif len(fields) > 3 and rng.random() < 0.35 and narrow(fields[:(len(fields) + 1) // 2]):  # side by side
            half = (len(fields) + 1) // 2
            end = self.rows(fields[:half], left, y)
            y = max(end, self.rows(fields[half:], left + (right - left) * 0.52, y))
        else:
            y = self.rows(fields, left if rng.random() < 0.7 else left + (right - left) * 0.45, y)
        if rng.random() < 0.25:
            y = self.block([self.label("intro", fresh=True)], left, y + s, s * 0.95, "l")
        return y + s * rng.uniform(1.0, 2.5)

    def corrected(self, y: float) -> float:
        """A credit note's line on the invoice it corrects: "Korrektur zur Rechnung Nr. 4711 vom 03.02.2024"."""
        if not self.doc.corrects:
            return y
        number, date = self.doc.corrects
        y += self.s * 1.5
        self.put(self.label("corrects").format(number=number, date=date), self.left, y, self.s,
                 bold=self.rng.random() < 0.3)
        return y + self.s * 0.3

    def rows(self, fields, x: float, y: float) -> float:
        s, page = self.s, self.pages[-1]
        colon = self.st.colon if self.rng.random() < 0.5 else ""
        value_x = x + max(page.measure(label + colon, s) for label, _, _ in fields) + self.rng.uniform(3, 10)
        for label, value, gold in fields:
            y += s * self.rng.uniform(1.3, 1.6)
            self.put(label + colon, x, y, s)
            self.put(value, value_x, y, s, gold=gold)
        return y

    def kv(self, fields, x: float, y: float) -> float:
        s, page = self.s, self.pages[-1]
        colon = self.st.colon if self.rng.random() < 0.5 else ""
        need = max(page.measure(label + colon, s) for label, _, _ in fields) + 3 + max(
            page.measure(v, s) for _, v, _ in fields)
        if x + need > self.right:  # long labels or values: the block starts further left, or is set smaller
            x = max(self.W * 0.45, self.right - need)
            s *= min(1.0, (self.right - x) / need)
        value_x = x + max(page.measure(label + colon, s) for label, _, _ in fields) + 3
        flush = self.rng.random() < 0.6 or value_x + max(page.measure(v, s) for _, v, _ in fields) > self.right
        for label, value, gold in fields:
            y += s * self.rng.uniform(1.25, 1.5)
            self.put(label + colon, x, y, s)
            self.put(value, self.right if flush else value_x, y, s, "r" if flush else "l", gold=gold)
        return y

    def grid(self, fields, y: float) -> float:
        rng, s, page = self.rng, self.s, self.pages[-1]
        small = s * rng.uniform(0.75, 0.9)
        upper = rng.random() < 0.3
        fields = [(label.upper() if upper else label, value, gold) for label, value, gold in fields]
        widest = max(max(page.measure(label, small), page.measure(value, s)) for label, value, _ in fields)
        n = min(len(fields), rng.randint(2, 5))
        while n > 1 and (self.right - self.left) / n < widest + 3:
            n -= 1
        width = (self.right - self.left) / n
        for start in range(0, len(fields), n):
            row = fields[start:start + n]
            y += s * 1.7
            for k, (label, _, _) in enumerate(row):
                self.put(label, self.left + k * width + 1, y, small)
            y += s * 1.35
            for k, (_, value, gold) in enumerate(row):
                self.put(value, self.left + k * width + 1, y, s, gold=gold)
        return y
