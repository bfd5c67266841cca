"""Shared by the digitization addons' tests: an in-process sidecar on loopback.

The sidecar is the production gRPC server with the replay engine (it answers the gold JSON of the shared
corpus by content and replaces only the model); client, queue, mapping and ORM writes are the real ones.
"""

import base64
import contextlib
import html
import io
import os
import re
import shutil
import time
import unittest
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from unittest.mock import patch

from odoo.api import call_kw
from odoo.tests import HttpCase, TransactionCase
from odoo.tests import common as odoo_test_common
from odoo.tools import html2plaintext
from PIL import Image

from ocr_sidecar.testing import ReplayReadingWords, SidecarThread

DOCS = Path(os.environ.get("OCR_DOCUMENTS_DIR") or Path(__file__).resolve().parents[3].parent / "shared" / "data"
            / "documents")
CHROME_STARTS = 3  # tries
CHROME_START_WAIT = 40  # seconds each


def _spawn_chrome_patiently(browser, cmd):
    """Odoo's ``ChromeBrowser._spawn_chrome``, patient: Odoo skips a tour (a skip, not a failure) when Chromium has
    not written its devtools port within 10 s, and on a busy 2-core machine a start has taken longer or died (a run
    with 204 tests lost one tour so, after a 60 s wait). A tour not run is a check lost: each try waits up to
    CHROME_START_WAIT seconds or until the process ends, then Chromium is started again on a fresh profile."""
    port_file = Path(browser.user_data_dir, "DevToolsActivePort")
    for attempt in range(1, CHROME_STARTS + 1):
        proc = browser._chrome_without_limit(cmd)
        deadline = time.monotonic() + CHROME_START_WAIT
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            if port_file.is_file() and port_file.stat().st_size > 5:
                with port_file.open(encoding="utf-8") as lines:
                    return proc, int(lines.readline())
        browser._logger.warning("Chromium start %d of %d gave no devtools port (%s); %s", attempt, CHROME_STARTS,
                                f"exited with {proc.returncode}" if proc.poll() is not None
                                else f"still starting after {CHROME_START_WAIT} s",
                                "starting it again" if attempt < CHROME_STARTS else "giving up")
        if proc.poll() is None:
            proc.kill()
            proc.wait(15)
        shutil.rmtree(browser.user_data_dir, ignore_errors=True)
        os.makedirs(browser.user_data_dir, exist_ok=True)
    raise unittest.SkipTest(f"Failed to detect chrome devtools port after {CHROME_STARTS} starts")


odoo_test_common.ChromeBrowser._spawn_chrome = _spawn_chrome_patiently
MIME = {".pdf": ("application", "pdf"), ".jpg": ("image", "jpeg"), ".png": ("image", "png"),
        ".xml": ("application", "xml")}


