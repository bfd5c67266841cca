import json
import logging

import psycopg2
from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules import module as odoo_module
from odoo.sql_db import TestCursor

from ..lib import (
    LINES_FIELD,
    PARTNER_CONFIDENCE,
    DigitizeConfig,
    client,
    compare_totals,
    line_fields,
    low_confidence_fields,
    map_document,
    needs_review,
    review_note_html,
    warnings_html,
    without_links,
)
from ..lib import evidence as evidence_lib
from ..lib import queue as digitize_queue
from .ir_attachment import IMAGE_MIMETYPES, document_mimetype, is_document_image
from .odoo_catalog import OdooCatalog

_logger = logging.getLogger(__name__)

STATES = [
    ("queued", "Queued"),
    ("processing", "Processing"),
    ("done", "Digitized"),
    ("needs_review", "Needs review"),
    ("error", "Error"),
]
# How the document's partner was found (lib ``MappingResult.partner_match``), in the clerk's words
PARTNER_MATCHES = [
    ("vat", "VAT id"),
    ("iban", "Bank account"),
    ("name", "Name"),
    ("fuzzy_name", "Similar name"),
    ("email_domain", "E-mail domain"),
]
PARTNER_CONFIDENCES = [("sure", "Sure"), ("likely", "Likely"), ("suggestion", "Guessed: check it")]
EINVOICE_TIMEOUT_S = 30  # the button's own request must stay far below Odoo's 120 s limit
DIGITIZABLE_MIMETYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp",
                         "application/xml", "text/xml")
# The stored digitization fields: only the addon's own code writes them (``_digitize_write``, see
# ``_digitize_guard``). A test checks that this lists every stored ``digitize_*`` field of the mixin.
DIGITIZE_FIELDS = frozenset({
    "digitize_state", "digitize_json", "digitize_warnings", "digitize_confidence", "digitize_error",
    "digitize_review_html", "digitize_attempts", "digitize_next_attempt", "digitize_started", "digitize_attachment_id",
    "digitize_request_id", "digitize_engine", "digitize_requested_by",
    "digitize_words",  # the pages' word layer (models/digitize_layout.py)
    "digitize_evidence",  # where each value was printed (lib/evidence.py)
    "digitize_partner_match",  # how the partner was found
    "digitize_to_check",  # the serious review items, said again in the chatter at confirmation
})
VIEWABLE_MIMETYPES = ("application/pdf", "image/png", "image/jpeg", "image/webp")  # what a browser shows


def documents_of(attachments):
    """The attachments that are documents (PDF, e-invoice XML, scan, photo), in the order given."""
    return attachments.filtered(lambda a: document_mimetype(a) in DIGITIZABLE_MIMETYPES
                                and (a.mimetype not in IMAGE_MIMETYPES or is_document_image(a)))


def pick_document(attachments):
    """The document to read among ``attachments``, the first in their order: a PDF or XML before any scan
    or photo (images are opened only when no PDF or XML is there)."""
    candidates = attachments.filtered(lambda a: document_mimetype(a) in DIGITIZABLE_MIMETYPES)
    files = candidates.filtered(lambda a: a.mimetype not in IMAGE_MIMETYPES)
    return files[:1] or next((a for a in candidates if is_document_image(a)), attachments.browse())


