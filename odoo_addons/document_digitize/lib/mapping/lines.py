"""The line steps of :class:`~.DocumentMapper`: one vals dict per printed line, with its product (what a
person chose last time for this vendor, else the catalog's best match, else the fallback product or a note),
the amounts that give the printed net amount, and its unit."""

from __future__ import annotations

from typing import Any, Optional

from ..catalog import ProductCandidate
from ..memory import Choice, memory_key
from ..normalize import Document, Line, round_half_up
from ..text import ReviewItem
from .result import _LINE_FIELDS, _UNKNOWN, SET, MappingResult, _fmt

# UN/ECE Rec. 20 codes and common printed units → names of Odoo's standard units.
_UNIT_ALIASES = {
    "Units": "c62 h87 ea pce pcs pc piece pieces unit units stk stück stueck st u un unité unites unités stuks x",
    "Dozens": "dzn dozen dozens",
    "kg": "kgm kg kgs kilo kilogram kilograms",
    "g": "grm g gr gram grams gramm",
    "Hours": "hur h hr hrs hour hours std stunde stunden heure heures uur",
    "Days": "day days tag tage jour jours dag",
    "L": "ltr l liter litre liters litres",
    "m": "mtr m meter metre meters metres",
    "km": "kmt km",
    "cm": "cmt cm",
    "m²": "mtk m2 m² sqm",
    "m³": "mtq m3 m³",
    "t": "tne t ton tonne tonnes",
}
_UNIT_LOOKUP = {alias: name for name, aliases in _UNIT_ALIASES.items() for alias in aliases.split()}


