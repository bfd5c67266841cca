"""The documentation a newcomer follows: one screen of README, links that lead somewhere, every setting listed.

A setting the code reads but docs/settings.md does not name fails here, found by reading the code (the
sidecar's settings table, the health check, the addon's environment names, compose's variables, the test tools),
not from a list kept by hand.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import pytest

from ocr_sidecar.settings import Settings

from conftest import load_mapping_lib

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
SETTINGS_DOC = (ROOT / "docs" / "settings.md").read_text()


def settings_read_by_the_code() -> set[str]:
    names = set(Settings.ENV)
    healthcheck = (ROOT / "ocr_sidecar" / "healthcheck.py").read_text()
    names |= set(re.findall(r"""env\(["'](\w+)["']\)""", healthcheck))
    names |= set(re.findall(r"""os\.environ\.get\(["'](\w+)["']""", healthcheck))
    device = (ROOT / "ocr_sidecar" / "device.py").read_text()
    names |= set(re.findall(r"""env\.get\(["']([A-Z_]+)["']""", device))
    names |= set(re.findall(r"""environ\.get\(["']([A-Z_]+)["']""", (ROOT / "ocr_sidecar" / "engines" / "weights.py")
                            .read_text()))
    lib = load_mapping_lib()
    from importlib import import_module

    config = import_module(f"{lib.__name__}.config")
    names |= set(config.ENV_NAMES.values()) | {config.ENV_NAMES["token"] + "_FILE"}
    names |= set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    names |= set(re.findall(r"\$\{((?:ODOO|OCR)_\w+)", (ROOT / "tools" / "odoo_tests.sh").read_text()))
    names |= set(re.findall(r"\$\{(\w+):-", (ROOT / "run.sh").read_text()))
    return names


def test_the_code_reads_the_settings_this_test_looks_for():
    names = settings_read_by_the_code()
    # a sample from each source, so a broken pattern cannot pass by finding nothing
    assert {"MODEL_PATH", "OCR_TLS_SERVER_NAME", "OCR_TLS_PROBE_CA", "ATEN_CPU_CAPABILITY", "XDG_CACHE_HOME",
            "DOCUMENT_DIGITIZE_TOKEN_FILE", "OCR_PUBLISH_GRPC", "ODOO_TEST_TAGS", "PYTHON"} <= names


@pytest.mark.parametrize("name", sorted(settings_read_by_the_code()))
def test_every_setting_the_code_reads_is_documented(name):
    assert re.search(rf"`{name}`", SETTINGS_DOC) or re.search(rf"\b{name}\b", SETTINGS_DOC), \
        f"{name} is read by the code but not documented in docs/settings.md"


def test_the_readme_is_one_screen_and_leads_to_every_doc():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 60
    for doc in DOCS:
        assert f"(docs/{doc.name})" in readme, doc.name
    assert "./run.sh serve --demo" in readme and "./run.sh test" in readme
    # the first calls work with what the project installs, on a document that is in the repository
    assert "./run.sh extract samples/invoice.pdf" in readme and "./run.sh call samples/invoice.pdf" in readme
    first_calls = re.search(r"## A first call.*?```bash\n(.*?)```", readme, re.S).group(1)
    assert (ROOT / "samples" / "invoice.pdf").is_file() and "grpcurl" not in first_calls  # Debian has no grpcurl
    assert "OCR_AUTH_TOKEN" in readme and "--host 127.0.0.1" in readme  # what `serve` without --demo needs


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("page", [ROOT / "README.md", ROOT / "SECURITY.md", *DOCS], ids=lambda p: p.name)
def test_links_lead_to_files_and_headings_that_exist(page):
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"https?://", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target}"
        if anchor:
            assert anchor in _anchors(resolved.read_text()), f"{page.name}: {target}"


def test_the_readme_facts_moved_to_docs_not_lost():
    evaluation = (ROOT / "docs" / "evaluation.md").read_text()
    assert evaluation.count("\n| fx_") == 20 and "| ox_ORDER-X_EX11_ORDER_PICK-UP-BASIC.pdf |" in evaluation
    assert "Overall: 959/1499 gold fields match (64.0%)" in evaluation
    assert "## How the tests find Odoo" in (ROOT / "docs" / "testing.md").read_text()
    assert "`sale_document_digitize`" in (ROOT / "docs" / "odoo-addons.md").read_text()
    assert "## Limits and their settings" in (ROOT / "docs" / "security.md").read_text()
    assert "vllm serve OpenGVLab/InternVL3-1B" in (ROOT / "docs" / "deployment.md").read_text()


def test_the_grpcurl_request_is_valid_json_carrying_the_file(tmp_path):
    api = (ROOT / "docs" / "api.md").read_text()
    snippet = re.search(r"^(\{ printf .*?; \}) \\$", api, re.M).group(1)
    assert "samples/invoice.pdf" in snippet
    document = tmp_path / "samples" / "invoice.pdf"
    document.parent.mkdir()
    document.write_bytes(bytes(range(256)) * 700)  # 179 KB: more than one command-line argument may hold
    out = subprocess.run(["bash", "-c", snippet], cwd=tmp_path, capture_output=True, check=True, timeout=30)
    request = json.loads(out.stdout)
    assert request["filename"] == "invoice.pdf" and base64.b64decode(request["content"]) == document.read_bytes()
