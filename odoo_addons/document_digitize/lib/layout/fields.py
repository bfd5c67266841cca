"""What a learned layout holds: its version, the header and line fields it can learn (party fields never: see
identify.py), and the error for words or a stored layout that cannot be used."""

from __future__ import annotations

LAYOUT_VERSION = 1

# header values a layout can hold; party fields (names, ids, addresses) are not among them (identify.py)
NUMBER_FIELDS = ("subtotal", "total_tax", "total", "amount_due")
DATE_FIELDS = ("issue_date", "due_date")
CODE_FIELDS = ("document_number", "order_reference", "payment_reference")
TAX_FIELDS = ("rate", "base", "amount")
LINE_NUMBERS = ("quantity", "unit_price", "discount_percent", "tax_rate", "amount")
LINE_TEXTS = ("description", "product_code", "unit")
PARTY = {"vendor_bill": "seller", "purchase_order": "seller", "sale_order": "buyer"}

# the column (as the sidecar's page structure names a table's columns, ``Word.column``) each line number is printed
# in: a number found elsewhere on its row (a price equal to the amount, a quantity equal to the position) is not it
NUMBER_COLUMNS = {"quantity": "qty", "unit_price": "price", "tax_rate": "vat", "amount": "amount",
                  "discount_percent": "discount"}

MAX_ANCHOR_WORDS = 4
LINE_ROWS = 3  # rows one line of a table may take: its description, its codes, its numbers
# A currency beside a value is never its label ("Grand Total Rs 1939": the anchor is "Grand Total", as the
# next document prints another currency word or none): symbols, ISO codes, abbreviations glued to amounts.
CURRENCY_TOKENS = frozenset({"€", "$", "£", "¥", "₹", "₽", "fr", "chf.", "eur.", "rs", "kr", "kc", "zl", "lei", "sfr",
                             "dh", "ft", "rp"} | set("""eur usd gbp chf inr jpy cny cad aud nzd sek nok dkk pln czk huf
                             ron bgn hrk rub zar brl mxn aed sar sgd hkd krw idr myr thb php""".split()))


class LayoutError(ValueError):
    """Words or a stored layout that cannot be used (unknown version, malformed data)."""
