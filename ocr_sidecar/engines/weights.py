"""The InternVL weights folder: which files the loader needs and which are missing or cut short, the one
sentence that says what to do about it, and where ``--demo`` keeps its random model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional


def demo_model_dir() -> Path:
    """Where ``--demo`` keeps its tiny random model (built on first use, reused afterwards)."""
    import os
    import tempfile

    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ocr-sidecar"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path(tempfile.gettempdir()) / "ocr-sidecar"
        base.mkdir(parents=True, exist_ok=True)
    return base / "demo-internvl-tiny"


MODEL_REPO = "OpenGVLab/InternVL3-1B-hf"


# What the InternVL loader (``AutoTokenizer`` + ``AutoModelForImageTextToText.from_pretrained``) reads from the folder.
# Checked file by file, not by the folder's existence: a folder that holds only its README, or a download cut
# short, is not weights.
TOKENIZER_FILES = ("tokenizer.json", ("vocab.json", "merges.txt"))  # the fast tokenizer, or what it is built from


def model_files_missing(model_path: Path) -> list[str]:
    """The files the InternVL loader needs that ``model_path`` lacks or holds cut short (empty: all there).

    config.json and tokenizer_config.json; the weights — ``model.safetensors``, or every shard that
    ``model.safetensors.index.json`` names — each as long as its own header says; the tokenizer
    (``tokenizer.json``, or ``vocab.json`` and ``merges.txt``)."""
    path = Path(model_path)
    missing = [name for name in ("config.json", "tokenizer_config.json") if not (path / name).is_file()]
    index = path / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            shards, missing = [], missing + ["model.safetensors.index.json (unreadable)"]
    else:
        shards = ["model.safetensors"]
    for shard in shards:
        problem = _safetensors_problem(path / shard)
        if problem:
            missing.append(f"{shard} ({problem})" if problem != "missing" else shard)
    fast, (vocab, merges) = TOKENIZER_FILES
    if not (path / fast).is_file() and not ((path / vocab).is_file() and (path / merges).is_file()):
        missing.append(f"{fast} (or {vocab} and {merges})")
    return missing


def _safetensors_problem(file: Path) -> Optional[str]:
    """Why ``file`` is no complete safetensors file ("missing", "cut short: …"), or None. Its header gives
    the length: 8 bytes of header size, the JSON header, then the tensors up to the largest end offset."""
    try:
        size = file.stat().st_size
        with file.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                return f"cut short: {size:,} bytes"
            header_len = int.from_bytes(head, "little")
            if not 0 < header_len <= 100 * 1024 * 1024:  # safetensors' own bound on the header
                return "not a safetensors file"
            if 8 + header_len > size:
                return f"cut short: {size:,} bytes, within its header"
            header = json.loads(fh.read(header_len))
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError) as exc:
        return f"unreadable: {exc}"
    try:
        end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    except (KeyError, IndexError, TypeError, AttributeError):
        return "not a safetensors file"
    expected = 8 + header_len + int(end)
    return None if size >= expected else f"cut short: {size:,} of {expected:,} bytes"


def weights_missing(model_path: Path) -> Optional[str]:
    """Why ``model_path`` holds no usable InternVL weights, with the three ways forward; None when it does.

    The same sentence reaches the operator (``serve`` at start, ``extract`` per document) and a gRPC client
    (FAILED_PRECONDITION for a document that needs the model)."""
    missing = model_files_missing(model_path)
    if not missing:
        return None
    begun = (model_path / "config.json").is_file() or any(model_path.glob("*.safetensors"))
    what = (f"incomplete InternVL3-1B weights in {model_path.absolute()} (missing: {', '.join(missing)})" if begun
            else f"no InternVL3-1B weights in {model_path.absolute()}")
    return (f"{what}, and documents without an e-invoice need them. Three ways "
            f"forward: put the weights there (`ocr-sidecar download-model`, needs internet, or copy the {MODEL_REPO} "
            "files); run a random-weight demo model (`--demo`, meaningless answers); or read e-invoices only "
            "(`--engine einvoice`)")
