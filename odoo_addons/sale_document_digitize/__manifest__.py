{  # noqa: B018 - a manifest is one dict literal, read by Odoo with ast.literal_eval
    "name": "Sales Orders Digitization",
    "summary": "Turn customers' purchase orders (PDF, scan, photo) into draft quotations",
    "version": "18.0.1.1.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "Odoo digitization team",
    "depends": ["sale", "document_digitize"],
    "data": [
        "security/ir.model.access.csv",
        "security/digitize_layout_security.xml",
        "views/sale_order_views.xml",
        "views/digitize_layout_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["sale_document_digitize/static/tests/tours/alias_settings_tour.js"],
    },
    "auto_install": True,
}
