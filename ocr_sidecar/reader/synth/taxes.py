"""Tax summaries of the synthetic documents of ``synth.py`` (the ``tax_table`` family, and every form): a table with
one row per rate (rate, net, tax, gross in varying columns and words; a category code column "S", "AE", "K", "E",
"Z", "G"; exemption reasons; zero-rate rows with a zero tax), or each rate's base and tax on lines of their own
("Net 19 % 100.00" over "VAT 19 % 19.00"). Gold ``taxes`` rows carry rate, base and amount either way."""

from __future__ import annotations

import random

from . import text as T
from . import world as W
from .content import Content, Style, as_amount

RATE_FORMS = ("{:.2f} %", "{:.2f}%", "{:.1f}%", "{:.1f} %", "{:g} %", "{:g}%")
BARE_FORMS = ("{:g}", "{:.2f}", "{:.1f}")  # under a heading that says "%"
NUMERIC = ("rate", "base", "tax", "gross", "lines", "adjust")


def rate_text(st: Style, form: str, rate: float) -> str:
    """A rate as a tax summary prints it: "19,00 %", "19.0%", "7 %"."""
    return form.format(rate).replace(".", st.decimal)


def zero_code(rng: random.Random, doc: Content) -> str:
    """The category of a document's zero-rate lines: reverse charge (AE), intra-community supply (K), export (G),
    exempt (E) or zero-rated (Z)."""
    if doc.reverse:
        return rng.choice(["AE", "AE", "K"])
    if doc.buyer and doc.buyer.country not in W.EU and doc.seller.country in W.EU and rng.random() < 0.5:
        return "G"
    return rng.choice(["E", "Z"])


def gold(doc: Content) -> list[dict]:
    return [{"rate": rate, "base": as_amount(base), "amount": as_amount(tax)} for rate, base, tax in doc.taxes]


