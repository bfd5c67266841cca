"""Shared fixtures: the real document corpus, and a tiny random-weight InternVL built once per session."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS_DIR = Path(os.environ.get("OCR_DOCUMENTS_DIR", ROOT.parent / "shared" / "data" / "documents"))
DOCUMENT_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".xml"}


def corpus() -> list[Path]:
    """Every document of the shared corpus that has a gold file."""
    if not DOCUMENTS_DIR.is_dir():
        return []
    return sorted(p for p in DOCUMENTS_DIR.iterdir()
                  if p.suffix.lower() in DOCUMENT_SUFFIXES and gold_path(p).exists())


def gold_path(doc: Path) -> Path:
    return doc.with_name(doc.stem + ".gold.json")


def load_gold(doc: Path) -> dict:
    return json.loads(gold_path(doc).read_text())


@pytest.fixture(scope="session")
def documents_dir() -> Path:
    if not DOCUMENTS_DIR.is_dir():
        pytest.fail(f"document corpus not found at {DOCUMENTS_DIR} (set OCR_DOCUMENTS_DIR)")
    return DOCUMENTS_DIR


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny random-weight InternVL folder (same loading path as real weights)."""
    from ocr_sidecar.random_model import build_random_model

    path = tmp_path_factory.mktemp("internvl-tiny")
    build_random_model(path, size="tiny", seed=0)
    return path


def load_mapping_lib():
    """Import odoo_addons/document_digitize/lib as a plain package (no Odoo needed)."""
    name = "document_digitize_lib"
    if name in sys.modules:
        return sys.modules[name]
    lib_dir = ROOT / "odoo_addons" / "document_digitize" / "lib"
    spec = importlib.util.spec_from_file_location(name, lib_dir / "__init__.py",
                                                  submodule_search_locations=[str(lib_dir)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
