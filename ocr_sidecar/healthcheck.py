"""Container health probe: exit 0 when the sidecar's gRPC health service says SERVING.

Used by the Docker HEALTHCHECK, docker-compose and, with TLS on, Kubernetes' exec probe
(`python -m ocr_sidecar.healthcheck`); a plaintext Kubernetes deployment can use the native gRPC probe.
Plain channel on loopback by default. With OCR_TLS_CERT set the probe speaks TLS:

| env                  | default          | meaning                                                          |
|----------------------|------------------|------------------------------------------------------------------|
| OCR_TLS_PROBE_CA     | OCR_TLS_CERT     | PEM the probe trusts for the server (the CA that signed it, or a self-signed server certificate) |
| OCR_TLS_PROBE_CERT   | (none)           | client certificate (PEM) the probe presents: needed when OCR_TLS_CLIENT_CA requires one |
| OCR_TLS_PROBE_KEY    | (none)           | its private key (PEM)                                            |
| OCR_TLS_SERVER_NAME  | localhost        | the name the server certificate is checked against (it names the service's host, not 127.0.0.1) |
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def _read(path: Optional[str]) -> Optional[bytes]:
    if not path:
        return None
    with open(path, "rb") as fh:
        return fh.read()


def channel(target: str, tls_ca: Optional[str] = None, client_cert: Optional[str] = None,
            client_key: Optional[str] = None, server_name: Optional[str] = None, options: tuple = ()) -> grpc.Channel:
    """A channel to the sidecar: TLS when ``tls_ca`` (PEM) is given — with a client certificate for mutual
    TLS, and the certificate checked against ``server_name`` when the target's host is not its name —
    else plaintext. Also what ``ocr-sidecar call`` uses."""
    if not tls_ca:
        return grpc.insecure_channel(target, options=list(options))
    creds = grpc.ssl_channel_credentials(root_certificates=_read(tls_ca), private_key=_read(client_key),
                                         certificate_chain=_read(client_cert))
    if server_name:
        options = (*options, ("grpc.ssl_target_name_override", server_name))
    return grpc.secure_channel(target, creds, options=list(options))


def probe(target: str, service: str = "", timeout: float = 3.0, tls_ca: Optional[str] = None,
          client_cert: Optional[str] = None, client_key: Optional[str] = None,
          server_name: Optional[str] = None) -> int:
    if bool(client_cert) != bool(client_key):
        print("unhealthy: OCR_TLS_PROBE_CERT and OCR_TLS_PROBE_KEY go together", file=sys.stderr)
        return 2
    with channel(target, tls_ca, client_cert, client_key, server_name or "localhost") as ch:
        try:
            reply = health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as exc:
            print(f"unhealthy: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(status)
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default=f"127.0.0.1:{os.environ.get('GRPC_PORT', '50051')}")
    parser.add_argument("--service", default="", help="service name to check ('' = the whole server)")
    parser.add_argument("--timeout", type=float, default=3.0)
    ns = parser.parse_args(argv)
    env = os.environ.get
    tls_ca = env("OCR_TLS_PROBE_CA") or env("OCR_TLS_CERT") or None
    return probe(ns.target, ns.service, ns.timeout, tls_ca, env("OCR_TLS_PROBE_CERT") or None,
                 env("OCR_TLS_PROBE_KEY") or None, env("OCR_TLS_SERVER_NAME") or None)


if __name__ == "__main__":
    sys.exit(main())
