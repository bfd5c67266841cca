# OCR sidecar image. GPU by default (CUDA torch); build with --build-arg BASE_IMAGE=ubuntu:noble-20260810
# --build-arg TORCH_INDEX=cpu for a CPU-only image. The model is NOT baked in: mount the weights folder at
# /models/InternVL3-1B-hf. Build and push: docs/deployment.md.
#
# Three stages: `deps` builds the virtualenv (compilers, pip), `check` proves the committed gRPC stubs match
# protos/ (grpcio-tools lives only there), `runtime` is the base image plus Python and that virtualenv —
# no compiler, no grpcio-tools, none of the test extra (pytest, atheris, ruff, pylint).
# Base images are pinned to exact tags (dated where the publisher dates them): a rebuild gets the same base.
ARG BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM ${BASE_IMAGE} AS deps
ARG TORCH_INDEX=cu128
ARG TORCH_VERSION=2.13.0
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-dev \
      build-essential ca-certificates && rm -rf /var/lib/apt/lists/* && python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# torch first, from the index that matches the hardware; then the runtime dependencies ([project]
# dependencies of pyproject.toml — not the "test" extra)
RUN pip install "torch==${TORCH_VERSION}" --index-url "https://download.pytorch.org/whl/${TORCH_INDEX}"
COPY pyproject.toml ./
COPY ocr_sidecar ./ocr_sidecar
RUN pip install . && rm -rf build

FROM deps AS check
# Stubs are generated from protos/ at build time and must match the committed ones.
COPY protos ./protos
COPY tools ./tools
COPY odoo_addons/document_digitize/lib/proto ./odoo_addons/document_digitize/lib/proto
RUN pip install "grpcio-tools>=1.85,<2" && python tools/gen_protos.py --check > /stubs-checked.txt

FROM ${BASE_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
# libgomp1: the OpenMP runtime LightGBM (the words reader's model) links against
RUN apt-get update && apt-get install -y --no-install-recommends python3 ca-certificates libgomp1 \
      && rm -rf /var/lib/apt/lists/*
COPY --from=deps /opt/venv /opt/venv
# the runtime stage depends on the check: a stub that drifted from protos/ fails the build
COPY --from=check /stubs-checked.txt /opt/venv/stubs-checked.txt
RUN useradd --create-home --uid 10001 sidecar && mkdir -p /models && chown sidecar /models
USER sidecar
WORKDIR /home/sidecar
ENV MODEL_PATH=/models/InternVL3-1B-hf GRPC_HOST=[::] GRPC_PORT=50051 OCR_METRICS_PORT=9464 \
    HF_HUB_OFFLINE=1 OCR_DEVICE=auto
EXPOSE 50051 9464
# Health is NOT_SERVING until the model has loaded: the container turns healthy only then.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-m", "ocr_sidecar.healthcheck"]
ENTRYPOINT ["ocr-sidecar"]
CMD ["serve"]
