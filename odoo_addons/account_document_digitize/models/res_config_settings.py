from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_mail_single_bill = fields.Boolean(
        "One bill per e-mail", config_parameter="document_digitize.mail_single_bill",
        help="Off (default): a mail with several documents makes one bill per document, linked to each other. "
             "On: one bill per mail with every document attached; the first one is digitized.")
