"""Correcting on the page (issue #34): in the document viewer, with a field or a line's cell focused, the person
clicks a word of the document or one of the second reader's candidates, and the field takes the value printed
there, read in the document's format (``lib/correct.py``). Written as that person (their access rules, their
company), recorded as a correction they typed (the record's value is what layouts and vendor memory learn from
at confirmation), said in the chatter, and the review items it answers are cleared."""

import json

from markupsafe import Markup
from odoo import models
from odoo.exceptions import UserError

from ..lib import compare_totals, line_fields, needs_review, review_note_html
from ..lib import correct as correct_lib
from ..lib import evidence as evidence_lib
from ..lib.normalize import normalize_vat
from ..lib.printed import fold
from ..lib.text import ReviewItem
from . import digitize_mixin  # noqa: F401 - the model this file extends is defined first

# The document's totals: on the form they are Odoo's computation (the totals widget), so clicking one corrects
# the reading of what the document prints, compared again with what Odoo computes.
DOCUMENT_TOTALS = ("subtotal", "total_tax", "total", "amount_due")
# Review items a value set from the page answers.
ANSWERED = ("value_not_on_page", "low_confidence", "readers_disagree")


class DocumentDigitizeCorrect(models.AbstractModel):
    """Setting a field from the words of the document, as the user."""

    _inherit = "document.digitize.mixin"

    def digitize_set_from_page(self, text=None, field=None, path=None, line_id=None, page=0, boxes=None,
                               candidate=None):
        """Set ``field`` of this record (or of its line ``line_id``), or correct the document's total at ``path``,
        from the printed ``text`` the person clicked (``page`` and ``boxes`` say where), or from the second
        reader's ``candidate`` (its rank among the stored candidates of ``path``: its printed text and place are
        the server's, never the browser's). Returns ``{"field", "value", "message"}``. A clear UserError when the
        text cannot be that field's value or the record cannot be changed; nothing is written then."""
        self.ensure_one()
        self.check_access("write")
        if candidate is not None:
            stored = ((self.digitize_evidence or {}).get("candidates") or {}).get(path or "") or []
            if not isinstance(candidate, int) or not 0 <= candidate < len(stored):
                raise UserError(self.env._("That candidate is no longer offered: read the document again."))
            picked = stored[candidate]
            text, page, boxes = picked.get("text") or str(picked.get("value") or ""), picked.get("page"), \
                picked.get("boxes")
        else:
            picked = None
        text = str(text or "")
        if not self._digitize_is_editable():
            raise UserError(self.env._("%s can no longer be changed: it is not a draft.", self.display_name))
        if self.digitize_state not in ("done", "needs_review"):
            raise UserError(self.env._("Values are set from the page once the document has been read."))
        target = self._digitize_target
        if not path and not line_id and field:
            path = evidence_lib.path_of(field, target)
        try:
            document = json.loads(self.digitize_json or "{}")
        except ValueError:
            document = {}
        if not isinstance(document, dict):
            document = {}
        fmt = correct_lib.page_format(document, (self.digitize_evidence or {}).get("items") or ())

        def read(kind):
            if picked:
                return correct_lib.read_candidate(kind, picked, fmt)
            return correct_lib.read_printed(kind, text, fmt)

        try:
            if line_id:
                label, shown, path = self._digitize_set_line_from_page(int(line_id), field, read)
            elif path in DOCUMENT_TOTALS and evidence_lib.record_field(path, target) == "tax_totals":
                label, shown = self._digitize_correct_total(path, read, document)
            else:
                label, shown = self._digitize_set_header_from_page(field, path, read, document)
        except correct_lib.CorrectionError as exc:
            raise UserError(str(exc)) from None
        self._digitize_note_correction(path, page, boxes, text)
        where = self.env._(", page %s", page) if page else ""
        self._digitize_post(Markup(self.env._("Set from the page by %(user)s: <b>%(label)s</b> = %(value)s (printed "
                                     "“%(text)s”%(where)s).")) % {
            "user": self.env.user.name, "label": label, "value": shown, "text": text, "where": where})
        return {"field": field, "value": shown, "message": self.env._("%(label)s set to %(value)s from the page.",
                                                             label=label, value=shown)}

    def _digitize_settable_fields(self):
        """The record's fields the page can set, with the label the form gives them (the viewer offers the words for
        these only): the header fields of a kind read from print, the totals (the document's, as read) where the form
        shows them."""
        out = {name: self._fields[name].get_description(self.env)["string"] for name in self._digitize_header_fields
               if name in self._fields and (
                   self._fields[name].type in ("date", "float", "monetary", "integer", "char", "text")
                   or (self._fields[name].type == "many2one"
                       and self._fields[name].comodel_name in ("res.currency", "res.partner")))}
        if any(evidence_lib.record_field(path, self._digitize_target) == "tax_totals" for path in DOCUMENT_TOTALS):
            out["tax_totals"] = self.env._("Totals")
        return out

    # --- the three kinds of places ---------------------------------------------------------------------

    def _digitize_set_header_from_page(self, field, path, read, document):
        if not field or field not in self._digitize_header_fields or field not in self._fields:
            raise correct_lib.CorrectionError(self.env._("This field is not set from the page."))
        definition = self._fields[field]
        label = definition.get_description(self.env)["string"]
        if definition.type == "many2one" and definition.comodel_name == "res.currency":
            value = self._digitize_currency_from_page(read("text"))
            self.write({field: value.id})
            shown = value.name
        elif definition.type == "many2one" and definition.comodel_name == "res.partner":
            value = self._digitize_partner_from_page(read("text"))
            self.write({field: value.id})
            shown = value.display_name
        else:
            value = read(self._digitize_field_kind(definition))
            self.write({field: value})
            shown = str(self[field]) if definition.type != "date" else self[field].strftime("%Y-%m-%d")
        if path and "." not in path and not isinstance(value, models.BaseModel):  # the reading's own value, corrected
            document[path] = value
            self._digitize_write({"digitize_json": json.dumps(document)})
        return label, shown

    def _digitize_set_line_from_page(self, line_id, field, read):
        lines_field, qty_field, _taxes, _uom = line_fields(self._digitize_target)
        line = self[lines_field].filtered(lambda l: l.id == line_id) if lines_field else None
        if not line:
            raise correct_lib.CorrectionError(self.env._("That line is not one of this document's."))
        kinds = {qty_field: "number", "price_unit": "number", "discount": "number", "name": "text"}
        if field not in kinds:
            raise correct_lib.CorrectionError(self.env._("This column is not set from the page."))
        value = read(kinds[field])
        line.write({field: value})
        index = next((int(i) for i, lid in ((self.digitize_evidence or {}).get("lines") or {}).items()
                      if lid == line_id), None)
        key = evidence_lib.line_key_of(field, self._digitize_target)
        label = self.env._("Line %(line)s %(column)s", line=(index + 1) if index is not None else "",
                  column=line._fields[field].get_description(self.env)["string"].lower())
        return label, str(line[field]), (f"lines[{index}].{key}" if index is not None else None)

    def _digitize_correct_total(self, path, read, document):
        """The document's total (subtotal, taxes, total, amount due) as printed where the person clicked: kept in
        the reading, compared again with what Odoo computes; the total differences it settles leave the review."""
        value = read("number")
        document[path] = abs(value)
        fresh = compare_totals(document, self._digitize_totals(), self._digitize_config().tolerance)
        kept = [item for item in self.digitize_to_check or []
                if item.get("code") not in ("total_mismatch", "totals_unchecked")]
        self._digitize_write({"digitize_json": json.dumps(document), "digitize_to_check": kept + [
            {"code": i.code, "message": i.message, "field": i.field} for i in fresh if i.serious] or False})
        return evidence_lib.field_label(path, self._digitize_target), f"{abs(value):.2f}"

    # --- after a value is set ----------------------------------------------------------------------------

    def _digitize_note_correction(self, path, page, boxes, text):
        """The evidence of ``path`` is the place clicked; the review items that value answered are cleared and the
        banner said again (a total's differences were compared afresh by ``_digitize_correct_total``)."""
        data = dict(self.digitize_evidence or {})
        if path:
            items = [item for item in data.get("items") or () if item.get("path") != path]
            if page and boxes:
                items.append({"path": path, "page": int(page), "text": str(text), "source": "person",
                              "boxes": [[float(c) for c in box][:4] for box in boxes if len(box) >= 4]})
            data["items"] = items
            data["missing"] = [p for p in data.get("missing") or () if p != path]
            self._digitize_write({"digitize_evidence": data})
        # a total's own items name its path; another value's may name the record's field instead
        answered = {path} if path in DOCUMENT_TOTALS else {path, evidence_lib.record_field(path, self._digitize_target)
                                                            if path else None}
        kept = [item for item in self.digitize_to_check or []
                if not (item.get("code") in ANSWERED and item.get("field") in answered)]
        if kept != (self.digitize_to_check or []) or path in DOCUMENT_TOTALS:
            self._digitize_review_again(kept)

    def _digitize_review_again(self, items):
        """The review left after a correction: its serious items, the banner said again from them, and the state
        ``done`` once none is left."""
        review = [ReviewItem(item.get("code") or "", item.get("message") or "", item.get("field"), serious=True)
                  for item in items]
        line_ids = {int(i): lid for i, lid in ((self.digitize_evidence or {}).get("lines") or {}).items()}
        html = review_note_html(review, target=self._digitize_target, line_ids=line_ids) if review else ""
        self._digitize_write({"digitize_to_check": items or False, "digitize_review_html": html or False,
                              "digitize_state": "needs_review" if needs_review(review) else "done"})

    def _digitize_field_kind(self, definition):
        """How the page's text is read for a field: a date, a number or a text."""
        if definition.type == "date":
            return "date"
        if definition.type in ("float", "monetary", "integer"):
            return "number"
        if definition.type in ("char", "text"):
            return "text"
        raise correct_lib.CorrectionError(self.env._("This field is not set from the page."))

    # --- relations named by their printed text --------------------------------------------------------

    def _digitize_currency_from_page(self, text):
        """The currency the clicked text names: its ISO code (the mapping's catalog), else the one active currency
        printing that sign."""
        printed = text.strip(" :.,;")
        code = self._digitize_catalog().currency(printed.upper())
        found = self.env["res.currency"].browse(code.id) if code and code.active else \
            self.env["res.currency"].search([("symbol", "=", printed)], limit=2)
        if len(found) != 1:
            raise correct_lib.CorrectionError(self.env._("“%s” names no single active currency.", printed))
        return found

    def _digitize_partner_from_page(self, text):
        """The partner the clicked text names, among those the record's company may use (the mapping's catalog):
        by VAT id when it is one, else by name (the one named exactly so, or the only one found); else the person is
        asked to pick it in the field."""
        catalog = self._digitize_catalog()
        vat = normalize_vat(text)
        found = catalog.partners_by_vat(vat.variants) if vat and vat.valid else []
        if not found:
            name = text.strip(" :;,")
            found = catalog.partners_by_name(name)
            exact = [p for p in found if fold(p.name).strip() == fold(name)]
            found = exact or found
        if len(found) != 1:
            raise correct_lib.CorrectionError(
                self.env._("No partner is named “%s”: pick it in the field.", text) if not found else
                self.env._("Several partners are named like “%s”: pick the right one in the field.", text))
        return self.env["res.partner"].browse(found[0].id)

