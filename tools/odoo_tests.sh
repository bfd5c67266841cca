#!/usr/bin/env bash
# Runs the Odoo addons' own tests (odoo_addons/*/tests) inside a real Odoo 18.
#
# Odoo is found at $ODOO_HOME (default /opt/odoo18): source in src/ (launcher src/setup/odoo or
# src/odoo-bin), virtualenv in venv/, optional odoo.conf (database connection) and ADDONS_PATH.
# Without an Odoo 18 install the tests are SKIPPED with a loud notice and this script exits 0.
# The database is a fresh copy of the template $ODOO_TEMPLATE_DB (default odoo18_tmpl: account,
# purchase, sale_management installed), created from scratch when the template is missing.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_HOME=${ODOO_HOME:-/opt/odoo18}
PY="$ODOO_HOME/venv/bin/python"
LAUNCHER="$ODOO_HOME/src/setup/odoo"
[ -f "$LAUNCHER" ] || LAUNCHER="$ODOO_HOME/src/odoo-bin"

if [ ! -x "$PY" ] || [ ! -f "$LAUNCHER" ]; then
  cat >&2 <<MSG

################################################################################
##  SKIPPED: Odoo addon tests NOT RUN — no Odoo 18 found at $ODOO_HOME
##  (looked for $ODOO_HOME/venv/bin/python and $ODOO_HOME/src/setup/odoo).
##  Install Odoo 18 there, or set ODOO_HOME to an install with src/ and venv/.
################################################################################

MSG
  exit 0
fi

DOCS=${OCR_DOCUMENTS_DIR:-$ROOT/../shared/data/documents}

# --- Python packages the tests import beside Odoo's own ---------------------------------------------------
# The list was derived, not guessed: the probe below ran in a venv holding only Odoo's requirements.txt, and
# each package was added for the ModuleNotFoundError it raised until the probe passed. The probe imports the
# addon's gRPC client, starts the in-process test sidecar (ocr_sidecar.testing) with the replay and the
# e-invoice engines and sends them the kinds of documents the tests send, so the imports the server makes
# lazily (PDF rendering, Factur-X) are reached too. websocket-client: the browser tours. rapidocr + onnxruntime (the
# sidecar's own pins, pyproject.toml): the OCR that gives scans and photos their word layer, so the evidence tours
# see a photo's boxes as the model's path would (benchmarks/README.md: they install beside Pillow 9.4 and lxml 4.9).
# lightgbm (pyproject.toml's range): the words reader that confirms the model's values (verified bills' tests).
# Odoo's pinned packages (Pillow 9.4, lxml 4.9, ...) are never changed: every package already in the venv is
# pinned to its installed version in a constraints file, so pip only adds; when it cannot, this script stops.
TEST_PACKAGES=(grpcio grpcio-health-checking grpcio-reflection protobuf pydantic prometheus-client pypdfium2 pypdf
               factur-x rapidfuzz websocket-client rapidocr==3.10.0 onnxruntime==1.32.0 "lightgbm>=4.5,<5")
WORK=$(mktemp -d)
cat >"$WORK/probe.py" <<'PY'
import os
from pathlib import Path

import grpc, google.protobuf, websocket  # noqa: F401,E401  the addon's client; HttpCase browser tours
import stdnum, rapidfuzz  # noqa: F401,E401  the addon's mapping
import rapidocr, onnxruntime  # noqa: F401,E401  OCR of scans and photos in the test sidecar (evidence tours)
import lightgbm  # noqa: F401  the words reader, the second reading that confirms values (verified bills)
import ocr_sidecar.server  # noqa: F401  imported in the sidecar's thread, where an ImportError would only time out
from ocr_sidecar.proto import document_service_pb2 as pb, document_service_pb2_grpc as pb_grpc
from ocr_sidecar.testing import SidecarThread

