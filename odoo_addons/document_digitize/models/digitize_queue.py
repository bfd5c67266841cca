"""The queue: the scheduled action, claiming, running, failing and recovering attempts (decisions in
lib/queue.py)."""

import json
import logging

import psycopg2
from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules import module as odoo_module
from odoo.sql_db import TestCursor

from ..lib import client, without_links
from ..lib import queue as digitize_queue
from .digitize_mixin import XML_MIMETYPES
from .ir_attachment import document_mimetype

_logger = logging.getLogger(__name__)


class DocumentDigitizeQueue(models.AbstractModel):
    """The queue: the scheduled action, claiming, running, failing and recovering attempts (decisions in"""

    _inherit = "document.digitize.mixin"

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
                wrote = self._digitize_before_read(attachment, config)
        except Exception:  # noqa: BLE001 - a step before the reading never costs the attempt
            _logger.exception("digitize %s,%s: the step before the reading failed", self._name, self.id)
            wrote = False
        if wrote and commit:  # what it wrote is seen before the slow reading
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
        self._digitize_after_done()
        self._digitize_notify()
        if commit:  # this record is done: a later record's failure must not undo it
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _digitize_before_read(self, attachment, config):
        """Once the claim is committed, before the slow reading: what a concrete model does first (a draft at once
        from the words reader where the request could not fill one: digitize_prefill.py). True when it wrote
        something to keep whatever the reading does; what it raises is logged and undone (its savepoint)."""
        return False

    def _digitize_after_done(self):
        """Once the reading is applied and kept: what a concrete model does next on its own (a bill of a vendor whose
        verified bills are posted automatically). Its failure must leave the record as read, with a note."""

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

    def _digitize_read(self, settings, attachment):
        """The document read (a ``client.ExtractResult``): the sidecar's model here; a vendor's learned layout
        first where there is one (models/digitize_layout.py extends this)."""
        return client.extract(settings, attachment.raw, filename=attachment.name or "",
                              mime_type=document_mimetype(attachment), document_type=self._digitize_document_type(),
                              include_attachments=document_mimetype(attachment) in XML_MIMETYPES)

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
