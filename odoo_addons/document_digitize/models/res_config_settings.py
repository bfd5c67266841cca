from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import DigitizeConfig, client
from ..lib.config import env_flag, env_value

DEFAULT = DigitizeConfig.default  # every setting's default is DigitizeConfig's (lib/config.py)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    document_digitize_endpoint = fields.Char(
        "Sidecar endpoint(s)", config_parameter="document_digitize.endpoint",
        help="host:port of the OCR sidecar; several comma-separated, or dns:///name:port, spread load and fail over.")
    document_digitize_tls = fields.Boolean("Use TLS", config_parameter="document_digitize.tls")
    document_digitize_ca = fields.Char("CA certificate (PEM)", config_parameter="document_digitize.ca",
                                       groups="base.group_system")
    document_digitize_tls_cert = fields.Char(
        "Client certificate (PEM)", config_parameter="document_digitize.tls_cert", groups="base.group_system",
        help="Mutual TLS: the certificate (chain) Odoo shows the sidecar; the sidecar trusts its CA (OCR_TLS_CLIENT_CA).")
    document_digitize_tls_key = fields.Char(
        "Client private key (PEM)", config_parameter="document_digitize.tls_key", groups="base.group_system",
        help="The client certificate's private key (unencrypted PEM), stored like the token: system users only.")
    document_digitize_token = fields.Char("Token", config_parameter="document_digitize.token",
                                          groups="base.group_system")
    document_digitize_token_insecure = fields.Boolean(
        compute="_compute_document_digitize_token_insecure", groups="base.group_system",
        help="A token is set while TLS is off: it would travel in clear text.")
    document_digitize_timeout = fields.Integer("Timeout (s)", config_parameter="document_digitize.timeout",
                                               default=DEFAULT("timeout"))
    document_digitize_auto_mail = fields.Boolean("Digitize mailed documents automatically",
                                                 config_parameter="document_digitize.auto_mail")
    document_digitize_create_partner = fields.Boolean("Create unknown vendors (valid VAT id)",
                                                      config_parameter="document_digitize.create_partner")
    document_digitize_share_partners = fields.Boolean(
        "Created partners are shared by all companies", config_parameter="document_digitize.share_partners",
        help="Off (the default): a vendor or customer created from a document belongs to the company of that "
             "document, and other companies neither see nor match it. On: for databases whose companies share "
             "their partners by design.")
    document_digitize_tolerance = fields.Float("Total tolerance", config_parameter="document_digitize.tolerance",
                                               default=DEFAULT("tolerance"))
    document_digitize_confidence_threshold = fields.Float(
        "Low-confidence threshold", config_parameter="document_digitize.confidence_threshold",
        default=DEFAULT("confidence_threshold"),
        help="Values read with less confidence than this (0 to 1) are listed to check and marked on the form.")
    document_digitize_batch_size = fields.Integer("Batch size", config_parameter="document_digitize.batch_size",
                                                  default=DEFAULT("batch_size"))
    document_digitize_max_attempts = fields.Integer("Max attempts",
                                                    config_parameter="document_digitize.max_attempts",
                                                    default=DEFAULT("max_attempts"))

    document_digitize_alias_domain = fields.Char(related="company_id.alias_domain_name")

    @api.depends("document_digitize_token", "document_digitize_tls")
    def _compute_document_digitize_token_insecure(self):
        for settings in self:
            token = settings.document_digitize_token or env_value("token")
            settings.document_digitize_token_insecure = bool(token) and not (
                settings.document_digitize_tls or env_flag("tls"))

    @api.model
    def _digitize_alias_settings(self):
        """{settings field: (alias xmlid, model)} of the "Orders by e-mail" aliases; each order addon adds its own."""
        return {}

    @api.model
    def get_values(self):
        values = super().get_values()
        for field_name, (xmlid, _model) in self._digitize_alias_settings().items():
            values[field_name] = self._digitize_alias_name(xmlid)
        return values

    def set_values(self):
        result = super().set_values()
        for field_name, (xmlid, model_name) in self._digitize_alias_settings().items():
            self._digitize_set_alias(xmlid, model_name, self[field_name])
        return result

    def _digitize_alias(self, xmlid):
        """This company's alias kept under ``xmlid`` + ``_<company id>`` (each company has its own)."""
        company = self.company_id or self.env.company
        return self.env.ref(f"{xmlid}_{company.id}", raise_if_not_found=False) or self.env["mail.alias"]

    def _digitize_alias_name(self, xmlid):
        return self._digitize_alias(xmlid).alias_name or False

    def _digitize_set_alias(self, xmlid, model_name, name):
        """Documents mailed to ``name``@(the company's alias domain) become this company's drafts of
        ``model_name`` (its ``message_new``), queued for digitization when auto-digitize is on. An empty name
        turns it off."""
        name = (name or "").strip() or False
        alias = self._digitize_alias(xmlid)
        if alias:
            if alias.alias_name != name:
                alias.sudo().alias_name = name
            return
        if not name:
            return
        company = self.company_id or self.env.company
        if not company.alias_domain_id:
            raise UserError(self.env._("Set up an alias domain for %s first (Settings > Technical > Email: Alias "
                                       "Domains) to receive documents by e-mail.", company.name))
        alias = self.env["mail.alias"].sudo().create({
            "alias_name": name, "alias_model_id": self.env["ir.model"]._get_id(model_name),
            "alias_domain_id": company.alias_domain_id.id, "alias_contact": "everyone",
            "alias_defaults": repr({"company_id": company.id}),
        })
        module, _dot, xml_name = xmlid.partition(".")
        self.env["ir.model.data"].sudo().create({"module": module, "name": f"{xml_name}_{company.id}",
                                                 "model": "mail.alias", "res_id": alias.id, "noupdate": True})

    def action_document_digitize_test_connection(self):
        self.ensure_one()
        self.execute()  # save what is on screen first
        try:
            info = client.get_info(self.env["document.digitize.mixin"]._digitize_endpoint_settings())
        except client.DigitizeError as exc:
            raise UserError(self.env._("Cannot reach the OCR sidecar: %s", exc.reason)) from None
        message = self.env._("%(endpoint)s: %(model)s on %(device)s (%(dtype)s), engine %(engine)s", **info)
        if info["demo"]:
            message += " — " + self.env._("DEMO MODEL: random weights, outputs are meaningless")
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": self.env._("Connection OK"), "message": message,
                           "type": "warning" if info["demo"] else "success", "sticky": False}}
