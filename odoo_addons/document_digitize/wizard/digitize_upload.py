from odoo import api, fields, models
from odoo.exceptions import UserError


class DocumentDigitizeUpload(models.TransientModel):
    """Upload several files: one draft record per file, each queued for digitization."""

    _name = "document.digitize.upload"
    _description = "Upload documents to digitize"

    res_model = fields.Char(required=True, readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Files")

    @api.model
    def _digitizable_model(self, name):
        if name not in self.env or not hasattr(self.env[name], "_digitize_create_from_upload"):
            raise UserError(self.env._("Documents cannot be digitized into %s.", name))
        return self.env[name]

    def action_upload(self):
        self.ensure_one()
        Model = self._digitizable_model(self.res_model)
        Model.check_access("create")
        if not self.attachment_ids:
            raise UserError(self.env._("Add at least one file."))
        Model._digitize_check_uploads(self.attachment_ids)
        records = Model.browse()
        for attachment in self.attachment_ids:
            record = Model._digitize_create_from_upload(attachment)
            attachment.write({"res_model": record._name, "res_id": record.id})
            if hasattr(record, "message_main_attachment_id"):
                record.message_main_attachment_id = attachment
            record.action_digitize()
            records |= record
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Uploaded documents"),
            "res_model": records._name,
            "domain": [("id", "in", records.ids)],
            "views": [(False, "list"), (False, "form")] if len(records) > 1 else [(False, "form")],
            "res_id": records.id if len(records) == 1 else False,
            "target": "current",
        }
