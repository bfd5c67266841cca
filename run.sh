#!/usr/bin/env bash
# One entry point for a fresh machine:
#   ./run.sh serve [--demo] [ocr-sidecar serve flags]   install what is missing, then run the sidecar
#   ./run.sh test                                        install what is missing, then run every test
#   ./run.sh <any ocr-sidecar sub-command> ...           e.g. ./run.sh extract invoice.pdf
# Python: $PYTHON, else python3. Odoo tests run when an Odoo 18 install is found at $ODOO_HOME
# (default /opt/odoo18); otherwise they are skipped with a loud notice.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}

install() {
  # Idempotent and quick when everything is present. torch is pinned to the CPU build
  # (requirements.txt); on a GPU host install the CUDA build of torch first.
  "$PY" -m pip install -q --disable-pip-version-check --no-build-isolation -r requirements.txt >&2
}

cmd=${1:-serve}
[ $# -gt 0 ] && shift
case "$cmd" in
  test)
    install
    "$PY" tools/gen_protos.py --check
    "$PY" -m ruff check --quiet .
    "$PY" -m pylint --rcfile=.pylintrc --disable=manifest-required-author,missing-readme \
      odoo_addons/document_digitize odoo_addons/account_document_digitize \
      odoo_addons/purchase_document_digitize odoo_addons/sale_document_digitize
    set +e
    "$PY" -m pytest -q -p no:cacheprovider "$@"
    rc=$?
    set -e
    # pytest exits 5 when it collected nothing: that is a failure of the suite, not a pass.
    if [ $rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
    [ $rc -eq 0 ] || exit $rc
    bash tools/odoo_tests.sh
    ;;
  *)
    install
    exec "$PY" -m ocr_sidecar "$cmd" "$@"
    ;;
esac
