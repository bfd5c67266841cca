#!/usr/bin/env bash
# GPU figures in one device-tool call (issue #8: pages/s on one GPU, batched and not). Prepare here first with
# benchmarks/gpu_wheels.sh, then run it there with carry [".whl", ".gpu_docs"] and a timeout of about 540 s:
#     bash benchmarks/gpu_check.sh
# It installs the carried wheels, builds the random InternVL3-1B shape (random weights write the full --tokens
# every time: 460, the realistic answer length), and runs the real gRPC server on the GPU in bf16 with one
# document at a time (OCR_DECODER=jump, then =parallel), then with OCR_BATCH_SIZE=32 and OCR_DECODER=parallel
# (documents batched with jump-forward, as with jump: pages/s must not drop). Tables go to stdout and to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
# Knobs (a smoke run on a CPU: INSTALL_WHEELS=0 DEVICE=cpu TOKENS=8 BATCH=2 CLIENTS_BATCHED=1,2 ROUNDS=1)
DEVICE=${DEVICE:-cuda} TOKENS=${TOKENS:-460} BATCH=${BATCH:-32} ROUNDS=${ROUNDS:-2}
CLIENTS_ALONE=${CLIENTS_ALONE:-1,8} CLIENTS_BATCHED=${CLIENTS_BATCHED:-1,32}
if [ "${INSTALL_WHEELS:-1}" = 1 ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .whl/*.whl || exit 1
  export PYTHONPATH="/tmp/site:$PWD"
fi
[ -d .gpu_docs ] && export OCR_DOCUMENTS_DIR="$PWD/.gpu_docs"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | tee "$OUT/gpu.txt"
python3 -c "import sys; sys.path.insert(0, 'benchmarks'); import bench_cpu; print(bench_cpu.model_dir())" || exit 1
python3 benchmarks/bench_grpc.py --device "$DEVICE" --batch-size 1 --clients "$CLIENTS_ALONE" --rounds "$ROUNDS" \
  --tokens "$TOKENS" 2>"$OUT/alone.err" | tee "$OUT/grpc_alone.md"
python3 benchmarks/bench_grpc.py --device "$DEVICE" --batch-size 1 --clients "$CLIENTS_ALONE" --rounds "$ROUNDS" \
  --tokens "$TOKENS" --decoder parallel 2>"$OUT/alone_parallel.err" | tee "$OUT/grpc_alone_parallel.md"
python3 benchmarks/bench_grpc.py --device "$DEVICE" --batch-size "$BATCH" --clients "$CLIENTS_BATCHED" \
  --rounds "$ROUNDS" --tokens "$TOKENS" --decoder parallel 2>"$OUT/batched.err" | tee "$OUT/grpc_batched.md"
tail -n 5 "$OUT"/*.err
