"""Orders: which purchase order a bill belongs to, which of its lines each bill line bills, and what
differs; which of a customer's addresses a document's address is. Pure functions, no ORM.

The Odoo layer fetches candidates (the vendor's confirmed orders, their lines with the quantities Odoo
computed), calls these, then writes the links (``account.move.line.purchase_line_id``, Odoo's own
PO-to-bill link) and the review items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from .text import ReviewItem, fold, name_similarity, reference_key


@dataclass(frozen=True)
class OrderCandidate:
    id: int
    name: str  # Odoo's number, e.g. P00012
    partner_ref: Optional[str] = None  # the vendor's reference for it
    state: str = "purchase"


def find_order(reference: Optional[str], orders: Iterable[OrderCandidate]) -> Optional[OrderCandidate]:
    """The order a bill quotes: by Odoo number, else by the vendor's reference; None when unknown or ambiguous."""
    key = reference_key(reference)
    if not key:
        return None
    orders = list(orders)
    for attr in ("name", "partner_ref"):
        found = [o for o in orders if reference_key(getattr(o, attr)) == key]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None
    return None


@dataclass(frozen=True)
class OrderLineCandidate:
    id: int
    name: str
    product_id: Optional[int]
    product_qty: float  # ordered
    qty_received: float
    qty_invoiced: float
    qty_to_invoice: float  # what Odoo expects to be billed (received or ordered, per product policy)
    price_unit: float
    discount: float = 0.0


@dataclass(frozen=True)
class BillLine:
    key: int  # the bill line's id (or any key the caller maps back)
    name: str
    product_id: Optional[int]
    quantity: float
    price_unit: float
    discount: float = 0.0


@dataclass
class OrderMatch:
    links: dict[int, int] = field(default_factory=dict)  # bill line key → order line id
    review: list[ReviewItem] = field(default_factory=list)


def _similar(a: str, b: str) -> float:
    return name_similarity(a or "", b or "")


def _num(value: float) -> str:
    return f"{value:g}"


def match_order_lines(bill_lines: Sequence[BillLine], order_lines: Sequence[OrderLineCandidate], *, order_name: str,
                      price_digits: int = 2, qty_digits: int = 3, name_threshold: float = 80.0) -> OrderMatch:
    """Pair each bill line with one line of the order (same product, else a similar description), then say
    where the bill differs from what was received and ordered. A line billed but not ordered, more billed
    than Odoo expects to be billed, or a different net price are serious; order lines not billed are not."""
    result = OrderMatch()
    free = list(order_lines)

    def take(line: BillLine) -> Optional[OrderLineCandidate]:
        same_product = [o for o in free if line.product_id and o.product_id == line.product_id]
        if same_product:
            # several lines of one product: the one whose price and remaining quantity fit best
            same_product.sort(key=lambda o: (abs(o.price_unit - line.price_unit), -o.qty_to_invoice))
            return same_product[0]
        scored = sorted(((_similar(line.name, o.name), o) for o in free), key=lambda pair: -pair[0])
        if scored and scored[0][0] >= name_threshold:
            return scored[0][1]
        return None

    price_eps = 0.5 * 10 ** -price_digits
    qty_eps = 0.5 * 10 ** -qty_digits
    for line in bill_lines:
        order_line = take(line)
        if order_line is None:
            result.review.append(ReviewItem(
                "not_ordered", f"“{line.name}” is billed but matches no line of {order_name}: check it was ordered.",
                "invoice_line_ids", serious=True, value=f"“{line.name}”"))
            continue
        free.remove(order_line)
        result.links[line.key] = order_line.id
        if line.quantity > order_line.qty_to_invoice + qty_eps:
            result.review.append(ReviewItem(
                "quantity_mismatch", f"“{line.name}”: {_num(line.quantity)} billed, but {order_name} expects "
                f"{_num(order_line.qty_to_invoice)} to bill (ordered {_num(order_line.product_qty)}, received "
                f"{_num(order_line.qty_received)}, already billed {_num(order_line.qty_invoiced)}).",
                "invoice_line_ids", serious=True,
                value=f"“{line.name}”: {_num(line.quantity)} billed, {_num(order_line.qty_to_invoice)} to bill"))
        billed_net = line.price_unit * (1 - (line.discount or 0.0) / 100.0)
        ordered_net = order_line.price_unit * (1 - (order_line.discount or 0.0) / 100.0)
        if abs(billed_net - ordered_net) > price_eps:
            result.review.append(ReviewItem(
                "price_mismatch", f"“{line.name}”: billed at {_num(round(billed_net, 6))} per unit, ordered at "
                f"{_num(round(ordered_net, 6))} on {order_name}.", "invoice_line_ids", serious=True,
                value=f"“{line.name}”: {_num(round(billed_net, 6))} billed, {_num(round(ordered_net, 6))} ordered"))
    for order_line in free:
        if order_line.qty_to_invoice > qty_eps:
            result.review.append(ReviewItem(
                "not_billed", f"{order_name}: “{order_line.name}” ({_num(order_line.qty_to_invoice)} to bill) is "
                "not on this bill.", "invoice_line_ids",
                value=f"“{order_line.name}” ({_num(order_line.qty_to_invoice)} to bill)"))
    return result


@dataclass(frozen=True)
class AddressCandidate:
    id: int
    type: str  # res.partner type: contact | invoice | delivery | other
    street: Optional[str] = None
    zip: Optional[str] = None
    city: Optional[str] = None
    country_code: Optional[str] = None


def match_address(street: Optional[str], zip_code: Optional[str], city: Optional[str],
                  candidates: Iterable[AddressCandidate], wanted_type: str) -> Optional[int]:
    """The one address of ``wanted_type`` whose zip and street (or city) are the document's; None otherwise."""
    zip_key = reference_key(zip_code)
    street_key, city_key = fold(street or ""), fold(city or "")
    if not zip_key or not (street_key or city_key):
        return None
    found = [c for c in candidates if c.type == wanted_type and reference_key(c.zip) == zip_key
             and ((street_key and fold(c.street or "") == street_key)
                  or (not street_key and fold(c.city or "") == city_key))]
    return found[0].id if len(found) == 1 else None
