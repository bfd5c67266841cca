"""Helpers of the addons' migration scripts (``<addon>/migrations/<version>/``)."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def fallback_product_to_companies(cr, param, field):
    """A fallback product kept in the database-wide parameter ``param`` becomes the value of the company field
    ``field`` of every company that may use it (a product of no company: all of them; a company's product: that
    company and its branches); the others get none and the log says so. The parameter is then removed so that
    nothing reads it again."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    ICP = env["ir.config_parameter"]
    raw = ICP.get_param(param)
    if not raw:
        return
    product = env["product.product"].browse(int(raw) if str(raw).isdigit() else 0).exists()
    for company in env["res.company"].search([]):
        if product and (not product.company_id or product.company_id in company.parent_ids):
            company[field] = product
        elif product:
            _logger.warning("%s: %s belongs to %s, not %s: no fallback product set there", param,
                            product.display_name, product.company_id.name, company.name)
    ICP.set_param(param, False)
