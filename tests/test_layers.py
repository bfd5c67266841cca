"""Imports run one way: cli → front (server, eval) → pipeline → stages → engines → engine kit → leaves.

Read from the code, not from a list of edges kept by hand: every module of ocr_sidecar is parsed with ``ast``,
every import in it (at the top, inside a function, under ``TYPE_CHECKING``, by ``importlib.import_module``) is
resolved to the module it names, and each module gets its layer from ``LAYERS``. A module that imports one of a higher layer, two modules that
import each other (directly or round a longer circle, also within one layer), or a new module that no layer
names fails here. The Odoo addons never import the sidecar: they are deployed without it. And no hand-written
Python file grows past 500 lines: one job each.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

import pytest

from conftest import ROOT

PACKAGE = ROOT / "ocr_sidecar"

# From the top down; a module belongs to the layer that names it or the package it is in (longest name wins).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("cli", ("cli", "__main__")),
    ("front", ("server", "testing", "eval", "healthcheck")),  # what the entry points run: serve, eval, test sidecars
    ("pipeline", ("pipeline",)),
    ("stages", ("inputs", "einvoice", "ocr", "sandbox", "locate", "evidence", "checks")),
    ("engines", ("engines",)),
    # what engines share with the stages above them: reading a model's answer, prompts, drafts, batching, device
    ("engine kit", ("answer", "prompts", "lookup", "batching", "device", "random_model", "reader")),
    ("leaves", ("", "types", "schema", "settings", "errors", "formats", "words", "printed", "match", "metrics",
                "proto")),
]
RANK = {f"ocr_sidecar.{name}" if name else "ocr_sidecar": (len(LAYERS) - i, layer)
        for i, (layer, names) in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The ocr_sidecar modules ``path`` imports (``from . import x`` names the module x where x is one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name.split(".")[0] == "ocr_sidecar"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "ocr_sidecar":
                continue
            for alias in node.names:
                out.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            first = node.args[0] if node.args else None  # importlib.import_module("ocr_sidecar.…")
            if isinstance(first, ast.Constant) and str(first.value).split(".")[0] == "ocr_sidecar":
                out.add(first.value)
    return out - {name}


def layer_of(name: str) -> Optional[tuple[int, str]]:
    """(rank, layer) of ``name`` or of the package it is in; the package ``ocr_sidecar`` itself (its version)
    stands for itself only."""
    if name == "ocr_sidecar":
        return RANK[name]
    while name != "ocr_sidecar":
        if name in RANK:
            return RANK[name]
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_the_parser_sees_imports_of_every_kind():
    edges = graph()
    assert "ocr_sidecar.types" in edges["ocr_sidecar.engines.base"]  # from ..types import …
    assert "ocr_sidecar.words" in edges["ocr_sidecar.types"]  # under TYPE_CHECKING
    assert "ocr_sidecar.server" in edges["ocr_sidecar.cli"]  # inside a function
    assert "ocr_sidecar.errors" in edges["ocr_sidecar.pipeline"]  # from . import errors
    assert "ocr_sidecar.engines.replay" in edges["ocr_sidecar.testing"]
    assert "ocr_sidecar.pipeline" in edges["ocr_sidecar.eval.extractors"]  # importlib.import_module("…")


def test_every_module_has_a_layer():
    assert [name for name in modules() if layer_of(name) is None] == [], "name the new module's layer in LAYERS"


def test_no_module_imports_one_of_a_higher_layer():
    upward = []
    for name, targets in graph().items():
        rank, layer = layer_of(name)
        for target in sorted(targets):
            if layer_of(target)[0] > rank:
                upward.append(f"{name} ({layer}) imports {target} ({layer_of(target)[1]})")
    assert upward == []


def test_no_import_circles():
    edges = graph()
    circles, state = [], {}  # state: 1 on the current path, 2 done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges.get(name, ())):
            if state.get(target) == 1:
                circles.append(" → ".join(path[path.index(target):] + [target]))
            elif target in edges and not state.get(target):
                visit(target, path + [target])
        state[name] = 2

    for name in sorted(edges):
        if not state.get(name):
            visit(name, [name])
    assert circles == []


MAX_LINES = 500  # a file of one job fits on a few screens


def test_no_hand_written_python_file_is_over_500_lines():
    """The generated gRPC stubs aside: a longer file does more than one job (split it, shared helpers apart)."""
    long = [f"{path.relative_to(ROOT)}: {n} lines"
            for folder in ("ocr_sidecar", "odoo_addons", "tests", "benchmarks", "tools")
            for path in sorted((ROOT / folder).rglob("*.py"))
            if "proto" not in path.relative_to(ROOT).parts and (n := len(path.read_text().splitlines())) > MAX_LINES]
    assert long == []


@pytest.mark.parametrize("addon", sorted(p.name for p in (ROOT / "odoo_addons").iterdir() if p.is_dir()))
def test_the_addons_never_import_the_sidecar(addon):
    """What is deployed; the addons' own tests talk to an in-process sidecar (tests/common.py)."""
    for path in sorted((ROOT / "odoo_addons" / addon).rglob("*.py")):
        if "tests" in path.relative_to(ROOT / "odoo_addons" / addon).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not any(n.split(".")[0] == "ocr_sidecar" for n in names), path
