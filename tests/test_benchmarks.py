"""The benchmark scripts that decide defaults must run end to end: compare_decoders.py (the evidence for
OCR_DECODER=parallel) through the real `ocr-sidecar eval`, here on the tiny random model — its figures mean
nothing, what is checked is that both evals run and the comparison reads them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import DOCUMENTS_DIR, ROOT

SCRIPT = ROOT / "benchmarks" / "compare_decoders.py"


def test_compare_decoders_runs_both_evals_and_compares_them(tiny_model_dir, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("i2d_NetpresseInvoice.pdf", "i2d_NetpresseInvoice.gold.json"):
        shutil.copy(DOCUMENTS_DIR / name, docs / name)
    env = dict(os.environ, OCR_MAX_TOKENS="96", OCR_MAX_TILES="2")
    run = subprocess.run([sys.executable, str(SCRIPT), "--model", str(tiny_model_dir), "--docs", str(docs),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "random weights" in run.stderr  # the figures are said to mean nothing
    for decoder in ("jump", "parallel"):
        report = json.loads((tmp_path / "out" / decoder / "report.json").read_text())
        assert report["overall"]["documents"] == 1 and report["overall"]["errors"] == 0, decoder
    assert "| documents | 1 | 1 |" in run.stdout and "verdict:" in run.stdout


def _report(folder: Path, matched: dict[str, int]) -> Path:
    folder.mkdir(parents=True)
    documents = [{"name": n, "matched": m, "scored": 10} for n, m in matched.items()]
    total = sum(matched.values())
    overall = {"documents": len(matched), "errors": 0, "scored": 10 * len(matched), "matched": total,
               "accuracy": total / (10 * len(matched)), "exact_accuracy": 0.0, "latency_ms_median": 1.0}
    fields = {"total": {"accuracy": overall["accuracy"], "matched": total, "scored": 10 * len(matched)}}
    (folder / "report.json").write_text(json.dumps({"overall": overall, "fields": fields, "documents": documents}))
    return folder


def test_compare_names_the_documents_that_score_differently(tmp_path):
    jump = _report(tmp_path / "jump", {"a.pdf": 9, "b.pdf": 7})
    parallel = _report(tmp_path / "parallel", {"a.pdf": 9, "b.pdf": 5})
    run = subprocess.run([sys.executable, str(SCRIPT), "--reports", str(jump), str(parallel)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "1 documents score differently" in run.stdout and "- b.pdf: 7/10 → 5/10" in run.stdout
    assert "verdict: parallel loses 10.0% accuracy overall" in run.stdout


def test_summary_places_measures_generated_pages_to_the_end():
    """The script behind the README's figure for totals on generated pages runs and counts every value."""
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "summary_places.py"), "--documents", "30"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()[-1].split("|")
    assert last[1].strip() == "all" and int(last[2]) > 60, run.stdout
    assert last[-2].strip() == "0", "no total taken from inside a code"


def test_line_grouping_measures_both_groupings_on_the_same_pages():
    """The script behind the README's figure for lines on tilted pages runs to the end; on tilted pages the
    grouping along the page's angle keeps more printed lines than rows by overlap only."""
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "line_grouping.py"), "--pages", "40"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    shares = {label: float(re.search(rf"all \({label}\): \d+/\d+ = ([\d.]+)%", run.stdout).group(1))
              for label in ("before", "now")}
    assert shares["now"] > shares["before"] + 20, run.stdout


def test_einvoice_suite_compares_each_core_field_with_its_own_reading(tmp_path):
    """The script behind the README's e-invoice suite figures runs to the end on a folder of e-invoices (the
    corpus's Factur-X PDFs, a UBL invoice and a UBL credit note): each core field is compared with the
    script's own XPath reading, and a truncated XML is counted as refused (exit 1)."""
    from test_einvoice import _ubl_invoice

    docs = tmp_path / "docs"
    docs.mkdir()
    for pdf in sorted(DOCUMENTS_DIR.glob("fx_*.pdf")):
        shutil.copy(pdf, docs / pdf.name)
    (docs / "sample_ubl.xml").write_bytes(_ubl_invoice())
    (docs / "credit_ubl.xml").write_bytes(_ubl_invoice(root="CreditNote", type_tag="CreditNoteTypeCode",
                                                       type_code="381"))
    script = ROOT / "benchmarks" / "einvoice_suite.py"
    run = subprocess.run([sys.executable, str(script), "--documents", str(docs), "--json-out",
                          str(tmp_path / "out.json")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["refused"] == [] and out["read"] == out["documents"] >= 3
    for code in ("BT-1", "BT-2", "BT-3", "BT-27", "BT-112", "BT-131"):
        right, compared = out["fields"][code]
        assert compared >= 3 and right == compared, (code, out["mismatches"])
    assert re.search(r"core fields equal to the independent reading: (\d+)/\1 ", run.stdout), run.stdout

    (docs / "truncated_ubl.xml").write_bytes(_ubl_invoice()[:900])
    run = subprocess.run([sys.executable, str(script), "--documents", str(docs)], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 1 and "refused truncated_ubl.xml" in run.stdout, run.stdout


def test_page_structure_measures_both_structures_on_the_same_pages():
    """The script behind the README's figures for evidence on generated pages runs to the end; with the page's
    structure (columns, wrapped descriptions), more right values are located and more changed ones flagged than
    with rows only."""
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "page_structure.py"), "--pages", "24"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    for kind in ("born-digital", "scan"):
        row = re.search(rf"\| {kind} \| all \| \d+/\d+ = ([\d.]+)% \| \d+/\d+ = ([\d.]+)% \| "
                        rf"\d+/\d+ = ([\d.]+)% \| \d+/\d+ = ([\d.]+)% \|", run.stdout)
        located_before, located_now, flagged_before, flagged_now = map(float, row.groups())
        assert located_now > located_before and flagged_now > flagged_before, run.stdout


def test_verified_injected_asks_the_addons_one_decision_of_right_and_wrong_answers(tmp_path):
    """The script behind the verified figures runs on generated documents (no corpus here) and counts every one, the
    clean answer and the injected one; no injected wrong value comes out verified."""
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "verified_injected.py"), "--count", "24",
                          "--documents", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line.split("|") for line in run.stdout.splitlines() if line.startswith("| all")]
    assert len(rows) == 1 and int(rows[0][3]) == 24, run.stdout
    assert rows[0][4].strip().startswith("0/"), "no wrong answer verified"
    assert "goal: no document with an injected wrong value verified, over ≥ 200 documents: MISSED" in run.stdout, \
        "24 documents are not the 200 the goal asks for"
