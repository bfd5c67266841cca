/** @odoo-module **/
// Odoo's document uploaders (Upload on the bills, quotations and journals) create each file as an attachment
// with no model yet and hand it to the record afterwards; by then core has re-encoded images over 1920 px as
// JPEG (a 2-page TIFF became a 1-page JPEG). They mark their files as documents to keep as sent; the server
// keeps such files whole (models/ir_attachment.py), and re-encodes every other model-less attachment as before.
import { DocumentFileUploader } from "@account/components/document_file_uploader/document_file_uploader";
import { patch } from "@web/core/utils/patch";

export const KEEP_ORIGINAL = "document_digitize_keep_original";

patch(DocumentFileUploader.prototype, {
    setup() {
        super.setup(...arguments);
        const orm = this.orm;
        this.orm = Object.create(orm, {
            create: {
                value: (model, records, kwargs = {}) =>
                    orm.create(
                        model,
                        records,
                        model === "ir.attachment"
                            ? { ...kwargs, context: { ...(kwargs.context || {}), [KEEP_ORIGINAL]: true } }
                            : kwargs
                    ),
            },
        });
    },
});
