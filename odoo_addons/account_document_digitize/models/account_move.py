from markupsafe import Markup

from odoo import _, fields, models

from odoo.addons.document_digitize.lib import (MappingOptions, compare_totals, duplicate_items, map_document,
                                               needs_review, review_note_html, tax_adjustments)
from odoo.addons.document_digitize.models.digitize_mixin import DIGITIZABLE_MIMETYPES
from odoo.addons.document_digitize.models.odoo_catalog import OdooCatalog

from .ir_attachment import IMAGE_FILE_TYPE

_HEADER_FIELDS = ("partner_id", "ref", "payment_reference", "invoice_date", "invoice_date_due", "currency_id",
                  "partner_bank_id", "invoice_payment_term_id")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "document.digitize.mixin"]

    def _digitize_target(self):
        return "vendor_bill"

    def _digitize_is_editable(self):
        return self.state == "draft" and self.move_type in ("in_invoice", "in_refund")

    def _digitize_document_type(self):
        # A bill may turn out to be a credit note: let the model say; a refund is one for sure.
        return "credit_note" if self.move_type == "in_refund" else None

    def _digitize_current(self):
        """What the user entered (defaults the user never chose count as empty)."""
        current = {}
        for name in _HEADER_FIELDS:
            value = self[name]
            current[name] = value.id if isinstance(value, models.BaseModel) else value
        if current["currency_id"] == self.company_id.currency_id.id:
            current["currency_id"] = False
        if not self.invoice_date:
            current["invoice_date_due"] = False  # computed from today, not chosen
        current["move_type"] = self.move_type
        current["invoice_line_ids"] = bool(self.invoice_line_ids)
        return current

    def _digitize_options(self):
        param = self._digitize_param
        return MappingOptions(create_partner=param("create_partner") in ("True", "1", "true"),
                              price_digits=self.env["decimal.precision"].precision_get("Product Price"))

    def _digitize_apply(self, result):
        self.ensure_one()
        mapped = map_document(result.document, OdooCatalog(self.env, self.company_id), "vendor_bill",
                              self._digitize_current(), self._digitize_options(),
                              field_confidence=result.field_confidence, warnings=result.warnings)
        header = dict(mapped.header)
        if mapped.partner_to_create:
            header["partner_id"] = self.env["res.partner"].create(mapped.partner_to_create).id
        partner_id = header.get("partner_id") or self.partner_id.id
        if mapped.bank_account_to_add and partner_id:
            bank_vals = dict(mapped.bank_account_to_add, partner_id=mapped.bank_account_to_add.get("partner_id")
                             or partner_id)
            self.env["res.partner.bank"].create(bank_vals)
        if mapped.partner_bank_iban and partner_id and not self.partner_bank_id:
            bank = self.env["res.partner.bank"].search([("partner_id", "=", partner_id),
                                                        ("sanitized_acc_number", "=", mapped.partner_bank_iban)],
                                                       limit=1)
            if bank:
                header["partner_bank_id"] = bank.id
        move_type = header.pop("move_type", None)
        if move_type and move_type != self.move_type:
            self.move_type = move_type
        if "partner_id" in header:  # partner first: its onchanges (terms, bank) must not undo the rest
            self.partner_id = header.pop("partner_id")
        self.write(header)
        if mapped.lines:
            self.write({"invoice_line_ids": [fields.Command.create(vals) for vals in mapped.lines]})
        self._digitize_adjust_taxes(mapped.document)
        items = list(mapped.review) + self._digitize_duplicates()
        tolerance = float(self._digitize_param("tolerance") or 0.0)
        items += compare_totals(mapped.document, {"amount_untaxed": self.amount_untaxed, "amount_tax": self.amount_tax,
                                                  "amount_total": self.amount_total}, tolerance)
        state = "needs_review" if needs_review(items) else "done"
        return state, review_note_html(items)

    def _digitize_adjust_taxes(self, document):
        """Documents round tax per rate on the summed base; Odoo may round per line. Set the tax lines to
        the document's amounts when the difference is only rounding (tax amounts are editable in draft)."""
        tax_lines = self.line_ids.filtered(lambda line: line.display_type == "tax" and line.tax_line_id)
        if not tax_lines:
            return
        products = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        rows = []
        for line in tax_lines:
            base = sum(products.filtered(lambda p, t=line.tax_line_id: t in p.tax_ids).mapped("price_subtotal"))
            rows.append({"tax_id": line.tax_line_id.id, "rate": line.tax_line_id.amount, "base": base,
                         "amount": abs(line.amount_currency)})
        for adjustment in tax_adjustments(document, rows):
            line = tax_lines.filtered(lambda t, a=adjustment: t.tax_line_id.id == a.tax_id)[:1]
            sign = -1 if self.move_type == "in_refund" else 1
            line.amount_currency = sign * adjustment.document_amount

    # --- duplicates -------------------------------------------------------------------------------

    def _digitize_duplicates(self):
        """Other bills of this company with the same vendor and reference, or carrying the same file."""
        self.ensure_one()
        Move = self.env["account.move"]
        base = [("id", "!=", self.id), ("company_id", "=", self.company_id.id), ("state", "!=", "cancel"),
                ("move_type", "in", ("in_invoice", "in_refund"))]
        same_ref = Move.browse()
        if self.ref and self.partner_id:
            same_ref = Move.search(base + [("ref", "=ilike", self.ref.strip()),
                                           ("commercial_partner_id", "=", self.partner_id.commercial_partner_id.id)],
                                   limit=5)
        same_file = Move.browse()
        checksum = self.digitize_attachment_id.checksum
        if checksum:
            twins = self.env["ir.attachment"].sudo().search([
                ("checksum", "=", checksum), ("res_model", "=", self._name), ("res_id", "!=", self.id)])
            same_file = Move.search(base + [("id", "in", twins.mapped("res_id"))], limit=5)
        return duplicate_items(self.ref, [(m.id, m.display_name) for m in same_ref],
                               [(m.id, m.display_name) for m in same_file])

    # --- documents that arrive by mail or upload ---------------------------------------------------

    def _get_edi_decoder(self, file_data, new=False):
        # Odoo drops images mailed to the journal alias: keep scans and photos as documents of their bill.
        if file_data.get("type") == IMAGE_FILE_TYPE:
            return lambda invoice, file_data, new: True
        return super()._get_edi_decoder(file_data, new=new)

    def _extend_with_attachments(self, attachments, new=False):
        if new and self.env.context.get("from_alias") and self._digitize_param("mail_single_bill") in ("True", "1"):
            new = False  # setting: every document of a mail on one bill
        return super()._extend_with_attachments(attachments, new=new)

    def _check_and_decode_attachment(self, attachments):
        result = super()._check_and_decode_attachment(attachments)
        if result and self.env.context.get("from_alias"):
            notes = self._digitize_after_import(result, auto=self._digitize_param("auto_mail") in ("True", "1"))
            # Odoo then gives each extra bill of the mail a copy of the message *replacing* its chatter:
            # post the notes after that (see _message_post_after_hook)
            self.env.cr.cache.setdefault("document_digitize_notes", []).extend(notes)
        return result

    def _message_post_after_hook(self, new_message, message_values):
        result = super()._message_post_after_hook(new_message, message_values)
        for bill, body in self.env.cr.cache.pop("document_digitize_notes", []):
            bill._digitize_post(body)
        return result

    def _digitize_after_import(self, invoices_per_attachment, auto):
        """After Odoo's import of mailed files: queue the bills Odoo could not read itself (no lines: no
        e-invoice inside), say so on those it did read, and link bills that came in the same mail.
        Returns the chatter notes to post, as (bill, body)."""
        bills, notes = self.env["account.move"], []
        for attachment, invoices in invoices_per_attachment.items():
            for bill in invoices or self:
                if bill.move_type not in ("in_invoice", "in_refund") or bill.state != "draft" or bill in bills:
                    continue
                bills |= bill
                if bill.digitize_state:
                    continue
                if bill.invoice_line_ids:
                    notes.append((bill, _("%s was imported by Odoo from the e-invoice it carries; it was not sent "
                                          "to the model.", attachment.name)))
                elif auto and attachment.mimetype in DIGITIZABLE_MIMETYPES:
                    bill._digitize_enqueue(attachment, note=False)
                    notes.append((bill, _("Received %s: queued for digitization.", attachment.name)))
        if len(bills) > 1:
            link = Markup('<a href="#" data-oe-model="account.move" data-oe-id="%s">%s</a>')
            for bill in bills:
                links = Markup(", ").join(link % (other.id, other.display_name) for other in bills - bill)
                notes.append((bill, Markup(_("Received in the same e-mail as %s.")) % links))
        return notes