def table(w, y_beside: float, y_below: float, room: float, pitch: float) -> float:
    """A table of the rates, at the left margin: beside what follows ``y_beside`` where it fits in ``room`` (mm),
    else from ``y_below``. ``w`` is the writer (``table.Body``); returns the last baseline."""
    rng, st, d, s = w.rng, w.st, w.doc, w.s
    zero = zero_code(rng, d) if any(rate == 0 for rate, _, _ in d.taxes) else ""
    cols = ["rate", "base", "tax"] + (["gross"] if rng.random() < 0.6 else [])
    if rng.random() < 0.3 or zero and rng.random() < 0.5:
        cols.insert(0 if rng.random() < 0.6 else 1, "code")
    if zero and rng.random() < 0.5:
        cols.append("reason")
    if rng.random() < 0.2 and "code" not in cols:
        cols = ["base", "rate", "tax"] + cols[3:]
    heads = {c: w.label(f"t.{c}") for c in cols}
    own = w.aside
    # each rate's lines before the document's allowances and charges, those, then the base they give ("Warenwert |
    # Zu-/Abschlag | Basisbetrag | USt. % | Steuerbetrag", as e-invoice visualisations print the breakdown), the
    # category named with its tax ("Umsatzsteuer (S)"), in about one table in seven (drawn aside)
    adjusted = own.random() < 0.15
    if adjusted:
        table_words = T.LABELS[st.lang]
        cols = ["code", "lines", "adjust", "base", "rate", "tax"] + (["gross"] if "gross" in cols else [])
        heads = {c: heads.get(c) or own.choice(table_words[f"t.{c}"]) for c in cols}
        kind = own.choice(table_words["t.kind"])
    # a rate column whose heading carries the "%" ("USt. %", "Steuersatz [%]") prints bare numbers, in about one
    # table in four: "19", "7,00" (drawn aside: the document's other draws stay as they were)
    if own.random() < 0.3:
        heads["rate"] = own.choice(T.LABELS[st.lang]["t.rate_pct"])
    bare = "%" in heads["rate"] and own.random() < 0.7
    if rng.random() < 0.2:
        heads = {c: h.upper() for c, h in heads.items()}
    form = rng.choice(RATE_FORMS)
    if bare:
        form = own.choice(BARE_FORMS)
    rows = []
    for rate, base, tax in d.taxes:
        code = zero if rate == 0 else "S"
        row = {"code": code, "rate": rate_text(st, form, rate), "base": w.money(base, w.minus),
               "tax": w.money(tax, w.minus), "gross": w.money(base + tax, w.minus),
               "reason": w.label(code) if rate == 0 else ""}
        if adjusted:
            change = 0 if own.random() < 0.3 else round(base * own.uniform(-0.05, 0.02))
            row.update(code=f"{kind} ({code})", lines=w.money(base - change, w.minus),
                       adjust=("-" if change < 0 else "") + st.amount(abs(change)))
        rows.append(row)
    total = len(d.taxes) > 1 and rng.random() < 0.3
    if total:
        rows.append({"code": "", "rate": w.label("t.sum"), "base": w.money(d.subtotal, w.minus),
                     "tax": w.money(d.total_tax, w.minus), "gross": w.money(d.total, w.minus), "reason": "",
                     "lines": "", "adjust": ""})
    size, head_size, bold = s, s * rng.uniform(0.8, 0.95), rng.random() < 0.6
    page = w.pages[-1]
    while True:
        gap = size * 1.6
        widths = {c: max([page.measure(heads[c], head_size, bold)] + [page.measure(r[c], size) for r in rows]) + gap
                  for c in cols}
        width = sum(widths.values())
        if width <= w.right - w.left or size < s * 0.7:
            break
        if "reason" in cols and size < s * 0.85:
            cols.remove("reason")
        elif "gross" in cols and size < s * 0.8:
            cols.remove("gross")
        else:
            size *= 0.92
            head_size *= 0.92
    title = rng.random() < 0.4
    lines = len(rows) + 1 + title
    y = y_beside if width <= room else y_below
    if y + pitch * (lines + 1) > w.bottom:
        y = w.continuation()
    if title:
        y += pitch
        w.put(w.label("h.taxes"), w.left, y, s, bold=True)
    y += pitch
    x = w.left
    for c in cols:
        x += widths[c]
        numeric = c in NUMERIC
        w.put(heads[c], x - gap / 2 if numeric else x - widths[c], y, head_size, "r" if numeric else "l", bold)
    for k, row in enumerate(rows):
        y += pitch
        x = w.left
        for c in cols:
            x += widths[c]
            if row[c]:
                numeric = c in NUMERIC
                w.put(row[c], x - gap / 2 if numeric else x - widths[c], y, size, "r" if numeric else "l",
                      total and k == len(rows) - 1)
    w.set("taxes", gold(d))
    return y


def split_rows(w) -> list[tuple[str, int, list, bool]]:
    """Each rate's base and tax on lines of their own, as totals rows (label, cents, gold, emphasised): the nets
    first and then the taxes, or each net over its tax; records the gold taxes."""
    rng, st, d = w.rng, w.st, w.doc
    single = len(d.taxes) == 1
    form = rng.choice(RATE_FORMS)
    net_label = w.label("t.net_one") if single and rng.random() < 0.5 else w.label("t.net_row")
    tax_label = w.label("t.tax_row")
    nets, taxes = [], []
    for rate, base, tax in d.taxes:
        rate_printed = rate_text(st, form, rate)
        nets.append((net_label.format(rate=rate_printed), base, [("subtotal", as_amount(base))] if single else [],
                     False))
        taxes.append((tax_label.format(rate=rate_printed), tax,
                      [("total_tax", as_amount(tax))] if single else [], False))
    w.set("taxes", gold(d))
    if rng.random() < 0.4:
        return nets + taxes
    return [row for pair in zip(nets, taxes) for row in pair]
