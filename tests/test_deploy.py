"""The deployment files are consistent with the code: compose, Dockerfiles and the k8s manifest.

`docker compose config` needs the compose plugin, absent on the CI machine, so the compose file is
checked structurally with PyYAML (anchors and merge keys resolved as compose does).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ocr_sidecar import healthcheck

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_db_odoo_and_both_sidecar_profiles(compose):
    services = compose["services"]
    assert {"db", "odoo", "sidecar-gpu", "sidecar-cpu"} <= set(services)
    assert services["sidecar-gpu"]["profiles"] == ["gpu"]
    assert services["sidecar-cpu"]["profiles"] == ["cpu"]
    # Both flavours answer under one name, which is what the addon is pointed at.
    for name in ("sidecar-gpu", "sidecar-cpu"):
        assert "ocr-sidecar" in services[name]["networks"]["default"]["aliases"]
    assert services["odoo"]["environment"]["DOCUMENT_DIGITIZE_ENDPOINT"] == "ocr-sidecar:50051"


def test_gpu_sidecar_reserves_a_gpu_and_mounts_weights(compose):
    gpu = compose["services"]["sidecar-gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert any(v.startswith("./InternVL3-1B-hf:/models/InternVL3-1B-hf") for v in gpu["volumes"])
    assert gpu["environment"]["MODEL_PATH"] == "/models/InternVL3-1B-hf"
    # The healthcheck is the gRPC health probe shipped in the package.
    assert gpu["healthcheck"]["test"] == ["CMD", "python", "-m", "ocr_sidecar.healthcheck"]
    # Its settings are valid and batch concurrent documents.
    from ocr_sidecar.settings import Settings

    env = {k: str(v) for k, v in gpu["environment"].items() if k != "OCR_AUTH_TOKEN_FILE"}  # in the container only
    settings = Settings.from_env(env)
    assert settings.batch_size > 1 and settings.concurrency >= settings.batch_size


def test_odoo_mounts_addons_and_installs_them(compose):
    odoo = compose["services"]["odoo"]
    assert "./odoo_addons:/mnt/extra-addons:ro" in odoo["volumes"]
    command = odoo["command"]
    installed = command[command.index("-i") + 1].split(",")
    for module in installed:
        assert (ROOT / "odoo_addons" / module / "__manifest__.py").exists(), module
    assert odoo["depends_on"]["db"]["condition"] == "service_healthy"


def test_sidecar_dockerfile_generates_stubs_runs_non_root_and_checks_health():
    text = (ROOT / "docker" / "sidecar.Dockerfile").read_text()
    assert "tools/gen_protos.py --check" in text
    assert "USER sidecar" in text
    assert "ocr_sidecar.healthcheck" in text
    for copied in ("protos", "tools", "ocr_sidecar", "requirements.txt"):
        assert (ROOT / copied).exists(), copied


def test_k8s_manifest_uses_grpc_probes_and_a_headless_service():
    docs = {d["kind"]: d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "sidecar.yaml").read_text())}
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["readinessProbe"]["grpc"]["port"] == 50051
    assert docs["Service"]["spec"]["clusterIP"] == "None"


@pytest.mark.skipif(not shutil.which("docker") or subprocess.run(
    ["docker", "compose", "version"], capture_output=True).returncode != 0, reason="docker compose plugin not installed")
def test_docker_compose_config_validates():
    subprocess.run(["docker", "compose", "--profile", "gpu", "--profile", "cpu", "config", "-q"],
                   cwd=ROOT, check=True)


def test_healthcheck_reports_unreachable_server_as_unhealthy(capsys):
    # Nothing listens on port 1: the probe must fail quickly, not hang or pass.
    assert healthcheck.main(["--target", "127.0.0.1:1", "--timeout", "1"]) == 1
    assert "unhealthy" in capsys.readouterr().err


def test_the_token_comes_from_a_secret_with_no_default_in_compose_and_k8s(compose):
    text = (ROOT / "docker-compose.yml").read_text() + (ROOT / "deploy" / "k8s" / "sidecar.yaml").read_text()
    assert "change-me" not in text and "OCR_AUTH_TOKEN:" not in text
    assert compose["secrets"]["ocr_auth_token"] == {"file": "./secrets/ocr_auth_token"}
    for name in ("sidecar-gpu", "sidecar-cpu", "odoo"):
        assert compose["services"][name]["secrets"] == ["ocr_auth_token"], name
    assert compose["services"]["sidecar-gpu"]["environment"]["OCR_AUTH_TOKEN_FILE"] == "/run/secrets/ocr_auth_token"
    assert compose["services"]["odoo"]["environment"]["DOCUMENT_DIGITIZE_TOKEN_FILE"] == "/run/secrets/ocr_auth_token"
    docs = {d["kind"]: d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "sidecar.yaml").read_text())}
    assert "Secret" not in docs  # created by the operator, with a random value (the manifest says how)
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    token_volume = next(v for v in pod["volumes"] if v["name"] == "token")
    assert token_volume["secret"]["secretName"] == "ocr-sidecar" and "optional" not in token_volume["secret"]
    assert env["OCR_AUTH_TOKEN_FILE"]["value"].startswith("/run/secrets/ocr-sidecar/")
