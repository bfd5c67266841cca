#!/usr/bin/env bash
# Odoo-side overhead per digitized bill (outside the sidecar call), in a real Odoo 18 found like the tests
# find it ($ODOO_HOME, default /opt/odoo18). Prints the figures of account_document_digitize's
# tests/test_bench_overhead.py (tag digitize_bench, not part of the standard test run), or of the benchmark whose
# tag is given: `bench_odoo.sh digitize_bench_draft` — Digitize to a filled draft over the corpus's PDFs
# (tests/test_bench_draft.py).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
ODOO_TEST_TAGS=${1:-digitize_bench} ODOO_TEST_LOG="$LOG" bash "$ROOT/tools/odoo_tests.sh" >/dev/null 2>&1 || {
  echo "bench_odoo: the Odoo run failed:" >&2; tail -40 "$LOG" >&2; exit 1; }
grep -o "BENCH .*" "$LOG"
