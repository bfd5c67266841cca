import datetime
import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import ORDER_HEADER_FIELDS, ReviewItem, confirmed_order_document, line_fields
from ..lib.mapping import EXPECTED_TYPES
from .digitize_mixin import documents_of, pick_document

# context of the record a mail just created (``message_new`` returns it so): the mail gateway posts that mail on
# that very recordset, and only that post queues its document — no state outlives the call
MAILED_KEY = "document_digitize_mailed_record"


class DocumentDigitizeOrderMixin(models.AbstractModel):
    """What digitizing an order adds to the base: a placeholder partner until the document names the real
    one (an order cannot be saved without a partner), no confirmation while it is there, and documents
    mailed to an alias set in Settings.

    List it *first* in the order's ``_inherit`` (``["document.digitize.order.mixin", "sale.order"]``): Odoo
    puts the classes of ``_inherit`` in that order ahead of those the model already has, among them
    ``mail.thread``; listed after ``sale.order`` its ``message_new`` would come after mail.thread's and
    never run.
    """

    _name = "document.digitize.order.mixin"
    _inherit = ["document.digitize.mixin"]
    _description = "Document digitization (orders)"

    _digitize_confirmed_states = ()  # the states an order reaches by confirmation (sale, purchase, to approve)

    def _digitize_is_editable(self):
        return self.state in ("draft", "sent")

    # --- the placeholder partner --------------------------------------------------------------------

    @api.model
    def _digitize_placeholder_partner(self):
        """Orders need a partner to be saved: uploads start with this one until the document names one."""
        return self.env.ref("document_digitize.partner_to_identify", raise_if_not_found=False) or \
            self.env["res.partner"]

    @api.model
    def _digitize_create_from_upload(self, attachment):
        return self.create({"partner_id": self._digitize_placeholder_partner().id})

    def _digitize_current(self):
        """Defaults never chosen count as empty too: the placeholder partner, a ``date_order`` left at
        creation time."""
        current = super()._digitize_current()
        if "partner_id" in current and self.partner_id == self._digitize_placeholder_partner():
            current["partner_id"] = False
        if "date_order" in current and self.create_date and self.date_order \
                and abs(self.date_order - self.create_date) < datetime.timedelta(minutes=5):
            current["date_order"] = False
        return current

    # What the mapping already asks about the partner (not found, ambiguous, our own, guessed): one question.
    _digitize_partner_codes = ("partner_", "own_company")

    def _digitize_review_items(self, mapped):
        items = super()._digitize_review_items(mapped)
        asked = any(item.serious and item.code.startswith(self._digitize_partner_codes) for item in mapped.review)
        if not asked and (not self.partner_id or self.partner_id == self._digitize_placeholder_partner()):
            items.append(ReviewItem("partner_placeholder", self.env._(
                "The partner could not be identified: choose it before confirming."), "partner_id", serious=True))
        return items

    def write(self, vals):
        # Every confirmation writes its state (sale: action_confirm; purchase: button_confirm, button_approve,
        # a manager's approval): the one place to stop an order still on the placeholder partner.
        if vals.get("state") in self._digitize_confirmed_states and "partner_id" not in vals:
            self._digitize_check_partner_identified()
        return super().write(vals)

    def _digitize_check_partner_identified(self):
        """Orders still on the placeholder partner must not be confirmed."""
        placeholder = self._digitize_placeholder_partner()
        stuck = self.filtered(lambda record: placeholder and record.partner_id == placeholder)
        if stuck:
            raise UserError(self.env._(
                "Choose the real partner of %s before confirming: digitization did not identify it.",
                ", ".join(stuck.mapped("display_name"))))

    # --- learning the partner's layout when a person confirms the order ---------------------------

    def _digitize_confirm_and_learn(self, confirm):
        """``confirm()`` (the order's own confirmation, through ``super()``), then the digitized orders it
        confirmed leave *needs review* (``_digitize_confirmed``) and teach their partner's layout
        (models/digitize_layout.py): as they were when the person confirmed them (a sales order's confirmation
        sets its date to now), once the confirming user's own confirmation succeeded; only the layout is
        written as superuser."""
        pending = self.filtered(lambda order: order.state not in self._digitize_confirmed_states)
        documents = pending._digitize_confirmed_documents()
        result = confirm()
        confirmed = pending.filtered(lambda order: order.state in self._digitize_confirmed_states)
        confirmed._digitize_learn_layout(documents)
        confirmed._digitize_confirmed()
        return result

    def _digitize_confirmed_document(self):
        """The order as the person confirmed it, in document terms — what the mapping wrote where, read back
        (lib ``confirmed_order_document``): the partner's reference, the dates as the person saw them, the
        product lines (no sections, no notes), taxes and totals."""
        self.ensure_one()
        target = self._digitize_target
        _lines, qty_field, taxes_field, _uom = line_fields(target)
        header = {}
        for name in ORDER_HEADER_FIELDS[target].values():
            value = self[name]
            if isinstance(value, datetime.datetime):
                value = fields.Datetime.context_timestamp(self, value).date()
            header[name] = value
        lines, taxes = [], {}
        for line in self.order_line.filtered(lambda l: not l.display_type):
            percent = line[taxes_field].filtered(lambda t: t.amount_type == "percent")
            lines.append({"name": line.name, qty_field: line[qty_field], "price_unit": line.price_unit,
                          "discount": line.discount, "price_subtotal": line.price_subtotal,
                          "tax_rate": sum(percent.mapped("amount")) if percent else None,
                          "product_code": self._digitize_line_product_code(line) or None})
            computed = line[taxes_field].compute_all(
                line.price_unit * (1 - (line.discount or 0.0) / 100), currency=self.currency_id,
                quantity=line[qty_field], product=line.product_id, partner=self.partner_id)
            for tax in computed["taxes"]:
                rate = self.env["account.tax"].browse(tax["id"]).amount
                row = taxes.setdefault(rate, {"rate": rate, "base": 0.0, "amount": 0.0})
                row["base"] += tax["base"]
                row["amount"] += tax["amount"]
        try:
            read = json.loads(self.digitize_json or "{}")
        except ValueError:
            read = {}
        read = read if isinstance(read, dict) else {}
        read_type = read.get("document_type")
        document_type = read_type if read_type in EXPECTED_TYPES[target] - {None} else self._digitize_order_type()
        # the currency the mapping sets (a purchase order's) as confirmed; a sales order's follows its pricelist,
        # not the document: the one the document was read with
        currency = self.currency_id.name if "currency_id" in self._digitize_header_fields else read.get("currency")
        round_amount = self.currency_id.round
        return confirmed_order_document(
            target, header, lines, document_type=document_type, currency=currency,
            subtotal=self.amount_untaxed, total_tax=self.amount_tax, total=self.amount_total,
            taxes=[dict(row, base=round_amount(row["base"]), amount=round_amount(row["amount"]))
                   for _rate, row in sorted(taxes.items())])

    def _digitize_order_type(self):
        """The document type of this kind of order when the document read does not say one it expects."""
        return self._digitize_document_type()

    def _digitize_line_product_code(self, line):
        """The product's code as the partner prints it (the confirmed line's name may carry it instead)."""
        return line.product_id.default_code

    # --- documents mailed to the alias set in Settings ----------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A mail to this model's alias: an empty draft on the placeholder partner — the sender may be a
        colleague forwarding it, the document names the partner. The document is queued once the mail and
        its files are posted on it (``_digitize_mail_received``). Not mail.thread's: it would name the order
        after the mail's subject."""
        values = dict(custom_values or {})
        if not values.get("partner_id"):
            values["partner_id"] = self._digitize_placeholder_partner().id
        # the alias's company (its defaults), not the mail gateway's: defaults then come from that company
        record = self.with_company(values.get("company_id") or self.env.company).create(values)
        return record.with_context(**{MAILED_KEY: f"{record._name},{record.id}"})

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        self._digitize_mail_received(message)
        return result

    def _digitize_import_edi(self, attachment):
        """Let Odoo's own e-document import read ``attachment`` first; True when it filled the record."""
        return False

    def _digitize_mail_received(self, message):
        """After ``message`` is posted: on a record its mail just created, pick the document among the mail's
        files (the first PDF, else the first scan or photo; logos are skipped) and queue it when
        auto-digitize is on (the Digitize button reads the newest one). Every file stays attached; the chatter
        says which one is read."""
        mailed = self.env.context.get(MAILED_KEY)
        records = self.filtered(lambda record: mailed == f"{record._name},{record.id}")
        if not records or message.message_type != "email":
            return
        auto = self._digitize_config().auto_mail
        for record in records.with_context(**{MAILED_KEY: False}):
            attachments = message.attachment_ids.sorted("id")
            main = pick_document(attachments)
            if not main:
                record._digitize_post(self.env._(
                    "This e-mail carries no PDF, scan or photo of a document: nothing to digitize. Attach the "
                    "document, then press Digitize."))
                continue
            note = self.env._("Received by e-mail: %s.", ", ".join(documents_of(attachments).mapped("name")))
            if record._digitize_import_edi(main):
                record._digitize_post(note + " " + self.env._(
                    "Odoo imported %s itself (an e-order it reads); it was not sent to the model.", main.name))
                continue
            if auto:
                record._digitize_enqueue(main, note + " " + self.env._("%s is queued for digitization.", main.name))
            else:
                record._digitize_post(note + " " + self.env._("Press Digitize to read %s.",
                                                              record._digitize_find_attachment().name))
