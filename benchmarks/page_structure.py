"""Evidence on invoice pages generated here, with what real pages have (issue #31): tables whose columns come in
any order, descriptions wrapped onto a second row, a unit printed beside the quantity, position numbers, per-line
VAT rates, address blocks side by side, names with "&" and accents, six languages and their number and date
formats, and scans tilted by up to 2° (each word's box the upright box around its turned rectangle, jittered).

The gold of each page is given as the answer (``locate``): *located* counts the gold values found on the page (the
rest would be false ``value_not_on_page`` flags); then every number gets its leading digit changed and every
identifier one character, and *flagged* counts the changed values not found (a misread or invented value caught).
Both the page structure of today (``structure=True``: rows along the page's angle, blocks split, table columns
from the header row, wrapped descriptions) and the rows-only grouping (``structure=False``) run on the same words.

    python benchmarks/page_structure.py [--pages 200] [--seed 131]

Prints located and flagged by kind (born-digital: upright, exact boxes; scan: tilted, jittered) and by field
group, and the time ``locate`` took per page. Pages are generated from ``--seed``; building used other seeds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from evidence_recall import mutate  # noqa: E402

from ocr_sidecar.locate import locate, printed_paths  # noqa: E402
from ocr_sidecar.words import Word, WordLayer, assign_lines  # noqa: E402

ASPECT = 297 / 210  # A4 portrait: one y unit is this many x units long

# What pages in these languages print (written for this script).
LANG = {
    "en": {"invoice": "Invoice", "no": "Invoice no.", "date": "Date", "due": "Due date", "pos": "#",
           "description": "Description", "qty": "Qty", "unit": "Unit", "price": "Unit price", "vat": "VAT",
           "amount": "Amount", "subtotal": "Subtotal", "tax": "VAT {rate}% on {base}", "total_tax": "Total VAT",
           "total": "Total", "units": ["pcs", "h", "kg"], "num": (",", "."), "dfmt": "{m:02d}/{d:02d}/{y}"},
    "de": {"invoice": "Rechnung", "no": "Rechnungsnr.", "date": "Datum", "due": "Fällig am", "pos": "Pos.",
           "description": "Bezeichnung", "qty": "Menge", "unit": "Einheit", "price": "Einzelpreis", "vat": "MwSt.",
           "amount": "Gesamt", "subtotal": "Nettobetrag", "tax": "MwSt. {rate}% auf {base}",
           "total_tax": "Summe MwSt.", "total": "Gesamtbetrag", "units": ["Stk.", "Std.", "kg"], "num": (".", ","),
           "dfmt": "{d:02d}.{m:02d}.{y}"},
    "fr": {"invoice": "Facture", "no": "Facture n°", "date": "Date", "due": "Échéance", "pos": "N°",
           "description": "Désignation", "qty": "Qté", "unit": "Unité", "price": "Prix unitaire", "vat": "TVA",
           "amount": "Montant HT", "subtotal": "Total HT", "tax": "TVA {rate}% sur {base}", "total_tax": "Total TVA",
           "total": "Total TTC", "units": ["pce", "h", "kg"], "num": (" ", ","), "dfmt": "{d:02d}/{m:02d}/{y}"},
    "nl": {"invoice": "Factuur", "no": "Factuurnummer", "date": "Datum", "due": "Vervaldatum", "pos": "Nr.",
           "description": "Omschrijving", "qty": "Aantal", "unit": "Eenheid", "price": "Prijs", "vat": "BTW",
           "amount": "Bedrag", "subtotal": "Subtotaal", "tax": "BTW {rate}% over {base}", "total_tax": "Totaal BTW",
           "total": "Totaal", "units": ["st", "uur", "kg"], "num": (".", ","), "dfmt": "{d:02d}-{m:02d}-{y}"},
    "es": {"invoice": "Factura", "no": "Factura n.º", "date": "Fecha", "due": "Vencimiento", "pos": "Nº",
           "description": "Descripción", "qty": "Cantidad", "unit": "Unidad", "price": "Precio", "vat": "IVA",
           "amount": "Importe", "subtotal": "Base imponible", "tax": "IVA {rate}% s/ {base}", "total_tax": "Cuota IVA",
           "total": "Total factura", "units": ["ud", "h", "kg"], "num": (".", ","), "dfmt": "{d:02d}/{m:02d}/{y}"},
    "it": {"invoice": "Fattura", "no": "Fattura n.", "date": "Data", "due": "Scadenza", "pos": "N.",
           "description": "Descrizione", "qty": "Q.tà", "unit": "U.M.", "price": "Prezzo unitario", "vat": "IVA",
           "amount": "Importo", "subtotal": "Imponibile", "tax": "IVA {rate}% su {base}", "total_tax": "Totale IVA",
           "total": "Totale documento", "units": ["pz", "ore", "kg"], "num": (".", ","), "dfmt": "{d:02d}/{m:02d}/{y}"},
}
NAMES = ["Müller & Söhne GmbH", "Société Générale d'Équipement", "Van den Berg & Zn B.V.", "Peña Hermanos S.L.",
         "Rossi & Figli S.r.l.", "Nordic Tools AB", "Łukasz Nowak Sp. z o.o.", "Brown & Partners Ltd",
         "Café Olé SARL", "Øresund Trading ApS"]
STREETS = ["Hauptstraße 12", "12 rue de la Paix", "Keizersgracht 221", "Calle Mayor 5", "Via Roma 18",
           "221B Baker Street", "Avenue Louise 60", "Storgatan 3"]
CITIES = [("10115", "Berlin"), ("75002", "Paris"), ("1016 DC", "Amsterdam"), ("28013", "Madrid"),
          ("00184", "Roma"), ("1050", "Bruxelles"), ("111 22", "Stockholm")]
ITEMS = ["Steel bracket", "Cable ties black", "Consulting services", "Wooden pallet", "LED panel warm white",
         "Printer toner cyan", "Hydraulic hose assembly", "Safety gloves size L", "Office chair ergonomic",
         "Copper pipe fitting", "Software licence annual", "Maintenance visit", "Packaging material"]
MORE = ["with mounting kit", "incl. delivery", "as per quote 2231", "stainless", "for building B", "long version"]


def money(value: float, lang: str) -> str:
    thousands, decimal = LANG[lang]["num"]
    whole, cents = f"{value:,.2f}".split(".")
    return whole.replace(",", thousands) + decimal + cents


HEADERS = ("rows", "one_row", "grid")  # label-value rows; number and date on one row; labels over their values


def generate(rng: random.Random, style: Optional[random.Random] = None) -> tuple[list[tuple[str, int, tuple]], dict]:
    """The printed words of one page, as (text, printed line, upright box), and its gold document. ``style``
    draws how the page is printed — language, the issuer, the header's arrangement (``HEADERS``), the table's
    columns, the VAT rates, where the totals stand — and ``rng`` what it says: one vendor's documents are pages
    of one ``style`` seed. Without ``style`` everything is drawn from ``rng`` and the header is label-value rows."""
    vendor = style is not None
    style = style or rng
    lang = style.choice(list(LANG))
    t = LANG[lang]
    words: list[tuple[str, int, tuple]] = []
    line_id = 0
    size = style.uniform(0.010, 0.012)

    def put(text: str, x: float, y: float, line: int, height: float = size) -> float:
        for token in text.split():
            width = len(token) * height * 0.55 / ASPECT
            words.append((token, line, (x, y, x + width, y + height)))
            x += width + height * 0.35 / ASPECT
        return x

    seller, buyer = style.sample(NAMES, 2)
    (s_zip, s_city), (b_zip, b_city) = style.sample(CITIES, 2)
    s_street, b_street = style.sample(STREETS, 2)
    s_vat = f"DE{style.randint(100000000, 999999999)}"
    block_a = [seller, s_street, f"{s_zip} {s_city}", f"VAT {s_vat}"]
    size_b = size * style.uniform(0.85, 1.15)
    offset = style.uniform(0.2, 0.8) * size * 1.5
    block_b = [buyer, b_street, f"{b_zip} {b_city}"]
    for i, text in enumerate(block_a):
        put(text, 0.08, 0.08 + i * size * 1.5, line_id)
        line_id += 1
    for i, text in enumerate(block_b):
        put(text, 0.56, 0.08 + offset + i * size_b * 1.5, line_id, size_b)
        line_id += 1
    issue = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    due = issue + dt.timedelta(days=style.choice([14, 30, 45]))
    number = f"{style.choice(['INV', 'RE', 'F', 'FA'])}-{issue.year}-{rng.randint(100, 99999)}"
    y = 0.26
    header = style.choice(HEADERS) if vendor else "rows"
    fields = ((t["no"], number), (t["date"], t["dfmt"].format(d=issue.day, m=issue.month, y=issue.year)),
              (t["due"], t["dfmt"].format(d=due.day, m=due.month, y=due.year)))
    if header == "rows":
        for label, value in fields:
            put(label, 0.08, y, line_id)
            put(value, 0.30, y, line_id)
            line_id += 1
            y += size * 1.6
    elif header == "one_row":  # "Invoice no. INV-1  Date 01.02.2024" then the due date below
        x = put(fields[0][0], 0.08, y, line_id)
        put(fields[0][1], x + 0.01, y, line_id)
        put(fields[1][0], 0.50, y, line_id)
        put(fields[1][1], 0.62, y, line_id)
        line_id += 1
        y += size * 1.6
        put(fields[2][0], 0.50, y, line_id)
        put(fields[2][1], 0.62, y, line_id)
        line_id += 1
        y += size * 1.6
    else:  # a grid: the labels on one row, each value under its label
        for i, (label, _) in enumerate(fields):
            put(label, 0.08 + 0.22 * i, y, line_id)
        line_id += 1
        y += size * 1.5
        for i, (_, value) in enumerate(fields):
            put(value, 0.08 + 0.22 * i, y, line_id)
        line_id += 1
        y += size * 1.6

    # the table: columns in one of several orders, some optional
    columns = ["pos", "description", "qty", "unit", "price", "vat", "amount"]
    if style.random() < 0.4:
        columns.remove("pos")
    if style.random() < 0.5:
        columns.remove("unit")
    if style.random() < 0.3:
        columns.remove("vat")
    if style.random() < 0.3 and "vat" in columns:  # VAT before the price
        columns.remove("vat")
        columns.insert(columns.index("price"), "vat")
    widths = {"pos": 0.05, "description": 0.34, "qty": 0.08, "unit": 0.08, "price": 0.12, "vat": 0.07, "amount": 0.13}
    scale = 0.84 / sum(widths[c] for c in columns)
    xs, x = {}, 0.08
    for column in columns:
        xs[column] = (x, x + widths[column] * scale)
        x += widths[column] * scale
    y += size * 2.0
    for column in columns:
        label = t[column]
        if column in ("qty", "price", "vat", "amount"):  # numbers' headers sit right-aligned
            width = sum(len(tok) for tok in label.split()) * size * 0.55 / ASPECT + 0.01
            put(label, xs[column][1] - width, y, line_id)
        else:
            put(label, xs[column][0], y, line_id)
    line_id += 1
    y += size * 1.8
    rates = [style.choice([19.0, 7.0, 20.0, 21.0, 10.0, 5.5])]
    if style.random() < 0.4:
        rates.append(style.choice([r for r in (7.0, 10.0, 5.5, 0.0) if r != rates[0]]))
    lines = []
    unit_in_qty = "unit" not in columns and style.random() < 0.5
    for index in range(rng.randint(2, 9)):
        description = rng.choice(ITEMS)
        wrapped = rng.random() < 0.3
        extra = rng.choice(MORE) if wrapped else ""
        qty = rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 25, 100]) if rng.random() < 0.8 else round(
            rng.uniform(0.5, 40), 2)
        price = round(rng.uniform(1, 900), 2)
        rate = rng.choice(rates)
        amount = round(qty * price, 2)
        cells = {"pos": str(index + 1), "description": description, "unit": rng.choice(t["units"]),
                 "price": money(price, lang), "vat": f"{rate:g}%".replace(".", LANG[lang]["num"][1]),
                 "amount": money(amount, lang)}
        qty_text = money(qty, lang) if qty != int(qty) else str(int(qty))
        in_qty = rng.choice(t["units"])
        cells["qty"] = f"{qty_text} {in_qty}" if unit_in_qty else qty_text
        for column in columns:
            text = cells[column]
            if column in ("qty", "price", "vat", "amount"):
                width = sum(len(tok) for tok in text.split()) * size * 0.55 / ASPECT + 0.01
                put(text, xs[column][1] - width, y, line_id)
            else:
                put(text, xs[column][0], y, line_id)
        line_id += 1
        if wrapped:  # the description's second row, under its first, nothing else on it
            y += size * 1.3
            put(extra, xs["description"][0], y, line_id)
            line_id += 1
            description = f"{description} {extra}"
        y += size * rng.uniform(1.6, 2.2)
        lines.append({"description": description, "quantity": float(qty), "unit_price": price,
                      "tax_rate": rate if "vat" in columns else None, "amount": amount})
        if vendor and ("unit" in columns or unit_in_qty):  # a vendor's documents: the unit as printed
            lines[-1]["unit"] = cells["unit"] if "unit" in columns else in_qty
    subtotal = round(sum(line["amount"] for line in lines), 2)
    taxes = []
    for rate in rates:
        base = round(sum(line["amount"] for line in lines if (line["tax_rate"] or rates[0]) == rate), 2)
        if base:
            taxes.append({"rate": rate, "base": base, "amount": round(base * rate / 100, 2)})
    total_tax = round(sum(tax["amount"] for tax in taxes), 2)
    total = round(subtotal + total_tax, 2)
    y += size * 1.5
    label_x = xs[columns[-2]][0] - 0.12
    rows = [(t["subtotal"], subtotal)] + [
        (t["tax"].format(rate=f"{tax['rate']:g}".replace(".", LANG[lang]["num"][1]), base=money(tax["base"], lang)),
         tax["amount"]) for tax in taxes]
    printed_total_tax = len(taxes) == 1 or style.random() < 0.5
    if printed_total_tax and len(taxes) > 1:
        rows.append((t["total_tax"], total_tax))
    rows.append((t["total"], total))
    for label, value in rows:
        put(label, label_x, y, line_id)
        text = money(value, lang)
        width = len(text) * size * 0.55 / ASPECT + 0.01
        put(text, xs["amount"][1] - width, y, line_id)
        line_id += 1
        y += size * 1.7
    for line in lines:
        if line["tax_rate"] is None:
            del line["tax_rate"]
    gold = {"document_number": number, "issue_date": issue.isoformat(), "due_date": due.isoformat(),
            "seller": {"name": seller, "vat": s_vat, "address": {"street": s_street, "zip": s_zip, "city": s_city}},
            "buyer": {"name": buyer, "address": {"street": b_street, "zip": b_zip, "city": b_city}},
            "lines": lines, "taxes": taxes, "subtotal": subtotal, "total": total}
    if printed_total_tax:
        gold["total_tax"] = total_tax
    return words, gold


def turned(words: list[tuple[str, int, tuple]], degrees: float, rng: random.Random) -> list[Word]:
    """The words as OCR gives them off a page turned ``degrees`` about its centre, boxes jittered."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    out = []
    for text, _, (x0, y0, x1, y1) in words:
        corners = []
        for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            dx, dy = x - 0.5, (y - 0.5) * ASPECT
            corners.append((0.5 + dx * cos - dy * sin, 0.5 + (dx * sin + dy * cos) / ASPECT))
        jitter = 0.0008 if degrees else 0.0
        out.append(Word(text, (min(c[0] for c in corners) + rng.uniform(-jitter, jitter),
                               min(c[1] for c in corners) + rng.uniform(-jitter, jitter),
                               max(c[0] for c in corners) + rng.uniform(-jitter, jitter),
                               max(c[1] for c in corners) + rng.uniform(-jitter, jitter)), confidence=0.95))
    return out


