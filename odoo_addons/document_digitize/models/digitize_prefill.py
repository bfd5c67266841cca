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


class DocumentDigitizePrefill(models.AbstractModel):
    """A draft at once from the words reader, confirmed or corrected later by the model's reading."""

    _inherit = "document.digitize.mixin"
    # which models fill their draft at once (bills so far; RFQs, quotations and expenses are read by the queue only)
    _digitize_prefill_enabled = False

    digitize_prefill = fields.Json(
        "Filled before reading", copy=False, readonly=True,
        help="The header values the words reader filled in at once (field → value as written), not yet confirmed by "
             "the model's reading: those still as written are the reading's to confirm or correct; a value a person "
             "changed since is kept")
    digitize_prefilled = fields.Boolean(
        "Not yet confirmed", copy=False, readonly=True,
        help="Filled in at once from the document's text layer by the words reader; the model's reading confirms or "
             "corrects each value")

    def _digitize_prefill_value(self, name):
        """A header field's value as the draft's snapshot keeps it (JSON; ids for relations)."""
        value = self[name]
        return sorted(value.ids) if isinstance(value, models.BaseModel) else str(value or "")

    def _digitize_prefill(self, attachment, config=None):
        """Fill this queued draft now from the words reader's reading of ``attachment``, as the user who asks, in
        the record's company; True when it did. Only a PDF whose every page has a text layer (the response's
        page_words source "pdf"): a scan is left to the queue (its words would be OCR's, slower and less sure).
        Whatever goes wrong here is logged and undone: Digitize stays queued as it would be without it."""
        self.ensure_one()
        config = config or self._digitize_config()
        if (not self._digitize_prefill_enabled or self.digitize_state != "queued"
                or document_mimetype(attachment) not in PREFILL_MIMETYPES or not may_have_text_layer(attachment.raw)):
            return False
        try:
            with self.env.cr.savepoint():
                result = client.extract(config.endpoint_settings(max_timeout=PREFILL_TIMEOUT_S), attachment.raw or b"",
                                        filename=attachment.name or "", mime_type=document_mimetype(attachment),
                                        document_type=self._digitize_document_type(), words_reader=True)
                sources = {page.get("source") for page in result.page_words}
                if result.engine != "words" or sources != {"pdf"}:
                    _logger.info("digitize %s,%s: no draft at once (engine %s, word layers %s)", self._name, self.id,
                                 result.engine, sorted(sources))
                    return False
                return self.with_env(self._digitize_apply_env())._digitize_apply_prefill(result, config)
        except Exception as exc:  # noqa: BLE001 - the queue reads it anyway: a failed draft at once costs nothing
            _logger.info("digitize %s,%s: no draft at once: %s", self._name, self.id, exc)
            return False

    def _digitize_apply_prefill(self, result, config):
        """The words reader's reading through the one apply path, never creating a partner or a bank account from
        it (unconfirmed); the values it changed are kept as the snapshot the model's reading goes by."""
        before = {name: self._digitize_prefill_value(name) for name in self._digitize_header_fields}
        self.with_context(digitize_prefill=True)._digitize_apply(result, config)
        filled = {name: self._digitize_prefill_value(name) for name in self._digitize_header_fields}
        filled = {name: value for name, value in filled.items() if value != before[name]}
        self._digitize_write({"digitize_prefill": filled or False, "digitize_prefilled": True,
                              "digitize_verified": False, "digitize_verified_key": False})
        self._digitize_post(self.env._(
            "Filled in at once from the document's text layer (words reader, %(ms)s ms): not yet confirmed. The model's "
            "reading will confirm or correct each value; a value you change meanwhile is kept.", ms=result.total_ms))
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
