{  # noqa: B018 - a manifest is one dict literal, read by Odoo with ast.literal_eval
    "name": "E-invoice Attachments for Digitized Bills",
    "summary": "Bills imported by Odoo's own UBL / CII decoder get the files the XML carries (its visual PDF, a "
               "time sheet) as attachments, once",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Odoo digitization team",
    "depends": ["account_edi_ubl_cii", "account_document_digitize"],
    "auto_install": True,
}
