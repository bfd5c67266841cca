"""The expense steps of :class:`~.DocumentMapper`: a receipt becomes one expense (``hr.expense``) — no lines; its
description (merchant and what was bought), date, total with its currency, the tax of its rate (included in the
total, as printed), the category a person chose for that merchant before (else the company's default category),
the merchant as printed; and what a person should check: no total, a date in the future or too old, a currency
without an exchange rate, several tax rates on one receipt."""

from __future__ import annotations

import dataclasses
from typing import Optional

from ..catalog import ProductCandidate, TaxCandidate
from ..memory import merchant_key
from ..normalize import Document, Party
from ..text import ReviewItem
from .result import PARTNER_CONFIDENCE, SET, MappingResult

DESCRIPTION_MAX = 120  # characters of an expense's description (its list shows the first line)
_TAX_SLACK = 0.011  # a rate fits a receipt's tax when it gives that amount to the cent


def expense_description(document: Document, limit: int = DESCRIPTION_MAX) -> Optional[str]:
    """'Merchant: what was bought' — the lines' descriptions as far as they fit, the rest counted ('+ 2 more')."""
    merchant = document.seller.name
    items = [line.description for line in document.lines if line.description]
    shown: list[str] = []
    for index, item in enumerate(items):
        rest = len(items) - index - 1
        candidate = ", ".join(shown + [item]) + (f" + {rest} more" if rest else "")
        if len((f"{merchant}: " if merchant else "") + candidate) > limit and shown:
            break
        shown.append(item)
    what = ", ".join(shown)
    if len(shown) < len(items):
        what += f" + {len(items) - len(shown)} more"
    text = f"{merchant}: {what}" if merchant and what else (merchant or what or None)
    return text[:limit].rstrip() if text else None


