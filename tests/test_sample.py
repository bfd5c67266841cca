"""samples/invoice.pdf, the README's first document: what tools/make_sample.py writes, and read as the README says.

On a fresh machine — no weights, no server — `./run.sh extract samples/invoice.pdf` answers it from its
embedded XML; the page prints the same invoice, so the model (or a reader of the PDF) finds the same values.
"""

from __future__ import annotations

import importlib.util
import json

import pypdfium2 as pdfium
from facturx import get_xml_from_pdf
from typer.testing import CliRunner

from ocr_sidecar.cli import app

from conftest import ROOT

SAMPLE = ROOT / "samples" / "invoice.pdf"


def make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "tools" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_sample_carries_what_the_script_writes(tmp_path):
    script = make_sample()
    _name, xml = get_xml_from_pdf(SAMPLE.read_bytes(), check_xsd=True)
    assert xml == script.cii_xml(script.INVOICE)
    assert script.main(["--out", str(tmp_path / "again.pdf")]) == 0  # the script runs offline, here
    assert get_xml_from_pdf((tmp_path / "again.pdf").read_bytes(), check_xsd=False)[1] == xml
    page = pdfium.PdfDocument(str(SAMPLE))[0].get_textpage().get_text_range()
    for printed in ("INV-2025-0042", "2025-03-14", "PO-7731", "DE812345673", "293.10", "55.69", "348.79",
                    "DE89370400440532013000", "Toner cartridge, black"):
        assert printed in page, printed
    assert SAMPLE.stat().st_size < 20_000


def test_extract_reads_the_sample_without_weights(tmp_path):
    result = CliRunner().invoke(app, ["extract", str(SAMPLE)], env={"MODEL_PATH": str(tmp_path / "no-weights"),
                                                                    "OCR_ENGINE": "internvl"})
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["engine"] == "einvoice" and payload["warnings"] == []
    document = payload["document"]
    assert (document["document_number"], document["total"], document["seller"]["name"]) == \
        ("INV-2025-0042", 348.79, "Example Office Supplies GmbH")
    assert [line["amount"] for line in document["lines"]] == [99.6, 158.0, 35.5]