def read(note_html):
    """The text a person reads in an HTML note (the banner, a chatter message): tags gone, entities decoded, one
    space between words."""
    inline = re.sub(r"</?(?:a|strong|b|em|span)\b[^>]*>", "", str(note_html or ""))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def small_logo():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def printed_pdf(path, changes=None):
    """``path``'s pages without the e-invoice XML embedded in the PDF, so that its printed text is what is read
    (the sidecar answers a Factur-X/Order-X PDF from its XML first); with the words ``changes`` names printed
    otherwise ({page number: {old word: new word}}): the next document the same software prints."""
    from pypdf import PdfReader, PdfWriter  # noqa: PLC0415 - a test package (tools/odoo_tests.sh), not Odoo's
    from pypdf.generic import ByteStringObject, ContentStream

    writer = PdfWriter()  # a new document: the pages only, not the catalog's embedded files
    for number, page in enumerate(PdfReader(io.BytesIO(path.read_bytes())).pages, start=1):
        page = writer.add_page(page)
        words = (changes or {}).get(number)
        if not words:
            continue
        content = ContentStream(page.get_contents(), writer)
        operations = []
        for operands, operator in content.operations:
            if operator in (b"TJ", b"Tj"):
                parts = operands[0] if operator == b"TJ" else [operands[0]]
                text = "".join(part for part in parts if isinstance(part, str))
                printed = " ".join(words.get(word, word) for word in text.split(" "))
                if printed != text:  # the fonts are WinAnsi-encoded: one byte a character
                    operands, operator = [ByteStringObject(printed.encode("cp1252"))], b"Tj"
            operations.append((operands, operator))
        content.operations = operations
        page.replace_contents(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def eml(to, *files, sender="Billing <billing@vendor.example>", subject="Your invoice"):
    """An e-mail as a mail server hands it to Odoo; ``files`` are paths or (name, bytes)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid()
    message.set_content("Please find our invoice attached.")
    for file in files:
        name, content = (file.name, file.read_bytes()) if hasattr(file, "read_bytes") else file
        maintype, subtype = MIME[name[name.rindex("."):]]
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_string()


def deliver(env, model, to, *files, **kwargs):
    """One e-mail through Odoo's mail gateway (as fetchmail hands it over); the ``model`` records it created."""
    before = env[model].search([]).ids
    env["mail.thread"].message_process(model, eml(to, *files, **kwargs))
    return env[model].search([("id", "not in", before)], order="id")


def require_chromium(case):
    """Skip ``case`` (an HttpCase) with a notice where no Chromium is installed for the browser tours."""
    if not (shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chromium-browser")):
        case.skipTest("no Chromium: `apt-get install chromium` to run the browser tour")


def assert_upload_action(case, record):
    """The list's Upload button as the web client calls it: ``[ids]`` of the selection, empty when none is
    selected; either way the upload dialog of ``record``'s model."""
    for selected in ([], record.ids):
        action = call_kw(record.browse(), "action_digitize_upload", [selected], {})
        case.assertEqual((action["res_model"], action["target"]), ("document.digitize.upload", "new"))
        case.assertEqual(action["context"]["default_res_model"], record._name)


def set_alias_domain(env, name):
    """As Odoo's own alias tests do: the company's alias domain, needed before any alias receives mail."""
    domain = env["mail.alias.domain"].create({"name": name})
    env.company.alias_domain_id = domain
    return domain


class SidecarMixin:
    """A test class's own sidecar (replay engine) that the addon's settings point at; ``DigitizeCase`` for plain
    tests, with ``HttpCase`` for browser tours over the same data."""

    sidecar_options: dict = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sidecar = SidecarThread(engine="replay", documents_dir=DOCS, **cls.sidecar_options)
        cls.addClassCleanup(cls.sidecar.stop)
        cls.ICP = cls.env["ir.config_parameter"].sudo()
        cls.target = cls.sidecar.start()
        cls.ICP.set_param("document_digitize.endpoint", cls.target)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True

    @classmethod
    def purchase_tax(cls, rate=20.0):
        """A purchase tax of ``rate`` % in the test's company (the template company has 15 % only)."""
        return cls.env["account.tax"].create({"name": f"VAT {rate:g} % (purchase)", "amount": rate,
                                              "type_tax_use": "purchase", "company_id": cls.env.company.id})

    def attach(self, record, path, name=None, content=None):
        """The document as a file of ``record`` (as sent: digitizable records keep the original bytes)."""
        return self.env["ir.attachment"].create({"name": name or path.name, "raw": content or path.read_bytes(),
                                                 "res_model": record._name, "res_id": record.id})

    def digitize_new(self, model, path, content=None, **values):
        """A new draft of ``model`` with the document ``path`` (or ``content`` under its name) as its main file,
        digitized as the button and the scheduled action do."""
        record = self.env[model].create(values)
        attachment = self.attach(record, path, content=content)
        if "message_main_attachment_id" in record._fields:
            record.message_main_attachment_id = attachment
        record.action_digitize()
        record._digitize_process_queue(10, commit=False)
        self.assertIn(record.digitize_state, ("done", "needs_review"), record.digitize_error)
        return record

    def assert_review_ended(self, record, to_check):
        """``record`` was confirmed while it needed review: out of *Needs review* (state, filter, marks), and one
        chatter note lists ``to_check``, what digitization had asked to check."""
        self.assertEqual(record.digitize_state, "done", "the banner goes")
        self.assertNotIn(record, record.search([("digitize_state", "=", "needs_review")]),
                         "the Needs review filter no longer lists it")
        self.assertFalse(record.digitize_low_fields, "no low-confidence marks once confirmed")
        note = record.message_ids.filtered(lambda m: "not checked" in (m.body or ""))
        self.assertEqual(len(note), 1)
        text = " ".join(html2plaintext(note.body).split())
        self.assertIn("Confirmed with these items not checked:", text)
        for message in to_check:
            self.assertIn(" ".join(message.split()), text)


class DigitizeCase(SidecarMixin, TransactionCase):
    """Tests of the addons against their own in-process sidecar (see the module's docstring)."""


def sidecar_requests(sidecar):
    """Extract requests the sidecar received, whatever their answer (its own ``ocr_requests_total`` metric)."""
    return int(sum(sample.value for metric in sidecar.server.metrics.registry.collect()
                   for sample in metric.samples
                   if sample.name == "ocr_requests_total" and sample.labels.get("method") == "Extract"))


class EvidenceTourCase(HttpCase):
    """A record digitized by a replay sidecar that reads the pages' words, then opened in a real browser (headless
    Chromium) to check the document viewer. Skipped with a notice where no Chromium is installed."""

    def setUp(self):
        super().setUp()
        require_chromium(self)
        self.sidecar = SidecarThread(engine="replay", documents_dir=DOCS, engine_instance=ReplayReadingWords(DOCS))
        self.addCleanup(self.sidecar.stop)
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", self.sidecar.start())
        self.env.ref("base.EUR").active = True

    # The widths a clerk's screen has: a laptop's, and a desktop's where Odoo shows its attachment preview
    CLERK_SIZES = ("1366x768", "1920x1080")

    def clerk_tour(self, url, tour):
        """Run ``tour`` (static/tests/tours/clerk_tour.js) at each of ``CLERK_SIZES``. With
        DIGITIZE_TOUR_SCREENSHOTS=<folder> set, the page as the tour leaves it is saved there, one PNG per width."""
        for size in self.CLERK_SIZES:
            with self.subTest(size=size):
                self.browser_size = size
                with self._screenshot_at_the_end(f"{tour}_{size}"):
                    self.start_tour(url, tour, login="admin", timeout=120)

    @contextlib.contextmanager
    def _screenshot_at_the_end(self, name):
        folder = os.environ.get("DIGITIZE_TOUR_SCREENSHOTS")
        if not folder:
            yield
            return
        stop = odoo_test_common.ChromeBrowser.stop

        def screenshot_then_stop(browser):
            try:  # a look at the page, not a check: a browser that cannot take it fails nothing
                data = (browser._websocket_request("Page.captureScreenshot", timeout=30) or {}).get("data")
            except Exception:  # noqa: BLE001
                data = None
            if data:
                Path(folder).mkdir(parents=True, exist_ok=True)
                (Path(folder) / f"{name}.png").write_bytes(base64.b64decode(data))
            return stop(browser)

        with patch.object(odoo_test_common.ChromeBrowser, "stop", screenshot_then_stop):
            yield

    def digitize(self, record, path):
        """Attach ``path`` to ``record`` (its main attachment), digitize it through the queue, return the record."""
        attachment = self.env["ir.attachment"].create({"name": path.name, "raw": path.read_bytes(),
                                                       "res_model": record._name, "res_id": record.id})
        if "message_main_attachment_id" in record._fields:
            record.message_main_attachment_id = attachment
        record.action_digitize()
        record._digitize_process_queue(10, commit=False)
        self.assertIn(record.digitize_state, ("done", "needs_review"), record.digitize_error)
        self.assertTrue(record.digitize_evidence_view, "the viewer has something to show")
        return record
