#!/usr/bin/env bash
# Prepares, on a machine with PyPI, the wheels the sidecar needs that the device tool's GPU image lacks
# (Python 3.12, x86_64; the image has torch, triton, numpy, tokenizers, safetensors, huggingface-hub, lxml,
# pillow, protobuf, typer, pyyaml, prometheus-client). They go to .whl/ (git-ignored through
# .git/info/exclude) and travel with `carry: [".whl", ".gpu_docs"]`; benchmarks/gpu_check.sh installs them
# there. .gpu_docs/ holds the benchmark pages: ../shared does not travel to the device machine.
set -euo pipefail
cd "$(dirname "$0")/.."
for ignored in /.whl/ /.gpu_docs/; do
  grep -qx "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >> .git/info/exclude
done
rm -rf .whl .gpu_docs && mkdir .whl .gpu_docs
DOCS=${OCR_DOCUMENTS_DIR:-../shared/data/documents}
cp "$DOCS/img_contoso_receipt_photo1.png" "$DOCS/i2d_NetpresseInvoice.pdf" .gpu_docs/
version() { python3 -c "import importlib.metadata as m; print(m.version('$1'))"; }
PKGS=(transformers xgrammar apache-tvm-ffi pydantic pydantic-core annotated-types typing-inspection
      typing-extensions grpcio grpcio-health-checking grpcio-reflection protobuf pypdfium2 python-stdnum
      factur-x pypdf defusedxml rapidfuzz)
for pkg in "${PKGS[@]}"; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$pkg==$(version "$pkg")"
done
du -sh .whl .gpu_docs
