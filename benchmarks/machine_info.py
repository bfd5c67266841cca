"""What the benchmarks say about the machine they ran on; standard library only (ocr_compare.py runs in another
Python, without the sidecar's dependencies)."""

from __future__ import annotations

from pathlib import Path


def cpu_model(unknown: str = "unknown CPU") -> str:
    """The CPU's model name (/proc/cpuinfo), or ``unknown`` where it cannot be read."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return unknown
