"""A draft at once: on Digitize, a born-digital document's draft is filled in the same request by the sidecar's words
reader (milliseconds, no model), marked as not yet confirmed; the model's reading in the queue then confirms or
corrects each value through the one apply path, and keeps what a person changed in between (docs/verified.md)."""

import io
import logging

from odoo import fields, models

from ..lib import client
from .ir_attachment import document_mimetype

_logger = logging.getLogger(__name__)


def may_have_text_layer(content):
    """False for a PDF whose first page surely prints no text (resources without a font: a scan's image), so the
    button does not wait on an OCR it would not use; True when it may (or when the file cannot be told)."""
    try:
        from odoo.tools.pdf import PdfFileReader  # noqa: PLC0415 - pypdf or PyPDF2, as Odoo chose

        page = PdfFileReader(io.BytesIO(content), strict=False).pages[0]
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        return resources is None or "/Font" in resources
    except Exception:  # noqa: BLE001 - not readable here: the sidecar's answer (page_words source) decides
        return True

PREFILL_TIMEOUT_S = 10  # the words reader answers a text layer in milliseconds; the button must not wait on more
PREFILL_MIMETYPES = ("application/pdf",)  # a scan or a photo has no text layer: its words would need OCR
# In the scheduled action, before the model's reading: a scan's or a photo's words come from the sidecar's OCR
# (seconds a page on a CPU), still far less than the model's minute a page.
QUEUE_PREFILL_TIMEOUT_S = 90
QUEUE_PREFILL_MIMETYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp")