class LineSteps:
    """``prepare_lines`` and what it calls; the taxes of a line and the lines the document only implies come
    from ``TaxSteps``. Uses the mapper's ``catalog``, ``current``, ``options``, ``target``, ``use`` and
    ``review``."""

    def prepare_lines(self, document: Document, result: MappingResult) -> None:
        lines_field = _LINE_FIELDS[self.target][0]
        if self.current.get(lines_field) or self.current.get("lines"):
            if document.lines:
                self.review.append(ReviewItem(
                    "lines_kept", "The record already has lines; "
                    + (f"the document's {len(document.lines)} lines were" if len(document.lines) > 1
                       else "the document's line was")
                    + " not added. Compare them with the document.", lines_field))
            return
        partner_id = result.header.get("partner_id") or self.current.get("partner_id")
        if not document.lines:
            result.lines = self.prepare_lines_without_detail(document)
            return
        rates = self.line_tax_rates(document)
        for line in document.lines:
            values = self.prepare_line(line, rates.get(line.index, _UNKNOWN), partner_id)
            if values:
                result.lines.append(values)
        result.lines.extend(self.prepare_adjustment_lines(document, rates))

    def prepare_line(self, line: Line, rate: Any, partner_id: Optional[int]) -> Optional[dict[str, Any]]:
        _, qty_field, taxes_field, uom_field = _LINE_FIELDS[self.target]
        if line.is_text_only:
            return self.note_line(line.description or line.product_code)
        remembered = self.remembered(line, partner_id)
        if remembered and remembered.product_id:
            product = self.catalog.product(remembered.product_id)
        else:
            product = self.match_product(line, partner_id)
        name = line.description or (product.name if product else None) or line.product_code or f"Line {line.index}"
        if product is None and self.target != "vendor_bill":
            product = self.fallback_product(line)
            if product is None:
                return self.note_line(self._note_text(line, name))
            if line.product_code and line.product_code not in name:
                name = f"[{line.product_code}] {name}"
        quantity, price, discount = self.line_amounts(line)
        values: dict[str, Any] = {"name": name, qty_field: quantity, "price_unit": price, "discount": discount}
        if product:
            values["product_id"] = product.id
        if remembered and remembered.tax_ids is not None:
            tax_ids = list(remembered.tax_ids)
        else:
            tax_ids = self.line_tax_ids(line, rate, product)
        if tax_ids is not None:
            values[taxes_field] = [(SET, 0, tax_ids)]
        uom_id = self.line_uom(line, product)
        if uom_id:
            values[uom_field] = uom_id
        if self.target == "vendor_bill":
            key = memory_key(line.description, line.product_code)
            if key:
                values["digitize_key"] = key  # lets the bill learn from what the person confirms
            if remembered:
                if remembered.account_id:
                    values["account_id"] = remembered.account_id
                if remembered.analytic_distribution:
                    values["analytic_distribution"] = dict(remembered.analytic_distribution)
        return values

    def remembered(self, line: Line, partner_id: Optional[int]) -> Optional[Choice]:
        """What a person chose for this vendor's line last time (vendor memory), if anything."""
        lookup = getattr(self.catalog, "remembered", None)
        key = memory_key(line.description, line.product_code)
        if lookup is None or not partner_id or not key or self.use != "purchase":
            return None
        choice = lookup(partner_id, key)
        if choice is not None:
            self.review.append(ReviewItem(
                "remembered", f"Line {line.index}: product, account and taxes as chosen last time for this vendor "
                "(digitization memory).", f"lines[{line.index - 1}]"))
        return choice

    def note_line(self, text: Optional[str]) -> dict[str, Any]:
        values: dict[str, Any] = {"display_type": "line_note", "name": text}
        if self.target != "vendor_bill":  # order lines store a quantity even for notes (NOT NULL)
            values[_LINE_FIELDS[self.target][1]] = 0.0
        return values

    def _note_text(self, line: Line, name: str) -> str:
        self.review.append(ReviewItem(
            "no_product", f"Line {line.index} (“{name}”): no product matches and no fallback product is set — added "
            "as a note. Set a fallback product in the settings or add the product by hand.",
            f"lines[{line.index - 1}]", serious=True))
        figures = [f"{_fmt(v)}" for v in (line.quantity, line.unit_price, line.amount) if v is not None]
        return f"{name} ({' / '.join(figures)})" if figures else name

    def match_product(self, line: Line, partner_id: Optional[int]) -> Optional[ProductCandidate]:
        """Vendor product code (supplierinfo) → internal reference → barcode → exact name."""
        vendor_id = partner_id if self.use == "purchase" else None
        candidates = self.catalog.products(use=self.use, partner_id=vendor_id, code=line.product_code,
                                           barcode=line.barcode, name=line.description)
        if not candidates:
            return None
        code = (line.product_code or "").lower()
        name = (line.description or "").strip().lower()
        tiers = (
            lambda p: bool(code) and vendor_id is not None and code in {c.lower() for c in p.vendor_codes.get(vendor_id, ())},
            lambda p: bool(code) and (p.default_code or "").lower() == code,
            lambda p: bool(line.barcode) and p.barcode == line.barcode,
            lambda p: bool(name) and p.name.strip().lower() == name,
        )
        for matches in tiers:
            found = [p for p in candidates if matches(p)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = ", ".join(p.name for p in found[:3])
                self.review.append(ReviewItem(
                    "product_ambiguous", f"Line {line.index}: several products match ({names}); none was chosen.",
                    f"lines[{line.index - 1}].product_code"))
                return None
        return None

    def fallback_product(self, line: Line) -> Optional[ProductCandidate]:
        if not self.options.fallback_product_id:
            return None
        product = self.catalog.product(self.options.fallback_product_id)
        if product is None:
            self.review.append(ReviewItem(
                "fallback_product_missing", "The fallback product in the settings no longer exists or is archived: "
                "choose another one.", "fallback_product_id", serious=True))
            return None
        self.review.append(ReviewItem(
            "fallback_product", f"Line {line.index} (“{line.description or line.product_code}”): no product matches; "
            f"{product.name} was used — replace it if a real product exists.", f"lines[{line.index - 1}]"))
        return product

    def line_amounts(self, line: Line) -> tuple[float, float, float]:
        """(quantity, unit price, discount %) that reproduce the printed net amount."""
        quantity = 1.0 if line.quantity is None else line.quantity
        discount = line.discount or 0.0
        price, amount = line.unit_price, line.amount
        field_path = f"lines[{line.index - 1}]"
        if price is None:
            if amount is None:
                self.review.append(ReviewItem(
                    "line_without_price", (f"Line {line.index} (“{line.description}”)" if line.description
                                           else f"Line {line.index}") + ": no price on the document — enter it.",
                    f"{field_path}.unit_price", serious=True))
                return quantity, 0.0, discount
            if not quantity:
                quantity = 1.0
            price = amount / quantity / (1 - discount / 100) if discount < 100 else 0.0
            return quantity, round_half_up(price, 6), discount
        if amount is not None and quantity:
            gross = quantity * price
            if abs(gross * (1 - discount / 100) - amount) > self.options.line_tolerance:
                if not discount and gross and 0 <= amount / gross < 1:
                    # A line allowance printed as an amount, not a percentage (e.g. 10 × 100.00 = 850.00).
                    # Two decimals: Odoo's default 'Discount' precision would cut more.
                    derived = round_half_up((1 - amount / gross) * 100, 2)
                    if abs(gross * (1 - derived / 100) - amount) <= self.options.line_tolerance:
                        return quantity, price, derived
                self.review.append(ReviewItem(
                    "line_price_from_amount", f"Line {line.index}: {_fmt(quantity)} × {_fmt(price)} does not give the "
                    f"printed amount {amount:.2f}; the unit price was derived from the amount.", f"{field_path}.amount"))
                return quantity, round_half_up(amount / quantity, 6), 0.0
        if self.options.price_digits is not None and amount is not None:
            cut = round_half_up(price, self.options.price_digits)
            if abs(quantity * cut * (1 - discount / 100) - amount) >= 0.005:
                self.review.append(ReviewItem(
                    "price_precision", f"Line {line.index}: the unit price {_fmt(price)} has more decimals than Odoo "
                    f"keeps ({self.options.price_digits}); the line total will differ from {amount:.2f}. Raise the "
                    "'Product Price' decimal accuracy or adjust the line.", f"{field_path}.unit_price"))
        return quantity, price, discount

    def line_uom(self, line: Line, product: Optional[ProductCandidate]) -> Optional[int]:
        if not line.unit:
            return None
        alias = _UNIT_LOOKUP.get(line.unit.strip().lower())
        uom = (self.catalog.uom(alias) if alias else None) or self.catalog.uom(line.unit)
        if uom is None:
            self.review.append(ReviewItem(
                "unit_unknown", f"Line {line.index}: unit “{line.unit}” is unknown; the product's unit is used.",
                f"lines[{line.index - 1}].unit"))
            return None
        if product is not None and (product.uom_category_id is None or uom.category_id != product.uom_category_id):
            if product.uom_category_id is not None:
                self.review.append(ReviewItem(
                    "unit_category", f"Line {line.index}: unit “{line.unit}” does not fit {product.name}; the "
                    "product's unit is used. Check the quantity.", f"lines[{line.index - 1}].unit"))
            return None
        return uom.id
