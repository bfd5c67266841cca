"""Container health probe: exit 0 when the sidecar's gRPC health service says SERVING.

Used by the Docker HEALTHCHECK and docker-compose (`python -m ocr_sidecar.healthcheck`). Kubernetes
uses its native gRPC probe instead. Plain channel on loopback by default; with OCR_TLS_CERT set the
probe speaks TLS and trusts that certificate (the server's own), so it works in TLS deployments too.
"""

from __future__ import annotations

import argparse
import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def probe(target: str, service: str = "", timeout: float = 3.0, tls_cert: str | None = None) -> int:
    if tls_cert:
        with open(tls_cert, "rb") as fh:
            creds = grpc.ssl_channel_credentials(root_certificates=fh.read())
        # The certificate names the service's public host, not localhost.
        options = [("grpc.ssl_target_name_override", os.environ.get("OCR_TLS_SERVER_NAME", "localhost"))]
        channel = grpc.secure_channel(target, creds, options=options)
    else:
        channel = grpc.insecure_channel(target)
    with channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as exc:
            print(f"unhealthy: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(status)
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", default=f"127.0.0.1:{os.environ.get('GRPC_PORT', '50051')}")
    parser.add_argument("--service", default="", help="service name to check ('' = the whole server)")
    parser.add_argument("--timeout", type=float, default=3.0)
    ns = parser.parse_args(argv)
    return probe(ns.target, ns.service, ns.timeout, os.environ.get("OCR_TLS_CERT") or None)


if __name__ == "__main__":
    sys.exit(main())
