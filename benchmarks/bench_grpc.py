"""The gRPC server under 1, 2 and 4 concurrent clients: latency per request and pages per minute.

Starts the production server in-process (loopback, port 0) with the InternVL engine on the random
InternVL3-1B shape of bench_cpu.py (or --engine replay to measure the server's own overhead), sends
the same page from N clients at once, several rounds, and prints p50/p95 latency and throughput for each N.
On CPU one document at a time is fastest per document (OCR_CONCURRENCY=1): more clients wait in the queue,
throughput stays flat and latency grows. On a GPU, --batch-size N (OCR_BATCH_SIZE) generates up to N
concurrent documents as one batch; random weights never stop early, so every answer is --tokens long (use the
realistic 460 for pages/s).

    python benchmarks/bench_grpc.py --clients 1,2,4 --rounds 2 --tokens 48
    python benchmarks/bench_grpc.py --engine replay --clients 1,2,4,16 --rounds 50
    python benchmarks/bench_grpc.py --device cuda --batch-size 32 --clients 1,8,32 --rounds 3 --tokens 460
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cpu import DOCS, machine, model_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="internvl", choices=("internvl", "replay"))
    parser.add_argument("--page", default="img_contoso_receipt_photo1.png")
    parser.add_argument("--clients", default="1,2,4")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--batch-size", type=int, default=1, help="OCR_BATCH_SIZE (GPU micro-batching)")
    parser.add_argument("--decoder", default="jump", choices=("jump", "parallel", "hf"),
                        help="OCR_DECODER (with --batch-size > 1 documents are batched with jump-forward either way)")
    args = parser.parse_args()
    args.concurrency = max(args.concurrency, args.batch_size)

    import grpc

    from ocr_sidecar.proto import document_service_pb2 as pb
    from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc
    from ocr_sidecar.testing import SidecarThread

    engine = None
    if args.engine == "internvl":
        from ocr_sidecar.engines.internvl import InternVLEngine

        engine = InternVLEngine(model_dir(), device=args.device, dtype=args.dtype, max_tiles=12,
                                max_tokens=args.tokens, seed=0, batch_size=args.batch_size,
                                decoder=args.decoder)
    sidecar = SidecarThread(engine=args.engine, documents_dir=DOCS, engine_instance=engine, queue_size=64,
                            concurrency=args.concurrency, max_tokens=args.tokens, einvoice=False)
    target = sidecar.start(timeout=900)
    content = (DOCS / args.page).read_bytes()
    print(f"Machine: {machine()}\nEngine: {args.engine} on {args.device}, page {args.page}, concurrency "
          f"{args.concurrency}, batch size {args.batch_size}, decoder {args.decoder}, {args.tokens} tokens max\n")
    print("| clients | requests | p50 s | p95 s | pages/min | pages/s |")
    print("|---|---|---|---|---|---|")
    with grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20)]) as channel:
        stub = pb_grpc.DocumentServiceStub(channel)
        stub.Extract(pb.ExtractRequest(content=content, filename=args.page), timeout=3600)  # warm-up
        for clients in [int(c) for c in args.clients.split(",")]:
            latencies, lock = [], threading.Lock()

            def client(latencies=latencies, lock=lock) -> None:  # this round's list, not a later one's
                for _ in range(args.rounds):
                    t0 = time.perf_counter()
                    stub.Extract(pb.ExtractRequest(content=content, filename=args.page), timeout=3600)
                    with lock:
                        latencies.append(time.perf_counter() - t0)

            started = time.perf_counter()
            threads = [threading.Thread(target=client) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            latencies.sort()
            p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
            print(f"| {clients} | {len(latencies)} | {statistics.median(latencies):.2f} | {p95:.2f} | "
                  f"{60 * len(latencies) / wall:.1f} | {len(latencies) / wall:.2f} |", flush=True)
    batcher = getattr(engine, "_batcher", None)
    if batcher is not None and batcher.batches:
        print(f"\nbatch sizes, in order (the warm-up first): {batcher.batches}")
    sidecar.stop()


if __name__ == "__main__":
    main()
