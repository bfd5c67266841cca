"""docs/architecture.md stays true: what it names exists, what exists is named, the layers are in the order
tests/test_layers.py enforces, and it stays one page."""

from __future__ import annotations

import re

from test_layers import LAYERS

from conftest import ROOT

DOC = ROOT / "docs" / "architecture.md"
SIDECAR = ROOT / "ocr_sidecar"
ADDON = ROOT / "odoo_addons" / "document_digitize"
TICKED = re.compile(r"`([^`\s]+)`")


def text() -> str:
    return DOC.read_text(encoding="utf-8")


def named() -> set[str]:
    """What the page names in backticks; a path (``lib/client.py``) names its file too."""
    ticked = set(TICKED.findall(text()))
    return ticked | {name.rstrip("/").rsplit("/", 1)[-1] + ("/" if name.endswith("/") else "")
                     for name in ticked if "/" in name.rstrip("/")}


def entries(folder) -> set[str]:
    """A folder's modules (``name.py``) and packages (``name/``), ``__init__`` aside."""
    return ({p.name for p in folder.glob("*.py") if p.name != "__init__.py"}
            | {p.name + "/" for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()})


def test_every_sidecar_module_and_package_is_on_the_map():
    missing = entries(SIDECAR) - named()
    assert missing == set(), f"docs/architecture.md does not say what these are for: {sorted(missing)}"


def test_every_engine_and_decoder_is_on_the_map():
    engines = entries(SIDECAR / "engines") | entries(SIDECAR / "engines" / "internvl")
    missing = engines - named() - {"base.py", "engine.py", "kit.py", "loading.py", "tiling.py", "decoder.py"}
    assert missing == set(), f"engines not on the map: {sorted(missing)}"


def test_every_addon_lib_model_and_wizard_file_is_on_the_map():
    files = entries(ADDON / "lib") | entries(ADDON / "models") | entries(ADDON / "wizard")
    missing = files - named()
    assert missing == set(), f"docs/architecture.md does not say what these are for: {sorted(missing)}"


def test_every_named_file_exists():
    roots = [ROOT, SIDECAR, SIDECAR / "engines", SIDECAR / "engines" / "internvl", SIDECAR / "eval", ROOT / "odoo_addons",
             ADDON, ADDON / "lib", ADDON / "models", ADDON / "wizard", ADDON / "tests", ROOT / "tools"]
    gone = [name for name in TICKED.findall(text()) if name.endswith((".py", "/", ".md"))
            and not any((root / name).exists() for root in roots)]
    assert gone == [], f"docs/architecture.md names what is not there: {sorted(gone)}"


def test_the_sidecar_layers_are_listed_in_the_enforced_order():
    rows = re.findall(r"^\| ([a-z ]+) \| `", text(), re.M)
    assert rows == [layer for layer, _ in LAYERS]


def test_each_layers_modules_are_the_ones_test_layers_puts_there():
    for layer, modules in LAYERS:
        row = re.search(rf"^\| {layer} \| (.*?) \|", text(), re.M).group(1)
        listed = {name.rstrip("/").removesuffix(".py") for name in TICKED.findall(row)}
        assert listed == {m for m in modules if m}, layer


def test_the_map_is_one_page():
    assert len(text().splitlines()) < 150
