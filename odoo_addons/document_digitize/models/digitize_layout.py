import json
import logging

from markupsafe import Markup
from odoo import api, fields, models

from ..lib import client, review_note_html, without_links
from ..lib import evidence as evidence_lib
from ..lib import layout as layout_lib
from ..lib.client import ExtractResult
from .digitize_mixin import XML_MIMETYPES
from .ir_attachment import document_mimetype

_logger = logging.getLogger(__name__)

TARGETS = [("vendor_bill", "Vendor bill"), ("purchase_order", "Purchase order"), ("sale_order", "Sales order")]


class DocumentDigitizeLayout(models.Model):
    """Where a partner's documents print each value (lib/layout/), learned when a person confirms one of its
    digitized documents and used to read its next ones without the model. Per company; editable by the
    billing / purchase / sales managers (each app's security); a layout that stopped fitting is marked stale."""

    _name = "document.digitize.layout"
    _description = "Learned document layout (per partner)"
    _order = "partner_id, target"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade",
                                 check_company=True, help="The partner that issues these documents")
    target = fields.Selection(TARGETS, "Documents", required=True, default="vendor_bill")
    layout = fields.Json(required=True, copy=False)
    fields_learned = fields.Char(compute="_compute_fields_learned")
    learned_from = fields.Char("Learned from", readonly=True, help="The confirmed document it was learned from")
    times_learned = fields.Integer(default=1, readonly=True)
    times_read = fields.Integer(readonly=True)
    stale = fields.Boolean(help="The last document of this partner did not fit: it was read by the model. The next "
                                "confirmed document teaches the layout again.")
    stale_reason = fields.Text(readonly=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [("partner_target_unique", "unique(company_id, partner_id, target)",
                         "A partner has one learned layout per kind of document and company.")]

    @api.depends("layout")
    def _compute_fields_learned(self):
        for record in self:
            data = record.layout or {}
            names = [evidence_lib.field_label(path, record.target) for path in sorted(data.get("fields") or {})]
            if data.get("table"):
                names.append(self.env._("Lines"))
            record.fields_learned = ", ".join(names)

    @api.model
    def _learn(self, company, partner, target, pages, document, name):
        """Learn (or learn again) ``partner``'s layout from a confirmed document; the layout or None."""
        try:
            learned = layout_lib.learn(pages, document, target)
        except layout_lib.LayoutError as exc:
            _logger.info("digitize layout of %s not learned from %s: %s", partner.display_name, name, exc)
            return None
        existing = self.with_context(active_test=False).search([
            ("company_id", "=", company.id), ("partner_id", "=", partner.id), ("target", "=", target)], limit=1)
        vals = {"layout": learned, "learned_from": name, "stale": False, "stale_reason": False}
        if existing:
            existing.write(dict(vals, times_learned=existing.times_learned + 1))
            return existing
        return self.create(dict(vals, company_id=company.id, partner_id=partner.id, target=target))

    def _candidate(self):
        partner = self.partner_id.commercial_partner_id
        vats = tuple(v for v in [partner.vat] if v)
        ibans = tuple(b.sanitized_acc_number for b in partner.bank_ids if b.sanitized_acc_number)
        return layout_lib.Candidate(self.id, vats=vats, ibans=ibans, name=partner.name or "")


class DocumentDigitizeMixinLayout(models.AbstractModel):
    """The layout step of the one digitization path: read a repeat partner's document from its learned layout
    (words only, no model) before asking the model; learn the layout when a person confirms a document."""

    _inherit = "document.digitize.mixin"

    def _digitize_layouts(self):
        """The layouts learned for this record's company and kind that still fit."""
        return self.env["document.digitize.layout"].sudo().search([
            ("company_id", "=", self.company_id.id), ("target", "=", self._digitize_target), ("stale", "=", False)])

    def _digitize_layout_identity(self, page_words, layouts):
        """(the pages, the layout's partner the pages print) from a response's ``page_words``; (None, None) when
        they cannot be read as pages or name none of ``layouts``' partners."""
        try:
            pages = layout_lib.pages_from_json(page_words)
        except layout_lib.LayoutError:
            return None, None
        return pages, layout_lib.identify(pages, [layout._candidate() for layout in layouts])

    def _digitize_read(self, settings, attachment):
        layouts = self._digitize_layouts()
        if not layouts:
            return super()._digitize_read(settings, attachment)
        words = client.extract(settings, attachment.raw, filename=attachment.name or "",
                               mime_type=document_mimetype(attachment), document_type=self._digitize_document_type(),
                               words_only=True, include_attachments=document_mimetype(attachment) in XML_MIMETYPES)
        if words.engine != "words":  # an e-invoice, answered from its XML
            return words
        result = self._digitize_read_layout(words, layouts)
        return result if result is not None else super()._digitize_read(settings, attachment)

    def _digitize_layout_identifies(self, page_words):
        """Whether a learned layout of this record's company and kind names the partner these pages print (the
        layout step would read the document)."""
        layouts = self._digitize_layouts()
        return bool(layouts) and self._digitize_layout_identity(page_words, layouts)[1] is not None

    def _digitize_read_layout(self, words, layouts):
        """The document read with the layout of the partner the page names, or None (then the model reads it;
        a layout that no longer fits is marked stale and the chatter says why)."""
        pages, identity = self._digitize_layout_identity(words.page_words, layouts)
        if identity is None:
            return None
        layout = layouts.browse(identity.candidate.key)
        try:
            reading = layout_lib.read(pages, layout.layout)
        except layout_lib.LayoutError as exc:
            problems = [layout_lib.ReviewItem("layout_unusable", str(exc), serious=True)]
        else:
            layout_lib.with_identity(reading, identity, self._digitize_target)
            problems = layout_lib.check(reading, layout.layout, identity)
        if problems:
            layout.write({"stale": True, "stale_reason": "\n".join(
                evidence_lib.plain(item.message, self._digitize_target) for item in problems)})
            note = review_note_html(problems, title=self.env._("The layout learned for %s no longer fits this "
                                                               "document; it is read by the model instead.",
                                                               layout.partner_id.display_name),
                                    target=self._digitize_target)
            self._digitize_post(Markup(without_links(note)))
            return None
        layout.times_read += 1
        document = reading.document
        confidence = {path: 1.0 for path in reading.evidence}
        return ExtractResult(document=document, document_json=json.dumps(document, ensure_ascii=False),
                             warnings=[], field_confidence=confidence, engine="layout",
                             model=self.env._("layout of %s", layout.partner_id.display_name), pages=len(pages),
                             request_id=words.request_id, endpoint=words.endpoint, total_ms=words.total_ms,
                             page_words=words.page_words,
                             evidence=evidence_lib.from_layout(reading.evidence,
                                                               {page.number: page.source for page in pages}))

    # --- learning on confirmation ---------------------------------------------------------------------

    def _digitize_confirmed_document(self):
        """The record as the person confirmed it, in document terms (canonical schema); models override."""
        return None

    def _digitize_layout_partner(self):
        return self.partner_id.commercial_partner_id

    def _digitize_confirmed_documents(self):
        """{record id: the record as confirmed, in document terms}, for the records that can teach a layout
        (digitized, with their words); taken when the person confirms, before the confirmation changes them."""
        documents = {}
        for record in self.filtered(lambda r: r.digitize_state and r.digitize_words):
            try:
                documents[record.id] = record._digitize_confirmed_document()
            except Exception:  # noqa: BLE001 - learning is a by-product: it never stops the person's confirmation
                _logger.exception("digitize layout: %s could not be read back as a document", record.display_name)
        return documents

    def _digitize_learn_layout(self, documents=None):
        """The person confirmed these records: learn their partners' layouts from the records' values (as
        corrected; ``documents`` when taken before the confirmation, see ``_digitize_confirmed_documents``) and
        the documents' words. Runs as the confirming user; only the layout is written as superuser."""
        if documents is None:
            documents = self._digitize_confirmed_documents()
        for record in self.filtered(lambda r: documents.get(r.id)):
            partner = record._digitize_layout_partner()
            try:
                pages = layout_lib.pages_from_json(json.loads(record.digitize_words))
            except (ValueError, layout_lib.LayoutError):
                continue
            if not partner:
                continue
            try:
                with self.env.cr.savepoint():
                    learned = self.env["document.digitize.layout"].sudo()._learn(
                        record.company_id, partner, record._digitize_target, pages, documents[record.id],
                        record.display_name)
            except Exception:  # noqa: BLE001 - learning is a by-product: it never undoes the person's confirmation
                _logger.exception("digitize layout of %s not learned from %s", partner.display_name,
                                  record.display_name)
                record._digitize_post(self.env._("The layout of %(partner)s could not be learned from this document "
                                                 "(the server log says why): its next documents are read by the "
                                                 "model, as before.", partner=partner.display_name))
                continue
            if learned:
                record._digitize_post(self.env._("Layout of %(partner)s learned from this document (%(fields)s): "
                                                 "its next documents are read from it.",
                                                 partner=partner.display_name, fields=learned.fields_learned))
