"""What a person should check after a document was mapped, and how the totals are verified.

Runs after the Odoo layer has written the mapped values: Odoo computes its totals and tax lines,
and these functions compare them with the document's, compute the per-rate tax amounts to set
when only rounding differs (documents round tax per rate on the summed base, Odoo may round per
line), decide whether the record needs review, and render the chatter note.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from . import evidence
from .evidence import record_field
from .normalize import Document, normalize_document
from .text import ReviewItem  # defined with the text helpers (normalize needs it too); importable from here


@dataclass(frozen=True)
class TaxAdjustment:
    """Set the record's tax line for ``tax_id`` to ``document_amount`` (document currency, positive)."""

    tax_id: int
    rate: float
    base: float
    odoo_amount: float
    document_amount: float

    @property
    def delta(self) -> float:
        return round(self.document_amount - self.odoo_amount, 6)


def _document(doc: Any) -> Document:
    return doc if isinstance(doc, Document) else normalize_document(doc)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


# The sidecar's warnings whose own words are for its operator, said for the person checking the document.
_CLERK_WORDS = {
    "mime_mismatch": "The file is not of the type its name or the upload said; it was read for what it is.",
}


def items_from_warnings(warnings: Optional[Iterable[Any]]) -> list[ReviewItem]:
    """The sidecar's warnings (dicts or ``ocr.v1.Warning`` messages) as review items."""
    items = []
    for warning in warnings or ():
        code = _get(warning, "code") or "warning"
        message = _CLERK_WORDS.get(code) or _get(warning, "message") or code
        items.append(ReviewItem(code=str(code), message=str(message), field=_get(warning, "field") or None,
                                serious=bool(_get(warning, "serious", False))))
    return items


_TOTALS = (
    ("subtotal", "amount_untaxed", "Untaxed amount"),
    ("total_tax", "amount_tax", "Tax"),
    ("total", "amount_total", "Total"),
)


def compare_totals(doc: Any, odoo_totals: Mapping[str, float], tolerance: float = 0.0) -> list[ReviewItem]:
    """Compare Odoo's totals with the document's.

    ``doc``: the canonical dict or a normalised ``Document``. ``odoo_totals``: ``amount_untaxed``,
    ``amount_tax``, ``amount_total`` of the record, positive, in the document's currency.
    ``tolerance``: largest accepted difference (the setting "total tolerance"); differences are
    compared after rounding to cents, so 0 means "to the cent".
    Returns one serious item per total that differs, or a note when the document prints no totals.
    """
    document = _document(doc)
    items = []
    compared = 0
    for doc_attr, odoo_key, label in _TOTALS:
        printed = getattr(document, doc_attr)
        computed = odoo_totals.get(odoo_key)
        if printed is None or computed is None:
            continue
        compared += 1
        difference = round(abs(computed) - printed, 2)
        if abs(difference) > tolerance + 1e-9:
            items.append(ReviewItem(
                "total_mismatch",
                f"{label}: Odoo computes {abs(computed):.2f}, the document says {printed:.2f} "
                f"(difference {difference:+.2f}). Check the lines, their taxes and any document-level "
                "discount or charge.", odoo_key, serious=True,
                value=f"{label}: {abs(computed):.2f} in Odoo, {printed:.2f} on the document"))
    if not compared:
        items.append(ReviewItem("totals_unchecked", "The document prints no totals to compare with: check the "
                                "amounts against the original.", "total"))
    return items


