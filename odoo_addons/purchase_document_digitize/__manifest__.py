{  # noqa: B018 - a manifest is one dict literal, read by Odoo with ast.literal_eval
    "name": "Purchase Orders Digitization",
    "summary": "Digitize vendor quotations and order confirmations into purchase orders; link digitized bills to "
               "the purchase order they quote",
    "version": "18.0.1.1.0",
    "category": "Inventory/Purchase",
    "license": "LGPL-3",
    "author": "Odoo digitization team",
    "depends": ["purchase", "account_document_digitize"],
    "data": [
        "security/ir.model.access.csv",
        "security/digitize_layout_security.xml",
        "views/purchase_order_views.xml",
        "views/digitize_layout_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["purchase_document_digitize/static/tests/tours/two_companies_tour.js"],
    },
    "auto_install": True,
}
