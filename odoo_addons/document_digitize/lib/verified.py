"""Verified: a digitized document nobody needs to read field by field. The one decision, pure Python.

A reading is *verified* when every value the document has is confirmed, nothing it was checked against objected,
and the record took it without a review item:

- **confirmed values**, by how the document was read:
  - ``einvoice``: every value is the e-invoice's XML's (exact by construction);
  - ``layout``: every value was read from the partner's learned layout, and the layout's checks passed (the addon
    reads with a layout only when they pass; otherwise the model reads the document);
  - any other engine (the VLM, the words reader alone): each value of the header fields the words reader reads
    (``READ_TWICE``) must be in the sidecar's ``confirmed`` list — both readers read it alike; the values the
    words reader does not read (a line's cells, the tax rows, a party's address, e-mail, phone) must be printed
    on the page where the model says (the sidecar's evidence, found on that line's rows and in its column) — a text
    exactly as printed, letters and digits alike (the evidence's fuzzy match would take "80 g" for "90 g"), a party's
    address, e-mail or phone printed nearer its own party's name than the other party's (both parties print a city) —
    and
    their arithmetic ties them to the confirmed totals (no check warning). A zero in a line or a tax row (no
    discount, no tax) need not be printed: the arithmetic checks it;
- **no warning** from the reading (arithmetic, VAT ids, IBANs, dates, a value not on the page, the readers
  disagreeing, a demo model);
- **no review item** from applying it (partner, products, taxes, currency, totals, duplicates…), except the
  purely informative ones (``INFORMATIVE``).

Anything less is not verified, and ``Verdict`` says which values were not confirmed and why. The Odoo models and
``benchmarks/verified_injected.py`` both call ``verdict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from .evidence import leaf_paths, value_at

# The header fields the sidecar's words reader reads and compares with the model's (ocr_sidecar/reader/reading.py
# HEADER_PATHS; a sidecar test checks the two lists are the same): such a value is confirmed only by both readers.
READ_TWICE = ("document_type", "document_number", "issue_date", "due_date", "currency", "order_reference",
              "payment_reference", "seller.name", "seller.vat", "seller.iban", "buyer.name", "buyer.vat",
              "subtotal", "total_tax", "total", "amount_due")
# Engines whose every value is confirmed by the way it was read.
CONFIRMED_ENGINES = {"einvoice": "read from the e-invoice's XML",
                     "layout": "read from the partner's learned layout, whose checks passed"}
PAGE_SOURCES = ("pdf", "ocr")
# Review items that say what was done, not what to check.
INFORMATIVE = frozenset({"remembered"})
# Names of a value that a page never prints and no record takes (the partner is found by VAT id, IBAN or name).
NOT_COUNTED = frozenset({"country_code"})


@dataclass(frozen=True)
class Verdict:
    verified: bool
    unconfirmed: tuple[str, ...] = ()  # paths of the values not confirmed, in the document's order
    reasons: tuple[str, ...] = ()  # why it is not verified, in words (empty when verified)


def value_paths(document: Any) -> list[str]:
    """Every value the document has: its non-empty leaves, as JSON paths (``lines[1].quantity``), in order; not
    the names of a value nothing prints and nothing takes (``NOT_COUNTED``)."""
    return leaf_paths(document, NOT_COUNTED)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else getattr(obj, key, default)


def _folded(text: Any) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def _printed_as_read(document: Any, item: Any) -> bool:
    """Evidence on a page that prints the value read: a text letter for letter (case, spaces and punctuation
    aside); a number as the sidecar matched it (by value)."""
    if _get(item, "source") not in PAGE_SOURCES or not _get(item, "page"):
        return False
    value = value_at(document, _get(item, "path"))
    if isinstance(value, str) and _get(item, "text"):
        return _folded(value) == _folded(_get(item, "text"))
    return True


def _box(item: Any) -> Optional[tuple[int, list]]:
    boxes = _get(item, "boxes") or []
    return (_get(item, "page") or 0, [float(c) for c in boxes[0][:4]]) if boxes else None


def _gap(a: tuple[int, list], b: tuple[int, list]) -> float:
    """How far apart two printed boxes are (0 when they touch), infinite on different pages."""
    if a[0] != b[0]:
        return float("inf")
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a[1], b[1]
    dx = max(bx0 - ax1, ax0 - bx1, 0.0)
    dy = max(by0 - ay1, ay0 - by1, 0.0)
    return (dx * dx + dy * dy) ** 0.5


def _in_own_block(path: str, places: Mapping[str, Any]) -> bool:
    """A party's detail (``seller.address.city``) printed nearer that party's name than the other party's name; true
    when either name has no place to compare with (nothing says it belongs to the other party)."""
    party, other = ("seller", "buyer") if path.startswith("seller.") else ("buyer", "seller")
    here, own, theirs = (_box(places.get(p)) for p in (path, f"{party}.name", f"{other}.name"))
    if here is None or own is None or theirs is None:
        return True
    return _gap(here, own) <= _gap(here, theirs)


def _zero_cell(document: Any, path: str) -> bool:
    """A zero in a line or a tax row: what a page that prints nothing there means (no discount, no tax)."""
    value = value_at(document, path)
    return (path.startswith(("lines[", "taxes[")) and isinstance(value, (int, float)) and not isinstance(value, bool)
            and value == 0)


def unconfirmed_paths(document: Any, engine: str, confirmed: Iterable[str] = (),
                      evidence: Iterable[Any] = ()) -> list[str]:
    """The values of ``document`` (paths) that neither way of confirming covers (see the module's docstring)."""
    if engine in CONFIRMED_ENGINES:
        return []
    both = set(confirmed or ())
    places = {_get(item, "path"): item for item in evidence or ()}
    printed = {path for path, item in places.items() if _printed_as_read(document, item)
               and (not path.startswith(("seller.", "buyer.")) or _in_own_block(path, places))}
    out = []
    for path in value_paths(document):
        if path in READ_TWICE:
            if path not in both:
                out.append(path)
        elif path not in printed and not _zero_cell(document, path):
            out.append(path)
    return out


def verdict(document: Any, *, engine: str, confirmed: Iterable[str] = (), evidence: Iterable[Any] = (),
            warnings: Iterable[Any] = (), items: Iterable[Any] = ()) -> Verdict:
    """Whether this reading of ``document`` is verified (see the module's docstring).

    ``engine``: who read it (``client.ExtractResult.engine``); ``confirmed``: the paths both readers read alike
    (``ExtractResponse.confirmed``); ``evidence``: where each value is printed (dicts or objects with ``path``,
    ``page``, ``source``); ``warnings``: the reading's warnings (each with a ``code``); ``items``: the review items
    applying it gave (``ReviewItem``s or dicts with ``code``)."""
    reasons = []
    values = value_paths(document)
    if not any(path in ("total", "subtotal") or path.startswith("lines[") for path in values):
        reasons.append("nothing was read to verify (no total, no lines)")
    unconfirmed = unconfirmed_paths(document, engine, confirmed, evidence)
    if unconfirmed:
        reasons.append(f"{len(unconfirmed)} value(s) not confirmed by a second reading")
    codes = sorted({_get(w, "code") or "warning" for w in warnings or ()})
    if codes:
        reasons.append(f"the reading's checks objected ({', '.join(codes)})")
    to_check = sorted({_get(i, "code") or "review" for i in items or () if _get(i, "code") not in INFORMATIVE})
    if to_check:
        reasons.append(f"applying it left items to check ({', '.join(to_check)})")
    return Verdict(verified=not reasons, unconfirmed=tuple(unconfirmed), reasons=tuple(reasons))
