from markupsafe import Markup
from odoo import api, models
from odoo.addons.document_digitize.lib import BillKey, corrections, duplicate_items, reference_key, tax_adjustments
from odoo.addons.document_digitize.models.digitize_mixin import DIGITIZABLE_MIMETYPES
from odoo.addons.document_digitize.models.ir_attachment import document_mimetype
from odoo.exceptions import AccessError, UserError, ValidationError

from .ir_attachment import IMAGE_FILE_TYPE

MAILED_KEY = "document_digitize_mailed"  # cursor cache: {bill id: what the post being made decoded}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "document.digitize.mixin"]

    _digitize_target = "vendor_bill"
    _digitize_header_fields = ("partner_id", "ref", "payment_reference", "invoice_date", "invoice_date_due",
                               "currency_id", "partner_bank_id", "invoice_payment_term_id")
    _digitize_prefill_enabled = True  # Digitize on a born-digital PDF fills the draft at once (digitize_prefill.py)
    # the due date Odoo computes once the draft has an invoice date (or kept from today's): not a person's choice
    _digitize_prefill_follows = ("invoice_date_due",)

    def _digitize_is_editable(self):
        return self.state == "draft" and self.move_type in ("in_invoice", "in_refund")

    @api.model
    def _digitize_create_from_upload(self, attachment):
        # a vendor bill until the document says it is a credit note
        return self.create({"move_type": "in_invoice"})

    def _digitize_document_type(self):
        # A bill may turn out to be a credit note: let the model say; a refund is one for sure.
        return "credit_note" if self.move_type == "in_refund" else None

    def _digitize_current(self):
        current = super()._digitize_current()
        if not self.invoice_date:
            current["invoice_date_due"] = False  # computed from today, not chosen
        current["move_type"] = self.move_type
        return current

    def _digitize_header_values(self, mapped):
        """Before the vendor and the rest of the header: the bank account the document names (added to the
        vendor when new, chosen for payment when known) and the move type (a credit note makes it a refund)."""
        header = super()._digitize_header_values(mapped)
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
        # the words reader's draft at once (unconfirmed) never turns a bill into a refund: the model's reading may
        if move_type and move_type != self.move_type and not self.env.context.get("digitize_prefill"):
            self.move_type = move_type
        return header

    def _digitize_after_lines(self, mapped, current):
        result = super()._digitize_after_lines(mapped, current)
        if mapped.lines:  # what digitization proposed, to learn from what the person changes (vendor memory)
            self.invoice_line_ids.filtered("digitize_key")._digitize_snapshot()
        self._digitize_adjust_taxes(mapped.document)
        return result

    def _digitize_review_items(self, mapped):
        return super()._digitize_review_items(mapped) + self._digitize_duplicates()

    # --- verified bills: confirmed from the list, or posted automatically for a vendor that asks so -----------

    def _digitize_confirm_refusal(self):
        """Why this bill is not posted by "Confirm verified bills" (None: it may be)."""
        self.ensure_one()
        if self.move_type not in ("in_invoice", "in_refund"):
            return self.env._("not a vendor bill or refund")
        if self.state != "draft":
            return self.env._("not a draft")
        if not self.digitize_verified:
            return self.env._("not verified")
        if not self._digitize_check_verified():
            return self.env._("changed since it was verified")
        return None

    def action_digitize_confirm_verified(self):
        """The bills list's action "Confirm verified bills": post the selected bills that are verified drafts, as the
        user who asks (Odoo's own ``action_post``: their rights, the company's lock dates), each on its own (one that
        Odoo refuses does not stop the others); every bill not posted is named with the reason. Returns the
        notification that says so (and reloads the list)."""
        posted, skipped, refused = [], [], []
        for bill in self:
            reason = bill._digitize_confirm_refusal()
            if reason:
                skipped.append(f"{bill.display_name} ({reason})")
                continue
            try:
                with self.env.cr.savepoint():
                    bill.action_post()
            except (UserError, ValidationError, AccessError) as exc:
                self.env.invalidate_all()
                refused.append(f"{bill.display_name}: {exc.args[0] if exc.args else exc}")
            else:
                posted.append(bill.display_name)
        parts = []
        if posted:
            parts.append(self.env._("Posted %(count)s verified bill(s): %(bills)s.", count=len(posted),
                                    bills=", ".join(posted)))
        if skipped:
            parts.append(self.env._("Not posted, only verified draft bills are: %s.", "; ".join(skipped)))
        if refused:
            parts.append(self.env._("Odoo refused to post: %s", "; ".join(refused)))
        if not parts:
            parts.append(self.env._("No bill was selected."))
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "title": self.env._("Confirm verified bills"), "message": "\n".join(parts),
            "type": "warning" if skipped or refused or not posted else "success", "sticky": bool(skipped or refused),
            "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    def _digitize_after_done(self):
        """A verified draft bill of a vendor that posts its verified bills automatically (per company, off by default):
        posted now, in the name of the person who asked for it (their rights, the lock dates); a failure leaves it in
        draft and the chatter says why."""
        result = super()._digitize_after_done()
        vendor = self.commercial_partner_id.sudo().with_company(self.company_id)
        if not (self.digitize_verified and self.state == "draft" and self.move_type in ("in_invoice", "in_refund")
                and vendor.digitize_autopost_verified):
            return result
        user = self.sudo().digitize_requested_by
        if not user or not user.active:
            self._digitize_post(self.env._(
                "Verified, not posted automatically: nobody asked for this digitization, and a bill is posted in a "
                "person's name. Post it, or confirm it from the list (Confirm verified bills)."))
            return result
        bill = self.with_env(self._digitize_apply_env())
        try:
            with self.env.cr.savepoint():
                bill.action_post()
        except (UserError, ValidationError, AccessError) as exc:
            self.env.invalidate_all()
            self._digitize_post(self.env._(
                "Verified, but could not be posted automatically in the name of %(user)s: %(reason)s The bill stays "
                "in draft.", user=user.name, reason=exc.args[0] if exc.args else str(exc)))
        else:
            self._digitize_post(self.env._(
                "Verified and posted automatically in the name of %(user)s (%(vendor)s: post verified bills "
                "automatically).", user=user.name, vendor=vendor.display_name))
        return result

    # --- vendor memory ------------------------------------------------------------------------------

    def _post(self, soft=True):
        """The person posted the bills: remember their corrected lines (vendor memory), say what was left to
        check, then learn each vendor's layout from the bill as posted (models/account_move_layout.py)."""
        posted = super()._post(soft=soft)
        bills = posted.filtered(lambda m: m.digitize_state and m.move_type in ("in_invoice", "in_refund"))
        for move in bills:
            move._digitize_learn()
        posted._digitize_confirmed()
        bills._digitize_learn_layout()
        return posted

    def _digitize_learn(self):
        """The person confirmed the bill: remember, for this vendor, the lines they corrected."""
        self.ensure_one()
        vendor = self.commercial_partner_id
        lines = self.invoice_line_ids.filtered(lambda line: line.digitize_key and line.digitize_proposal)
        if not vendor or not lines:
            return
        found = corrections([{"key": line.digitize_key, "description": line.name,
                              "proposed": line._digitize_proposed_choice(), "final": line._digitize_choice()}
                             for line in lines])
        Memory = self.env["document.digitize.memory"].sudo()
        for correction in found:
            Memory._remember(self.company_id, vendor, correction)
        if found:
            self._digitize_post(self.env._("Remembered for %(vendor)s: %(lines)s.", vendor=vendor.display_name,
                                  lines=", ".join(c.description or c.key for c in found)))

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
        """Review items for the company's other bills with this vendor and reference, or this bill's file.

        The ORM fetches a superset (any reference with the same letters and digits in order); the decision
        is lib/duplicates.py's."""
        self.ensure_one()
        Move = self.env["account.move"]
        base = [("id", "!=", self.id), ("company_id", "=", self.company_id.id), ("state", "!=", "cancel"),
                ("move_type", "in", ("in_invoice", "in_refund"))]
        candidates = Move.browse()
        key = reference_key(self.ref)
        if key and self.partner_id:
            candidates |= Move.search(base + [("commercial_partner_id", "=", self.commercial_partner_id.id),
                                              ("ref", "=ilike", "%".join(key))], order="id", limit=20)
        checksums = {}
        if self.digitize_attachment_id.checksum:
            twins = self.env["ir.attachment"].sudo().search([
                ("checksum", "=", self.digitize_attachment_id.checksum), ("res_model", "=", self._name),
                ("res_id", "not in", [self.id, 0])])
            for twin in twins:
                checksums.setdefault(twin.res_id, set()).add(twin.checksum)
            candidates |= Move.search(base + [("id", "in", list(checksums))], order="id", limit=20)
        keys = [self._digitize_bill_key(bill, checksums.get(bill.id, ())) for bill in candidates]
        return duplicate_items(self._digitize_bill_key(self, [self.digitize_attachment_id.checksum]), keys)

    @staticmethod
    def _digitize_bill_key(bill, checksums):
        return BillKey(id=bill.id, name=bill.display_name, partner_id=bill.commercial_partner_id.id or None,
                       reference=bill.ref or None, invoice_date=bill.invoice_date or None,
                       checksums=frozenset(c for c in checksums if c), company_id=bill.company_id.id,
                       cancelled=bill.state == "cancel")

    # --- documents that arrive by mail -------------------------------------------------------------

    def _get_edi_decoder(self, file_data, new=False):
        # Odoo drops images mailed to the journal alias: keep scans and photos as documents of their bill.
        if file_data.get("type") == IMAGE_FILE_TYPE and self.is_purchase_document(include_receipts=True):
            return lambda invoice, file_data, new: True
        return super()._get_edi_decoder(file_data, new=new)

    def _extend_with_attachments(self, attachments, new=False):
        if (new and self.env.context.get("from_alias") and self.is_purchase_document(include_receipts=True)
                and not self._digitize_config().mail_split):
            new = False  # one bill per mail (setting off): every document on the bill the mail created
        return super()._extend_with_attachments(attachments, new=new)

    def _check_and_decode_attachment(self, attachments):
        result = super()._check_and_decode_attachment(attachments)
        slot = self.env.cr.cache.get(MAILED_KEY, {}).get(self.id) if self.env.context.get("from_alias") else None
        if result and slot is not None:
            # Odoo then copies the mail onto each extra bill, *replacing* their chatter, and picks their main
            # attachments: finish the job after that, in _message_post_after_hook
            documents = {}
            for attachment, invoices in result.items():
                for bill in invoices or self:
                    documents[bill] = documents.get(bill, self.env["ir.attachment"]) | attachment
            slot.append(documents)
        return result

    def _message_post_after_hook(self, new_message, message_values):
        # What core's hook decodes for this post (``_check_and_decode_attachment``, called from within it) is
        # kept in a slot of this record's own for the length of this one call: nothing another message or record
        # left in the transaction is picked up, and nothing of this one outlives it.
        slots = self.env.cr.cache.setdefault(MAILED_KEY, {})
        mine = [] if len(self) == 1 and self.id not in slots else None
        if mine is not None:
            slots[self.id] = mine
        try:
            result = super()._message_post_after_hook(new_message, message_values)
        finally:
            if mine is not None:
                slots.pop(self.id, None)
        if mine:
            auto = self._digitize_config().auto_mail
            for documents in mine:
                self._digitize_after_mail(documents, auto=auto)
        return result

    def _digitize_after_mail(self, documents, auto):
        """Once Odoo has filed a mail's documents on bills ({bill: its attachments, in Odoo's order}): each bill's
        main attachment is one of its own documents (Odoo's pick, the PDF first, else the first one); bills Odoo
        could not fill (no lines: no e-invoice inside) are queued with it when ``auto``, those it filled say so;
        bills of the same mail are linked to each other."""
        bills = self.browse([bill.id for bill in documents
                             if bill.move_type in ("in_invoice", "in_refund") and bill.state == "draft"])
        link = Markup('<a href="#" data-oe-model="account.move" data-oe-id="%s">%s</a>')
        for bill in bills:
            files = documents[bill].filtered(lambda a: document_mimetype(a) in DIGITIZABLE_MIMETYPES)
            main = bill.message_main_attachment_id if bill.message_main_attachment_id in files else files[:1]
            if main and bill.message_main_attachment_id != main and not document_mimetype(main).endswith("xml"):
                bill.with_context(tracking_disable=True).message_main_attachment_id = main
            if len(bills) > 1:
                links = Markup(", ").join(link % (other.id, other.display_name) for other in bills - bill)
                bill._digitize_post(Markup(self.env._("Received in the same e-mail as %s.")) % links)
            if bill.digitize_state:
                continue  # already in the queue's hands
            if bill.invoice_line_ids:
                bill._digitize_post(self.env._("%s was imported by Odoo from the e-invoice it carries; it was not "
                                               "sent to the model.", documents[bill][:1].name))
            elif auto and main:
                bill._digitize_enqueue(main, self.env._("Received %s by e-mail: queued for digitization.", main.name))
