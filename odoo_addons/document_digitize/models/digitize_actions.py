"""What the form shows and what its buttons do: computed fields, Digitize, Retry, Upload, confirmation."""

import json

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import PARTNER_CONFIDENCE, client, low_confidence_fields, warnings_html
from ..lib import correct as correct_lib
from ..lib import evidence as evidence_lib
from .digitize_mixin import EINVOICE_TIMEOUT_S, VIEWABLE_MIMETYPES
from .ir_attachment import document_mimetype


class DocumentDigitizeActions(models.AbstractModel):
    """What the form shows and what its buttons do: computed fields, Digitize, Retry, Upload, confirmation."""

    _inherit = "document.digitize.mixin"

    @api.depends("digitize_state")
    def _compute_digitize_can_start(self):
        for record in self:
            record.digitize_can_start = (record.digitize_state not in ("queued", "processing")
                                         and bool(record.id) and record._digitize_is_editable())

    @api.depends("digitize_partner_match")
    def _compute_digitize_partner_confidence(self):
        for record in self:
            record.digitize_partner_confidence = PARTNER_CONFIDENCE.get(record.digitize_partner_match or "", False)

    @api.depends("digitize_confidence", "digitize_state")
    def _compute_digitize_low_fields(self):
        threshold = self._digitize_config().confidence_threshold
        for record in self:
            if not record._digitize_is_editable():  # confirmed: the person has had their look
                record.digitize_low_fields = False
                continue
            try:
                confidence = json.loads(record.digitize_confidence or "{}")
            except ValueError:
                confidence = {}
            names = low_confidence_fields(confidence, record._digitize_target, threshold) if confidence else []
            record.digitize_low_fields = f" {' '.join(names)} " if names else False

    @api.depends("digitize_verification", "digitize_verified", "digitize_state", "digitize_prefilled")
    def _compute_digitize_unconfirmed(self):
        """The values no second reading confirmed: the fields they fill (the form's marks) and their labels (the
        form's note), while the record can still be changed; a draft filled at once by the words reader (queued)
        too, until the model's reading confirms or corrects it."""
        for record in self:
            verification = record.digitize_verification or {}
            paths = (verification.get("unconfirmed") or []) if (
                (record.digitize_state in ("done", "needs_review")
                 or (record.digitize_prefilled and record.digitize_state in ("queued", "processing")))
                and not record.digitize_verified and record._digitize_is_editable()) else []
            if paths and not verification.get("second_reading", True):
                record.digitize_unconfirmed_fields = False
                record.digitize_unconfirmed_labels = self.env._(
                    "any value (no second reading of this document: the sidecar's second reader is off, or the pages "
                    "have no words)")
                continue
            names = low_confidence_fields(dict.fromkeys(paths, 0.0), record._digitize_target, threshold=1.0)
            record.digitize_unconfirmed_fields = f" {' '.join(names)} " if names else False
            labels = list(dict.fromkeys(evidence_lib.field_label(path, record._digitize_target) for path in paths))
            record.digitize_unconfirmed_labels = ", ".join(labels) if labels else False

    @api.depends("digitize_evidence", "digitize_json", "digitize_attachment_id", "digitize_state")
    @api.depends_context("uid")
    def _compute_digitize_evidence_view(self):
        for record in self:
            record.digitize_evidence_view = record._digitize_viewer_data()

    def _digitize_viewer_data(self):
        """The viewer's data (``lib/evidence.viewer_data``) and the file to show, as the current user: a user who
        may not read the file gets the boxes without it (the viewer says so), never a way around that."""
        self.ensure_one()
        if self.digitize_state not in ("done", "needs_review") or not self.digitize_evidence:
            return False
        try:
            document = json.loads(self.digitize_json or "{}")
        except ValueError:
            document = {}
        data = evidence_lib.viewer_data(self.digitize_evidence, document, self._digitize_target)
        file = self.env["ir.attachment"]._filter_attachment_access(self.digitize_attachment_id.ids)
        mimetype = document_mimetype(file) if file else ""
        viewable = mimetype in VIEWABLE_MIMETYPES
        if file and not viewable and not data["missing"] and not any(item["page"] for item in data["evidence"]):
            return False  # an e-invoice's XML: nothing to show beside the form
        data["file"] = {"id": file.id, "name": file.name, "mimetype": mimetype, "unique": file.checksum or "",
                        "viewable": viewable} if file else None
        # correcting on the page (models/digitize_correct.py): the words to click and the second reader's
        # candidates, where the user may change the record
        data["editable"] = bool(file) and self._digitize_is_editable() and self.has_access("write")
        if data["editable"]:
            try:
                words = json.loads(self.digitize_words or "[]")
            except ValueError:
                words = []
            data["words"] = correct_lib.viewer_words(words)
            data["candidates"] = evidence_lib.viewer_candidates(self.digitize_evidence, self._digitize_target)
            data["settable"] = self._digitize_settable_fields()
        return data

    @api.depends("digitize_warnings")
    def _compute_digitize_warnings_html(self):
        for record in self:
            try:
                warnings = json.loads(record.digitize_warnings or "[]")
            except ValueError:
                warnings = []
            note = warnings_html(warnings if isinstance(warnings, list) else [], record._digitize_target)
            record.digitize_warnings_html = note or False

    @api.depends("digitize_state", "digitize_next_attempt")
    def _compute_digitize_queue_position(self):
        for record in self:
            if record.digitize_state != "queued" or not record.id:
                record.digitize_queue_position = 0
                continue
            record.digitize_queue_position = self.sudo().search_count([
                ("digitize_state", "in", ("queued", "processing")), ("id", "<", record.id),
                "|", ("digitize_next_attempt", "=", False),
                ("digitize_next_attempt", "<=", record.digitize_next_attempt or fields.Datetime.now())]) + 1

    # --- user actions ----------------------------------------------------------------------------

    def action_digitize(self):
        self.check_access("write")
        config = self._digitize_config()
        for record in self:
            if record.digitize_state in ("queued", "processing"):
                raise UserError(self.env._("%s is already being digitized.", record.display_name))
            if not record._digitize_is_editable():
                raise UserError(self.env._("Only draft documents can be digitized (%s).", record.display_name))
            attachment = record._digitize_find_attachment()
            if not attachment:
                raise UserError(self.env._("Attach the PDF, scan or photo of the document to %s first.",
                                           record.display_name))
            record._digitize_enqueue(attachment)
            if client.carries_einvoice(attachment.raw or b"", document_mimetype(attachment)):
                # an e-invoice/e-order is read from its XML in a moment: do it now, not in the queue
                record._digitize_run_one(commit=False, timeout=EINVOICE_TIMEOUT_S, config=config)
            else:  # a born-digital PDF's draft is filled at once by the words reader, confirmed later by the queue
                record._digitize_prefill(attachment, config)
        return True

    def _digitize_enqueue(self, attachment, note=None):
        """Queue ``attachment`` for this record and wake the scheduled action. The caller checked that the user
        may edit the record; here the file must be the record's own and readable by the user who asks (an
        AccessError at once otherwise, nothing queued)."""
        requester = self.env.user if self.env.user._is_internal() and not self.env.su else self.env["res.users"]
        for record in self:
            refusal = record._digitize_refusal(attachment, requester)
            if refusal:
                raise AccessError(refusal)
            record._digitize_write({"digitize_state": "queued", "digitize_attachment_id": attachment.id,
                                    "digitize_attempts": 0, "digitize_error": False, "digitize_next_attempt": False,
                                    "digitize_requested_by": requester.id})
            if note is not False:  # False: the caller posts its own note later
                record._digitize_post(note or self.env._("Queued for digitization: %s", attachment.name))
        self.env.ref("document_digitize.ir_cron_digitize_queued").sudo()._trigger()

    def action_digitize_retry(self):
        return self.action_digitize()

    def _digitize_confirmed(self):
        """A person confirmed these records (posted the bill, confirmed the order): what digitization still asked
        to check is theirs now. Those in *needs review* leave it (``done``: the banner and the marks go, the
        *Needs review* filter no longer lists them) and their chatter says what was left unchecked then."""
        for record in self.filtered(lambda r: r.digitize_state == "needs_review"):
            items = record.digitize_to_check or []
            record._digitize_write({"digitize_state": "done"})
            if items:
                rows = Markup("").join(Markup("<li>%s</li>") % evidence_lib.plain(item.get("message", ""),
                                                                       record._digitize_target) for item in items)
                body = Markup("<p>%s</p><ul>%s</ul>") % (self.env._("Confirmed with these items not checked:"), rows)
            else:
                body = self.env._("Confirmed while digitization still asked for a review.")
            record._digitize_post(body)

    def action_digitize_upload(self):
        """The "Upload" button of list views: a dialog that takes files, one draft per file, all queued.

        Not ``@api.model``: a list's header button (``display="always"``) calls it with the selected records'
        ids, an empty list when none is selected; the selection plays no part."""
        self.browse().check_access("create")
        return {"type": "ir.actions.act_window", "name": self.env._("Upload documents to digitize"),
                "res_model": "document.digitize.upload", "view_mode": "form", "target": "new",
                "context": {"default_res_model": self._name}}

    @api.model
    def _digitize_create_from_upload(self, attachment):
        """Create the empty draft that ``attachment`` (an uploaded file) will fill in."""
        return self.create({})
