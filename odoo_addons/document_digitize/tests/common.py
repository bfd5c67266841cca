"""Shared by the digitization addons' tests: an in-process sidecar on loopback.

The sidecar is the production gRPC server with the replay engine (it answers the gold JSON of the shared
corpus by content and replaces only the model); client, queue, mapping and ORM writes are the real ones.
"""

import os
from pathlib import Path

from odoo.tests import TransactionCase

from ocr_sidecar.testing import SidecarThread

DOCS = Path(os.environ.get("OCR_DOCUMENTS_DIR") or Path(__file__).resolve().parents[3].parent / "shared" / "data"
            / "documents")


class DigitizeCase(TransactionCase):
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

    def attach(self, record, path, name=None):
        """The document as a file of ``record`` (as sent: digitizable records keep the original bytes)."""
        return self.env["ir.attachment"].create({"name": name or path.name, "raw": path.read_bytes(),
                                                 "res_model": record._name, "res_id": record.id})
