"""Extraction engines: internvl (transformers VLM), openai (an OpenAI-compatible server), einvoice (the
document's XML, no model), replay (gold JSON; tests and demos). ``make_engine`` builds the one the settings
name; every engine declares what the pipeline asks of it (``base.Engine``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the settings module imports nothing of ours; engines are imported when built
    from ..settings import Settings
    from .base import Engine


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


def make_engine(settings: "Settings") -> "Engine":
    """The engine the settings ask for (not loaded yet: ``engine.load()`` is the slow part)."""
    if settings.engine == "replay":
        from .replay import ReplayEngine

        return ReplayEngine(settings.replay_dir, delay_s=settings.replay_delay_s)
    if settings.engine == "einvoice":
        from .einvoice import EInvoiceEngine

        return EInvoiceEngine()
    if settings.engine == "openai":
        from .openai import OpenAIEngine

        return OpenAIEngine(settings.openai_url, model=settings.openai_model, api_key=settings.openai_key or "",
                            max_tokens=settings.max_tokens)
    from .internvl import InternVLEngine

    model_path = settings.model_path
    if settings.demo:
        from ..random_model import build_random_model

        model_path = demo_model_dir()
        if not (model_path / "config.json").exists():
            build_random_model(model_path, size="tiny", seed=0)
    return InternVLEngine(model_path, device=settings.device, dtype=settings.dtype, max_tiles=settings.max_tiles,
                          max_tokens=settings.max_tokens, threads=settings.threads,
                          tile_policy=settings.tile_policy, quantize=settings.quantize, decoder=settings.decoder,
                          lookup_draft=settings.lookup_draft, batch_size=settings.batch_size,
                          batch_wait_ms=settings.batch_wait_ms)
