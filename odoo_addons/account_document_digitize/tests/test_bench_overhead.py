"""Odoo-side cost of one digitized bill, outside the sidecar — a benchmark, not a test of the build.

Tagged ``digitize_bench`` and excluded from the standard run; ``benchmarks/bench_odoo.sh`` runs it and
prints the figures. Each bill goes through the real queue path (claim, gRPC call to the in-process replay
sidecar, mapping, ORM writes, chatter); the time of the gRPC call itself is measured apart and subtracted.
"""

import json
import logging
import statistics
import time

from odoo.addons.document_digitize.lib import client
from odoo.tests import TransactionCase, tagged

from ocr_sidecar.testing import SidecarThread

from .test_digitize_bill import DOCS, NETPRESSE

_logger = logging.getLogger(__name__)
BILLS = 30


@tagged("-standard", "-at_install", "post_install", "digitize_bench")
class BenchDigitizeOverhead(TransactionCase):
    def test_overhead_per_bill(self):
        sidecar = SidecarThread(engine="replay", documents_dir=DOCS)
        self.addCleanup(sidecar.stop)
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.endpoint", sidecar.start())
        self.env.ref("base.EUR").active = True
        self.env["res.partner"].create({"name": "Netpresse SAS", "is_company": True})
        document = json.loads(NETPRESSE.with_name(NETPRESSE.stem + ".gold.json").read_text())
        bills = self.env["account.move"]
        for i in range(BILLS):
            content = NETPRESSE.read_bytes() + f"\n% bench {i}".encode()
            sidecar.add(content, dict(document, document_number=f"BENCH-{i}"))
            bill = self.env["account.move"].create({"move_type": "in_invoice"})
            attachment = self.env["ir.attachment"].create({"name": f"b{i}.pdf", "raw": content,
                                                           "res_model": "account.move", "res_id": bill.id})
            bill.message_main_attachment_id = attachment
            bills |= bill
        bills.action_digitize()
        grpc_s = []
        extract = client.extract

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return extract(*args, **kwargs)
            finally:
                grpc_s.append(time.perf_counter() - t0)

        client.extract = timed
        try:
            totals = []
            for bill in bills:
                t0 = time.perf_counter()
                bill._digitize_run_one(commit=False)
                self.env.flush_all()
                totals.append(time.perf_counter() - t0)
        finally:
            client.extract = extract
        overhead = sorted(t - g for t, g in zip(totals, grpc_s))
        _logger.info("BENCH odoo overhead per bill (outside the sidecar call), %d bills: mean %.3f s, p50 %.3f s, "
                     "p95 %.3f s, max %.3f s; gRPC call incl. replay engine: mean %.3f s",
                     len(overhead), statistics.mean(overhead), statistics.median(overhead),
                     overhead[int(0.95 * (len(overhead) - 1))], overhead[-1], statistics.mean(grpc_s))
        self.assertEqual(bills.mapped("digitize_state"), ["needs_review"] * BILLS, "no 20 % purchase tax in the template company")
