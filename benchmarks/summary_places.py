"""Which printed place the evidence gives a document's totals, on invoices generated here (not the corpus).

``locate`` gives each value one printed place (issue #36): a summary amount the row that names it (subtotal, tax,
total, amount due), and numbers only as whole tokens (the 100 of INV-100 is no amount). The label words it knows
were written from the corpus's languages; this script measures them on generated totals blocks in languages and
wordings chosen independently (Italian, Polish, Swedish, Portuguese, Czech among them), in random row orders,
with zero-VAT pages (subtotal = total printed twice), amounts repeated in codes (INV-<amount>), and pages tilted
by up to 2° (words' boxes drift, rows are grouped by ``assign_lines`` as OCR's are).

    python benchmarks/summary_places.py [--documents 400] [--seed 7]

Prints, per language and overall: values located, values located on their own row (the right place), and
values wrongly taken from inside a code.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_sidecar.locate import locate  # noqa: E402
from ocr_sidecar.words import Word, WordLayer, assign_lines  # noqa: E402

# Labels as invoices in these languages print them (written for this script, not taken from locate.py).
LABELS = {
    "en": {"subtotal": ["Subtotal", "Net amount", "Total excl. VAT"], "total_tax": ["VAT", "Sales tax", "Tax"],
           "total": ["Total", "Invoice total", "Total incl. VAT"], "amount_due": ["Amount due", "Balance due"]},
    "de": {"subtotal": ["Zwischensumme", "Nettobetrag", "Summe netto"], "total_tax": ["MwSt.", "USt.", "Umsatzsteuer"],
           "total": ["Gesamtbetrag", "Summe brutto", "Rechnungsbetrag"], "amount_due": ["Zahlbetrag", "Offener Betrag"]},
    "fr": {"subtotal": ["Total HT", "Montant HT", "Sous-total"], "total_tax": ["TVA", "Montant TVA"],
           "total": ["Total TTC", "Montant TTC"], "amount_due": ["Net à payer", "Reste à payer"]},
    "nl": {"subtotal": ["Subtotaal", "Totaal excl. BTW"], "total_tax": ["BTW", "BTW bedrag"],
           "total": ["Totaal", "Totaal incl. BTW"], "amount_due": ["Te betalen", "Openstaand"]},
    "es": {"subtotal": ["Base imponible", "Subtotal"], "total_tax": ["IVA", "Cuota IVA"],
           "total": ["Total factura", "Importe total"], "amount_due": ["Total a pagar", "Pendiente"]},
    "it": {"subtotal": ["Imponibile", "Totale imponibile"], "total_tax": ["IVA", "Imposta"],
           "total": ["Totale fattura", "Totale documento"], "amount_due": ["Netto a pagare", "Da pagare"]},
    "pt": {"subtotal": ["Valor sem IVA", "Subtotal"], "total_tax": ["IVA", "Valor do IVA"],
           "total": ["Total", "Valor total"], "amount_due": ["Total a pagar", "Valor em dívida"]},
    "pl": {"subtotal": ["Wartość netto", "Razem netto"], "total_tax": ["VAT", "Kwota VAT"],
           "total": ["Wartość brutto", "Razem brutto"], "amount_due": ["Do zapłaty", "Pozostało do zapłaty"]},
    "sv": {"subtotal": ["Netto", "Summa exkl. moms"], "total_tax": ["Moms", "Momsbelopp"],
           "total": ["Summa", "Totalt inkl. moms"], "amount_due": ["Att betala", "Kvar att betala"]},
    "cs": {"subtotal": ["Základ daně", "Celkem bez DPH"], "total_tax": ["DPH", "Výše DPH"],
           "total": ["Celkem s DPH", "Celkem"], "amount_due": ["K úhradě", "Zbývá uhradit"]},
}
FORMATS = {"en": ("{:,.2f}", ",", "."), "de": ("{:,.2f}", ".", ","), "fr": ("{:,.2f}", " ", ","),
           "nl": ("{:,.2f}", ".", ","), "es": ("{:,.2f}", ".", ","), "it": ("{:,.2f}", ".", ","),
           "pt": ("{:,.2f}", " ", ","), "pl": ("{:,.2f}", " ", ","), "sv": ("{:,.2f}", " ", ","),
           "cs": ("{:,.2f}", " ", ",")}


def money(value: float, lang: str) -> str:
    pattern, thousands, decimal = FORMATS[lang]
    return pattern.format(value).replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def page(rng: random.Random, lang: str) -> tuple[WordLayer, dict, dict[str, str]]:
    """A page's words (a code, a line, the totals block in random order, a footer), the document, and the label
    each summary value was printed after."""
    subtotal = round(rng.uniform(10, 5000), 2)
    rate = rng.choice([0.0, 0.0, 5.0, 10.0, 19.0, 20.0, 21.0, 23.0, 25.0])
    tax = round(subtotal * rate / 100, 2)
    total = round(subtotal + tax, 2)
    document = {"subtotal": subtotal, "total_tax": tax, "total": total}
    rows = [[f"INV-{int(total)}", "2024-05-17"],  # a number inside a code: never the total
            ["Item", "1", money(subtotal, lang), money(subtotal, lang)]]
    order = ["subtotal", "total_tax", "total"]
    if rng.random() < 0.5:
        order.append("amount_due")
        document["amount_due"] = total
    if rng.random() < 0.3:  # some print the tax before the subtotal
        order[0], order[1] = order[1], order[0]
    labels = {}
    for name in order:
        labels[name] = rng.choice(LABELS[lang][name])
        rate_word = [f"{rate:g}%"] if name == "total_tax" and rate and rng.random() < 0.5 else []
        rows.append(labels[name].split() + rate_word + [money(document[name], lang)])
    rows.append([f"Ref {int(subtotal)}-{rng.randint(10, 99)}", "IBAN", "DE89370400440532013000"])
    tilt = math.radians(rng.uniform(-2.0, 2.0))
    words = []
    for r, row in enumerate(rows):
        x, y = 0.08, 0.1 + 0.035 * r
        for text in row:
            width = 0.012 * len(text)
            drift = math.tan(tilt) * x  # a tilted page: a row's words drift up or down along it
            words.append(Word(text, (x, y + drift, x + width, y + 0.018 + drift)))
            x += width + 0.02
    return WordLayer("ocr", assign_lines(words)), document, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # values, located, own row, inside a code
    for _ in range(args.documents):
        lang = rng.choice(sorted(LABELS))
        layer, document, labels = page(rng, lang)
        evidence = locate(document, [layer])
        text = defaultdict(list)
        for word in layer.words:
            text[word.line].append(word.text)
        for name, value in document.items():
            if not value:
                continue  # a zero tax printed as 0,00 is found anywhere; its place is not what is measured
            c = counts[lang]
            c[0] += 1
            item = evidence.get(name)
            if item is None:
                continue
            c[1] += 1
            rows = [" ".join(text[line]) for line in item.rows]
            c[2] += any(row.startswith(labels[name]) for row in rows)
            c[3] += any(row.startswith("INV-") for row in rows)
    total = [0, 0, 0, 0]
    print("| language | values | located | on their own row | inside a code |")
    print("|---|---:|---:|---:|---:|")
    for lang in sorted(counts):
        c = counts[lang]
        total = [a + b for a, b in zip(total, c, strict=True)]
        print(f"| {lang} | {c[0]} | {c[1]} | {c[2]} ({c[2] / c[0]:.1%}) | {c[3]} |")
    print(f"| all | {total[0]} | {total[1]} ({total[1] / total[0]:.1%}) | {total[2]} ({total[2] / total[0]:.1%}) "
          f"| {total[3]} |")


if __name__ == "__main__":
    main()