docs = Path(os.environ["OCR_DOCUMENTS_DIR"])
samples = {"replay": ["i2d_NetpresseInvoice.pdf", "img_contoso_receipt_photo1.png", "img_heroltd_po_Form_1.jpg"],
           "einvoice": ["fx_EN16931_Einfach.pdf", "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"]}
for engine, names in samples.items():
    with SidecarThread(engine=engine, documents_dir=docs) as target:
        stub = pb_grpc.DocumentServiceStub(grpc.insecure_channel(target))
        for name in names:
            stub.Extract(pb.ExtractRequest(content=(docs / name).read_bytes(), filename=name), timeout=60)
from facturx import get_xml_from_pdf  # noqa: E402  a sale test mails an Order-X XML made with it
_name, xml = get_xml_from_pdf((docs / samples["einvoice"][1]).read_bytes(), check_xsd=False)
with SidecarThread(engine="einvoice") as target:
    pb_grpc.DocumentServiceStub(grpc.insecure_channel(target)).Extract(
        pb.ExtractRequest(content=xml, filename="order-x.xml"), timeout=60)
PY
probe() { PYTHONPATH="$ROOT" OCR_DOCUMENTS_DIR="$DOCS" timeout 300 "$PY" "$WORK/probe.py" >"$WORK/probe.log" 2>&1; }
freeze() { "$PY" -c 'import importlib.metadata as m
print("\n".join(sorted({d.metadata["Name"] + "==" + d.version for d in m.distributions()})))' | LC_ALL=C sort; }
missing() { grep -o "No module named '[^']*'" "$WORK/probe.log" | sort -u | paste -sd, -; }
if probe; then
  echo "odoo_tests: test packages: everything imports, pip not run" >&2
else
  echo "odoo_tests: the test sidecar does not run in $PY yet ($(missing)); installing the test packages" >&2
  freeze >"$WORK/constraints.txt"
  if ! "$PY" -m pip install --disable-pip-version-check -q -c "$WORK/constraints.txt" "${TEST_PACKAGES[@]}" \
      >"$WORK/pip.log" 2>&1; then
    cat >&2 <<MSG

################################################################################
##  odoo_tests: FAILED to add the test packages to $PY without changing a
##  package Odoo's venv already has (each is pinned to its installed version):
MSG
    grep -v "is ignored: it is neither" "$WORK/pip.log" | tail -25 >&2
    echo "################################################################################" >&2
    rm -rf "$WORK"; exit 1
  fi
  freeze >"$WORK/after.txt"
  echo "odoo_tests: installed into $PY: $(LC_ALL=C comm -13 "$WORK/constraints.txt" "$WORK/after.txt" | paste -sd' ' -)" >&2
  if ! probe; then
    echo "########## odoo_tests: the test sidecar still fails to run in $PY: $(missing) ##########" >&2
    tail -30 "$WORK/probe.log" >&2; rm -rf "$WORK"; exit 1
  fi
fi
rm -rf "$WORK"

CONF_ARGS=()
[ -f "$ODOO_HOME/odoo.conf" ] && CONF_ARGS=(-c "$ODOO_HOME/odoo.conf")
DB_HOST=${ODOO_DB_HOST:-127.0.0.1}
DB_USER=${ODOO_DB_USER:-odoo}
export PGPASSWORD=${ODOO_DB_PASSWORD:-odoo}
TEMPLATE=${ODOO_TEMPLATE_DB:-odoo18_tmpl}
DB="digitize_test_$$"
BASE_ADDONS=$(cat "$ODOO_HOME/ADDONS_PATH" 2>/dev/null || echo "$ODOO_HOME/src/odoo/addons")
MODULES=$(for m in "$ROOT"/odoo_addons/*/__manifest__.py; do basename "$(dirname "$m")"; done | paste -sd, -)
TAGS=${ODOO_TEST_TAGS:-$(echo "$MODULES" | sed 's/[^,]*/\/&/g')}  # e.g. ODOO_TEST_TAGS=/sale_document_digitize
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=${ODOO_TEST_LOG:-$(mktemp)}  # set ODOO_TEST_LOG=file to keep the full log
DATA_DIR=$(mktemp -d)

cleanup() { dropdb -h "$DB_HOST" -U "$DB_USER" --if-exists "$DB" >/dev/null 2>&1; rm -rf "$DATA_DIR"; [ -n "${ODOO_TEST_LOG:-}" ] || rm -f "$LOG"; }
trap cleanup EXIT

INIT=account,purchase,sale_management
if createdb -h "$DB_HOST" -U "$DB_USER" -T "$TEMPLATE" "$DB" 2>/dev/null; then
  [ -d "$ODOO_HOME/data/filestore/$TEMPLATE" ] && mkdir -p "$DATA_DIR/filestore" \
    && cp -a "$ODOO_HOME/data/filestore/$TEMPLATE" "$DATA_DIR/filestore/$DB"
  INIT=""
else
  echo "odoo_tests: template DB $TEMPLATE not found; installing $INIT from scratch (slower)" >&2
fi

# The browser tours are tests like the others: where Odoo runs them, a tour that does not run fails the run.
if ! command -v chromium >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  echo "########## odoo_tests: FAILED — no Chromium for the browser tours (apt-get install chromium) ##########" >&2
  exit 1
elif ! "$PY" -c "import websocket" >/dev/null 2>&1; then
  echo "########## odoo_tests: FAILED — websocket-client missing in $PY (the browser tours need it) ##########" >&2
  exit 1
fi
echo "odoo_tests: Odoo at $ODOO_HOME, database $DB, modules $MODULES" >&2
PYTHONPATH="$ODOO_HOME/src:$ROOT${PYTHONPATH:+:$PYTHONPATH}" OCR_DOCUMENTS_DIR="$DOCS" \
  "$PY" "$LAUNCHER" "${CONF_ARGS[@]}" --addons-path="$BASE_ADDONS,$ROOT/odoo_addons" --data-dir="$DATA_DIR" \
  -d "$DB" --db_host "$DB_HOST" --db_user "$DB_USER" --db_password "$PGPASSWORD" \
  -i "${INIT:+$INIT,}$MODULES" --test-enable --test-tags "$TAGS" --stop-after-init --without-demo=all \
  --http-port "$PORT" --log-level=test --max-cron-threads=0 >"$LOG" 2>&1
rc=$?
grep -E "(ERROR|FAIL|Ran [0-9]+ test|tests in|failed, )" "$LOG" | grep -v "INFO .*test_.*: ERROR:" | tail -60 >&2
if [ $rc -ne 0 ]; then echo "odoo_tests: Odoo exited with $rc" >&2; tail -80 "$LOG" >&2; exit 1; fi
if grep -qE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$LOG"; then
  echo "odoo_tests: errors in the log" >&2; grep -E " (ERROR|CRITICAL) " "$LOG" | head -40 >&2; exit 1
fi
count=$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOG" | tail -1 | grep -oE "[0-9]+ tests" | grep -oE "[0-9]+")
if [ -z "$count" ] || [ "$count" -eq 0 ]; then
  echo "odoo_tests: no Odoo test ran — that is a failure" >&2; tail -40 "$LOG" >&2; exit 1
fi
# Odoo turns a browser that does not start or answer into a skip, not a failure: here it is a failure.
TOUR_SKIPS="Failed to detect chrome devtools port|Error during Chrome|Cannot connect to chrome dev tools|Chrome executable not found|never found 'page' target|no Chromium"
if grep -qE "$TOUR_SKIPS" "$LOG"; then
  echo "########## odoo_tests: FAILED — browser tours did not run (Odoo skipped them) ##########" >&2
  grep -E "$TOUR_SKIPS" "$LOG" | head -5 >&2
  exit 1
fi
echo "odoo_tests: $count Odoo tests passed" >&2