def tax_adjustments(doc: Any, odoo_tax_lines: Sequence[Mapping[str, Any]]) -> list[TaxAdjustment]:
    """Per-rate corrections that make Odoo's tax amounts equal the document's.

    ``odoo_tax_lines``: one mapping per tax line of the record with ``tax_id``, ``rate`` (percent),
    ``base`` and ``amount`` (positive, document currency).
    A correction is proposed only where it is a rounding difference: the document states that
    rate's base and amount, exactly one Odoo tax line has that rate, its base equals the document's
    to the cent, and the amounts differ by no more than per-line rounding can explain (half a cent
    per line). Anything larger is a real difference, left to ``compare_totals`` and the user.
    """
    document = _document(doc)
    line_count = len(document.lines) + len(document.taxes)  # taxes: possible header allowance lines
    limit = max(0.01, 0.005 * (line_count + 1)) + 1e-9
    per_rate: dict[float, list[float]] = {}
    for summary in document.taxes:
        if summary.rate is None or summary.base is None or summary.amount is None:
            continue
        # A rate may be listed twice (two exemption reasons at 0 %): compare the sums.
        base, amount = per_rate.get(summary.rate, [0.0, 0.0])
        per_rate[summary.rate] = [base + summary.base, amount + summary.amount]
    adjustments = []
    for rate, (doc_base, doc_amount) in per_rate.items():
        same_rate = [t for t in odoo_tax_lines if abs(float(_get(t, "rate", 0.0)) - rate) < 1e-4]
        if len(same_rate) != 1:
            continue
        tax_line = same_rate[0]
        base = abs(float(_get(tax_line, "base", 0.0)))
        amount = abs(float(_get(tax_line, "amount", 0.0)))
        if abs(base - doc_base) >= 0.005:
            continue
        difference = abs(round(doc_amount - amount, 2))
        if 0 < difference <= limit:
            adjustments.append(TaxAdjustment(tax_id=int(_get(tax_line, "tax_id")), rate=rate,
                                             base=round(doc_base, 2), odoo_amount=amount,
                                             document_amount=round(doc_amount, 2)))
    return adjustments


def needs_review(items: Iterable[ReviewItem]) -> bool:
    return any(item.serious for item in items)


# What items of these codes have in common is said once, then each value they name (grouped lines together).
_LISTED = {
    "value_not_on_page": "Not found on the page — compare with the document: ",
    "low_confidence": "Read with low confidence — compare with the document: ",
}
# The same where there are several of them, for the totals and for a bill's differences from its purchase order
# (lib/orders.py): each item's value says it all ("Total: 276.00 in Odoo, 144.00 on the document", "“Desk”: 5.49
# billed, 5.00 ordered").
_LISTED_VALUES = {
    "total_mismatch": "Odoo's totals differ from the document's — check the lines, their taxes and any "
                      "document-level discount or charge: ",
    "price_mismatch": "Billed at another unit price than ordered: ",
    "quantity_mismatch": "Billed quantity other than the order expects: ",
    "not_ordered": "Billed but on no line of the order — check they were ordered: ",
    "not_billed": "On the order but not on this bill: ",
}
# A line's item: "Line 3: …" or "Line 3 (“Desk”): …"; the lines whose items say the same after that are one bullet.
_LINE_ITEM = re.compile(r"Line (\d+)(?: \(“[^”]*”\))?: (.+)", re.S)
# A message that names its own subject first ("Untaxed amount: Odoo computes …"): the subject becomes the link.
_SUBJECT = re.compile(r"([^:.;—]{1,40}): ")
_LINK_CLASS = "o_digitize_review_link"
_LINK = re.compile(rf'<a class="{_LINK_CLASS}" href="[^"]*">(.*?)</a>', re.S)


@dataclass(frozen=True)
class _Link:
    text: str
    href: Optional[str]


def _and(parts: list) -> list:
    """['1', '3', '7'] → ['1', ', ', '3', ' and ', '7'] (parts may be links)."""
    out: list = []
    for index, part in enumerate(parts):
        if index:
            out.append(" and " if index == len(parts) - 1 else ", ")
        out.append(part)
    return out


