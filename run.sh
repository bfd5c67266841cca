#!/usr/bin/env bash
# One entry point for a fresh machine:
#   ./run.sh serve [--demo] [ocr-sidecar serve flags]   run the sidecar
#   ./run.sh test [pytest args]                          run every test (what .ci/run calls)
#   ./run.sh <any ocr-sidecar sub-command> ...           e.g. ./run.sh extract samples/invoice.pdf, ./run.sh -h
#
# Everything runs in the project's own virtualenv, .venv/ (git-ignored), created on first use with $PYTHON
# (default python3, 3.11 or newer) — so a system Python that is "externally managed" (Debian, Ubuntu) is
# never installed into. requirements.txt is installed into it only when requirements.txt, pyproject.toml or
# the interpreter changed since the last install (stamp: .venv/.run-sh-installed); otherwise nothing is
# checked and the command starts at once. `./run.sh` is the same as `.venv/bin/ocr-sidecar`.
# On a GPU host put the CUDA build of torch into .venv first (docs/deployment.md); the pin is the CPU build.
# Odoo tests run when an Odoo 18 install is found at $ODOO_HOME (default /opt/odoo18); otherwise they are
# skipped with a loud notice.
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=$VENV/bin/python
STAMP=$VENV/.run-sh-installed

die() { echo "run.sh: $*" >&2; exit 1; }

base_python() {
  local py=${PYTHON:-python3}
  command -v "$py" >/dev/null 2>&1 || die "no '$py' on PATH; install Python 3.11+ or point PYTHON at one"
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$py is Python $("$py" -c 'import platform; print(platform.python_version())'); 3.11 or newer is needed (set PYTHON)"
  "$py" -c 'import sys; print(sys.executable)'
}

# What the installed set depends on: the two files and the interpreter the venv was made from.
wanted_stamp() {
  { sha256sum requirements.txt pyproject.toml; echo "python $1"; } | sha256sum | cut -d' ' -f1
}

ensure_venv() {
  local base stamp
  base=$(base_python)
  stamp=$(wanted_stamp "$base")
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$stamp" ] && [ -x "$PY" ]; then
    return 0
  fi
  # made by run.sh with another interpreter (PYTHON changed): made again. A venv made by hand (e.g. with the
  # CUDA build of torch in it, docs/deployment.md) is kept and installed into.
  if [ -x "$PY" ] && [ -f "$VENV/.run-sh-python" ] && [ "$(sed -n 's/^python //p' "$VENV/.run-sh-python")" != "$base" ]
  then
    echo "run.sh: $VENV was made with another Python; making it again with $base" >&2
    rm -rf "$VENV"
  fi
  if [ ! -x "$PY" ]; then
    echo "run.sh: creating $VENV with $base" >&2
    "$base" -m venv "$VENV" || die "cannot create $VENV with $base. On Debian/Ubuntu: apt-get install python3-venv"
    echo "python $base" > "$VENV/.run-sh-python"
  fi
  echo "run.sh: installing requirements.txt into $VENV (only when it or pyproject.toml changed)" >&2
  local started=$SECONDS
  # pip reads the same configuration in a venv as outside it (/etc/pip.conf, /etc/xdg/pip, ~/.config/pip,
  # PIP_* variables): local wheel folders and indexes such as the CPU torch build are found the same way.
  # (The filter drops pip's notes about configured index folders that lack a package: noise, not trouble.)
  "$PY" -m pip install -q --disable-pip-version-check -r requirements.txt \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2) >&2 \
    || die "installing requirements.txt into $VENV failed (see above); fix it and run again"
  echo "$stamp" > "$STAMP"
  echo "run.sh: $VENV ready in $((SECONDS - started)) s" >&2
}

cmd=${1:-serve}
[ $# -gt 0 ] && shift
ensure_venv
case "$cmd" in
  test)
    "$PY" tools/gen_protos.py --check
    "$PY" -m ruff check --quiet .
    "$PY" -m pylint --rcfile=.pylintrc --disable=manifest-required-author,missing-readme,consider-merging-classes-inherited \
      odoo_addons/document_digitize odoo_addons/account_document_digitize \
      odoo_addons/purchase_document_digitize odoo_addons/sale_document_digitize \
      odoo_addons/hr_expense_document_digitize
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
    # OCR_SIDECAR_PROG: how help and errors name the command ("Usage: ./run.sh serve …"), as the user typed it
    OCR_SIDECAR_PROG=$0 exec "$PY" -m ocr_sidecar "$cmd" "$@"
    ;;
esac