class DocumentDigitizeMixin(models.AbstractModel):
    """Digitize button, state machine, queue and the one path from a read document to the record.

    A concrete model sets ``_digitize_target`` and ``_digitize_header_fields`` and extends the small hooks
    of ``_digitize_apply`` through ``super()`` (``_digitize_current``, ``_digitize_header_values``,
    ``_digitize_set_partner``, ``_digitize_line_values``, ``_digitize_after_lines``,
    ``_digitize_review_items``); queueing, the scheduled action, retries and chatter are here. Orders add
    ``document.digitize.order.mixin``. Decisions (retry or fail) are in ``lib/queue.py``, the mapping in
    ``lib/mapping.py``, the settings in ``lib/config.py``.
    """

    _name = "document.digitize.mixin"
    _description = "Document digitization"

    _digitize_target = None  # the mapping target: "vendor_bill", "purchase_order" or "sale_order"
    _digitize_header_fields = ()  # the record's fields a document fills (what is set there already is kept)

    digitize_state = fields.Selection(STATES, string="Digitization", copy=False, readonly=True, index=True)
    digitize_json = fields.Text("Extracted JSON", copy=False, readonly=True)
    digitize_warnings = fields.Text("Extraction warnings", copy=False, readonly=True)
    digitize_confidence = fields.Text("Field confidence", copy=False, readonly=True)
    digitize_error = fields.Text("Digitization error", copy=False, readonly=True)
    digitize_review_html = fields.Html("To check", copy=False, readonly=True, sanitize=True)
    digitize_attempts = fields.Integer(copy=False, readonly=True)
    digitize_next_attempt = fields.Datetime(copy=False, readonly=True)
    digitize_started = fields.Datetime(copy=False, readonly=True)
    digitize_attachment_id = fields.Many2one("ir.attachment", "Digitized file", copy=False, readonly=True,
                                             ondelete="set null")
    digitize_request_id = fields.Char("Sidecar request id", copy=False, readonly=True)
    digitize_engine = fields.Char("Read by", copy=False, readonly=True)
    digitize_can_start = fields.Boolean(compute="_compute_digitize_can_start")
    digitize_requested_by = fields.Many2one("res.users", "Digitization requested by", copy=False, readonly=True,
                                            ondelete="set null")
    digitize_low_fields = fields.Char(compute="_compute_digitize_low_fields",
                                      help="Fields read with low confidence, space-separated (form markers)")
    digitize_evidence = fields.Json("Evidence", copy=False, readonly=True,
                                    help="Where each value read was printed (page, boxes), the record's lines the "
                                         "document's lines became, the values not found on the page")
    digitize_evidence_view = fields.Json("Document viewer", compute="_compute_digitize_evidence_view",
                                         help="What the form's document viewer draws: the file (when the user may "
                                              "read it), the boxes of each field, the values not found")
    digitize_warnings_html = fields.Html("Notes from the reading", compute="_compute_digitize_warnings_html",
                                         sanitize=True, help="The reading's own warnings, in words")
    digitize_queue_position = fields.Integer("Position in the queue", compute="_compute_digitize_queue_position",
                                             help="Documents of this kind waiting before this one")
    digitize_partner_match = fields.Selection(PARTNER_MATCHES, "Partner found by", copy=False, readonly=True,
                                              help="How digitization found the partner it set; empty once a person "
                                                   "chose another one")
    digitize_partner_confidence = fields.Selection(
        PARTNER_CONFIDENCES, "Partner", compute="_compute_digitize_partner_confidence",
        help="Sure: found by its VAT id or bank account; likely: by its exact name; guessed: by a similar name or "
             "the e-mail domain only, to be checked")
    digitize_to_check = fields.Json("Left to check", copy=False, readonly=True,
                                    help="What digitization asked a person to check (its serious review items)")

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

    # --- what a concrete model says about itself ------------------------------------------------

    def _digitize_is_editable(self):
        return True

    def _digitize_document_type(self):
        """The document type to tell the sidecar (a ``DOCUMENT_TYPES`` name), None: the model decides."""
        return None

    def _digitize_find_attachment(self):
        """The main attachment when it is a document, else the newest PDF (or XML) in the chatter, else its
        newest scan or photo; logos and signatures (small images) are never taken for the document."""
        self.ensure_one()
        main = getattr(self, "message_main_attachment_id", False)
        if main and not self._digitize_owns(main):  # pointed at another record's file: refused, not read
            raise AccessError(self._digitize_refusal(main, self.env["res.users"]))
        if main and document_mimetype(main) in DIGITIZABLE_MIMETYPES:
            return main
        files = self.env["ir.attachment"].search([
            ("res_model", "=", self._name), ("res_id", "=", self.id),
            ("mimetype", "in", DIGITIZABLE_MIMETYPES + ("text/plain",)),  # text/plain: XML received by mail
        ], order="id desc")
        return pick_document(files)

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

    # --- the one path from the read document to the record ------------------------------------------

    def _digitize_apply(self, result, config):
        """Write what the sidecar read (``result``) onto this record; returns (state, review note html).

        As OCA ``account_invoice_import`` does: the canonical document is mapped once (``lib/mapping.py``),
        the partner is set first (its onchanges fill terms, addresses, fiscal position), then the header
        and the lines; what Odoo then computes (totals, tax lines) is checked against the document and the
        verdict is decided once, from every review item. Concrete models extend the steps, not this path."""
        self.ensure_one()
        current = self._digitize_current()
        options = config.mapping_options(price_digits=self.env["decimal.precision"].precision_get("Product Price"),
                                         fallback_product_id=self._digitize_fallback_product_id(),
                                         company_id=self.company_id.id,
                                         may_create_partner=self.env["res.partner"].has_access("create"),
                                         may_add_bank_account=self.env["res.partner.bank"].has_access("create"))
        # values not on the page are said once, by the evidence step below, with the record's labels
        mapped = map_document(result.document, OdooCatalog(self.env, self.company_id), self._digitize_target,
                              current, options, field_confidence=result.field_confidence,
                              warnings=evidence_lib.without_not_on_page(result.warnings))
        header = self._digitize_header_values(mapped)
        if "partner_id" in header:  # partner first: its onchanges must not undo the rest of the header
            self._digitize_set_partner(header.pop("partner_id"), mapped, current)
        self.write(header)
        replaced = self._digitize_replaceable_lines()
        if mapped.lines and replaced:  # read again: the last reading's own lines make way for this one's
            self.write({mapped.lines_field: [fields.Command.delete(line.id) for line in replaced]})
        lines_before = self[mapped.lines_field]
        if mapped.lines:
            lines = self._digitize_line_values(mapped)
            self.write({mapped.lines_field: [fields.Command.create(vals) for vals in lines]})
        self._digitize_after_lines(mapped, current)
        missing = self._digitize_store_evidence(result, mapped, self[mapped.lines_field] - lines_before)
        items = evidence_lib.merge_items(list(mapped.review) + self._digitize_review_items(mapped), missing)
        totals = {name: self[name] for name in ("amount_untaxed", "amount_tax", "amount_total")}
        items += compare_totals(mapped.document, totals, config.tolerance)
        found = mapped.partner and self.partner_id.id == mapped.partner.id  # the partner set is the one it found
        self._digitize_write({
            "digitize_partner_match": mapped.partner_match if found else False,
            "digitize_to_check": [{"code": item.code, "message": item.message, "field": item.field}
                                  for item in items if item.serious] or False})
        line_ids = {int(index): line_id for index, line_id in ((self.digitize_evidence or {}).get("lines") or {}).items()}
        return ("needs_review" if needs_review(items) else "done"), review_note_html(
            items, target=self._digitize_target, line_ids=line_ids)

    def _digitize_store_evidence(self, result, mapped, created_lines):
        """Keep where each value was printed and which of the record's lines each document line became; return
        the review items of the values read but not found on the page (each with the value read).

        The document's lines come first among the lines created, in order (the mapping makes one line per
        document line, then adjustment lines); when the record kept its lines (re-digitized), the lines known
        from the last reading are kept where they still exist."""
        created = created_lines.sorted("id")
        indexes = [line.index - 1 for line in mapped.document.lines]
        if created and len(created) >= len(indexes):
            line_ids = dict(zip(indexes, created.ids))
        else:
            existing = set(self[mapped.lines_field].ids)
            previous = (self.digitize_evidence or {}).get("lines") or {}
            line_ids = {int(index): line_id for index, line_id in previous.items() if line_id in existing}
        word_layer = evidence_lib.has_word_layer(result.page_words, result.evidence, result.engine)
        paths = evidence_lib.missing_paths(result.document, result.evidence, result.warnings, word_layer)
        stored = evidence_lib.stored(result.evidence, paths, line_ids, word_layer)
        stored["created"] = {str(line.id): self._digitize_line_fingerprint(line) for line in created} or \
            self._digitize_written_lines()
        self._digitize_write({"digitize_evidence": stored})
        return evidence_lib.missing_items(result.document, paths, self._digitize_target, result.warnings)

    def _digitize_current(self):
        """What the record has already (field → value, ids for relations): the mapping never replaces it.
        A default nobody chose counts as empty, or it would never be filled: the company's currency."""
        current = {name: (self[name].id if isinstance(self[name], models.BaseModel) else self[name])
                   for name in self._digitize_header_fields}
        if current.get("currency_id") and current["currency_id"] == self.company_id.currency_id.id:
            current["currency_id"] = False
        lines_field = LINES_FIELD[self._digitize_target]
        current[lines_field] = bool(self[lines_field] - self._digitize_replaceable_lines())
        return current

    def _digitize_line_fingerprint(self, line):
        """What a person can change on a line, to tell a line digitization wrote from one a person touched."""
        _lines, qty_field, taxes_field, _uom = line_fields(self._digitize_target)
        return [line.display_type or "", line.name or "", line.product_id.id or 0, round(line[qty_field] or 0.0, 6),
                round(line.price_unit or 0.0, 6), round(line.discount or 0.0, 6), sorted(line[taxes_field].ids)]

    def _digitize_written_lines(self):
        """{line id: fingerprint} of the last reading's lines that are still on the record (as it wrote them)."""
        created = (self.digitize_evidence or {}).get("created") or {}
        ids = set(self[LINES_FIELD[self._digitize_target]].ids)
        return {key: value for key, value in created.items() if int(key) in ids}

    def _digitize_replaceable_lines(self):
        """The record's lines when every one of them is a line the last reading wrote, unchanged since: reading
        the document again replaces them (Re-digitize refills the lines). A line a person added or changed keeps
        them all, and the review says the document's lines were not added."""
        written = self._digitize_written_lines()
        lines = self[LINES_FIELD[self._digitize_target]]
        if lines and all(written.get(str(line.id)) == self._digitize_line_fingerprint(line) for line in lines):
            return lines
        return lines.browse()

    def _digitize_header_values(self, mapped):
        """The header to write, once what it refers to exists (the partner the mapping asks to create)."""
        header = dict(mapped.header)
        if mapped.partner_to_create:
            header["partner_id"] = self.env["res.partner"].create(mapped.partner_to_create).id
        return header

    def _digitize_set_partner(self, partner_id, mapped, current):
        """Set the partner the document names (before the rest of the header)."""
        self.partner_id = partner_id

    def _digitize_fallback_product_id(self):
        """The product of lines whose product is not found: the record's company's (the order addons keep one per
        company); None for bills, whose lines may have no product."""
        return None

    def _digitize_line_values(self, mapped):
        """The values of each line to create."""
        return list(mapped.lines)

    def _digitize_after_lines(self, mapped, current):
        """Once header and lines are written, before the totals are compared."""

    def _digitize_review_items(self, mapped):
        """What else a person should check (``ReviewItem``s), beyond the mapping's own and the totals."""
        return []

    # --- the queue -------------------------------------------------------------------------------

    @api.model
    def _digitize_models(self):
        return [name for name, model in self.env.registry.items()
                if not model._abstract and not model._transient and getattr(model, "_digitize_target", None)]

    @api.model
    def _cron_digitize_queued(self):
        config = self._digitize_config()
        done = remaining = 0
        for name in self._digitize_models():
            processed, left = self.env[name].sudo()._digitize_process_queue(config.batch_size, commit=True,
                                                                            config=config)
            done += processed
            remaining += left
        cron = self.env["ir.cron"]
        if hasattr(cron, "_notify_progress"):
            cron._notify_progress(done=done, remaining=remaining)

    @api.model
    def _digitize_process_queue(self, limit, commit=True, config=None):
        """Process up to ``limit`` queued records of this model; returns (processed, remaining).

        One record at a time, as Odoo's own cron workers take jobs: it is claimed with a row lock that
        skips locked rows and committed as 'processing' before the slow sidecar call. Locking a whole
        batch at once would not hold: the first commit releases the locks on the rest of the batch, and
        another worker could take those records too. A crash leaves at most one record in 'processing'
        (``_digitize_recover_stuck`` decides on it as a failed attempt); the others stay queued.
        """
        commit = commit and self._digitize_may_commit()
        config = config or self._digitize_config()
        self._digitize_recover_stuck(commit=commit, config=config)
        done, races = [], 0
        while len(done) < limit and races < limit:
            record = self._digitize_claim_next(done, commit)
            if record is None:
                break
            if not record:
                races += 1
                continue
            done.append(record.id)
            try:
                record._digitize_run_one(commit=commit, config=config)
            except Exception:  # noqa: BLE001 - even recording the failure failed: the rest of the batch goes on
                if not commit:
                    raise
                _logger.exception("digitize %s,%s: the attempt could not be recorded; the record is recovered as "
                                  "an interrupted attempt", record._name, record.id)
                self.env.cr.rollback()
        self.env.cr.execute(f"""SELECT count(*) FROM "{self._table}" WHERE digitize_state = 'queued'
               AND (digitize_next_attempt IS NULL OR digitize_next_attempt <= (now() at time zone 'UTC'))""")
        return len(done), self.env.cr.fetchone()[0]

    @api.model
    def _digitize_may_commit(self):
        """Commit per record, except in a test's own transaction (rolled back at its end, commits forbidden):
        the scheduled action then runs in that one transaction. Connections a test opens itself commit."""
        cr = self.env.cr
        return not isinstance(cr, TestCursor) and getattr(odoo_module.current_test, "cr", None) is not cr

    @api.model
    def _digitize_claim_next(self, skip_ids, commit):
        """Lock the next due record: a record, an empty recordset (lost a race: try again) or None (none due)."""
        self.flush_model()
        try:
            self.env.cr.execute(f"""
                SELECT id FROM "{self._table}"
                 WHERE digitize_state = 'queued'
                   AND (digitize_next_attempt IS NULL OR digitize_next_attempt <= (now() at time zone 'UTC'))
                   AND NOT (id = ANY(%s))
                 ORDER BY digitize_next_attempt NULLS FIRST, id
                 LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED""", (list(skip_ids),), log_exceptions=False)
        except psycopg2.extensions.TransactionRollbackError:
            # another worker committed its claim on that row after this transaction's snapshot
            if not commit:
                raise
            self.env.cr.rollback()
            return self.browse()
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else None

    def _digitize_recover_stuck(self, commit=False, config=None):
        """Records a worker left in 'processing' (killed mid-attempt: a restart, the memory limit, a document
        that crashes it) once that attempt cannot still be running (``lib/queue.is_stuck``, from the timeout
        setting): the attempt failed, and is decided like any failed attempt (``_digitize_failed``): queued
        again with backoff, or 'error' after the last allowed attempt."""
        config = config or self._digitize_config()
        self.flush_model()
        try:
            self.env.cr.execute(f"""SELECT id, digitize_started FROM "{self._table}"
                                     WHERE digitize_state = 'processing' FOR NO KEY UPDATE SKIP LOCKED""",
                                log_exceptions=False)
        except psycopg2.extensions.TransactionRollbackError:
            if not commit:
                raise
            self.env.cr.rollback()  # another worker is recovering them
            return
        now = fields.Datetime.now()
        stuck = self.browse([row[0] for row in self.env.cr.fetchall()
                             if digitize_queue.is_stuck(row[1], now, config.timeout)])
        for record in stuck:
            record._digitize_failed(client.TransientError(
                self.env._("the attempt was interrupted (the worker reading it stopped: restarted, killed or out of "
                           "memory)"), "INTERRUPTED"), commit=False, config=config)
        if commit:  # the scheduled action's own transaction, one per record (see _digitize_process_queue)
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _digitize_run_one(self, commit=True, timeout=None, config=None):
        """One attempt: claim (counted), read, apply. Whatever goes wrong in reading or applying — the sidecar,
        the database, a stored layout edited by hand, a bug — ends in ``_digitize_failed`` with the attempt
        counted and the record as it was; it never leaves the record in 'processing' nor stops the batch."""
        self.ensure_one()
        config = config or self._digitize_config()
        attachment = self.sudo().digitize_attachment_id
        self._digitize_write({"digitize_state": "processing", "digitize_started": fields.Datetime.now(),
                              "digitize_attempts": self.digitize_attempts + 1})
        if commit:  # the claim is visible to other workers before the slow sidecar call
            self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            with self.env.cr.savepoint():
                result = self._digitize_read_checked(attachment, config, timeout)
        except Exception as exc:  # noqa: BLE001 - every failure of the attempt takes the one path below
            self._digitize_failed(self._digitize_failure(exc, applying=False), commit, config)
            return
        try:
            with self.env.cr.savepoint():
                state, review_html = self._digitize_apply_as_requester(result, config)
                self._digitize_write({"digitize_state": state, "digitize_json": result.document_json,
                            "digitize_warnings": json.dumps(result.warnings),
                            "digitize_confidence": json.dumps(result.field_confidence),
                            "digitize_request_id": result.request_id, "digitize_engine": result.model or result.engine,
                            "digitize_review_html": review_html or False, "digitize_error": False,
                            "digitize_next_attempt": False})
                body = self.env._("Digitized by %(engine)s (request %(rid)s).", engine=result.model or result.engine,
                                  rid=result.request_id)
                if review_html:  # the banner's text; its links lead to the form's fields, not from the chatter
                    body = Markup("%s<br/>%s") % (body, Markup(without_links(review_html)))
                self._digitize_post(body)
        except Exception as exc:  # noqa: BLE001 - the record stays as it was (savepoint), the attempt is counted
            self._digitize_failed(self._digitize_failure(exc, applying=True), commit, config,
                                  document_json=result.document_json)
            return
        self._digitize_notify()
        if commit:  # this record is done: a later record's failure must not undo it
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _digitize_read_checked(self, attachment, config, timeout=None):
        """The read phase: the file must still be there, be the record's own and readable by whoever asked."""
        if not attachment:
            raise client.PermanentError(self.env._("The document's file is gone: attach it again and digitize."))
        # before anything is read or sent: the record's own file, readable by whoever asked (as that user)
        refusal = self._digitize_refusal(attachment, self.sudo().digitize_requested_by)
        if refusal:
            raise client.PermanentError(refusal, "PERMISSION_DENIED")
        if not attachment.raw:
            raise client.PermanentError(self.env._("The document's file is gone: attach it again and digitize."))
        settings = config.endpoint_settings(max_timeout=timeout)
        result = self._digitize_read(settings, attachment)
        _logger.info("digitize %s,%s request_id=%s engine=%s pages=%s ms=%s", self._name, self.id,
                     result.request_id, result.engine, result.pages, result.total_ms)
        return result

    def _digitize_failure(self, exc, applying):
        """``exc`` (raised while reading, or ``applying`` the result) as the ``client.DigitizeError`` that
        ``lib/queue.after_failure`` decides on: the sidecar's errors as they are; a database conflict, and any
        error nobody foresaw, are transient (tried again, counted: one that keeps coming ends in 'error'); what
        Odoo refuses while applying (a rule, a constraint, a right) is permanent, in Odoo's own words."""
        if isinstance(exc, client.DigitizeError):
            return exc
        if isinstance(exc, psycopg2.extensions.TransactionRollbackError):
            # another worker changed a row this one writes too (the same vendor, a sequence): not the
            # document's fault, the record stays as it was and is tried again later
            _logger.warning("digitize %s,%s: concurrent update, retrying later: %s", self._name, self.id, exc)
            return client.TransientError(self.env._("another change to the same data got in the way"), "DB_CONFLICT")
        if applying and isinstance(exc, (UserError, ValidationError, AccessError)):
            _logger.info("digitize %s,%s: Odoo refused the result: %s", self._name, self.id, exc)
            return client.PermanentError(self.env._("The document was read but could not be applied: %s",
                                                    exc.args[0] if exc.args else str(exc)), "MAPPING")
        _logger.exception("digitize %s,%s: unexpected error while %s", self._name, self.id,
                          "applying the result" if applying else "reading the document")
        return client.TransientError(self.env._(
            "an unexpected error while %(phase)s (%(error)s); the server log has the details",
            phase=self.env._("applying what was read") if applying else self.env._("reading the document"),
            error=f"{type(exc).__name__}: {exc}"[:300]), "UNEXPECTED")

    def _digitize_apply_env(self):
        """Who applies what was read, wherever the attempt runs (the button, the scheduled action as
        superuser): the user who asked, in the record's company (what they may create — partners, bank
        accounts — is what their rights allow, on either path). A document nobody asked for (mailed to an
        alias with auto-digitize) is applied by the system, in the record's company."""
        user = self.sudo().digitize_requested_by
        company = self.sudo().company_id
        if user and user.active:
            companies = (company | user.sudo().company_ids) if company else user.sudo().company_ids
            return self.with_user(user).with_company(company).with_context(allowed_company_ids=companies.ids).env
        return self.sudo().with_company(company).env

    def _digitize_apply_as_requester(self, result, config):
        return self.with_env(self._digitize_apply_env())._digitize_apply(result, config)

    def _digitize_read(self, settings, attachment):
        """The document read (a ``client.ExtractResult``): the sidecar's model here; a vendor's learned layout
        first where there is one (models/digitize_layout.py extends this)."""
        return client.extract(settings, attachment.raw, filename=attachment.name or "",
                              mime_type=document_mimetype(attachment), document_type=self._digitize_document_type())

    def _digitize_notify(self):
        """Tell whoever asked (bus): a notification, and an event that makes an open form of it reload."""
        self.ensure_one()
        user = self.sudo().digitize_requested_by
        if not user or self.digitize_state not in ("done", "needs_review", "error"):
            return
        if not self.with_user(user).with_context(allowed_company_ids=user.company_ids.ids).has_access("read"):
            return  # a queue entry in the name of someone who cannot see the record: tell them nothing of it
        kind, title = {"done": ("success", self.env._("Digitized")),
                       "needs_review": ("warning", self.env._("Digitized: please check")),
                       "error": ("danger", self.env._("Digitization failed"))}[self.digitize_state]
        message = self.display_name
        if self.digitize_state == "error":
            message = f"{message}: {self.digitize_error or ''}"
        user._bus_send("simple_notification", {"title": title, "message": message, "type": kind,
                                               "sticky": self.digitize_state != "done"})
        user._bus_send("document_digitize/updated", {"model": self._name, "id": self.id,
                                                     "state": self.digitize_state})

    def _digitize_failed(self, exc, commit, config, document_json=None):
        decision = digitize_queue.after_failure(
            transient=isinstance(exc, client.TransientError), attempts=self.digitize_attempts,
            max_attempts=config.max_attempts, reason=exc.reason,
            now=fields.Datetime.now(), retry_after=getattr(exc, "retry_after", None))
        values = {"digitize_state": decision.state, "digitize_next_attempt": decision.next_attempt,
                  "digitize_error": decision.message, "digitize_request_id": exc.request_id or False}
        if document_json:
            values["digitize_json"] = document_json
        self._digitize_write(values)
        self._digitize_post(decision.message)
        self._digitize_notify()
        if commit:  # the failure and its next attempt are kept whatever happens to the rest of the batch
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # --- helpers ---------------------------------------------------------------------------------

    def _digitize_post(self, body):
        if hasattr(self, "message_post"):
            self.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")

    @api.model
    def _digitize_config(self):
        """The settings, read once for a run (a scheduled action's batch, a button press) and passed down."""
        return DigitizeConfig.from_params(self.env["ir.config_parameter"].sudo().get_param)

    @api.model
    def _digitize_endpoint_settings(self, config=None):
        return (config or self._digitize_config()).endpoint_settings()
