"""Time from Digitize to a filled draft (issue 34's goal: ≤ 2 s for a born-digital PDF, whatever the model's speed)
— a benchmark, not a test of the build.

Tagged ``digitize_bench_draft`` and excluded from the standard run; ``benchmarks/bench_odoo.sh digitize_bench_draft``
runs it and prints the figures. Every PDF of the corpus (../shared/data/documents) is attached to a new draft bill
and Digitize is pressed (``action_digitize``, what the button calls), timed from the call to its return with the
draft written, against a real in-process sidecar whose model (the replay engine) takes 60 s a page: the draft comes
from the words reader (a text layer) or the e-invoice's XML, never from the model. The browser's round trip and
drawing are not in the figure.
"""

import logging
import statistics
import tempfile
import time
from pathlib import Path

from odoo.addons.document_digitize.tests.common import DOCS
from odoo.tests import TransactionCase, tagged

from ocr_sidecar.testing import SidecarThread

_logger = logging.getLogger(__name__)
MODEL_DELAY_S = 60.0  # the model's reading of a page, far slower than any draft may take


@tagged("-standard", "-at_install", "post_install", "digitize_bench_draft")
class BenchDraftAtOnce(TransactionCase):
    def test_digitize_to_a_filled_draft(self):
        # a replay model that knows none of the files (an empty folder): an e-invoice is read from its XML, as in
        # production, and anything else would wait MODEL_DELAY_S on the model
        sidecar = SidecarThread(engine="replay", documents_dir=Path(tempfile.mkdtemp()), delay_s=MODEL_DELAY_S)
        self.addCleanup(sidecar.stop)
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", sidecar.start())
        self.env.ref("base.EUR").active = True
        rows = []
        for path in sorted(DOCS.glob("*.pdf")):
            bill = self.env["account.move"].create({"move_type": "in_invoice"})
            bill.message_main_attachment_id = self.env["ir.attachment"].create({
                "name": path.name, "raw": path.read_bytes(), "res_model": "account.move", "res_id": bill.id})
            self.env.flush_all()
            started = time.perf_counter()
            bill.action_digitize()
            self.env.flush_all()
            seconds = time.perf_counter() - started
            how = ("e-invoice" if bill.digitize_state in ("done", "needs_review") else
                   "words reader" if bill.digitize_prefilled else "queued only")
            filled = bool(bill.partner_id or bill.ref or bill.invoice_date or bill.invoice_line_ids)
            rows.append((path.name, how, filled, seconds))
            _logger.info("BENCH draft %s: %s, filled %s, %.3f s", path.name, how, filled, seconds)
        for how in ("words reader", "e-invoice", "queued only"):
            times = sorted(s for _n, h, f, s in rows if h == how)
            if not times:
                continue
            filled = sum(1 for _n, h, f, _s in rows if h == how and f)
            _logger.info("BENCH draft at once, %s: %d PDFs, %d with a filled draft; Digitize → draft median %.3f s, "
                         "p90 %.3f s, max %.3f s (goal ≤ 2 s)", how, len(times), filled, statistics.median(times),
                         times[int(0.9 * (len(times) - 1))], times[-1])
        slowest = max(s for *_x, s in rows)
        self.assertLess(slowest, MODEL_DELAY_S / 2, "no draft waited on the model")
