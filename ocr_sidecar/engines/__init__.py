"""Extraction engines: internvl (transformers VLM), openai (an OpenAI-compatible server), einvoice (the
document's XML, no model), words (the pages' words ranked by a small trained model, no VLM), replay (gold JSON;
tests and demos). ``make_engine`` builds the one the settings name; every engine declares what the pipeline asks
of it (``base.Engine``). ``weights`` says whether the InternVL weights are there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .weights import MODEL_REPO, demo_model_dir, model_files_missing, weights_missing

if TYPE_CHECKING:  # the settings module imports nothing of ours; engines are imported when built
    from ..settings import Settings
    from .base import Engine

__all__ = ["MODEL_REPO", "demo_model_dir", "make_engine", "model_files_missing", "weights_missing"]


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
    if settings.engine == "words":
        from .words import WordsEngine

        return WordsEngine()
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
