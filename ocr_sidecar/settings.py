"""Settings: environment variables (seed-compatible names kept), overridden by CLI flags.

| env              | default            | meaning                                                         |
|------------------|--------------------|-----------------------------------------------------------------|
| MODEL_PATH       | ./InternVL3-1B-hf  | HF folder of InternVL3-1B (seed name)                           |
| MAX_TOKENS       | 1024               | upper bound of generated tokens per document (seed name)        |
| GRPC_HOST        | [::]               | bind address (seed name)                                        |
| GRPC_PORT        | 50051              | port; 0 = pick a free one (tests)                               |
| OCR_ENGINE       | internvl           | internvl; openai (OCR_OPENAI_URL); einvoice (XML only, no model); replay (gold files: tests, demos) |
| OCR_DEVICE       | auto               | auto, cpu, cuda                                                 |
| OCR_DTYPE        | auto               | auto (bf16 on GPU; on CPU bf16 only with AVX512-BF16/AMX), fp32, bf16 |
| OCR_MAX_TILES    | 12                 | 448x448 tiles per page budget (plus thumbnail)                  |
| OCR_MAX_PAGES    | 10                 | pages per document; more is refused (INVALID_ARGUMENT)          |
| OCR_MAX_BYTES    | 33554432           | bytes per document (32 MiB)                                     |
| OCR_MAX_PIXELS   | 40000000           | pixels per image/page before decoding (decompression bombs)     |
| OCR_QUEUE_SIZE   | 16                 | requests waiting for a worker; more get RESOURCE_EXHAUSTED      |
| OCR_CONCURRENCY  | 1                  | documents processed at once (CPU: 1 is fastest per document)    |
| OCR_BATCH_SIZE   | 1                  | internvl: documents generated together in one batch (GPU: 8-32; needs OCR_CONCURRENCY at least as high) |
| OCR_BATCH_WAIT_MS| 10                 | how long a batch waits for company after its first document     |
| OCR_AUTH_TOKEN   | (none)             | bearer token required on every call but health (16+ characters; placeholders such as change-me are refused) |
| OCR_AUTH_TOKEN_FILE | (none)          | file holding the token (a Docker/Kubernetes secret); not with OCR_AUTH_TOKEN |
| OCR_ALLOW_INSECURE | 0                | serve with a weak token, or with none on a non-loopback address and no mutual TLS (trusted networks, demos) |
| OCR_TLS_CERT/KEY | (none)             | PEM files: serve TLS                                            |
| OCR_TLS_CLIENT_CA| (none)             | PEM file: require client certificates signed by it (mutual TLS) |
| OCR_PARSE_MEMORY_MB | 2048          | memory of a worker that opens untrusted bytes (over it: INVALID_ARGUMENT); 0 = in the server (trusted input) |
| OCR_PARSE_CPU_S  | 30                 | CPU seconds one document may take to open and render        |
| OCR_METRICS_PORT | 0                  | Prometheus /metrics port; 0 = off                               |
| OCR_GRACE_S      | 30                 | SIGTERM: seconds in-flight requests get to finish               |
| OCR_THREADS      | (cores)            | torch CPU threads                                               |
| OCR_EINVOICE     | 1                  | read embedded Factur-X/ZUGFeRD/UBL/Order-X XML without the model |
| OCR_WORDS        | auto               | word layer per page: auto (PDF text layer, else OCR of the pixels), pdf (text layer only), off |
| OCR_SECOND_READER | auto              | the words reader checks the model's answer (readers_disagree); auto: internvl, openai |
| OCR_TILE_POLICY  | layout             | layout: tiles per page from its pixels and PDF text layer; fixed: the budget |
| OCR_QUANTIZE     | none               | int8: every linear layer int8 on CPU; auto: int8 where the CPU lacks native bf16 (see benchmarks/README.md) |
| OCR_DECODER      | jump               | jump: grammar jump-forward; parallel: values as rows of one batch (opt-in); hf: generate |
| OCR_LOOKUP_DRAFT | 8                  | jump decoder: tokens drafted from the prompt (PDF text layer) per step, verified in the same pass; 0 = off |
| OCR_REPLAY_DIR   | shared corpus      | folder of X.pdf + X.gold.json for the replay engine             |
| OCR_REPLAY_DELAY_S | 0                | replay engine: seconds each answer takes (load tests, demos of the Odoo queue) |
| OCR_OPENAI_URL   | (none)             | engine openai: OpenAI-compatible server (vLLM, LMDeploy), e.g. http://vllm:8000/v1 |
| OCR_OPENAI_MODEL | OpenGVLab/InternVL3-1B | engine openai: the served model's name                       |
| OCR_OPENAI_KEY   | (none)             | engine openai: bearer key of that server                        |
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

ENGINES = ("internvl", "replay", "einvoice", "openai", "words")
# Tokens that ship in examples and that scanners try first; a real token is random and long.
WEAK_TOKENS = frozenset({"change-me", "changeme", "change_me", "changeit", "secret", "token", "password", "test",
                         "demo", "default", "admin", "ocr", "sidecar"})
MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _env_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    model_path: Path = Path("./InternVL3-1B-hf")
    max_tokens: int = 1024
    grpc_host: str = "[::]"
    grpc_port: int = 50051
    engine: str = "internvl"
    device: str = "auto"
    dtype: str = "auto"
    max_tiles: int = 12
    max_pages: int = 10
    max_bytes: int = 32 * 1024 * 1024
    max_pixels: int = 40_000_000
    queue_size: int = 16
    concurrency: int = 1
    batch_size: int = 1
    batch_wait_ms: int = 10
    prefetch: str = "auto"
    auth_token: Optional[str] = field(default=None, repr=False)
    auth_token_file: Optional[Path] = None
    allow_insecure: bool = False
    tls_cert: Optional[Path] = None
    tls_key: Optional[Path] = None
    tls_client_ca: Optional[Path] = None
    parse_memory_mb: int = 2048
    parse_cpu_s: int = 30
    metrics_port: int = 0
    grace_s: float = 30.0
    threads: Optional[int] = None
    einvoice: bool = True
    words: str = "auto"
    second_reader: str = "auto"
    tile_policy: str = "layout"
    quantize: str = "none"
    decoder: str = "jump"
    lookup_draft: int = 8
    openai_url: str = ""
    openai_model: str = "OpenGVLab/InternVL3-1B"
    openai_key: Optional[str] = field(default=None, repr=False)
    replay_dir: Optional[Path] = None
    replay_delay_s: float = 0.0
    demo: bool = False

    # env name -> (field, converter)
    ENV = {
        "MODEL_PATH": ("model_path", Path),
        "MAX_TOKENS": ("max_tokens", int),
        "GRPC_HOST": ("grpc_host", str),
        "GRPC_PORT": ("grpc_port", int),
        "OCR_ENGINE": ("engine", str),
        "OCR_DEVICE": ("device", str),
        "OCR_DTYPE": ("dtype", str),
        "OCR_MAX_TILES": ("max_tiles", int),
        "OCR_MAX_PAGES": ("max_pages", int),
        "OCR_MAX_BYTES": ("max_bytes", int),
        "OCR_MAX_PIXELS": ("max_pixels", int),
        "OCR_QUEUE_SIZE": ("queue_size", int),
        "OCR_CONCURRENCY": ("concurrency", int),
        "OCR_BATCH_SIZE": ("batch_size", int),
        "OCR_BATCH_WAIT_MS": ("batch_wait_ms", int),
        "OCR_PREFETCH": ("prefetch", str),
        "OCR_AUTH_TOKEN": ("auth_token", str),
        "OCR_AUTH_TOKEN_FILE": ("auth_token_file", Path),
        "OCR_ALLOW_INSECURE": ("allow_insecure", _env_bool),
        "OCR_TLS_CERT": ("tls_cert", Path),
        "OCR_TLS_KEY": ("tls_key", Path),
        "OCR_TLS_CLIENT_CA": ("tls_client_ca", Path),
        "OCR_PARSE_MEMORY_MB": ("parse_memory_mb", int),
        "OCR_PARSE_CPU_S": ("parse_cpu_s", int),
        "OCR_METRICS_PORT": ("metrics_port", int),
        "OCR_GRACE_S": ("grace_s", float),
        "OCR_THREADS": ("threads", int),
        "OCR_EINVOICE": ("einvoice", _env_bool),
        "OCR_WORDS": ("words", str),
        "OCR_SECOND_READER": ("second_reader", str),
        "OCR_TILE_POLICY": ("tile_policy", str),
        "OCR_QUANTIZE": ("quantize", str),
        "OCR_DECODER": ("decoder", str),
        "OCR_LOOKUP_DRAFT": ("lookup_draft", int),
        "OCR_OPENAI_URL": ("openai_url", str),
        "OCR_OPENAI_MODEL": ("openai_model", str),
        "OCR_OPENAI_KEY": ("openai_key", str),
        "OCR_REPLAY_DIR": ("replay_dir", Path),
        "OCR_REPLAY_DELAY_S": ("replay_delay_s", float),
    }

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> "Settings":
        """Environment first, then explicit overrides (CLI flags); ``None`` overrides are ignored."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, (attr, convert) in cls.ENV.items():
            raw = environ.get(name)
            if raw is None or raw.strip() == "":
                continue
            try:
                values[attr] = convert(raw.strip())
            except ValueError:
                raise ValueError(f"{name}={raw!r} is not a valid value") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("auth_token_file"):
            if values.get("auth_token"):
                raise ValueError("set OCR_AUTH_TOKEN or OCR_AUTH_TOKEN_FILE, not both")
            try:
                values["auth_token"] = Path(values["auth_token_file"]).read_text().strip()
            except OSError as exc:
                raise ValueError(f"OCR_AUTH_TOKEN_FILE={values['auth_token_file']}: cannot read it ({exc.strerror})") \
                    from None
        settings = cls(**values)
        settings.validate()
        return settings

    @property
    def checks_with_words(self) -> bool:
        """Whether the words reader checks the engine's answers (OCR_SECOND_READER; auto: the model engines)."""
        if self.second_reader == "auto":
            return self.engine in ("internvl", "openai")
        return self.second_reader == "on"

    def validate(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine {self.engine!r} is unknown; choose one of {', '.join(ENGINES)}")
        for attr in ("max_tokens", "max_tiles", "max_pages", "max_bytes", "max_pixels", "concurrency"):
            if getattr(self, attr) < 1:
                raise ValueError(f"{attr} must be at least 1")
        if self.words not in ("auto", "pdf", "off"):
            raise ValueError(f"OCR_WORDS={self.words!r} is unknown; use auto (PDF text, else OCR), pdf or off")
        if self.second_reader not in ("auto", "on", "off"):
            raise ValueError(f"OCR_SECOND_READER={self.second_reader!r} is unknown; use auto, on or off")
        if self.tile_policy not in ("layout", "fixed"):
            raise ValueError(f"OCR_TILE_POLICY={self.tile_policy!r} is unknown; use layout or fixed")
        if self.quantize not in ("none", "int8", "auto"):
            raise ValueError(f"OCR_QUANTIZE={self.quantize!r} is unknown; use none, int8 or auto")
        if self.engine == "openai" and not self.openai_url:
            raise ValueError("OCR_ENGINE=openai needs OCR_OPENAI_URL (the OpenAI-compatible server, e.g. "
                             "http://vllm:8000/v1)")
        if self.decoder not in ("jump", "parallel", "hf"):
            raise ValueError(f"OCR_DECODER={self.decoder!r} is unknown; use jump, parallel or hf")
        if self.parse_memory_mb and not 256 <= self.parse_memory_mb <= 65536:
            raise ValueError("OCR_PARSE_MEMORY_MB must be 0 (off) or between 256 and 65536")
        if not 1 <= self.parse_cpu_s <= 3600:
            raise ValueError("OCR_PARSE_CPU_S must be between 1 and 3600")
        if self.queue_size < 0:
            raise ValueError("queue_size must be 0 or more")
        if not 1 <= self.batch_size <= 256:
            raise ValueError("OCR_BATCH_SIZE must be between 1 (no batching) and 256")
        if self.batch_size > self.concurrency:
            raise ValueError(f"OCR_BATCH_SIZE={self.batch_size} needs OCR_CONCURRENCY of at least {self.batch_size} "
                             f"(it is {self.concurrency}): a batch only fills with documents being processed at once")
        if self.prefetch != "auto" and not (self.prefetch.isdigit() and int(self.prefetch) <= 256):
            raise ValueError(f"OCR_PREFETCH={self.prefetch!r} is unknown; use auto or a number of documents, 0 to 256")
        if not 0 <= self.batch_wait_ms <= 10_000:
            raise ValueError("OCR_BATCH_WAIT_MS must be between 0 and 10000")
        if not 0 <= self.lookup_draft <= 64:
            raise ValueError("OCR_LOOKUP_DRAFT must be between 0 (off) and 64")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("TLS needs both OCR_TLS_CERT and OCR_TLS_KEY")
        if self.tls_client_ca and not self.tls_cert:
            raise ValueError("OCR_TLS_CLIENT_CA (mutual TLS) needs OCR_TLS_CERT and OCR_TLS_KEY")

    def prefetch_count(self, model_elsewhere: bool) -> int:
        """Documents opened (rendered, OCR'd) ahead of the model: while the model reads ``concurrency``
        documents, this many more go through stage 1 so that their pages and words are ready when a slot
        frees. ``auto``: as many as the model reads at once where the model runs elsewhere than on this
        machine's CPU (a GPU, or an OpenAI-compatible server), none where it shares the CPU with the OCR."""
        if self.prefetch != "auto":
            return int(self.prefetch)
        return self.concurrency if model_elsewhere else 0

    def insecure_serving(self) -> Optional[str]:
        """Why serving with these settings would let anyone in (a placeholder token, or no authentication on
        an address others can reach), or None. ``serve`` refuses to start on it unless told it is a demo."""
        token = self.auth_token or ""
        if token and (token.strip().lower() in WEAK_TOKENS or len(token) < MIN_TOKEN_CHARS):
            return (f"OCR_AUTH_TOKEN is {'a well-known placeholder' if token.strip().lower() in WEAK_TOKENS else 'too short'}"
                    f": anyone could guess it. Use a random one of {MIN_TOKEN_CHARS}+ characters (e.g. "
                    "`openssl rand -hex 32`, kept in a secret and given by OCR_AUTH_TOKEN_FILE)")
        if not token and not self.tls_client_ca and not is_loopback(self.grpc_host):
            return (f"no OCR_AUTH_TOKEN and no mutual TLS while listening on {self.grpc_host}: anyone who reaches the "
                    "port could use it. Set OCR_AUTH_TOKEN (or OCR_AUTH_TOKEN_FILE), require client certificates "
                    "(OCR_TLS_CLIENT_CA), or listen on this machine only (`serve --host 127.0.0.1`, or GRPC_HOST)")
        return None

    @property
    def max_message_bytes(self) -> int:
        # gRPC's own limit sits above ours so an oversize document reaches the pipeline and gets a
        # readable INVALID_ARGUMENT instead of gRPC's bare RESOURCE_EXHAUSTED.
        return self.max_bytes * 2 + 1024 * 1024

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)
