"""The e-invoice engine (``--engine einvoice``): a server or an eval run that reads e-invoices only and must not
fall back to a model. The XML is read by the pipeline's first stage (``ocr_sidecar.einvoice``), which such a
server runs for every document, so what reaches this engine carries no e-invoice: it is refused."""

from __future__ import annotations

import threading
from typing import Optional

from ..errors import InvalidDocument
from ..types import DocumentInput, EngineResult
from .base import BaseEngine

ENGINE_NAME = "einvoice"  # as the e-invoice stage names itself in its answers (einvoice.ENGINE_NAME)


class EInvoiceEngine(BaseEngine):
    name = ENGINE_NAME
    model_name = ENGINE_NAME
    reads_pages = False  # the XML is the answer: nothing to load, no page to render; the pipeline reads the XML

    def extract(self, doc: DocumentInput, cancel: Optional[threading.Event] = None) -> EngineResult:
        raise InvalidDocument(
            "This document carries no e-invoice XML (Factur-X, ZUGFeRD, XRechnung, UBL, Order-X). "
            "Send it to a server running the InternVL engine to read it from its pages.")
