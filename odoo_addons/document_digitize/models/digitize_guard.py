"""Who writes the digitization fields, and which files a record may send: the guard on create/write
and the checks made as the user who asked."""


from odoo import api, models
from odoo.exceptions import AccessError

from .digitize_mixin import DIGITIZE_FIELDS


class DocumentDigitizeGuard(models.AbstractModel):
    """Who writes the digitization fields, and which files a record may send: the guard on create/write"""

    _inherit = "document.digitize.mixin"

    # --- who writes the digitization fields ---------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._digitize_guard(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._digitize_guard([vals])
        # a person who sets another partner chose it: how digitization had found its own no longer applies
        rechosen = self.browse()
        if "partner_id" in vals and "partner_id" in self._fields:
            rechosen = self.filtered(lambda r: r.digitize_partner_match and r.partner_id.id != vals["partner_id"])
        result = super().write(vals)
        if rechosen:
            rechosen._digitize_write({"digitize_partner_match": False})
        if not set(vals) <= DIGITIZE_FIELDS:  # a value changed, by a person or the code: still what was verified?
            self.filtered("digitize_verified")._digitize_check_verified()
        return result

    def _digitize_guard(self, vals_list, creating=False):
        """Refuse a user's ``create``/``write`` (or ``copy`` defaults, or ``default_*`` context keys on
        create) that sets a stored digitization field: only the addon's own code may, through
        ``_digitize_write``.

        ``readonly=True`` binds the views only: over RPC a billing user could set ``digitize_attachment_id``
        to another company's file and ``digitize_state='queued'`` on their own draft, and the scheduled
        action (superuser) sent that file and wrote its contents onto their record. The test is
        ``self.env.su``, not a context key: an RPC client chooses the context of its calls (a key would be
        forgeable) but cannot get a superuser environment; the addon writes these fields through
        ``sudo()`` in ``_digitize_write`` after it checked access itself."""
        if self.env.su:
            return
        names = {name for vals in vals_list for name in vals if name in DIGITIZE_FIELDS}
        if creating:
            names |= {key[len("default_"):] for key in self.env.context
                      if key.startswith("default_") and key[len("default_"):] in DIGITIZE_FIELDS}
        if names:
            raise AccessError(self.env._(
                "%(fields)s of %(model)s are set by the digitization itself, not by hand: press Digitize on the "
                "record to read its document.",
                fields=", ".join(sorted(self._fields[name].string for name in names)),
                model=self._description))

    def _digitize_write(self, vals):
        """The one way the addon writes digitization fields (see ``_digitize_guard``): as superuser, once the
        caller has checked what the user may do (``action_digitize``: write access and the document's
        ownership; the scheduled action: ``_digitize_refusal`` as the user who asked)."""
        unknown = set(vals) - DIGITIZE_FIELDS
        if unknown:
            raise ValueError(f"_digitize_write writes digitization fields only, not {sorted(unknown)}")
        return self.sudo().write(vals)

    def _digitize_owns(self, attachment):
        """Whether ``attachment`` is one of this record's own files."""
        file = attachment.sudo()
        return (file.res_model, file.res_id) == (self._name, self.id)

    def _digitize_refusal(self, attachment, user):
        """Why ``attachment`` must not be sent to the sidecar for this record on behalf of ``user`` (an
        empty ``user``: the system queued it, e.g. a mail); None when it may be sent.

        The file must be one of this record's own (``res_model``/``res_id``), and the user who asked must be
        able to read both the record and the file — checked as that user (not as the superuser the
        scheduled action runs as), in every company the user belongs to. The messages never name a file
        that is not this record's own."""
        self.ensure_one()
        file = attachment.sudo()
        if not self._digitize_owns(file):
            return self.env._("The file queued for %s is not one of its own files: it was not sent. Attach the "
                              "document to this record and press Digitize.", self.sudo().display_name)
        if user:
            env = self.with_user(user).with_context(allowed_company_ids=user.sudo().company_ids.ids).env
            try:
                self.with_env(env).check_access("read")
                as_user = file.with_env(env)
                as_user.check_access("read")
                as_user.check("read")  # ir.attachment: the access of the record it belongs to
            except AccessError:
                return self.env._("%(user)s, who asked for it, may not read %(record)s or its file %(file)s: it was "
                                  "not sent.", user=user.sudo().name, record=self.sudo().display_name, file=file.name)
        return None

    @api.model
    def _digitize_check_uploads(self, attachments):
        """Files handed to an upload (the Upload dialog, Odoo's own Upload buttons) are new files of the user's:
        one that already belongs to a record (another company's bill, say) would be read and moved onto the
        new draft. Refused at once (AccessError), before anything reads it."""
        if self.env.su:
            return
        if any(file.res_id for file in attachments.sudo()):
            raise AccessError(self.env._("A file given to upload already belongs to another record: upload the file "
                                         "itself (nothing was created or sent)."))
        attachments.check("read")  # not attached yet: only its uploader (or an administrator) may use it
