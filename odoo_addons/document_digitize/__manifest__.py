{  # noqa: B018 - a manifest is one dict literal, read by Odoo with ast.literal_eval
    "name": "Document Digitization (base)",
    "summary": "Digitize PDFs, scans and photos with a local vision-language model (OCR sidecar over gRPC)",
    "version": "18.0.1.0.0",
    "category": "Productivity",
    "license": "LGPL-3",
    "author": "Odoo digitization team",
    "depends": ["base", "mail", "bus"],
    "external_dependencies": {"python": ["grpc", "google.protobuf"]},
    "data": [
        "security/ir.model.access.csv",
        "security/digitize_layout_security.xml",
        "data/ir_cron.xml",
        "data/res_partner.xml",
        "wizard/digitize_upload_views.xml",
        "views/digitize_layout_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "document_digitize/static/src/digitize_refresh_service.js",
            "document_digitize/static/src/digitize_list_refresh.js",
            "document_digitize/static/src/document_viewer/document_viewer.js",
            "document_digitize/static/src/document_viewer/form_patch.js",
            "document_digitize/static/src/document_viewer/document_viewer.xml",
            "document_digitize/static/src/document_viewer/document_viewer.scss",
        ],
        "web.assets_tests": [
            "document_digitize/static/tests/tours/evidence_tour.js",
            "document_digitize/static/tests/tours/clerk_tour.js",
            "document_digitize/static/tests/tours/upload_list_tour.js",
            "document_digitize/static/tests/tours/app_tour.js",
        ],
    },
}
