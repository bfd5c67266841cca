"""Extraction engines: internvl (transformers VLM), openai (an OpenAI-compatible server), einvoice (the
document's XML, no model), replay (gold JSON; tests and demos). ``make_engine`` builds the one the settings
name; every engine declares what the pipeline asks of it (``base.Engine``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

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


MODEL_REPO = "OpenGVLab/InternVL3-1B-hf"


def weights_missing(model_path: Path) -> Optional[str]:
    """Why ``model_path`` holds no usable InternVL weights, with the three ways forward; None when it does.

    The same sentence reaches the operator (``serve`` at start, ``extract`` per document) and a gRPC client
    (FAILED_PRECONDITION for a document that needs the model)."""
    has_config = (model_path / "config.json").is_file()
    has_weights = any(model_path.glob("*.safetensors")) or any(model_path.glob("*.bin"))
    if has_config and has_weights:
        return None
    return (f"no InternVL3-1B weights in {model_path.absolute()}, and documents without an e-invoice need them. Three ways "
            f"forward: put the weights there (`ocr-sidecar download-model`, needs internet, or copy the {MODEL_REPO} "
            "files); run a random-weight demo model (`--demo`, meaningless answers); or read e-invoices only "
            "(`--engine einvoice`)")


def make_engine(settings: "Settings") -> "Engine":
    """The engine the settings ask for (not loaded yet: ``engine.load()`` is the slow part).

    InternVL without weights at ``MODEL_PATH`` comes wrapped in a ``DeferredEngine``: e-invoices are served
    meanwhile, a document that needs the model fails alone (``errors.ModelNotFound``), and the model loads
    on the first such document once the weights are there."""
    engine = _make_engine(settings)
    if settings.engine != "internvl" or settings.demo or weights_missing(settings.model_path) is None:
        return engine
    from .deferred import DeferredEngine

    model_path = settings.model_path
    return DeferredEngine(engine, lambda: weights_missing(model_path))


def _make_engine(settings: "Settings") -> "Engine":
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
