{  # noqa: B018 - a manifest is one dict literal, read by Odoo with ast.literal_eval
    "name": "Vendor Bills Digitization",
    "summary": "Digitize button and scheduled digitization for vendor bills and refunds",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Odoo digitization team",
    "depends": ["account", "document_digitize"],
    "data": [
        "security/ir.model.access.csv",
        "security/digitize_security.xml",
        "security/digitize_layout_security.xml",
        "views/account_move_views.xml",
        "views/digitize_memory_views.xml",
        "views/digitize_layout_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_backend": ["account_document_digitize/static/src/document_file_uploader_patch.js"],
        "web.assets_tests": ["account_document_digitize/static/tests/tours/digitize_bill_tour.js",
                             "account_document_digitize/static/tests/tours/verified_tour.js",
                             "account_document_digitize/static/tests/tours/correct_tour.js"],
    },
}
