"""18.0.1.1.0: the fallback product of purchase orders moved from one database-wide parameter to each company."""

from odoo.addons.document_digitize.upgrade import fallback_product_to_companies


def migrate(cr, version):
    fallback_product_to_companies(cr, "document_digitize.purchase_fallback_product_id",
                                  "document_digitize_purchase_fallback_product_id")
