"""The one path from a read document to the record (OCA account_invoice_import style), and its hooks."""

import hashlib
import json

from odoo import fields, models

from ..lib import LINES_FIELD, compare_totals, line_fields, map_document, needs_review, review_note_html, verdict
from ..lib import correct as correct_lib
from ..lib import evidence as evidence_lib
from . import digitize_mixin  # noqa: F401 - the model this file extends is defined first
from .odoo_catalog import OdooCatalog


class DocumentDigitizeApply(models.AbstractModel):
    """The one path from a read document to the record (OCA account_invoice_import style), and its hooks."""

    _inherit = "document.digitize.mixin"

    # --- the one path from the read document to the record ------------------------------------------

    def _digitize_apply(self, result, config):
        """Write what the sidecar read (``result``) onto this record; returns (state, review note html).

        As OCA ``account_invoice_import`` does: the canonical document is mapped once (``lib/mapping/``),
        the partner is set first (its onchanges fill terms, addresses, fiscal position), then the header
        and the lines; what Odoo then computes (totals, tax lines) is checked against the document and the
        verdict is decided once, from every review item. Concrete models extend the steps, not this path."""
        self.ensure_one()
        # a new reading: the last one's verdict goes first (and the changes made now are not a person's)
        self._digitize_write({"digitize_verified": False, "digitize_verified_key": False,
                              "digitize_verification": False})
        current = self._digitize_current()
        options = config.mapping_options(price_digits=self.env["decimal.precision"].precision_get("Product Price"),
                                         fallback_product_id=self._digitize_fallback_product_id(),
                                         company_id=self.company_id.id,
                                         # not from the words reader's draft at once: unconfirmed (digitize_prefill)
                                         may_create_partner=self.env["res.partner"].has_access("create")
                                         and not self.env.context.get("digitize_prefill"),
                                         may_add_bank_account=self.env["res.partner.bank"].has_access("create")
                                         and not self.env.context.get("digitize_prefill"),
                                         today=fields.Date.context_today(self))
        # values not on the page are said once, by the evidence step below, with the record's labels
        mapped = map_document(result.document, self._digitize_catalog(), self._digitize_target,
                              current, options, field_confidence=result.field_confidence,
                              warnings=evidence_lib.without_not_on_page(result.warnings))
        header = self._digitize_header_values(mapped)
        if "partner_id" in header:  # partner first: its onchanges must not undo the rest of the header
            self._digitize_set_partner(header.pop("partner_id"), mapped, current)
        self.write(header)
        created = self._digitize_write_lines(mapped)
        self._digitize_after_lines(mapped, current)
        self._digitize_attach_carried(result)
        missing = self._digitize_store_evidence(result, mapped, created)
        items = evidence_lib.merge_items(list(mapped.review) + self._digitize_review_items(mapped), missing)
        items += compare_totals(mapped.document, self._digitize_totals(), config.tolerance)
        # the partner set is the one it found
        found = mapped.partner and self[self._digitize_partner_field].id == mapped.partner.id
        self._digitize_write({
            "digitize_words": json.dumps(result.page_words) if result.page_words else False,  # to learn layouts from
            "digitize_partner_match": mapped.partner_match if found else False,
            "digitize_to_check": [{"code": item.code, "message": item.message, "field": item.field}
                                  for item in items if item.serious] or False})
        self._digitize_store_verdict(result, items)
        line_ids = {int(index): line_id for index, line_id in ((self.digitize_evidence or {}).get("lines") or {}).items()}
        return ("needs_review" if needs_review(items) else "done"), review_note_html(
            items, target=self._digitize_target, line_ids=line_ids)

    def _digitize_store_verdict(self, result, items):
        """Whether this reading is verified (``lib/verified.verdict``, the one decision), kept with the fingerprint
        of the record's values as they are now: a person's later change ends it (``_digitize_check_verified``)."""
        found = verdict(result.document, engine=result.engine, confirmed=result.confirmed, evidence=result.evidence,
                        warnings=result.warnings, items=items)
        self._digitize_write({
            "digitize_verified": found.verified,
            "digitize_verified_key": self._digitize_values_key() if found.verified else False,
            "digitize_verification": False if found.verified else {
                "unconfirmed": list(found.unconfirmed), "reasons": list(found.reasons),
                # without a second reading every value is unconfirmed alike: the form says that once, marks nothing
                "second_reading": bool(result.confirmed or result.candidates)}})
        return found

    def _digitize_values_key(self):
        """A fingerprint of what a person can change that digitization filled: the header fields, every line (as
        ``_digitize_line_fingerprint`` sees it) and the totals."""
        self.ensure_one()
        header = []
        for name in self._digitize_header_fields:
            value = self[name]
            header.append(value.ids if isinstance(value, models.BaseModel) else str(value or ""))
        lines_field = LINES_FIELD.get(self._digitize_target)
        lines = sorted(self._digitize_line_fingerprint(line) for line in self[lines_field]) if lines_field else []
        totals = {name: round(value or 0.0, 6) for name, value in self._digitize_totals().items()}
        data = json.dumps([header, lines, totals], sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()

    def _digitize_check_verified(self):
        """A verified record whose values are no longer those verified (a person changed one) is not verified any
        more; its chatter says so. Records no longer editable (posted, confirmed) keep what they were."""
        for record in self.filtered(lambda r: r.digitize_verified and r._digitize_is_editable()):
            if record._digitize_values_key() != record.digitize_verified_key:
                record._digitize_write({"digitize_verified": False, "digitize_verified_key": False,
                                        "digitize_verification": {"unconfirmed": [], "reasons": [
                                            "a value was changed after it was verified"]}})
                record._digitize_post(self.env._("Changed after digitization verified it: no longer marked verified."))
        return self.filtered("digitize_verified")

    def _digitize_catalog(self):
        """What the mapping asks of the database (``lib/catalog.Catalog``), scoped to the record's company."""
        return OdooCatalog(self.env, self.company_id)

    def _digitize_write_lines(self, mapped):
        """Create the mapped lines (the last reading's own lines make way for them); returns the lines created. A
        target without lines (an expense) has none."""
        if not mapped.lines_field:
            return self.browse()
        replaced = self._digitize_replaceable_lines()
        if mapped.lines and replaced:  # read again: the last reading's own lines make way for this one's
            self.write({mapped.lines_field: [fields.Command.delete(line.id) for line in replaced]})
        lines_before = self[mapped.lines_field]
        if mapped.lines:
            lines = self._digitize_line_values(mapped)
            self.write({mapped.lines_field: [fields.Command.create(vals) for vals in lines]})
        return self[mapped.lines_field] - lines_before

    def _digitize_totals(self):
        """The record's totals as Odoo computed them, compared with the document's (``lib/review.compare_totals``):
        ``amount_untaxed``, ``amount_tax``, ``amount_total``, those it has."""
        return {name: self[name] for name in ("amount_untaxed", "amount_tax", "amount_total")}

    def _digitize_attach_carried(self, result):
        """The files an e-invoice carries inside its XML (its visual PDF, a time sheet) become the record's own
        attachments, so a person sees the invoice as printed; once (a file of that name and content already
        there is not added again, whatever its name: Odoo's own UBL decoder names the PDFs it attaches after their
        ID). Written as the user the document is applied for."""
        Attachment = self.env["ir.attachment"]
        added = Attachment.browse()
        for carried in getattr(result, "attachments", None) or ():
            if not carried.get("content"):
                continue
            if Attachment.search_count([("res_model", "=", self._name), ("res_id", "=", self.id),
                                        ("checksum", "=", Attachment._compute_checksum(carried["content"]))]):
                continue
            added |= Attachment.create({"name": carried["filename"], "raw": carried["content"],
                                        "mimetype": carried["mime_type"], "res_model": self._name, "res_id": self.id,
                                        "description": carried.get("description") or False})
        if added:
            self._digitize_post(self.env._("The e-invoice carries %(files)s: attached to %(record)s.",
                                           files=", ".join(added.mapped("name")), record=self.display_name))
        return added

    def _digitize_store_evidence(self, result, mapped, created_lines):
        """Keep where each value was printed and which of the record's lines each document line became; return
        the review items of the values read but not found on the page (each with the value read).

        The document's lines come first among the lines created, in order (the mapping makes one line per
        document line, then adjustment lines); when the record kept its lines (re-digitized), the lines known
        from the last reading are kept where they still exist."""
        created = created_lines.sorted("id")
        indexes = [line.index - 1 for line in mapped.document.lines]
        if not mapped.lines_field:
            line_ids = {}
        elif created and len(created) >= len(indexes):
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
        stored["candidates"] = correct_lib.stored_candidates(result.candidates)  # to pick from on the page
        self._digitize_write({"digitize_evidence": stored})
        return evidence_lib.missing_items(result.document, paths, self._digitize_target, result.warnings)

    def _digitize_current(self):
        """What the record has already (field → value, ids for relations): the mapping never replaces it.
        A default nobody chose counts as empty, or it would never be filled: the company's currency."""
        current = {name: (self[name].id if isinstance(self[name], models.BaseModel) else self[name])
                   for name in self._digitize_header_fields}
        if current.get("currency_id") and current["currency_id"] == self.company_id.currency_id.id:
            current["currency_id"] = False
        lines_field = LINES_FIELD.get(self._digitize_target)
        if lines_field:
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
        if not LINES_FIELD.get(self._digitize_target):
            return {}
        ids = set(self[LINES_FIELD[self._digitize_target]].ids)
        return {key: value for key, value in created.items() if int(key) in ids}

    def _digitize_replaceable_lines(self):
        """The record's lines when every one of them is a line the last reading wrote, unchanged since: reading
        the document again replaces them (Re-digitize refills the lines). A line a person added or changed keeps
        them all, and the review says the document's lines were not added."""
        if not LINES_FIELD.get(self._digitize_target):
            return self.browse()
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
