"""Evidence on the record: where each value read was printed, which field of the record shows it, and which
values were read but are printed nowhere on the pages.

The sidecar answers, per JSON path of the canonical document, the page and the boxes of the words that print
the value (``ExtractResponse.evidence``, ``client.ExtractResult.evidence``); a vendor's learned layout gives the
same for what it read (``layout.Reading.evidence``). Pure Python, no ORM:

- ``record_field(path, target)``: the Odoo field that shows the value of ``path`` — on the record
  (``document_number`` → ``ref`` of a bill, the totals → the totals widget) or on the record's line the
  document's line became (``lines[2].unit_price`` → ``price_unit`` of that line);
- ``missing_paths``: the values read that no page prints — named by the sidecar's ``value_not_on_page``
  warnings, and, when the pages have a word layer, every printed value without evidence (the layout path has
  no sidecar to warn) — and ``missing_items`` says them in the needs-review banner with the value read;
- ``stored``: what the record keeps (``digitize_evidence``) and ``viewer_data``: what the form's document viewer
  draws from it (boxes per field and per line, the values not found).

A value found nowhere is flagged, never dropped; one printed in several places (the same amount as subtotal and
total) keeps every box.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional, Sequence

from .text import ReviewItem

NOT_ON_PAGE = "value_not_on_page"  # the sidecar's warning code, and the code of the items made here
# The sidecar's rule (ocr_sidecar/evidence.py), for the values only this side can check (a learned layout's).
SERIOUS_WHEN_MISSING = frozenset({"subtotal", "total_tax", "total", "amount_due", "taxes[].amount", "issue_date",
                                  "due_date", "seller.vat", "buyer.vat", "seller.iban", "buyer.iban",
                                  "document_number"})
NOT_PRINTED = frozenset({"document_type", "country_code", "currency"})  # names of a value, not how it prints
XML_ENGINES = frozenset({"einvoice"})  # engines that read the values from an e-invoice's XML, not from the pages
PAGE_SOURCES = ("pdf", "ocr")  # evidence with boxes on a page; "xml": an e-invoice's element, no page
_MONEY = frozenset({"subtotal", "total_tax", "total", "amount_due", "unit_price", "amount", "base"})
CANDIDATE_SCORE_SHOWN = 0.02  # a second reader's candidate below this score (1 in 50) is not offered

# Per target: the record's field per header path (a party's every detail names the partner), the lines' x2many
# field, and the line field per line key. None: the value lands nowhere on the form (the buyer of a bill is us).
_TOTALS = {"subtotal": "tax_totals", "total_tax": "tax_totals", "total": "tax_totals", "amount_due": "tax_totals",
           "taxes": "tax_totals"}
_HEADER = {
    "vendor_bill": dict(_TOTALS, document_number="ref", issue_date="invoice_date", due_date="invoice_date_due",
                        currency="currency_id", payment_reference="payment_reference",
                        order_reference="invoice_origin", seller="partner_id", buyer=None),
    "purchase_order": dict(_TOTALS, document_number="partner_ref", issue_date="date_order", due_date="date_planned",
                           currency="currency_id", order_reference="origin", seller="partner_id", buyer=None),
    "sale_order": dict(_TOTALS, document_number="client_order_ref", issue_date="date_order", currency="currency_id",
                       order_reference="origin", seller=None, buyer="partner_id"),
    # an expense: the receipt's total and tax are the expense's own fields; the merchant is kept as printed
    "expense": {"issue_date": "date", "currency": "currency_id", "total": "total_amount_currency",
                "amount_due": "total_amount_currency", "total_tax": "tax_amount_currency", "taxes": "tax_ids",
                "seller": "merchant_name", "buyer": None},
}
_PARTY_DETAIL = {("vendor_bill", "seller.iban"): "partner_bank_id",  # a detail with a field of its own
                 ("expense", "seller.vat"): "merchant_vat"}
_LINES = {
    "vendor_bill": ("invoice_line_ids", {"quantity": "quantity", "unit": "product_uom_id", "tax_rate": "tax_ids"}),
    "purchase_order": ("order_line", {"quantity": "product_qty", "unit": "product_uom", "tax_rate": "taxes_id"}),
    "sale_order": ("order_line", {"quantity": "product_uom_qty", "unit": "product_uom", "tax_rate": "tax_id"}),
    "expense": (None, {}),  # no lines: the receipt's lines are the expense's description
}
_LINE_COMMON = {"description": "name", "product_code": "product_id", "unit_price": "price_unit",
                "discount_percent": "discount", "amount": "price_subtotal"}

_LABELS = {"document_number": {"vendor_bill": "Bill reference", "purchase_order": "Vendor reference",
                                "sale_order": "Customer reference", None: "Document number"},
           "issue_date": {"vendor_bill": "Bill date", "purchase_order": "Order date", "sale_order": "Order date",
                          "expense": "Expense date", None: "Document date"},
           "due_date": {"vendor_bill": "Due date", "purchase_order": "Expected arrival", "sale_order": "Due date",
                        None: "Due date"},
           "currency": "Currency", "order_reference": "Order reference", "payment_reference": "Payment reference",
           "subtotal": "Untaxed amount", "total_tax": "Taxes", "total": "Total", "amount_due": "Amount due",
           "document_type": "Document type", "lines": "Lines", "taxes": "Tax summary", "seller": None, "buyer": None}
_LINE_LABELS = {"description": "description", "product_code": "product code", "quantity": "quantity",
                "unit_price": "unit price", "amount": "amount", "tax_rate": "tax rate", "discount_percent": "discount",
                "unit": "unit"}
# The parties as the form names them: the partner of the record by its role, the other side plainly.
_PARTIES = {"vendor_bill": {"seller": "Vendor", "buyer": "Buyer"},
            "purchase_order": {"seller": "Vendor", "buyer": "Buyer"},
            "sale_order": {"seller": "Seller", "buyer": "Customer"},
            "expense": {"seller": "Merchant", "buyer": "Buyer"},
            None: {"seller": "Seller", "buyer": "Buyer"}}
_PARTY_DETAILS = {"vat": "VAT", "iban": "IBAN", "email": "e-mail", "phone": "phone", "address": "address",
                  "address.street": "street", "address.city": "city", "address.zip": "ZIP code",
                  "address.country_code": "country"}
_TAX_DETAILS = {"rate": "rate", "base": "base", "amount": "amount"}
# The record's fields a review item may name, as the form labels them (a link leads there); the Odoo fields the
# totals widget shows.
_FORM_LABELS = {
    "vendor_bill": {"partner_id": "Vendor", "ref": "Bill reference", "invoice_date": "Bill date",
                    "invoice_date_due": "Due date", "currency_id": "Currency", "payment_reference": "Payment reference",
                    "partner_bank_id": "Recipient bank", "tax_totals": "Totals", "invoice_line_ids": "Lines"},
    "purchase_order": {"partner_id": "Vendor", "partner_ref": "Vendor reference", "date_order": "Order deadline",
                       "date_planned": "Expected arrival", "currency_id": "Currency", "origin": "Source document",
                       "tax_totals": "Totals", "order_line": "Lines"},
    "sale_order": {"partner_id": "Customer", "client_order_ref": "Customer reference", "date_order": "Order date",
                   "pricelist_id": "Pricelist", "origin": "Source document", "tax_totals": "Totals",
                   "order_line": "Lines"},
    "expense": {"name": "Description", "date": "Expense Date", "total_amount_currency": "Total",
                "currency_id": "Currency", "tax_ids": "Included taxes", "tax_amount_currency": "Tax",
                "product_id": "Category", "merchant_name": "Merchant", "merchant_vat": "Merchant VAT",
                "vendor_id": "Vendor"},
}
_ODOO_FIELDS = {"amount_untaxed": "tax_totals", "amount_tax": "tax_totals", "amount_total": "tax_totals"}
_ODOO_FIELDS_OF = {"expense": {"amount_untaxed": "total_amount_currency", "amount_tax": "tax_amount_currency",
                               "amount_total": "total_amount_currency"}}  # where a target shows the totals instead
_ODOO_LABELS = {"amount_untaxed": "Untaxed amount", "amount_tax": "Taxes", "amount_total": "Total"}
_KNOWN_FIELDS = frozenset({"fallback_product_id", "move_type", "country_code", "product_id", "price_unit",
                           "tax_ids", "product_uom_id", "invoice_origin", "pricelist_id"})
_LINE_PATH = re.compile(r"lines\[(\d+)\]\.(\w+)$")
_PATH_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


def lines_field(target: str) -> Optional[str]:
    """The record's x2many field the document's lines become (``invoice_line_ids``, ``order_line``); None for a
    target without lines (an expense)."""
    return _LINES[target][0]


def line_of(path: str) -> Optional[tuple[int, str]]:
    """``lines[2].amount`` → (2, "amount"); None for a path outside the lines."""
    match = _LINE_PATH.match(path)
    return (int(match.group(1)), match.group(2)) if match else None


def record_field(path: str, target: str) -> Optional[str]:
    """The field of the record (of its line, for a line's path) that shows the value of ``path``; None when the
    value lands nowhere on the form. ``lines[i]`` alone (a whole line) → the lines' field."""
    if target not in _HEADER:
        return None
    line = line_of(path)
    if (line is not None or re.match(r"lines\[\d+\]$", path) or path == "lines") and not lines_field(target):
        return None  # a target without lines (an expense): a line's value is on no field of it
    if line is not None:
        name = line[1]
        return _LINES[target][1].get(name) or _LINE_COMMON.get(name)
    if re.match(r"lines\[\d+\]$", path) or path == "lines":
        return lines_field(target)
    if (target, path) in _PARTY_DETAIL:
        return _PARTY_DETAIL[(target, path)]
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return _HEADER[target].get(head)


def path_of(field: str, target: str) -> Optional[str]:
    """The document's header path a field of the record shows (the inverse of ``record_field``): ``ref`` of a bill →
    ``document_number``, its partner → the party's ``seller.name``; None for the totals widget (several paths) and
    fields no document value lands in."""
    for path, name in _HEADER.get(target, {}).items():
        if name == field and name != "tax_totals":
            return f"{path}.name" if path in ("seller", "buyer") else path
    return None


def line_key_of(field: str, target: str) -> Optional[str]:
    """The document's line key a field of the record's line shows (``price_unit`` → ``unit_price``); None if none."""
    keys = {**_LINE_COMMON, **(_LINES.get(target) or (None, {}))[1]}
    return next((key for key, name in keys.items() if name == field), None)


def _words(name: str) -> str:
    """A key nobody gave a label, said in words: 'country_code' → 'country code'."""
    return " ".join(re.split(r"[._\s]+", name)).strip()


def field_label(path: str, target: Optional[str] = None) -> str:
    """What the form (or the document) calls the value at ``path``, in a clerk's words: 'issue_date' → 'Bill date',
    'lines[2].quantity' → 'Line 3 quantity', 'seller.address.zip' → "Vendor's ZIP code", 'taxes[1].base' → 'Tax
    summary row 2 base'. Never the path itself."""
    label = _LABELS.get(path)
    if isinstance(label, dict):
        return label.get(target, label[None])
    if label:
        return label
    line = line_of(path)
    if line is not None:
        return f"Line {line[0] + 1} {_LINE_LABELS.get(line[1], _words(line[1]))}"
    whole_line = re.fullmatch(r"lines\[(\d+)\]", path)
    if whole_line:
        return f"Line {int(whole_line.group(1)) + 1}"
    tax = re.fullmatch(r"taxes\[(\d+)\](?:\.(\w+))?", path)
    if tax:
        row = f"Tax summary row {int(tax.group(1)) + 1}"
        return f"{row} {_TAX_DETAILS.get(tax.group(2), _words(tax.group(2)))}" if tax.group(2) else row
    role, _, detail = path.partition(".")
    if role in ("seller", "buyer"):
        party = _PARTIES.get(target, _PARTIES[None])[role]
        if not detail or detail == "name":
            return party
        return f"{party}'s {_PARTY_DETAILS.get(detail, _words(detail.rpartition('.')[2]))}"
    return _words(path).capitalize()


def line_label(key: str) -> str:
    """A line's value in words ('unit_price' → 'unit price')."""
    return _LINE_LABELS.get(key, _words(key))


def form_label(name: str, target: Optional[str]) -> Optional[str]:
    """The form's label of the record's field ``name`` a review item may lead to; None: no link there."""
    return _FORM_LABELS.get(target, {}).get(name)


def place(field: Optional[str], target: Optional[str]) -> Optional[tuple[str, Optional[int], Optional[str], str]]:
    """Where on the form a review item's ``field`` (a document path or an Odoo field) is shown: (the record's field,
    the document's line index or None, the line's field or None, the form's label); None where it is not shown
    (a setting, the buyer of a bill, a field the form hides)."""
    if not field or target not in _HEADER:
        return None
    lines = lines_field(target)
    line = line_of(field)
    whole_line = re.fullmatch(r"lines\[(\d+)\]", field)
    if not lines and (line is not None or whole_line or field == "lines"):
        return None  # a target without lines (an expense)
    if line is not None or whole_line:
        index = line[0] if line is not None else int(whole_line.group(1))
        return lines, index, record_field(field, target) if line is not None else None, f"Line {index + 1}"
    if field in ("lines", lines):
        return lines, None, None, _FORM_LABELS[target][lines]
    name = record_field(field, target) or _ODOO_FIELDS_OF.get(target, _ODOO_FIELDS).get(field, field)
    label = form_label(name, target)
    return (name, None, None, label) if label else None


# Paths of the canonical document and Odoo field names as they may appear inside a message (the sidecar's
# warnings say "lines[2].amount: …"): said in words wherever a person reads them.
_PATH_IN_TEXT = re.compile(
    r"(?<![\w@.])(?:lines\[\d+\](?:\.(?:description|product_code|quantity|unit_price|unit|discount_percent|tax_rate"
    r"|amount))?|taxes\[\d+\](?:\.(?:rate|base|amount))?|(?:seller|buyer)\.(?:name|vat|iban|email|phone"
    r"|address(?:\.(?:street|city|zip|country_code))?)|[a-z]+(?:_[a-z0-9]+)+)(?![\w\[])")


def plain(text: str, target: Optional[str] = None) -> str:
    """``text`` with every document path ('lines[0].unit_price', 'seller.address.zip') and known field name
    ('amount_untaxed', 'issue_date') said as the form says it; other words (a file's name) are left alone."""

    def say(match: re.Match) -> str:
        word = match.group(0)
        if "_" in word and "." not in word and "[" not in word:
            if word in _ODOO_LABELS:
                return _ODOO_LABELS[word]
            if form_label(word, target):
                return form_label(word, target)
            if word in _LABELS or word in _LINE_LABELS or word in _KNOWN_FIELDS:
                return field_label(word, target) if word in _LABELS else _words(word.removesuffix("_id"))
            return word
        return field_label(word, target)

    return _PATH_IN_TEXT.sub(say, text or "")


def value_at(doc: Any, path: str) -> Any:
    """The value at a path ('seller.vat', 'lines[0].quantity') of the canonical document, or None (also for a
    path that leads to an object or a list)."""
    node = doc
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node if not isinstance(node, (Mapping, list)) else None


def printed_paths(document: Any) -> list[str]:
    """The paths of the document's values a page can print (as the sidecar looks for them): every non-null leaf
    but the names of a value (type, currency and country codes) and flags."""
    return leaf_paths(document, NOT_PRINTED)


def leaf_paths(document: Any, excluded: Iterable[str] = ()) -> list[str]:
    """Every non-empty leaf of the document as a JSON path (``lines[1].quantity``), in order, flags and the
    fields named in ``excluded`` left out."""
    excluded = frozenset(excluded)
    out: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        elif node is not None and node != "" and not isinstance(node, bool):
            if _PATH_PART.findall(path)[-1] not in excluded:
                out.append(path)

    walk(document if isinstance(document, Mapping) else {}, "")
    return out


def generic(path: str) -> str:
    """``lines[2].amount`` → ``lines[].amount``."""
    return re.sub(r"\[\d+\]", "[]", path)


def shown(path: str, value: Any) -> str:
    """The value read, as the banner shows it: amounts with two decimals and thousands separators
    (1,234.56), other numbers as short as they are (1, 19.5), text in quotes."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        key = _PATH_PART.findall(path)[-1] if path else ""
        return f"{value:,.2f}" if key in _MONEY else f"{value:g}"
    return f"“{value}”"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else getattr(obj, key, default)


def has_word_layer(page_words: Optional[Sequence[Any]], evidence: Iterable[Mapping[str, Any]] = (),
                   engine: str = "") -> bool:
    """Whether the values read can be checked against the pages' words (a text layer or OCR). Not those of an
    e-invoice: they were read from its XML, the page beside it is no evidence for or against them (the sidecar
    may still send that PDF's words)."""
    if engine in XML_ENGINES:
        return False
    return any(_get(page, "words") for page in page_words or ()) or any(
        e.get("source") in PAGE_SOURCES and e.get("page") for e in evidence)


def missing_paths(document: Any, evidence: Iterable[Mapping[str, Any]], warnings: Iterable[Any] = (),
                  word_layer: bool = False) -> list[str]:
    """The values read that no page prints, in the document's order: those the sidecar flagged
    (``value_not_on_page``) and, where the pages have a word layer, every printed value without evidence."""
    located = {e.get("path") for e in evidence}
    flagged = {_get(w, "field") for w in warnings or () if _get(w, "code") == NOT_ON_PAGE and _get(w, "field")}
    # a zero amount or rate not printed is an absence (no tax on a zero-VAT bill), not a value to check
    printed = [path for path in printed_paths(document) if not _is_zero(value_at(document, path))]
    out = [path for path in printed if path not in located and (word_layer or path in flagged)]
    out += sorted(path for path in flagged - set(out) - located if value_at(document, path) is not None)
    return out


def _is_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def missing_items(document: Any, paths: Iterable[str], target: str,
                  warnings: Iterable[Any] = ()) -> list[ReviewItem]:
    """One review item per value read but not found on the page: its field, the value read, what to do.
    Serious as the sidecar said (its warning), else by the sidecar's rule (totals, taxes, dates, ids)."""
    said = {_get(w, "field"): bool(_get(w, "serious", False)) for w in warnings or ()
            if _get(w, "code") == NOT_ON_PAGE and _get(w, "field")}
    items = []
    for path in paths:
        value = value_at(document, path)
        serious = said[path] if path in said else generic(path) in SERIOUS_WHEN_MISSING
        items.append(ReviewItem(NOT_ON_PAGE, f"{field_label(path, target)} {shown(path, value)} — not found on the "
                                "page: check it against the document.", path, serious=serious,
                                value=shown(path, value)))
    return items


def without_not_on_page(warnings: Iterable[Any]) -> list[Any]:
    """The sidecar's warnings but ``value_not_on_page``: those become ``missing_items`` (one per value, with the
    record's own label), not a second line in the banner."""
    return [w for w in warnings or () if _get(w, "code") != NOT_ON_PAGE]


def merge_items(items: Iterable[ReviewItem], missing: Sequence[ReviewItem]) -> list[ReviewItem]:
    """``items`` with the values not found on the page added, and their low-confidence items left out (a value not
    on the page has low confidence for that reason: the banner says the reason once)."""
    paths = {item.field for item in missing}
    kept = [item for item in items if not (item.code == "low_confidence" and item.field in paths)]
    return kept + [item for item in missing if item not in kept]


def from_layout(reading_evidence: Mapping[str, Mapping[str, Any]], page_sources: Mapping[int, str]) -> list[dict]:
    """A learned layout's evidence (path → {"page", "boxes", "text"}) in the sidecar's form."""
    return [{"path": path, "page": int(item["page"]), "text": item.get("text") or "",
             "source": page_sources.get(int(item["page"]), "pdf"),
             "boxes": [[round(float(v), 5) for v in box] for box in item.get("boxes") or ()]}
            for path, item in reading_evidence.items()]


def stored(evidence: Iterable[Mapping[str, Any]], missing: Iterable[str], line_ids: Mapping[int, int],
           word_layer: bool) -> dict:
    """What the record keeps (``digitize_evidence``): the evidence, the id of the record's line each document line
    became (by its index, as a string: JSON keys), the paths not found, whether the pages had words."""
    return {"items": [dict(e) for e in evidence], "missing": list(missing),
            "lines": {str(index): line_id for index, line_id in sorted(line_ids.items())}, "word_layer": word_layer}


def viewer_data(data: Optional[Mapping[str, Any]], document: Any, target: str) -> dict:
    """What the form's viewer draws: per evidence its boxes, its page, the record's field that shows it (``field``)
    or, for a line's value, the line's id (``line_id``) and field; the values not found with their label and
    value. ``data``: the stored ``digitize_evidence``."""
    data = data or {}
    lines = {int(k): v for k, v in (data.get("lines") or {}).items()}
    boxes = []
    for item in data.get("items") or ():
        path = item.get("path") or ""
        line = line_of(path)
        boxes.append({
            "path": path, "label": field_label(path, target), "page": int(item.get("page") or 0),
            "boxes": [list(box) for box in item.get("boxes") or ()], "text": item.get("text") or "",
            "source": item.get("source") or "",
            "field": None if line else record_field(path, target),
            "line_id": lines.get(line[0]) if line else None,
            "line_field": record_field(path, target) if line else None,
        })
    missing = [{"path": path, "label": field_label(path, target), "value": shown(path, value_at(document, path)),
                "field": None if line_of(path) else record_field(path, target),
                "line_id": lines.get(line_of(path)[0]) if line_of(path) else None,
                "line_field": record_field(path, target) if line_of(path) else None}
               for path in data.get("missing") or ()]
    return {"evidence": boxes, "missing": missing, "word_layer": bool(data.get("word_layer"))}


def viewer_candidates(data: Optional[Mapping[str, Any]], target: str) -> list[dict]:
    """The second reader's candidates the viewer offers to pick from (``stored["candidates"]``, kept by
    ``correct.stored_candidates``): per header value that a field of the form shows, best first, with the field,
    a label, the value as the form would show it, and where it is printed."""
    out = []
    for path, items in ((data or {}).get("candidates") or {}).items():
        field = None if line_of(path) else record_field(path, target)
        if not field:
            continue
        for rank, item in enumerate(items):
            if rank and float(item.get("score") or 0.0) < CANDIDATE_SCORE_SHOWN:
                continue  # the reader's best is always offered; the others where they have a chance
            value = item.get("value")
            out.append({"path": path, "field": field, "label": field_label(path, target), "rank": rank,
                        "value": value, "shown": value if isinstance(value, str) else shown(path, value),
                        "score": item.get("score") or 0.0, "page": int(item.get("page") or 0),
                        "boxes": [list(box) for box in item.get("boxes") or ()], "text": item.get("text") or ""})
    return out
