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

if ! command -v chromium >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  echo "########## odoo_tests: browser tours SKIPPED — no Chromium (apt-get install chromium) ##########" >&2
elif ! "$PY" -c "import websocket" >/dev/null 2>&1; then
  echo "########## odoo_tests: browser tours SKIPPED — websocket-client missing in $PY ##########" >&2
fi
echo "odoo_tests: Odoo at $ODOO_HOME, database $DB, modules $MODULES" >&2
PYTHONPATH="$ODOO_HOME/src:$ROOT${PYTHONPATH:+:$PYTHONPATH}" OCR_DOCUMENTS_DIR="${OCR_DOCUMENTS_DIR:-$ROOT/../shared/data/documents}" \
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
echo "odoo_tests: $count Odoo tests passed" >&2
