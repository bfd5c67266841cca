"""18.0.1.1.0: the fallback product of purchase orders moved from one database-wide parameter to each company.

The old parameter's product becomes the fallback of every company that may use it (a product of no company:
all of them; a company's product: that company and its branches). Companies that may not use it get none and
say so in the log; the parameter is then removed so that nothing reads it again."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)
PARAM = "document_digitize.purchase_fallback_product_id"
FIELD = "document_digitize_purchase_fallback_product_id"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    ICP = env["ir.config_parameter"]
    raw = ICP.get_param(PARAM)
    if not raw:
        return
    product = env["product.product"].browse(int(raw) if str(raw).isdigit() else 0).exists()
    for company in env["res.company"].search([]):
        if product and (not product.company_id or product.company_id in company.parent_ids):
            company[FIELD] = product
        elif product:
            _logger.warning("%s: %s belongs to %s, not %s: no fallback product set there", PARAM,
                            product.display_name, product.company_id.name, company.name)
    ICP.set_param(PARAM, False)
