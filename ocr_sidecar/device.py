"""Device, dtype and thread choices, decided from the machine rather than assumed.

Measured on this project's hosts (benchmarks/README.md): on CPUs without native bf16 (AVX2-only) bf16 matmuls are emulated and run 5-6x
slower than fp32; with AVX512-BF16 / AMX they run 1.6x faster. So "auto" picks bf16 on CPU only where
the CPU has it, and always on CUDA.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional

_DTYPE_ALIASES = {"bf16": "bfloat16", "bfloat16": "bfloat16", "fp32": "float32", "float32": "float32",
                  "fp16": "float16", "float16": "float16", "half": "float16"}
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def choose_device(requested: str = "auto") -> str:
    requested = (requested or "auto").lower()
    if requested == "cpu":
        return "cpu"
    if requested.startswith("cuda"):
        if not cuda_available():
            raise ValueError(f"OCR_DEVICE={requested} but no CUDA device is visible to torch; "
                             "use OCR_DEVICE=cpu or auto, or install the CUDA build of torch.")
        return requested
    if requested != "auto":
        raise ValueError(f"OCR_DEVICE={requested!r} is unknown; use auto, cpu or cuda")
    return "cuda" if cuda_available() else "cpu"


def choose_dtype(requested: str, device: str, flags: Optional[frozenset[str]] = None) -> str:
    """Canonical torch dtype name for ``device``."""
    requested = (requested or "auto").lower()
    if requested != "auto":
        if requested not in _DTYPE_ALIASES:
            raise ValueError(f"OCR_DTYPE={requested!r} is unknown; use auto, fp32, bf16 or fp16")
        dtype = _DTYPE_ALIASES[requested]
        if dtype == "float16" and device == "cpu":
            raise ValueError("OCR_DTYPE=fp16 is not supported on CPU; use fp32 or bf16")
        return dtype
    if device.startswith("cuda"):
        return "bfloat16"
    flags = cpu_flags() if flags is None else flags
    return "bfloat16" if flags & NATIVE_BF16_FLAGS and not isa_capped() else "float32"


def choose_quantize(requested: str, device: str, requested_dtype: str, dtype: str) -> str:
    """``auto``: int8 linear layers exactly where the CPU would otherwise compute in fp32 for want of native
    bf16 (AVX2-only hosts: 2x faster, half the memory, see benchmarks/README.md); an explicit OCR_DTYPE, a
    bf16-capable CPU and a GPU keep their dtype."""
    requested = (requested or "none").lower()
    if requested != "auto":
        return requested
    unset = (requested_dtype or "auto").lower() == "auto"
    return "int8" if device == "cpu" and unset and dtype == "float32" else "none"


def isa_capped(environ: Optional[dict] = None) -> bool:
    """True when the operator limited torch/oneDNN to an ISA without native bf16 (ATEN_CPU_CAPABILITY=avx2
    or default, ONEDNN_MAX_CPU_ISA=AVX2/SSE41/...): bf16 is then emulated whatever the CPU has."""
    env = os.environ if environ is None else environ
    aten = env.get("ATEN_CPU_CAPABILITY", "").lower()
    onednn = env.get("ONEDNN_MAX_CPU_ISA", env.get("DNNL_MAX_CPU_ISA", "")).upper()
    return aten in ("default", "avx2") or onednn.startswith(("SSE", "AVX2")) or onednn in (
        "AVX", "AVX512_CORE", "AVX512_CORE_VNNI")


def physical_cores() -> int:
    try:
        with open("/proc/cpuinfo") as fh:
            cores = {(block.get("physical id"), block.get("core id"))
                     for block in _cpuinfo_blocks(fh.read()) if "core id" in block}
        if cores:
            return len(cores)
    except OSError:
        pass
    return os.cpu_count() or 1


def _cpuinfo_blocks(text: str):
    for chunk in text.strip().split("\n\n"):
        block = {}
        for line in chunk.splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                block[key.strip()] = value.strip()
        yield block


def configure_threads(n: Optional[int] = None) -> int:
    """torch intra-op threads: one per physical core unless told otherwise (hyperthreads do not help GEMMs)."""
    import torch

    n = n or min(physical_cores(), os.cpu_count() or 1)
    torch.set_num_threads(max(1, n))
    return torch.get_num_threads()