class DocumentDigitizePrefill(models.AbstractModel):
    """A draft at once from the words reader, confirmed or corrected later by the model's reading."""

    _inherit = "document.digitize.mixin"
    # which models fill their draft at once (bills, RFQs, quotations; expenses are read by the queue only)
    _digitize_prefill_enabled = False
    # header fields the record computes from those the draft fills, nobody having chosen them (a bill's due date,
    # from its invoice date or today): kept in the snapshot, so the model's reading may still set them
    _digitize_prefill_follows = ()

    digitize_prefill = fields.Json(
        "Filled before reading", copy=False, readonly=True,
        help="The header values the words reader filled in at once (field → value as written), not yet confirmed by "
             "the model's reading: those still as written are the reading's to confirm or correct; a value a person "
             "changed since is kept")
    digitize_prefilled = fields.Boolean(
        "Not yet confirmed", copy=False, readonly=True,
        help="Filled in at once by the words reader, from the document's text layer or the OCR's words; the model's "
             "reading confirms or corrects each value")

    def _digitize_prefill_value(self, name):
        """A header field's value as the draft's snapshot keeps it (JSON; ids for relations)."""
        value = self[name]
        return sorted(value.ids) if isinstance(value, models.BaseModel) else str(value or "")

    def _digitize_prefill(self, attachment, config=None, in_queue=False):
        """Fill this draft now from the words reader's reading of ``attachment``, as the user who asks, in the
        record's company; True when it did. On Digitize (the record queued): only a PDF whose every page has a
        text layer (the response's page_words source "pdf") — the button does not wait on an OCR. ``in_queue``
        (the scheduled action, the record being processed, before the model's reading): any PDF, scan or photo
        not filled yet, its words from the sidecar's OCR where it has no text layer, so the draft is filled once
        the OCR is done rather than after the model's minutes. Whatever goes wrong here is logged and undone:
        the record stays as it would be without it."""
        self.ensure_one()
        config = config or self._digitize_config()
        mimetypes, timeout = ((QUEUE_PREFILL_MIMETYPES, QUEUE_PREFILL_TIMEOUT_S) if in_queue
                              else (PREFILL_MIMETYPES, PREFILL_TIMEOUT_S))
        if (not self._digitize_prefill_enabled or self.digitize_prefilled
                or self.digitize_state != ("processing" if in_queue else "queued")
                or document_mimetype(attachment) not in mimetypes
                or not (in_queue or may_have_text_layer(attachment.raw))):
            return False
        try:
            with self.env.cr.savepoint():
                result = client.extract(config.endpoint_settings(max_timeout=timeout), attachment.raw or b"",
                                        filename=attachment.name or "", mime_type=document_mimetype(attachment),
                                        document_type=self._digitize_document_type(), words_reader=True)
                sources = {page.get("source") for page in result.page_words}
                if result.engine != "words" or not sources or not sources <= ({"pdf", "ocr"} if in_queue
                                                                               else {"pdf"}):
                    _logger.info("digitize %s,%s: no draft at once (engine %s, word layers %s)", self._name, self.id,
                                 result.engine, sorted(sources))
                    return False
                if in_queue and self._digitize_layout_identifies(result.page_words):
                    return False  # the learned layout reads it next, as fast and surer
                return self.with_env(self._digitize_apply_env())._digitize_apply_prefill(result, config)
        except Exception as exc:  # noqa: BLE001 - the queue reads it anyway: a failed draft at once costs nothing
            _logger.info("digitize %s,%s: no draft at once: %s", self._name, self.id, exc)
            return False

    def _digitize_before_read(self, attachment, config):
        """In the scheduled action, before the model reads: the draft of a document nobody could fill at once (a
        scan, a photo, a mailed PDF) filled from the words reader — only for a file the requester may read, as
        the reading itself checks (``_digitize_read_checked``), and only where no learned layout of the company
        would read it (the layout step reads a repeat partner's document as fast, and surer)."""
        wrote = super()._digitize_before_read(attachment, config)
        if (not attachment or not self._digitize_prefill_enabled
                or self._digitize_refusal(attachment, self.sudo().digitize_requested_by)):
            return wrote
        return self._digitize_prefill(attachment, config, in_queue=True) or wrote

    def _digitize_apply_prefill(self, result, config):
        """The words reader's reading through the one apply path, never creating a partner or a bank account from
        it (unconfirmed); the values it changed are kept as the snapshot the model's reading goes by."""
        before = {name: self._digitize_prefill_value(name) for name in self._digitize_header_fields}
        unchosen = ({name for name, value in self._digitize_current().items() if not value}
                    if self._digitize_prefill_follows else set())
        self.with_context(digitize_prefill=True)._digitize_apply(result, config)
        filled = {name: self._digitize_prefill_value(name) for name in self._digitize_header_fields}
        filled = {name: value for name, value in filled.items() if value != before[name]
                  or (name in self._digitize_prefill_follows and name in unchosen and value)}
        self._digitize_write({"digitize_prefill": filled or False, "digitize_prefilled": True,
                              "digitize_verified": False, "digitize_verified_key": False})
        if {page.get("source") for page in result.page_words} == {"pdf"}:
            origin = self.env._("the document's text layer")
        else:
            origin = self.env._("the words the OCR read on the page")
        self._digitize_post(self.env._(
            "Filled in at once from %(origin)s (words reader, %(ms)s ms): not yet confirmed. The model's reading will "
            "confirm or correct each value; a value you change meanwhile is kept.", origin=origin, ms=result.total_ms))
        return True

    def _digitize_current(self):
        """A value the words reader filled in and nobody changed since is the model's reading's to confirm or
        correct (empty to the mapping); one a person changed is theirs, kept like any value a person typed."""
        current = super()._digitize_current()
        if not self.env.context.get("digitize_prefill"):
            for name, value in (self.digitize_prefill or {}).items():
                if name in current and name in self._fields and self._digitize_prefill_value(name) == value:
                    current[name] = False
        return current

    def _digitize_apply(self, result, config):
        outcome = super()._digitize_apply(result, config)
        if not self.env.context.get("digitize_prefill") and (self.digitize_prefill or self.digitize_prefilled):
            self._digitize_write({"digitize_prefill": False, "digitize_prefilled": False})  # confirmed or corrected
        return outcome