def group(path: str) -> str:
    if path.startswith("lines["):
        return "lines." + path.rsplit(".", 1)[-1]
    if path.startswith(("seller", "buyer")):
        return "parties"
    if path.startswith("taxes"):
        return "taxes"
    return "header and totals"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=131)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts: dict[tuple[bool, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    times: dict[bool, list[float]] = defaultdict(list)
    for index in range(args.pages):
        printed, gold = generate(rng)
        scan = index % 2 == 1
        degrees = rng.uniform(0.4, 2.0) * rng.choice([-1, 1]) if scan else 0.0
        page_words = turned(printed, degrees, rng)
        changed, changed_paths = mutate(gold)
        for structure in (False, True):
            words = [Word(w.text, w.box, confidence=w.confidence) for w in page_words]
            layer = WordLayer("ocr" if scan else "pdf", assign_lines(words, structure=structure))
            started = time.perf_counter()
            found = locate(gold, [layer], structure=structure)
            times[structure].append(time.perf_counter() - started)
            found_changed = locate(changed, [layer], structure=structure)
            kind = "scan" if scan else "born-digital"
            for path in printed_paths(gold):
                for key in ((structure, kind, "all"), (structure, kind, group(path))):
                    counts[key][0] += path in found
                    counts[key][1] += 1
            for path in changed_paths:
                for key in ((structure, kind, "all"), (structure, kind, group(path))):
                    counts[key][2] += path not in found_changed
                    counts[key][3] += 1
    print(f"{args.pages} generated pages, seed {args.seed}")
    print("| kind | fields | located, rows only | located, structure | flagged, rows only | flagged, structure |")
    print("|---|---|---:|---:|---:|---:|")
    for kind in ("born-digital", "scan"):
        groups = sorted({key[2] for key in counts if key[1] == kind}, key=lambda g: (g != "all", g))
        for name in groups:
            before, now = counts[(False, kind, name)], counts[(True, kind, name)]
            print(f"| {kind} | {name} | {before[0]}/{before[1]} = {before[0] / before[1]:.1%} | "
                  f"{now[0]}/{now[1]} = {now[0] / now[1]:.1%} | {before[2]}/{before[3]} = "
                  f"{before[2] / max(before[3], 1):.1%} | {now[2]}/{now[3]} = {now[2] / max(now[3], 1):.1%} |")
    for structure in (False, True):
        label = "structure" if structure else "rows only"
        print(f"locate, {label}: median {statistics.median(times[structure]) * 1000:.1f} ms per page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
