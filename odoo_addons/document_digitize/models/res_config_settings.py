import os

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import client


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
                                               default=600)
    document_digitize_auto_mail = fields.Boolean("Digitize mailed documents automatically",
                                                 config_parameter="document_digitize.auto_mail")
    document_digitize_create_partner = fields.Boolean("Create unknown vendors (valid VAT id)",
                                                      config_parameter="document_digitize.create_partner")
    document_digitize_tolerance = fields.Float("Total tolerance", config_parameter="document_digitize.tolerance",
                                               default=0.0)
    document_digitize_batch_size = fields.Integer("Batch size", config_parameter="document_digitize.batch_size",
                                                  default=5)
    document_digitize_max_attempts = fields.Integer("Max attempts",
                                                    config_parameter="document_digitize.max_attempts", default=5)

    document_digitize_alias_domain = fields.Char(related="company_id.alias_domain_name")

    @api.depends("document_digitize_token", "document_digitize_tls")
    def _compute_document_digitize_token_insecure(self):
        for settings in self:
            token = settings.document_digitize_token or env_default("token")
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
        super().set_values()
        for field_name, (xmlid, model_name) in self._digitize_alias_settings().items():
            self._digitize_set_alias(xmlid, model_name, self[field_name])

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
            raise UserError(_("Set up an alias domain for %s first (Settings > Technical > Email: Alias "
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
            raise UserError(_("Cannot reach the OCR sidecar: %s", exc.reason)) from None
        message = _("%(endpoint)s: %(model)s on %(device)s (%(dtype)s), engine %(engine)s", **info)
        if info["demo"]:
            message += " — " + _("DEMO MODEL: random weights, outputs are meaningless")
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("Connection OK"), "message": message,
                           "type": "warning" if info["demo"] else "success", "sticky": False}}


ENV_NAMES = {"endpoint": "DOCUMENT_DIGITIZE_ENDPOINT", "token": "DOCUMENT_DIGITIZE_TOKEN",
             "tls": "DOCUMENT_DIGITIZE_TLS", "ca": "DOCUMENT_DIGITIZE_TLS_CA",
             "tls_cert": "DOCUMENT_DIGITIZE_TLS_CERT", "tls_key": "DOCUMENT_DIGITIZE_TLS_KEY"}


def env_default(key):
    """docker-compose passes the endpoint/token (and TLS material) as environment variables for a first start;
    a value set in Settings wins. The CA, client certificate and key may be PEM text or the path of a PEM file
    (read each time, so a renewed certificate is picked up); the token may come from a file instead
    (``DOCUMENT_DIGITIZE_TOKEN_FILE``: a Docker or Kubernetes secret)."""
    value = os.environ.get(ENV_NAMES[key], "")
    token_file = os.environ.get(ENV_NAMES["token"] + "_FILE", "") if key == "token" and not value else ""
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as file:
                return file.read().strip()
        except OSError as exc:
            raise client.PermanentError(f"{ENV_NAMES['token']}_FILE names {token_file}, which cannot be read: {exc}",
                                        code="FAILED_PRECONDITION") from None
    if key in ("ca", "tls_cert", "tls_key") and value and "-----BEGIN" not in value:
        try:
            with open(value, encoding="ascii") as file:
                return file.read()
        except (OSError, ValueError) as exc:
            raise client.PermanentError(f"{ENV_NAMES[key]} names {value}, which cannot be read: {exc}",
                                        code="FAILED_PRECONDITION") from None
    return value


def env_flag(key):
    return env_default(key).strip().lower() in ("1", "true", "yes", "on")
