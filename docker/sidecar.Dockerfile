# OCR sidecar image. GPU by default (CUDA torch); build with --build-arg TORCH_INDEX=cpu for a
# CPU-only image. The model is NOT baked in: mount the weights folder at /models/InternVL3-1B-hf.
ARG BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
FROM ${BASE_IMAGE}

ARG TORCH_INDEX=cu128
ARG TORCH_VERSION=2.13.0
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-dev \
      build-essential ca-certificates && rm -rf /var/lib/apt/lists/* && python3 -m venv /opt/venv

WORKDIR /app
# torch first, from the index that matches the hardware; then the runtime dependencies (pyproject.toml),
# without the test tools
RUN pip install "torch==${TORCH_VERSION}" --index-url "https://download.pytorch.org/whl/${TORCH_INDEX}"
COPY pyproject.toml ./
COPY protos ./protos
COPY tools ./tools
COPY ocr_sidecar ./ocr_sidecar
COPY odoo_addons/document_digitize/lib/proto ./odoo_addons/document_digitize/lib/proto
# Stubs are generated from protos/ at build time and must match the committed ones.
RUN pip install . grpcio-tools && python tools/gen_protos.py --check && pip uninstall -y grpcio-tools \
    && rm -rf odoo_addons

RUN useradd --create-home --uid 10001 sidecar && mkdir -p /models && chown sidecar /models
USER sidecar
ENV MODEL_PATH=/models/InternVL3-1B-hf GRPC_HOST=[::] GRPC_PORT=50051 OCR_METRICS_PORT=9464 \
    HF_HUB_OFFLINE=1 OCR_DEVICE=auto
EXPOSE 50051 9464
# Health is NOT_SERVING until the model has loaded: the container turns healthy only then.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-m", "ocr_sidecar.healthcheck"]
ENTRYPOINT ["ocr-sidecar"]
CMD ["serve"]
