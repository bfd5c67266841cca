from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    digitize_autopost_verified = fields.Boolean(
        "Post verified bills automatically", company_dependent=True, default=False,
        help="A digitized bill of this vendor that is verified (every value confirmed, no check objected, nothing to "
             "review) is posted as soon as it is read, in the name of the person who asked for its digitization, with "
             "their rights and the company's lock dates. A bill that cannot be posted stays in draft with a note. Off: "
             "verified bills wait for a person (Vendor Bills list → Actions → Confirm verified bills).")
