"""The tax steps of :class:`~.DocumentMapper`: the rate of each line (printed, or implied by the tax summary
or the totals), the company's tax of that rate, and the lines a document only implies: document-level
allowances/charges per rate, and one line per rate for a document without lines."""

from __future__ import annotations

from typing import Any, Optional

from ..catalog import ProductCandidate, TaxCandidate
from ..normalize import Document, Line, round_half_up
from ..text import ReviewItem
from .result import _LINE_FIELDS, _UNKNOWN, _UNTAXED, SET


class TaxSteps:
    """Uses the mapper's ``catalog``, ``options``, ``target``, ``use``, ``review`` and its cache ``_taxes``."""

    def line_tax_rates(self, document: Document) -> dict[int, Any]:
        """Tax rate per line index: the printed rate, else what the tax summary implies.

        Values: a rate (percent), ``_UNTAXED`` (the document shows the line carries no tax) or
        ``_UNKNOWN``.
        """
        rates: dict[int, Any] = {}
        summary_rates = sorted({t.rate for t in document.taxes if t.rate is not None})
        explicit = {line.tax_rate for line in document.lines if line.tax_rate is not None}
        covered = self._summary_covered_by_explicit_lines(document)
        if not summary_rates and not explicit:
            implied = self._rate_implied_by_totals(document)
            if implied is not None:
                summary_rates = [implied]
        for line in document.lines:
            if line.tax_rate is not None:
                rates[line.index] = line.tax_rate
            elif len(summary_rates) == 1 and explicit <= set(summary_rates) and not covered:
                rates[line.index] = summary_rates[0]
            elif covered or (not summary_rates and document.total_tax == 0):
                rates[line.index] = _UNTAXED
            else:
                rates[line.index] = _UNKNOWN
        return rates

    def _rate_implied_by_totals(self, document: Document) -> Optional[float]:
        """The one rate of the company's taxes that turns the subtotal into the total tax, if any."""
        if not document.subtotal or not document.total_tax:
            return None
        slack = 0.005 * (len(document.lines) + 1)
        rates = {t.amount for t in self.taxes() if t.amount_type == "percent" and t.amount
                 and t.price_include == self.options.prices_include_tax}
        fitting = [r for r in rates if abs(document.subtotal * r / 100 - document.total_tax) <= slack]
        if len(fitting) != 1:
            return None
        self.review.append(ReviewItem(
            "tax_rate_implied", f"The document prints no tax rate; {fitting[0]:g} % is the rate that gives its tax "
            f"amount {document.total_tax:.2f}, and was used for every line.", "total_tax"))
        return fitting[0]

    def _summary_covered_by_explicit_lines(self, document: Document) -> bool:
        """True when the lines with a printed rate already make up every base of the tax summary,
        so a line without a rate is outside the tax (e.g. a untaxed item on a taxed invoice)."""
        if not document.taxes or all(line.tax_rate is None for line in document.lines):
            return False
        for summary in document.taxes:
            if summary.rate is None or summary.base is None:
                return False
            amounts = [line.net_amount for line in document.lines if line.tax_rate == summary.rate]
            if any(a is None for a in amounts) or abs(sum(amounts) - summary.base) > 0.01:
                return False
        return True

    def taxes(self) -> list[TaxCandidate]:
        if self._taxes is None:
            self._taxes = list(self.catalog.taxes(self.use))
        return self._taxes

    def line_tax_ids(self, line: Optional[Line], rate: Any, product: Optional[ProductCandidate]) -> Optional[list[int]]:
        """Tax ids for the line (None: a line made from the tax summary); None leaves Odoo's default."""
        where = f"Line {line.index}" if line else "Tax summary"
        field_path = f"lines[{line.index - 1}].tax_rate" if line else "taxes"
        if rate is _UNTAXED:
            return []
        if rate is _UNKNOWN:
            defaults = self._product_taxes(product)
            if defaults:
                return defaults
            self.review.append(ReviewItem(
                "tax_unknown", f"{where}: the document states no tax rate; Odoo's default taxes apply. "
                "Check them.", field_path))
            return None
        tax = self.find_tax(rate, product)
        if tax:
            return [tax.id]
        if abs(rate) < 1e-9:
            self.review.append(ReviewItem(
                "tax_zero_missing", f"{where}: no 0 % {self.use} tax exists; the line was left without tax. "
                "Pick the exemption tax that applies (e.g. intra-EU, export) for your tax report.", field_path))
            return []
        kind = "included in" if self.options.prices_include_tax else "excluded from"
        self.review.append(ReviewItem(
            "tax_not_found", f"{where}: no {self.use} tax of {rate:g} % ({kind} the price) exists in this "
            "company: create it or pick the tax by hand.", field_path, serious=True))
        return []

    def _product_taxes(self, product: Optional[ProductCandidate]) -> list[int]:
        if not product:
            return []
        return list(product.sale_tax_ids if self.use == "sale" else product.purchase_tax_ids)

    def find_tax(self, rate: float, product: Optional[ProductCandidate]) -> Optional[TaxCandidate]:
        """A percent tax of that rate; the product's own taxes first, then plain (not reverse-charge) ones."""
        candidates = [t for t in self.taxes() if t.amount_type == "percent" and abs(t.amount - rate) < 1e-4
                      and t.price_include == self.options.prices_include_tax]
        if not candidates:
            return None
        preferred = set(self._product_taxes(product))
        return min(candidates, key=lambda t: (t.id not in preferred, t.has_negative_factor, t.sequence, t.id))

    def prepare_adjustment_lines(self, document: Document, rates: dict[int, Any]) -> list[dict[str, Any]]:
        """Lines for document-level allowances/charges, so Odoo's totals equal the document's.

        Only when the tax summary explains the difference rate by rate (its bases add up to the
        subtotal and every line's rate is one of the summary's); otherwise the difference is
        reported and left to the user.
        """
        lines_total = document.lines_net_total()
        if document.subtotal is None or lines_total is None:
            return []
        difference = round_half_up(document.subtotal - lines_total, 2)
        if abs(difference) < 0.005:
            return []
        per_rate = self._allowances_per_rate(document, rates)
        usable = self.options.header_adjustment_lines and per_rate is not None
        product = None
        if usable and self.target != "vendor_bill":
            product = self.catalog.product(self.options.fallback_product_id) if self.options.fallback_product_id else None
            usable = product is not None
        if not usable:
            self.review.append(ReviewItem(
                "lines_subtotal_mismatch", f"The lines add up to {lines_total:.2f} but the document's subtotal is "
                f"{document.subtotal:.2f} (difference {difference:+.2f}): a document-level discount or charge, or a "
                "misread line. Add or correct a line.", "subtotal", serious=True))
            return []
        _, qty_field, taxes_field, _ = _LINE_FIELDS[self.target]
        result = []
        for rate, amount in per_rate.items():
            kind = "discount" if amount < 0 else "charge"
            values: dict[str, Any] = {"name": f"Document-level {kind} ({rate:g} % tax)", qty_field: 1.0,
                                      "price_unit": amount, "discount": 0.0}
            if product:
                values["product_id"] = product.id
            tax = self.find_tax(rate, product)
            values[taxes_field] = [(SET, 0, [tax.id] if tax else [])]
            result.append(values)
        self.review.append(ReviewItem(
            "document_allowance", f"The document has document-level discounts/charges ({difference:+.2f} in total); "
            f"{len(result)} line(s) were added for them.", "subtotal"))
        return result

    def _allowances_per_rate(self, document: Document, rates: dict[int, Any]) -> Optional[dict[float, float]]:
        line_rates = {rates.get(line.index) for line in document.lines if not line.is_text_only}
        if not document.taxes and len(line_rates) == 1:
            # No tax summary, but every line has the same rate: the difference can only be at that rate.
            (rate,) = line_rates
            if isinstance(rate, float):
                return {rate: round_half_up(document.subtotal - document.lines_net_total(), 2)}
            return None
        summary = [t for t in document.taxes if t.rate is not None and t.base is not None]
        if not summary or len(summary) != len(document.taxes):
            return None
        if abs(sum(t.base for t in summary) - document.subtotal) > 0.01:
            return None
        bases: dict[float, float] = {}
        for tax in summary:  # a rate may appear twice (e.g. two exemption reasons at 0 %)
            bases[tax.rate] = bases.get(tax.rate, 0.0) + tax.base
        per_rate = {rate: 0.0 for rate in bases}
        for line in document.lines:
            if line.is_text_only:
                continue
            rate = rates.get(line.index)
            if rate not in per_rate:
                return None
            per_rate[rate] += line.net_amount
        allowances = {rate: round_half_up(bases[rate] - total, 2) for rate, total in per_rate.items()}
        return {rate: amount for rate, amount in allowances.items() if abs(amount) >= 0.005}

    def prepare_lines_without_detail(self, document: Document) -> list[dict[str, Any]]:
        """A document without lines (e.g. Factur-X BASIC WL): for a bill, one line per tax rate."""
        label = document.number or "Document"
        if self.target == "vendor_bill" and self.options.lines_from_tax_summary:
            summary = [t for t in document.taxes if t.base is not None]
            lines = []
            if summary and len(summary) == len(document.taxes):
                for tax in summary:
                    rate = tax.rate if tax.rate is not None else _UNKNOWN
                    name = f"{label}: amount subject to {rate:g} % tax" if rate is not _UNKNOWN else label
                    lines.append(self._summary_line(name, tax.base, rate))
            elif document.subtotal is not None and (document.total_tax == 0 or document.total == document.subtotal):
                lines.append(self._summary_line(label, document.subtotal, _UNTAXED))
            if lines:
                self.review.append(ReviewItem(
                    "lines_from_summary", "The document lists no lines: one line per tax rate was created from its "
                    "tax summary. Set the accounts or products if needed.", "lines"))
                return lines
        self.review.append(ReviewItem(
            "no_lines", "No lines could be read from the document: add them by hand.", "lines", serious=True))
        return []

    def _summary_line(self, name: str, amount: float, rate: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"name": name, "quantity": 1.0, "price_unit": amount, "discount": 0.0}
        tax_ids = self.line_tax_ids(None, rate, None) if rate is not _UNKNOWN else None
        if tax_ids is not None:
            values["tax_ids"] = [(SET, 0, tax_ids)]
        return values