class _Note:
    """Turns review items into bullets — one per problem, in a clerk's words — each place on the form a link."""

    def __init__(self, target: Optional[str], line_ids: Optional[Mapping[int, int]]) -> None:
        self.target = target
        self.line_ids = dict(line_ids or {})
        lines = evidence.place("lines", target)  # None for no target: no links
        self.lines = lines[0] if lines else None

    def href(self, field: Optional[str], index: Optional[int] = None, column: Optional[str] = None) -> Optional[str]:
        if not field:
            return None
        if index is not None and self.line_ids.get(index):
            query = f"field={field}&line={self.line_ids[index]}" + (f"&column={column}" if column else "")
            return f"#digitize?{query}"
        return f"#digitize?field={field}"

    def link(self, text: str, path: Optional[str]) -> Any:
        where = evidence.place(path, self.target)
        return _Link(text, self.href(where[0], where[1], where[2])) if where else text

    def line_link(self, index: int, text: str, column: Optional[str] = None) -> Any:
        return _Link(text, self.href(self.lines, index, column)) if self.lines else text

    def single(self, item: ReviewItem) -> list:
        """One item as a bullet, its place first (the subject it names itself, or the form's label) as a link."""
        text = evidence.plain(item.message, self.target)
        where = evidence.place(item.field, self.target)
        line = _LINE_ITEM.fullmatch(text)
        if line and where:
            subject = text[:text.index(": ")]
            return [_Link(subject, self.href(where[0], where[1], where[2])), text[len(subject):]]
        subject = _SUBJECT.match(text)
        if where and subject and len(subject.group(1).split()) <= 5:
            return [_Link(subject.group(1), self.href(where[0], where[1], where[2])), text[subject.end(1):]]
        if where:
            return [_Link(where[3], self.href(where[0], where[1], where[2])), " — ", text]
        return [text]

    def listed(self, code: str, items: list[ReviewItem]) -> list:
        """Items of one problem listed after what they have in common: 'Taxes 0.00; unit price of lines 1 and 3
        (12.00 and 4.50)'."""
        header, columns = [], {}
        for item in items:
            line = evidence.line_of(item.field or "")
            if line is None:
                header.append(item)
            else:
                columns.setdefault(line[1], []).append((line[0], item))
        entries = []
        for item in header:
            if code in _LISTED_VALUES:
                entries.append([self.link(item.value, item.field)])
                continue
            label = evidence.field_label(item.field, self.target) if item.field else evidence.plain(item.message)
            entries.append([self.link(label, item.field)] + ([f" {item.value}"] if item.value else []))
        for key, lines in columns.items():
            column = evidence.record_field(f"lines[0].{key}", self.target) if self.lines else None
            numbers = [self.line_link(index, str(index + 1), column) for index, _ in lines]
            values = [item.value for _, item in lines if item.value]
            entry = [f"{evidence.line_label(key)} of line{'s' if len(lines) > 1 else ''} ", *_and(numbers)]
            if values:
                entry.append(f" ({''.join(str(v) for v in _and(values))})")
            entries.append(entry)
        parts: list = [_LISTED.get(code) or _LISTED_VALUES[code]]
        for index, entry in enumerate(entries):
            parts += (["; "] if index else []) + entry
        return parts + ["."]

    def lines_together(self, items: list[ReviewItem]) -> list:
        """Lines whose items say the same: 'Lines 1, 3 and 7: …'."""
        numbers = []
        for item in items:
            line = _LINE_ITEM.fullmatch(evidence.plain(item.message, self.target))
            numbers.append(self.line_link(int(line.group(1)) - 1, line.group(1)))
        rest = _LINE_ITEM.fullmatch(evidence.plain(items[0].message, self.target)).group(2)
        return ["Lines ", *_and(numbers), f": {rest}"]

    def bullets(self, items: list[ReviewItem]) -> list[tuple[bool, list]]:
        """(serious, parts) per problem, in the order the problems first appear."""
        by_code: dict[str, list[ReviewItem]] = {}
        for item in items:
            by_code.setdefault(item.code, []).append(item)
        out = []
        for code, group in by_code.items():
            serious = any(item.serious for item in group)
            if code in _LISTED or (code in _LISTED_VALUES and len(group) > 1 and all(i.value for i in group)):
                out.append((serious, self.listed(code, group)))
                continue
            same: dict[str, list[ReviewItem]] = {}
            for item in group:
                line = _LINE_ITEM.fullmatch(evidence.plain(item.message, self.target))
                key = line.group(2) if line else f"\0{id(item)}"  # not a line's item: alone
                same.setdefault(key, []).append(item)
            for together in same.values():
                if len(together) > 1:
                    out.append((any(item.serious for item in together), self.lines_together(together)))
                else:
                    out.append((together[0].serious, self.single(together[0])))
        out.sort(key=lambda bullet: not bullet[0])  # stable: the problems' order within each kind
        return out


