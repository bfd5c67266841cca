"""Prompts for the VLM path: small models need explicit, type-specific instructions.

The grammar already forces the JSON shape; the prompt tells the model what each key means for this kind
of document (who is seller and buyer on a PO, signs on credit notes, formats) and hands it the PDF's
text layer, so born-digital PDFs can be read exactly even at a small tile budget.
"""

from __future__ import annotations

from typing import Optional, Sequence

SCHEMA_KEYS = (
    "document_type, document_number, issue_date, due_date, currency, order_reference, payment_reference, "
    "seller{name, vat, iban, email, phone, address{street, city, zip, country_code}}, buyer{same as seller}, "
    "lines[{description, product_code, quantity, unit, unit_price, discount_percent, tax_rate, amount}], "
    "taxes[{rate, base, amount}], subtotal, total_tax, total, amount_due"
)

COMMON = (
    "Read the business document in the image(s) and answer with one JSON object with exactly these keys: "
    f"{SCHEMA_KEYS}. Use null for anything not printed on the document; never invent values. "
    "Dates as YYYY-MM-DD. Numbers as plain JSON numbers (1234.5, no thousands separators, no currency sign). "
    "currency: the ISO 4217 code (EUR, USD, ...). VAT ids and IBANs without spaces; country_code ISO 3166 "
    "alpha-2. Each line: amount is the net line total; tax_rate and discount_percent in percent. "
    "taxes: one entry per tax rate with its base and amount. subtotal = total without tax, total = with tax."
)

BY_TYPE = {
    "invoice": "This is an invoice. seller = the company that issued the invoice (supplier); buyer = the "
               "customer. document_number = the invoice number; order_reference = the customer's order or PO "
               "number quoted on it; payment_reference = the reference to quote when paying.",
    "credit_note": "This is a credit note (refund). seller = the company that issued it; buyer = the customer. "
                   "Write all amounts as positive numbers even if the document prints them negative.",
    "purchase_order": "This is a purchase order, issued by the buyer. buyer = the ordering company; seller = "
                      "the supplier it orders from. document_number = the PO number; issue_date = the order "
                      "date; due_date = the requested delivery date if printed.",
    "sales_order": "This is an order confirmation issued by a seller. seller = the issuing supplier; buyer = "
                   "the customer. document_number = the order number; order_reference = the customer's PO "
                   "number.",
    "receipt": "This is a receipt (a till receipt, restaurant bill, taxi or fuel receipt, hotel bill). seller = the "
               "merchant named at the top (shop, restaurant, taxi company, fuel station, hotel) with its VAT or tax "
               "id; buyer is usually null. document_number = the receipt, bill or transaction number, not a table, "
               "till, cashier, pump, terminal or card number. issue_date = the day of the purchase (a hotel bill: "
               "its date, usually the departure, not the arrival); the time printed beside it (14:05, 2:05 PM) is "
               "not part of it. total = the amount paid, tax included: the TOTAL line, not the cash given, the "
               "change, a subtotal or the card slip's repeat of it. currency from the symbol or code (€ EUR, £ GBP, "
               "$ USD, Fr. CHF, ₹ or Rs INR, kr SEK). taxes: one entry per rate of the tax lines or summary, amount = "
               "the tax included in the prices, base = the net; one rate printed as two halves (CGST + SGST) is one "
               "entry with their sum. total_tax = all the tax included. Payment lines (cash, card, change, "
               "authorisation codes) hold no value to copy. lines: the items as printed, amount = the line's price.",
}

ANSWER_NOW = "Answer with the JSON object."

UNSPECIFIED = ("First decide document_type: invoice, credit_note (refund/Gutschrift/avoir), purchase_order "
               "(an order issued by a buyer), sales_order (an order confirmation issued by a seller) or receipt. "
               "seller = the party that issues an invoice or supplies the goods; buyer = the customer.")


def instruction(document_type: Optional[str], language_hint: str = "") -> str:
    """The fixed part of the prompt: what to read and how to write it, per document type. It is the same
    for every document of a type, so the engine keeps its KV cache and does not read it again."""
    parts = [COMMON, BY_TYPE.get(document_type or "", UNSPECIFIED)]
    if language_hint:
        parts.append(f"The document is probably in this language: {language_hint}.")
    return "\n\n".join(parts)


def _cut(text: str, budget: int) -> str:
    """The start of ``text`` holding ``budget`` characters other than the layout's padding spaces."""
    count = 0
    for end, ch in enumerate(text):
        count += ch != " "
        if count > budget:
            return text[:end]
    return text


def page_context(page_texts: Sequence[Optional[str]], extra: str = "", max_text_chars: int = 6000,
                 sources: Sequence[Optional[str]] = ()) -> str:
    """The part of the prompt that belongs to this document: its pages' words (the PDF's text layer or OCR,
    laid out as printed: rows kept, columns apart) and the user's instruction."""
    parts = []
    texts = [(i, t.strip("\n")) for i, t in enumerate(page_texts) if t and t.strip()]
    if texts:
        budget = max_text_chars
        chunks = []
        for i, text in texts:
            if budget <= 0:
                break
            piece = _cut(text, budget)
            budget -= len(piece) - piece.count(" ")
            chunks.append(f"--- page {i + 1} ---\n{piece}")
        if any(source == "ocr" for source in sources):
            intro = ("The pages' text as read by OCR (it may misread characters: the image decides), laid out as "
                     "printed:")
        else:
            intro = "The PDF's own text layer, to copy names, numbers and codes exactly, laid out as printed:"
        parts.append(intro + "\n" + "\n".join(chunks))
    if extra.strip():
        # The client's instruction can refine what to read, never the output format: the grammar decides that.
        parts.append(f"Additional instruction from the user: {extra.strip()}")
    return "\n\n".join(parts)


def document_prompt(document_type: Optional[str], page_texts: Sequence[Optional[str]], extra: str = "",
                    language_hint: str = "", max_text_chars: int = 6000,
                    sources: Sequence[Optional[str]] = ()) -> tuple[str, str]:
    """The texts to put before and after the page images. Before: the fixed instruction, identical for all
    documents of a type, so the local engine keeps its KV cache and vLLM's prefix cache hits. After: this
    document's text layer and the user's instruction, then the request to answer."""
    context = page_context(page_texts, extra, max_text_chars, sources)
    return (instruction(document_type, language_hint) + "\n",
            (context + "\n\n" if context else "") + ANSWER_NOW)