class ExpenseSteps:
    """Listed first among the mapper's steps: for the ``expense`` target the partner, header and lines steps are
    these; every other target goes on to the core steps through ``super()``. Uses the mapper's ``catalog``,
    ``company``, ``current``, ``options`` and ``review``, and the core's ``currency_id``, ``set_value``,
    ``match_partner`` and ``taxes``."""

    # --- the core steps, for an expense -----------------------------------------------------------

    def prepare_partner(self, document: Document, party: Party, result: MappingResult) -> None:
        if self.target != "expense":
            return super().prepare_partner(document, party, result)
        return self.prepare_merchant(party, result)

    def prepare_header(self, document: Document, currency, result: MappingResult) -> None:
        if self.target != "expense":
            return super().prepare_header(document, currency, result)
        return self.prepare_expense(document, currency, result)

    def prepare_lines(self, document: Document, result: MappingResult) -> None:
        if self.target != "expense":
            return super().prepare_lines(document, result)
        return None  # an expense has no lines: the receipt's lines say what was bought (the description)

    # --- the merchant ---------------------------------------------------------------------------

    def prepare_merchant(self, party: Party, result: MappingResult) -> None:
        """The merchant as printed (name, VAT id) on the expense; an existing partner becomes its vendor only when
        found by an identifier or its exact name (a guess is not worth a person's time on a receipt). A merchant is
        never created, and one not found is no problem."""
        self.set_value(result, "merchant_name", party.name, "Merchant")
        if party.vat:
            self.set_value(result, "merchant_vat", party.vat.with_prefix or party.vat.compact, "Merchant VAT")
        if party.is_empty():
            return
        before = len(self.review)
        partner, method = self.match_partner(party)
        # several partners of that name, our own VAT id on a receipt: said, but the expense does not wait on it
        self.review[before:] = [dataclasses.replace(item, serious=False) for item in self.review[before:]]
        if not partner or PARTNER_CONFIDENCE.get(method) not in ("sure", "likely"):
            return
        result.partner, result.partner_match = partner, method
        current = self.current.get("vendor_id")
        if not current:
            result.header["vendor_id"] = partner.id
        elif current != partner.id:
            self.review.append(ReviewItem("kept_value", f"Vendor: kept the one already set; the receipt is from "
                                          f"{partner.name}.", "vendor_id"))

    # --- the expense's own fields ------------------------------------------------------------------

    def prepare_expense(self, document: Document, currency, result: MappingResult) -> None:
        currency_id = self.currency_id(document, currency)  # unknown or inactive: said there
        self.set_value(result, "name", expense_description(document), "Description")
        self.prepare_expense_date(document, result)
        total = self.prepare_expense_total(document, result)
        if currency_id:
            self.set_value(result, "currency_id", currency_id, "Currency")
            self.check_rate(document, currency)
        product = self.prepare_category(document, result)
        self.prepare_expense_taxes(document, total, product, result)

    def prepare_expense_date(self, document: Document, result: MappingResult) -> None:
        day, today = document.issue_date, self.options.today
        if day is None:
            self.review.append(ReviewItem("date_missing", "The receipt's date could not be read: enter the expense "
                                          "date.", "issue_date", serious=True))
            return
        if today and day > today:
            self.review.append(ReviewItem(
                "date_future", f"Expense date: the receipt's date {day.isoformat()} is in the future — a misread day "
                "or month? Check it.", "issue_date", serious=True))
        elif today and (today - day).days > self.options.max_age_days:
            self.review.append(ReviewItem(
                "date_too_old", f"Expense date: the receipt is dated {day.isoformat()}, more than "
                f"{self.options.max_age_days} days ago. Check the date, and that it may still be claimed.",
                "issue_date", serious=True))
        self.set_value(result, "date", day, "Expense date")

    def prepare_expense_total(self, document: Document, result: MappingResult) -> Optional[float]:
        """The amount paid, tax included: the receipt's total (else its amount due)."""
        total = document.total if document.total is not None else document.amount_due
        if total is None:
            self.review.append(ReviewItem("total_missing", "The receipt's total could not be read: enter the amount "
                                          "paid.", "total", serious=True))
            return None
        if total <= 0:
            self.review.append(ReviewItem("total_unreadable", f"Total: read as {total:.2f}, which no receipt "
                                          "charges — enter the amount paid.", "total", serious=True))
            return None
        self.set_value(result, "total_amount_currency", total, "Total")
        return total

    def check_rate(self, document: Document, currency) -> None:
        """A receipt in another currency is converted at the company's rate: without one Odoo counts it 1:1."""
        if currency is None or currency.name == self.company.currency_code:
            return
        has_rate = getattr(self.catalog, "has_rate", None)
        if has_rate is not None and not has_rate(currency.id, document.issue_date or self.options.today):
            self.review.append(ReviewItem(
                "currency_without_rate", f"Currency: the receipt is in {currency.name} and the company has no "
                "exchange rate for it: Odoo would count it 1:1. Add the rate (Accounting > Configuration > "
                f"Currencies) or enter the total in {self.company.currency_code}.", "currency", serious=True))

    # --- the category ---------------------------------------------------------------------------

    def prepare_category(self, document: Document, result: MappingResult) -> Optional[ProductCandidate]:
        """What a person chose for this merchant before (expense memory), else the company's default category."""
        party = document.seller
        key = merchant_key(party.name, party.vat.compact if party.vat else None)
        lookup = getattr(self.catalog, "remembered_category", None)
        product = None
        remembered = lookup(key) if key and lookup is not None else None
        if remembered:
            product = self.catalog.product(remembered)
            if product:
                self.review.append(ReviewItem(
                    "remembered", f"Category: {product.name}, as chosen last time for {party.name or 'this merchant'} "
                    "(digitization memory).", "product_id"))
        if product is None and self.options.fallback_product_id:
            product = self.catalog.product(self.options.fallback_product_id)
            if product is None:
                self.review.append(ReviewItem(
                    "fallback_product_missing", "The default expense category in the settings no longer exists or "
                    "is archived: choose another one.", "fallback_product_id", serious=True))
        current = self.current.get("product_id")
        if current:
            if product and product.id != current and remembered:
                self.review.append(ReviewItem("kept_value", f"Category: kept the one chosen; last time "
                                              f"{product.name} was chosen for this merchant.", "product_id"))
            return self.catalog.product(current) or product
        if product is None:
            self.review.append(ReviewItem(
                "category_missing", "No expense category: choose one (a default category in the Expenses settings "
                "is set on every receipt).", "product_id", serious=True))
            return None
        result.header["product_id"] = product.id
        return product

    # --- the tax --------------------------------------------------------------------------------

    def prepare_expense_taxes(self, document: Document, total: Optional[float],
                              product: Optional[ProductCandidate], result: MappingResult) -> None:
        tax_ids = self.expense_tax_ids(document, total, product)
        if tax_ids is None:
            return
        current = self.current.get("tax_ids")
        if current:
            if sorted(current) != sorted(tax_ids):
                names = ", ".join(t.name for t in self.taxes() if t.id in tax_ids) or "no tax"
                self.review.append(ReviewItem("kept_value", f"Included taxes: kept the ones set; the receipt's is "
                                              f"{names}.", "tax_ids"))
            return
        result.header["tax_ids"] = [(SET, 0, tax_ids)]

    def expense_tax_ids(self, document: Document, total: Optional[float],
                        product: Optional[ProductCandidate]) -> Optional[list[int]]:
        """The purchase tax of the receipt's one rate (printed, else the one that gives its tax amount from its
        total); [] for a receipt without tax; None: leave the category's taxes (said why)."""
        rates = sorted({t.rate for t in document.taxes if t.rate is not None}
                       | {line.tax_rate for line in document.lines if line.tax_rate is not None})
        if len(rates) > 1:
            listed = " and ".join(f"{rate:g} %" for rate in rates)
            self.review.append(ReviewItem(
                "several_tax_rates", f"Included taxes: the receipt has {listed} tax. An expense has one rate: split it "
                "per rate (Split Expense) or choose the taxes.", "taxes", serious=True))
            return None
        if rates:
            rate = rates[0]
        elif document.total_tax == 0:
            return []  # the receipt shows a tax of nothing
        else:
            rate = self.implied_expense_rate(document, total)
            if rate is None:
                if document.total_tax:
                    self.review.append(ReviewItem(
                        "tax_not_found", f"Included taxes: the receipt's tax of {document.total_tax:.2f} is the amount "
                        "of no purchase tax rate of this company: choose the tax.", "total_tax", serious=True))
                else:
                    self.review.append(ReviewItem("tax_unknown", "The receipt shows no tax: the category's taxes "
                                                  "apply. Check them.", "total_tax"))
                return None
        if abs(rate) < 1e-9:
            return []
        tax = self.find_expense_tax(rate, product)
        if tax is not None:
            return [tax.id]
        self.review.append(ReviewItem(
            "tax_not_found", f"Included taxes: no purchase tax of {rate:g} % exists in this company: create it or "
            "choose the tax.", "taxes", serious=True))
        return None

    def implied_expense_rate(self, document: Document, total: Optional[float]) -> Optional[float]:
        """The one rate among the company's purchase taxes that gives the receipt's tax amount out of its total."""
        if not total or not document.total_tax:
            return None
        rates = {t.amount for t in self.taxes() if t.amount_type == "percent" and t.amount > 0}
        fitting = sorted(r for r in rates if abs(total * r / (100 + r) - document.total_tax) <= _TAX_SLACK)
        if len(fitting) != 1:
            return None
        self.review.append(ReviewItem(
            "tax_rate_implied", f"The receipt prints no tax rate; {fitting[0]:g} % is the rate that gives its tax of "
            f"{document.total_tax:.2f}.", "total_tax"))
        return fitting[0]

    def find_expense_tax(self, rate: float, product: Optional[ProductCandidate]) -> Optional[TaxCandidate]:
        """A percent purchase tax of ``rate``: the category's own first, then one included in the price (an expense
        treats every tax as included in its total), a plain one before a reverse charge."""
        candidates = [t for t in self.taxes() if t.amount_type == "percent" and abs(t.amount - rate) < 1e-4]
        if not candidates:
            return None
        preferred = set(product.purchase_tax_ids) if product else set()
        return min(candidates, key=lambda t: (t.id not in preferred, not t.price_include, t.has_negative_factor,
                                              t.sequence, t.id))