def _tidy(text: str) -> str:
    """A sentence that ends with a name ending in a period ('Coolblue B.V.') gets no second period."""
    return re.sub(r"\.\.(?=\s|$)", ".", text)


def _render(parts: list) -> str:
    out = []
    for part in parts:
        if isinstance(part, _Link) and part.href:
            out.append(f'<a class="{_LINK_CLASS}" href="{html.escape(part.href)}">{html.escape(part.text, quote=False)}</a>')
        else:
            out.append(html.escape(part.text if isinstance(part, _Link) else part, quote=False))
    return _tidy("".join(out))


def review_note_html(items: Iterable[Union[ReviewItem, Any]], title: str = "Digitized document: please check",
                     target: Optional[str] = None, line_ids: Optional[Mapping[int, int]] = None) -> str:
    """What to check, for the banner and the chatter: one bullet per problem, serious ones first, in a clerk's
    words (no JSON path, no field name); the items of one problem together ("Lines 1, 3 and 7: …", "Not found on
    the page — …: Taxes 0.00; unit price of lines 2 and 5 (…)"). Every value is HTML-escaped.

    ``target`` (the mapping target) names the places as its form does and makes each a link that focuses it
    (``#digitize?field=…``, a line's with ``&line=<its id>&column=…`` where ``line_ids`` maps the document's line
    index to the record's line); ``without_links`` gives the same text without them (the chatter).
    Items without a ``group`` are listed under ``title``, then each group under its own heading (in the order the
    groups first appear). Returns '' when there is nothing to say. The Odoo layer wraps the result in ``Markup``.
    """
    sections: dict[Optional[str], list[ReviewItem]] = {None: []}
    for item in items:
        section = sections.setdefault(item.group, [])
        if item not in section:
            section.append(item)
    note = _Note(target, line_ids)
    return "".join(f"<p><strong>{html.escape(group or title, quote=False)}</strong></p>{_bullet_list(note, section)}"
                   for group, section in sections.items() if section)


def _bullet_list(note: _Note, items: list[ReviewItem]) -> str:
    rows = []
    for serious, bullet in note.bullets(items):
        label = "<strong>To check:</strong> " if serious else ""
        rows.append(f"<li>{label}{_render(bullet)}</li>")
    return f"<ul>{''.join(rows)}</ul>"


def warnings_html(warnings: Optional[Iterable[Any]], target: Optional[str] = None) -> str:
    """The sidecar's warnings as the record keeps them (the Digitization tab), said as the banner says things;
    '' when there are none."""
    items = list(dict.fromkeys(items_from_warnings(warnings)))
    return _bullet_list(_Note(target, None), items) if items else ""


def without_links(note_html: str) -> str:
    """``review_note_html``'s note with its links as plain text (the chatter: they lead to the form's fields)."""
    return _LINK.sub(r"\1", note_html or "")


def low_confidence_fields(confidence: Mapping[str, float], target: str, threshold: float = 0.5) -> list[str]:
    """Odoo fields of ``target`` whose value was read with less than ``threshold`` confidence (sorted); a line's
    value marks the lines' field."""
    found = set()
    for path, value in (confidence or {}).items():
        if value is None or value >= threshold:
            continue
        name = record_field(path.split(".", 1)[0] if path.startswith("lines[") else path, target)
        if name:
            found.add(name)
    return sorted(found)
