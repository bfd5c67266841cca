"""Prometheus metrics (served on OCR_METRICS_PORT when set).

A registry per server instance, so several servers in one process (tests) do not collide.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("ocr_requests_total", "Requests by method and gRPC status code",
                                ["method", "code"], registry=r)
        self.queue_depth = Gauge("ocr_queue_depth", "Requests waiting for a worker", registry=r)
        self.in_flight = Gauge("ocr_in_flight", "Requests being processed", registry=r)
        self.latency = Histogram("ocr_request_seconds", "End-to-end request latency", ["method"],
                                 buckets=_LATENCY_BUCKETS, registry=r)
        self.stage = Histogram("ocr_stage_seconds", "Time per pipeline stage", ["stage"],
                               buckets=_LATENCY_BUCKETS, registry=r)
        self.pages = Counter("ocr_pages_total", "Pages processed", ["engine"], registry=r)
        self.tokens = Counter("ocr_tokens_out_total", "Tokens generated", ["engine"], registry=r)
        self.warnings = Counter("ocr_warnings_total", "Warnings attached to responses", ["code"], registry=r)
        self.batch_size = Histogram("ocr_batch_size", "Documents generated together per batch (OCR_BATCH_SIZE)",
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256), registry=r)
        self.ready = Gauge("ocr_model_ready", "1 when the model is loaded and the server accepts work", registry=r)

    def serve(self, port: int, addr: str = "0.0.0.0"):
        """Start the /metrics HTTP endpoint; returns (server, thread) from prometheus_client."""
        return start_http_server(port, addr=addr, registry=self.registry)

    def observe_result(self, result) -> None:
        t = result.timings
        self.pages.labels(result.engine).inc(result.pages)
        self.tokens.labels(result.engine).inc(t.tokens_out)
        for stage, ms in (("queue", t.queue_ms), ("decode", t.decode_ms), ("preprocess", t.preprocess_ms),
                          ("generate", t.generate_ms)):
            self.stage.labels(stage).observe(ms / 1000)
        for w in result.warnings:
            self.warnings.labels(w.code).inc()
