"""The digitization mixin: its fields, what a concrete model says about itself, and small helpers.

The model ``document.digitize.mixin`` is defined here and extended, one job per file, by
``digitize_guard`` (who writes its fields, which files a record may send), ``digitize_actions`` (computed
fields, buttons), ``digitize_apply`` (the one path from a read document to the record), ``digitize_queue``
(the scheduled action: claim, run, fail, recover) and ``digitize_layout`` (learned vendor layouts).
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..lib import DigitizeConfig
from .ir_attachment import IMAGE_MIMETYPES, document_mimetype, is_document_image

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
XML_MIMETYPES = ("application/xml", "text/xml")  # a bare e-invoice: the files it carries are asked for
DIGITIZABLE_MIMETYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp",
                         "application/xml", "text/xml")
# The stored digitization fields: only the addon's own code writes them (``_digitize_write``, see
# ``_digitize_guard``). A test checks that this lists every stored ``digitize_*`` field of the mixin.
DIGITIZE_FIELDS = frozenset({
    "digitize_state", "digitize_json", "digitize_warnings", "digitize_confidence", "digitize_error",
    "digitize_review_html", "digitize_attempts", "digitize_next_attempt", "digitize_started", "digitize_attachment_id",
    "digitize_request_id", "digitize_engine", "digitize_requested_by",
    "digitize_words",  # the pages' word layer, written by the one apply path (layouts learn from it)
    "digitize_evidence",  # where each value was printed (lib/evidence.py)
    "digitize_partner_match",  # how the partner was found
    "digitize_to_check",  # the serious review items, said again in the chatter at confirmation
    "digitize_verified",  # every value confirmed, no check objected, nothing to review (lib/verified.py)
    "digitize_verified_key",  # the record's values when it was verified: a change by a person ends it
    "digitize_verification",  # the values not confirmed and why the reading is not verified
    "digitize_prefill", "digitize_prefilled",  # the draft filled at once by the words reader, not yet confirmed
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
    ``_digitize_review_items``, in ``digitize_apply.py``); queueing, the scheduled action, retries and chatter
    are in the files named above. Orders add ``document.digitize.order.mixin``. Decisions (retry or fail) are in
    ``lib/queue.py``, the mapping in ``lib/mapping/``, the settings in ``lib/config.py``.
    """

    _name = "document.digitize.mixin"
    _description = "Document digitization"

    _digitize_target = None  # the mapping target: "vendor_bill", "purchase_order", "sale_order" or "expense"
    _digitize_header_fields = ()  # the record's fields a document fills (what is set there already is kept)
    _digitize_partner_field = "partner_id"  # where the document's partner goes (an expense's: its vendor)

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

    digitize_verified = fields.Boolean(
        "Verified", copy=False, readonly=True, index=True,
        help="Every value was read from the e-invoice's XML, from the partner's learned layout whose checks passed, or "
             "read alike by both readers; no check objected and nothing needed a review. A person's change to a value "
             "ends it.")
    digitize_verified_key = fields.Char(copy=False, readonly=True,
                                        help="A fingerprint of the values as verified (a later change ends it)")
    digitize_verification = fields.Json("Verification", copy=False, readonly=True,
                                        help="The values not confirmed by a second reading, and why the reading is "
                                             "not verified")
    digitize_unconfirmed_fields = fields.Char(compute="_compute_digitize_unconfirmed",
                                              help="Fields whose value was not confirmed, space-separated (form marks)")
    digitize_unconfirmed_labels = fields.Char("Not confirmed", compute="_compute_digitize_unconfirmed",
                                              help="The values no second reading confirmed, in the form's words")

    digitize_words = fields.Text("Word layer", copy=False, readonly=True,
                                 help="The pages' words as the sidecar read them (JSON), to learn the layout from")

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
