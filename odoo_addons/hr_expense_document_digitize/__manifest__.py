{  # noqa: B018 - a manifest is one dict literal, read by Odoo with ast.literal_eval
    "name": "Expenses Digitization",
    "summary": "Turn employees' receipts (photos, scans, PDFs) into filled-in expenses",
    "version": "18.0.1.0.0",
    "category": "Human Resources/Expenses",
    "license": "LGPL-3",
    "author": "Odoo digitization team",
    "depends": ["hr_expense", "document_digitize"],
    "data": [
        "security/ir.model.access.csv",
        "security/hr_expense_digitize_security.xml",
        "views/hr_expense_views.xml",
        "views/hr_expense_digitize_memory_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["hr_expense_document_digitize/static/tests/tours/expense_settings_tour.js"],
    },
    "auto_install": True,
}
