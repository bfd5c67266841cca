from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_mail_split = fields.Boolean(
        "One bill per mailed document", config_parameter="document_digitize.mail_split",
        help="On: a mail with several documents makes one bill per document, each digitized, the bills linked to "
             "each other. Off (default): one bill per mail with every document attached; the first one is "
             "digitized.")
