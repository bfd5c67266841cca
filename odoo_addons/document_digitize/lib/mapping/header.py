"""The header steps of :class:`~.DocumentMapper`: is the document of the kind the record expects, and the
record's own fields (references, dates, currency, the bill's type) without replacing what a person entered."""

from __future__ import annotations

from typing import Any, Optional

from ..normalize import Document
from ..text import ReviewItem
from .result import EXPECTED_TYPES, ORDER_HEADER_FIELDS, MappingResult, _fmt, _noon, _same

_RECORD_NAMES = {"vendor_bill": "bill", "purchase_order": "purchase order", "sale_order": "quotation",
                 "expense": "expense"}
_MOVE_TYPES = {"in_invoice": "vendor bill", "in_refund": "vendor refund", "out_invoice": "customer invoice",
               "out_refund": "customer credit note", "entry": "journal entry"}


class HeaderSteps:
    """``check_document_type``, ``prepare_header`` and what it calls; uses the mapper's ``company``,
    ``current``, ``target`` and ``review``."""

    def check_document_type(self, document: Document) -> None:
        if document.document_type not in EXPECTED_TYPES[self.target]:
            name = document.document_type.replace("_", " ")
            article = "an" if name[:1] in "aeiou" else "a"
            self.review.append(ReviewItem(
                "unexpected_document_type", f"The document looks like {article} {name}, not what this "
                f"{_RECORD_NAMES[self.target]} expects: check that the right file was digitized.",
                "document_type", serious=True))

    def set_value(self, result: MappingResult, field_name: str, value: Any, label: str) -> None:
        """Write ``value`` unless the record already has one; say so when they disagree."""
        if value is None or value == "":
            return
        current = self.current.get(field_name)
        if current:
            if not _same(current, value):
                self.review.append(ReviewItem(
                    "kept_value", f"{label}: kept “{_fmt(current)}”; the document says “{_fmt(value)}”.", field_name))
            return
        result.header[field_name] = value

    def prepare_header(self, document: Document, currency, result: MappingResult) -> None:
        currency_id = self.currency_id(document, currency)
        if self.target == "vendor_bill":
            self.prepare_bill_header(document, currency_id, result)
        elif self.target == "purchase_order":
            names = ORDER_HEADER_FIELDS["purchase_order"]
            self.set_value(result, names["document_number"], document.number, "Vendor reference")
            self.set_value(result, names["issue_date"], _noon(document.issue_date) if document.issue_date else None,
                           "Order date")
            self.set_value(result, names["due_date"], _noon(document.due_date) if document.due_date else None,
                           "Expected arrival")
            self.set_value(result, "currency_id", currency_id, "Currency")
        else:
            names = ORDER_HEADER_FIELDS["sale_order"]
            self.set_value(result, names["document_number"], document.number, "Customer reference")
            self.set_value(result, names["issue_date"], _noon(document.issue_date) if document.issue_date else None,
                           "Order date")
            if currency and currency.name != self.company.currency_code:
                # sale.order takes its currency from the pricelist: the user has to pick one in that currency.
                self.review.append(ReviewItem(
                    "pricelist_currency", f"The order is in {currency.name}: choose a pricelist in {currency.name} "
                    "before confirming.", "pricelist_id", serious=True))

    def currency_id(self, document: Document, currency) -> Optional[int]:
        if not document.currency:
            return None
        if currency is None:
            self.review.append(ReviewItem(
                "currency_unknown", f"Currency {document.currency} does not exist in Odoo: check the document's "
                "currency, or add it, then digitize again.", "currency", serious=True))
            return None
        if not currency.active:
            self.review.append(ReviewItem(
                "currency_inactive", f"Currency {currency.name} is not active: activate it (Accounting > Settings > "
                "Currencies) and digitize again.", "currency", serious=True))
            return None
        return currency.id

    def prepare_bill_header(self, document: Document, currency_id: Optional[int], result: MappingResult) -> None:
        wanted = "in_refund" if document.is_credit_note else "in_invoice"
        current_type = self.current.get("move_type")
        if not current_type or (current_type == "in_invoice" and wanted == "in_refund"):
            # A new bill is an 'in_invoice' by default; a credit note turns it into a refund.
            result.header["move_type"] = wanted
        elif current_type != wanted:
            self.review.append(ReviewItem(
                "kept_value", f"Kept the record's type ({_MOVE_TYPES.get(current_type, 'another type')}); the "
                f"document is a {(document.document_type or 'invoice').replace('_', ' ')}.", "move_type"))
        self.set_value(result, "ref", document.number, "Bill reference")
        self.set_value(result, "payment_reference", document.payment_reference, "Payment reference")
        self.set_value(result, "invoice_date", document.issue_date, "Bill date")
        if document.due_date:
            partner = result.partner if "partner_id" in result.header else None
            has_terms = self.current.get("invoice_payment_term_id") or (partner and partner.property_payment_term_id)
            if has_terms:
                self.review.append(ReviewItem(
                    "due_date_from_terms", f"The document's due date is {document.due_date.isoformat()}; the "
                    "payment terms decide the due date instead: check they agree.", "invoice_date_due"))
            else:
                self.set_value(result, "invoice_date_due", document.due_date, "Due date")
        self.set_value(result, "currency_id", currency_id, "Currency")
