"""The mapping library's ``Catalog`` over the ORM, scoped to the document's company.

Every read is limited to what that company may use — its own records, shared ones (no company) and, for
branches, its parent companies' — with each model's own ``_check_company_domain``, the rule Odoo's
``check_company`` enforces when the record is saved. The scheduled action applies mailed documents as the
superuser, whom no record rule limits: without these domains company B's bill got company A's product and then
failed ``check_company``."""

from odoo.osv import expression

from ..lib import (
    CompanyInfo,
    CurrencyCandidate,
    PartnerCandidate,
    ProductCandidate,
    TaxCandidate,
    UomCandidate,
    compact,
    name_search_terms,
)
from ..lib.normalize import email_domain


class OdooCatalog:
    def __init__(self, env, company):
        self.env = env
        self.company_rec = company
        self._usable_companies = company | company.parent_ids  # its own records and its parents' (branches)
        self._ourselves = None

    def _scope(self, model):
        """The domain of ``model``'s records this company may use (Odoo's own multi-company check)."""
        return self.env[model]._check_company_domain(self.company_rec)

    def _usable(self, record):
        return not record.company_id or record.company_id in self._usable_companies

    def company(self):
        c = self.company_rec
        return CompanyInfo(id=c.id, name=c.name, partner_id=c.partner_id.id, currency_code=c.currency_id.name,
                           country_code=c.country_id.code or None, vat=c.vat or None,
                           own_email_domains=self._own()[1])

    # partners ------------------------------------------------------------------------------------

    def _own(self):
        """Ourselves: (the partner ids of every company of the database and of every internal user, archived ones
        too; the domains of their e-mail addresses and of the companies' mail aliases). Read once per mapping."""
        if self._ourselves is None:
            users = self.env["res.users"].sudo().with_context(active_test=False).search([("share", "=", False)])
            companies = self.env["res.company"].sudo().with_context(active_test=False).search([])
            addresses = users.mapped("email") + companies.mapped("email") + companies.partner_id.mapped("email")
            if "alias_domain_id" in companies._fields:  # mail: the domain our aliases receive at
                addresses += [f"alias@{name}" for name in companies.alias_domain_id.mapped("name")]
            domains = frozenset(filter(None, (email_domain(address) for address in addresses if address)))
            self._ourselves = (frozenset(users.partner_id.ids) | frozenset(companies.partner_id.ids), domains)
        return self._ourselves

    def _partner(self, partner):
        partner = partner.commercial_partner_id
        banks = self.env["res.partner.bank"].sudo().search([("partner_id", "=", partner.id)])
        return PartnerCandidate(
            id=partner.id, name=partner.name or "", vat=partner.vat or None, email=partner.email or None,
            website=partner.website or None, ibans=tuple(b.sanitized_acc_number for b in banks),
            company_type=partner.company_type or "company", country_code=partner.country_id.code or None,
            property_payment_term_id=partner.with_company(self.company_rec).property_supplier_payment_term_id.id or None,
            customer_payment_term_id=partner.with_company(self.company_rec).property_payment_term_id.id or None,
            is_own=partner.id in self._own()[0])

    def _partners(self, domain, limit=100):
        Partner = self.env["res.partner"].with_company(self.company_rec)
        records = Partner.search(expression.AND([domain, self._scope("res.partner")]), limit=limit)
        seen, out = set(), []
        for record in records:
            commercial = record.commercial_partner_id
            if commercial.id not in seen:
                seen.add(commercial.id)
                out.append(self._partner(commercial))
        return out

    def partners_by_vat(self, variants):
        if not variants:
            return []
        # VAT is stored as typed: gather by the digits, compare compact.
        candidates = self._partners(expression.OR([[("vat", "ilike", v[-6:])] for v in variants]), limit=200)
        wanted = {compact(v) for v in variants}
        return [p for p in candidates if compact(p.vat) in wanted]

    def partners_by_iban(self, iban):
        banks = self.env["res.partner.bank"].search(expression.AND([
            [("sanitized_acc_number", "=", compact(iban))], self._scope("res.partner.bank")]))
        return [self._partner(b.partner_id) for b in banks if self._usable(b.partner_id.commercial_partner_id)]

    def partners_by_name(self, name):
        terms = name_search_terms(name) or [name]
        domain = expression.OR([[("name", "=ilike", name)]] + [[("name", "ilike", t)] for t in terms])
        return self._partners(domain + [("is_company", "=", True)]) or self._partners(domain)

    def partners_by_email_domain(self, domain):
        return self._partners(["|", ("email", "=ilike", f"%@{domain}"), ("website", "ilike", domain)])

    # the rest ------------------------------------------------------------------------------------

    def currency(self, code):
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        if not currency:
            return None
        return CurrencyCandidate(id=currency.id, name=currency.name, active=currency.active,
                                 decimal_places=currency.decimal_places)

    def has_rate(self, currency_id, day):
        """Whether Odoo has a rate of the currency for this company (its root's or every company's) to convert at on
        ``day``: one on or before it, else the first after it (Odoo falls back to it); without any, 1:1."""
        return bool(self.env["res.currency.rate"].sudo().search_count([
            ("currency_id", "=", currency_id), ("company_id", "in", [False, self.company_rec.root_id.id])], limit=1))

    def country_id(self, code):
        return self.env["res.country"].search([("code", "=", code.upper())], limit=1).id or None

    def _product(self, product, partner_id=None):
        tmpl = product.product_tmpl_id
        codes = {}
        for seller in tmpl.seller_ids.filtered(lambda s: s.product_code and self._usable(s)):
            codes.setdefault(seller.partner_id.commercial_partner_id.id, []).append(seller.product_code)
        company = self._usable_companies
        return ProductCandidate(
            id=product.id, name=product.name or "", default_code=product.default_code or None,
            barcode=product.barcode or None, vendor_codes={k: tuple(v) for k, v in codes.items()},
            uom_id=product.uom_id.id or None, uom_po_id=tmpl.uom_po_id.id or None,
            uom_category_id=product.uom_id.category_id.id or None,
            purchase_tax_ids=tuple(product.supplier_taxes_id.filtered(lambda t: t.company_id in company).ids),
            sale_tax_ids=tuple(product.taxes_id.filtered(lambda t: t.company_id in company).ids),
            purchase_ok=product.purchase_ok, sale_ok=product.sale_ok)

    def products(self, *, use, partner_id, code, barcode, name):
        Product = self.env["product.product"].with_company(self.company_rec)
        ok = expression.AND([[("purchase_ok" if use == "purchase" else "sale_ok", "=", True)],
                             self._scope("product.product")])
        found = Product.browse()
        if code and partner_id:
            infos = self.env["product.supplierinfo"].search(expression.AND([
                [("partner_id", "child_of", partner_id), ("product_code", "=", code)],
                self._scope("product.supplierinfo")]))
            variants = infos.product_id | infos.product_tmpl_id.product_variant_ids
            if variants:  # the vendor's code names products this company may use for this, or none
                found |= Product.search(expression.AND([ok, [("id", "in", variants.ids)]]))
        if code:
            found |= Product.search(ok + [("default_code", "=", code)])
        if barcode:
            found |= Product.search(ok + [("barcode", "=", barcode)])
        if name:
            found |= Product.search(ok + [("name", "=ilike", name)], limit=20)
        return [self._product(p, partner_id) for p in found]

    def product(self, product_id):
        """One product by id — the company's fallback product — when it is active and this company's to use:
        another company's product is never given to this one's document (None, as if it were gone)."""
        product = self.env["product.product"].with_company(self.company_rec).search(
            expression.AND([[("id", "=", product_id)], self._scope("product.product")]), limit=1)
        return self._product(product) if product else None

    def taxes(self, use):
        taxes = self.env["account.tax"].search(expression.AND([[("type_tax_use", "=", use)],
                                                                self._scope("account.tax")]))
        return [TaxCandidate(id=t.id, name=t.name, amount=t.amount, amount_type=t.amount_type,
                             price_include=bool(t.price_include), type_tax_use=t.type_tax_use, sequence=t.sequence,
                             has_negative_factor=any(line.factor < 0 for line in t.invoice_repartition_line_ids))
                for t in taxes]

    def uom(self, name):
        uom = self.env["uom.uom"].search([("name", "=ilike", name)], limit=1)
        return UomCandidate(id=uom.id, name=uom.name, category_id=uom.category_id.id) if uom else None

    def remembered(self, partner_id, key):
        """Vendor memory (account_document_digitize): what a person chose last time for this vendor's line."""
        if "document.digitize.memory" not in self.env:
            return None
        vendor = self.env["res.partner"].browse(partner_id).commercial_partner_id
        memory = self.env["document.digitize.memory"].sudo().search([
            ("company_id", "=", self.company_rec.id), ("partner_id", "=", vendor.id), ("key", "=", key)], limit=1)
        return memory._choice() if memory else None
