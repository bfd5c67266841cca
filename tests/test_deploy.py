"""The deployment files run as written: compose, the Dockerfiles and the Kubernetes set agree with the code.

The compose file is rendered by a real compose implementation (`docker compose` v2, or Debian's
`docker-compose` package: `config` needs no engine); the Kubernetes manifests are validated offline against
the Kubernetes API schemas (`kubernetes-validate`, in the test extra) and, where `kubectl` is installed,
rendered by its kustomize first. Without those tools the checks are skipped with a loud reason (and a
warning in pytest's summary), never passed silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from ocr_sidecar import healthcheck
from ocr_sidecar.settings import Settings
from ocr_sidecar.testing import SidecarThread

import sidecar_helpers as h

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
GRPC_PORT, METRICS_PORT = 50051, 9464


def skip_loudly(reason: str):
    warnings.warn(f"SKIPPED deployment check: {reason}", stacklevel=2)
    pytest.skip(f"SKIPPED (not checked!): {reason}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def k8s_documents(*names: str) -> dict[str, dict]:
    docs = {}
    for name in names:
        for doc in yaml.safe_load_all((K8S / name).read_text()):
            docs[doc["kind"]] = doc
    return docs


@pytest.fixture(scope="module")
def k8s() -> dict[str, dict]:
    return k8s_documents("sidecar.yaml", "weights.yaml")


def exact_image(ref: str) -> bool:
    """A reference that names one build: a digest, or a tag with a full version (x.y.z, PostgreSQL's x.y with its
    variant) or a release date — not `latest`, `16`, `18.0` or `24.04`, which move under you."""
    if re.search(r"@sha256:[0-9a-f]{64}$", ref):
        return True
    tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else ""
    return bool(re.search(r"\d{8}", tag) or re.match(r"\d+\.\d+\.\d+", tag) or re.match(r"\d+\.\d+-[a-z]", tag))


def test_exact_image_tells_pinned_from_floating_references():
    assert all(map(exact_image, ["postgres:16.15-bookworm", "odoo:18.0-20260817", "ubuntu:noble-20260810",
                                 "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04", "odoo@sha256:" + "a" * 64]))
    assert not any(map(exact_image, ["postgres:16", "odoo:18.0", "odoo:18", "ubuntu:24.04", "python", "x:latest",
                                     "localhost:5000/odoo"]))


# --- compose ------------------------------------------------------------------------------------


def compose_implementations() -> list[list[str]]:
    found = []
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        found.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        found.append(["docker-compose"])
    return found


def render_compose(command: list[str], **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OCR_PUBLISH_", "ODOO_", "COMPOSE_"))}
    result = subprocess.run([*command, "-f", str(ROOT / "docker-compose.yml"), "--profile", "gpu", "--profile", "cpu",
                             "config"], cwd=ROOT, capture_output=True, text=True, env={**clean, **env}, timeout=60)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def published(service: dict) -> set[tuple[str, int, int]]:
    """(host ip, host port, container port) of each published port, from either implementation's output."""
    out = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):  # compose v2: long syntax
            out.add((port.get("host_ip", ""), int(port["published"]), int(port["target"])))
        else:  # docker-compose 1.x: "127.0.0.1:50051:50051/tcp"
            ip, host, target = str(port).split("/")[0].rsplit(":", 2)
            out.add((ip, int(host), int(target)))
    return out


@pytest.fixture(scope="module", params=compose_implementations() or [None], ids=lambda c: " ".join(c or ["none"]))
def rendered(request) -> dict:
    if request.param is None:
        skip_loudly("no compose implementation to render docker-compose.yml (apt-get install docker-compose, or the "
                    "docker compose plugin)")
    return render_compose(request.param)


def test_compose_publishes_grpc_and_metrics_on_loopback_only(rendered):
    for name in ("sidecar-gpu", "sidecar-cpu"):
        assert published(rendered["services"][name]) == {("127.0.0.1", GRPC_PORT, GRPC_PORT),
                                                          ("127.0.0.1", METRICS_PORT, METRICS_PORT)}, name
    assert published(rendered["services"]["odoo"]) == {("127.0.0.1", 8069, 8069)}
    assert "ports" not in rendered["services"]["db"]


def test_compose_publish_addresses_can_be_changed_for_a_proxy_or_replicas():
    command = (compose_implementations() or [None])[0]
    if command is None:
        skip_loudly("no compose implementation (apt-get install docker-compose)")
    services = render_compose(command, OCR_PUBLISH_GRPC="10.0.0.5:6000")["services"]
    assert ("10.0.0.5", 6000, GRPC_PORT) in published(services["sidecar-gpu"])


def test_compose_images_are_pinned_and_the_token_has_no_default(rendered):
    services = rendered["services"]
    for name, service in services.items():
        if "build" not in service:
            assert exact_image(service["image"]), (name, service["image"])
    assert services["sidecar-cpu"]["build"]["args"]["BASE_IMAGE"] == "ubuntu:noble-20260810"
    for name in ("sidecar-gpu", "sidecar-cpu", "odoo"):
        assert [s["source"] if isinstance(s, dict) else s for s in services[name]["secrets"]] == ["ocr_auth_token"]
        assert "OCR_AUTH_TOKEN" not in services[name].get("environment", {})
    assert rendered["secrets"]["ocr_auth_token"]["file"].endswith("/secrets/ocr_auth_token")
    # The batching settings of the GPU sidecar are valid settings
    env = {k: str(v) for k, v in services["sidecar-gpu"]["environment"].items() if k != "OCR_AUTH_TOKEN_FILE"}
    settings = Settings.from_env(env)
    assert settings.batch_size == 16 and settings.concurrency >= settings.batch_size


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


def test_odoo_mounts_addons_and_installs_them(compose):
    odoo = compose["services"]["odoo"]
    assert "./odoo_addons:/mnt/extra-addons:ro" in odoo["volumes"]
    command = odoo["command"]
    installed = command[command.index("-i") + 1].split(",")
    for module in installed:
        assert (ROOT / "odoo_addons" / module / "__manifest__.py").exists(), module
    assert odoo["depends_on"]["db"]["condition"] == "service_healthy"


# --- Dockerfiles --------------------------------------------------------------------------------


def dockerfile_stages(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(ARG defaults, stage name -> its instructions) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    args, stages, current = {}, {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("ARG ") and current is None and "=" in line:
            name, value = line[4:].split("=", 1)
            args[name] = value
        elif line.startswith("FROM "):
            parts = line.split()
            current = parts[3] if len(parts) > 3 else f"stage{len(stages)}"
            stages[current] = line + "\n"
        elif current is not None and line and not line.startswith("#"):
            stages[current] += line + "\n"
    return args, stages


def test_sidecar_image_is_multi_stage_and_its_runtime_carries_no_build_or_test_tools():
    args, stages = dockerfile_stages(ROOT / "docker" / "sidecar.Dockerfile")
    assert list(stages) == ["deps", "check", "runtime"]
    assert exact_image(args["BASE_IMAGE"]), args["BASE_IMAGE"]
    runtime = stages["runtime"]
    assert runtime.startswith("FROM ${BASE_IMAGE} AS runtime")  # not FROM deps: nothing of the build stage but /opt/venv
    for tool in ("build-essential", "python3-dev", "grpcio-tools", "pytest", "atheris", "pip install", "[test]"):
        assert tool not in runtime, tool
    assert "COPY --from=deps /opt/venv /opt/venv" in runtime
    assert "COPY --from=check" in runtime  # so BuildKit cannot skip the stub check
    assert "tools/gen_protos.py --check" in stages["check"]
    deps = stages["deps"]
    assert "pip install ." in deps and "[test]" not in deps and "requirements.txt" not in deps
    assert "USER sidecar" in runtime and "ocr_sidecar.healthcheck" in runtime
    for copied in ("protos", "tools", "ocr_sidecar", "pyproject.toml", "odoo_addons/document_digitize/lib/proto"):
        assert (ROOT / copied).exists(), copied
    # pytest and atheris are the test extra's, not the package's runtime dependencies
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime_deps = " ".join(project["dependencies"])
    for tool in ("pytest", "atheris", "ruff", "pylint", "grpcio-tools", "kubernetes-validate"):
        assert tool not in runtime_deps
        assert any(dep.startswith(tool) for dep in project["optional-dependencies"]["test"]), tool


def test_odoo_image_is_pinned():
    _, stages = dockerfile_stages(ROOT / "docker" / "odoo.Dockerfile")
    base = next(iter(stages.values())).split()[1]
    assert exact_image(base) and base.startswith("odoo:18.0-"), base


def test_docker_context_leaves_out_the_venv_and_secrets():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "secrets", "deploy/k8s/auth-token", "InternVL3-1B-hf"} <= set(ignored)


# --- Kubernetes ---------------------------------------------------------------------------------


def kubernetes_validate_or_skip():
    try:
        import kubernetes_validate
    except ImportError:
        skip_loudly("kubernetes-validate is not installed (pip install -e '.[test]'): the Kubernetes manifests "
                    "were not validated against the API schemas")
    return kubernetes_validate


def validate_all(docs, kv) -> None:
    version = kv.latest_version()
    for doc in docs:
        kv.validate(doc, version, strict=True)  # raises on unknown or missing fields, wrong types


def test_k8s_manifests_are_valid_kubernetes_objects():
    kv = kubernetes_validate_or_skip()
    docs = [d for name in ("sidecar.yaml", "weights.yaml") for d in yaml.safe_load_all((K8S / name).read_text())]
    assert {d["kind"] for d in docs} == {"Deployment", "Service", "PersistentVolumeClaim", "Job"}
    validate_all(docs, kv)
    broken = yaml.safe_load((K8S / "sidecar.yaml").read_text().split("\n---\n")[0])
    broken["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"] = "nope"
    with pytest.raises(kv.ValidationError):  # the validation can fail
        validate_all([broken], kv)


def test_k8s_deployment_batches_on_the_gpu_and_probes_with_its_own_health_check(k8s):
    pod = k8s["Deployment"]["spec"]["template"]["spec"]
    container = next(c for c in pod["containers"] if c["name"] == "sidecar")
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    env = {e["name"]: e["value"] for e in container["env"]}
    settings = Settings.from_env({k: v for k, v in env.items() if k != "OCR_AUTH_TOKEN_FILE"})
    assert settings.device == "cuda" and settings.batch_size == 16 and settings.concurrency >= 16
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"] == ["python", "-m", "ocr_sidecar.healthcheck"], probe
        assert "grpc" not in container[probe], probe  # the native probe cannot speak TLS
    assert container["startupProbe"]["periodSeconds"] * container["startupProbe"]["failureThreshold"] >= 300
    assert pod["terminationGracePeriodSeconds"] > settings.grace_s
    service = k8s["Service"]["spec"]
    assert service["clusterIP"] == "None" and {p["port"] for p in service["ports"]} == {GRPC_PORT, METRICS_PORT}


def test_k8s_weights_volume_is_filled_by_a_job_that_may_write_it_and_the_pods_wait_for_it(k8s):
    claim = k8s["PersistentVolumeClaim"]
    assert "ReadOnlyMany" not in claim["spec"]["accessModes"]  # nothing could fill a read-only volume
    job_pod = k8s["Job"]["spec"]["template"]["spec"]
    job_volume = next(v for v in job_pod["volumes"] if "persistentVolumeClaim" in v)
    assert job_volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert not job_volume["persistentVolumeClaim"].get("readOnly")
    download = job_pod["containers"][0]
    mount = next(m for m in download["volumeMounts"] if m["name"] == job_volume["name"])
    assert not mount.get("readOnly")
    script = " ".join(download["command"])
    assert "ocr-sidecar download-model --dest /models/InternVL3-1B-hf" in script
    assert {"name": "HF_HUB_OFFLINE", "value": "0"} in download["env"]  # the image is offline by default
    marker = re.search(r"touch (\S+)", script).group(1)
    assert job_pod["securityContext"]["fsGroup"] == 10001  # the image's user may write the volume
    pod = k8s["Deployment"]["spec"]["template"]["spec"]
    wait = " ".join(pod["initContainers"][0]["command"])
    assert f"-f {marker}" in wait
    weights = next(v for v in pod["volumes"] if v["name"] == "weights")
    assert weights["persistentVolumeClaim"] == {"claimName": claim["metadata"]["name"], "readOnly": True}
    env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    assert marker.startswith(env["MODEL_PATH"] + "/")


def test_k8s_weights_job_marks_only_a_complete_folder_and_the_pods_check_the_files(k8s, tmp_path, tiny_model_dir):
    """The Job's and the init container's own scripts, run here against a folder (no network, the hub offline):
    a folder holding only its README is never marked complete, and a marked folder missing a file is waited on."""
    job = k8s["Job"]["spec"]["template"]["spec"]["containers"][0]["command"]
    wait = k8s["Deployment"]["spec"]["template"]["spec"]["initContainers"][0]["command"]
    assert job[:2] == wait[:2] == ["sh", "-c"]
    models = tmp_path / "models"
    folder = models / "InternVL3-1B-hf"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "InternVL3-1B-hf" / "README.md", folder)
    shim = tmp_path / "bin" / "ocr-sidecar"  # the image's entry point
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m ocr_sidecar \"$@\"\n")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}", "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(ROOT)}

    def run(script: str) -> subprocess.CompletedProcess:
        script = script.replace("/models", str(models)).replace("sleep 10", "exit 3")  # one round of the wait
        return subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=120)

    marker = folder / ".download-complete"
    failed = run(job[2])
    assert failed.returncode != 0 and not marker.exists(), failed.stdout + failed.stderr
    assert "missing config.json" in failed.stderr
    marker.touch()  # marked by hand, weights still missing: the pod waits, saying what is missing
    waited = run(wait[2])
    assert waited.returncode == 3 and "missing config.json" in waited.stderr, waited.stdout + waited.stderr
    marker.unlink()
    shutil.copytree(tiny_model_dir, folder, dirs_exist_ok=True)
    done = run(job[2])
    assert done.returncode == 0 and marker.exists(), done.stdout + done.stderr
    assert run(wait[2]).returncode == 0


def test_k8s_token_secret_is_generated_from_a_git_ignored_file_and_the_image_comes_from_your_registry(k8s):
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {"sidecar.yaml", "weights.yaml"}
    generator = kustomization["secretGenerator"][0]
    assert generator["files"] == ["auth-token"]
    assert "/deploy/k8s/auth-token" in (ROOT / ".gitignore").read_text().split()
    pod = k8s["Deployment"]["spec"]["template"]["spec"]
    token_volume = next(v for v in pod["volumes"] if v["name"] == "token")
    assert token_volume["secret"]["secretName"] == generator["name"] and "optional" not in token_volume["secret"]
    env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    assert env["OCR_AUTH_TOKEN_FILE"] == "/run/secrets/ocr-sidecar/auth-token"
    text = "".join((K8S / n).read_text() for n in ("sidecar.yaml", "weights.yaml", "kustomization.yaml"))
    assert "change-me" not in text and "OCR_AUTH_TOKEN\n" not in text and "name: OCR_AUTH_TOKEN}" not in text
    images = {c["image"] for c in pod["containers"] + pod["initContainers"]}
    images |= {c["image"] for c in k8s["Job"]["spec"]["template"]["spec"]["containers"]}
    assert images == {"odoo-digitize/ocr-sidecar:gpu"}
    assert [i["name"] for i in kustomization["images"]] == ["odoo-digitize/ocr-sidecar"]


def test_k8s_set_renders_with_kustomize_into_valid_objects_tls_included(tmp_path):
    kv = kubernetes_validate_or_skip()
    if not shutil.which("kubectl"):
        skip_loudly("kubectl is not installed: `kubectl apply -k deploy/k8s` was not rendered")
    work = tmp_path / "k8s"
    shutil.copytree(K8S, work)
    (work / "auth-token").write_text("0123456789abcdef0123456789abcdef\n")
    text = (work / "kustomization.yaml").read_text()
    assert "# components:\n#   - tls\n" in text  # what the docs tell the operator to uncomment
    (work / "kustomization.yaml").write_text(text.replace("# components:\n#   - tls\n", "components:\n  - tls\n"))
    result = subprocess.run(["kubectl", "kustomize", str(work)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    docs = list(yaml.safe_load_all(result.stdout))
    validate_all(docs, kv)
    by_kind = {d["kind"]: d for d in docs}
    secret = by_kind["Secret"]["metadata"]["name"]
    pod = by_kind["Deployment"]["spec"]["template"]["spec"]
    assert secret.startswith("ocr-sidecar-")  # the content hash: a new token rolls the pods
    assert {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v} == {secret, "ocr-sidecar-tls"}
    images = {c["image"] for c in pod["containers"] + pod["initContainers"]}
    assert images == {"registry.example.com/odoo-digitize/ocr-sidecar:0.1.0-gpu"}
    env = {e["name"] for e in pod["containers"][0]["env"]}
    assert {"OCR_TLS_CERT", "OCR_TLS_PROBE_CA", "OCR_TLS_SERVER_NAME", "OCR_BATCH_SIZE"} <= env


def _tls_env(certs: dict) -> dict[str, str]:
    """The TLS component's environment, its Secret's files mapped onto this test's certificates."""
    patch = yaml.safe_load((K8S / "tls" / "deployment-tls.yaml").read_text())
    container = patch["spec"]["template"]["spec"]["containers"][0]
    mount = container["volumeMounts"][0]["mountPath"]
    files = {"tls.crt": certs["server"][1], "tls.key": certs["server"][0], "ca.crt": certs["ca"]}
    env = {}
    for item in container["env"]:
        value = item["value"]
        if value.startswith(mount + "/"):
            value = str(files[value[len(mount) + 1:]])
        env[item["name"]] = value
    return env


def test_the_k8s_tls_component_makes_the_exec_probe_pass_against_a_mutual_tls_server(tmp_path):
    # The probe command and the env exactly as the manifests give them; only the Secret's files are this test's.
    certs = h.make_certs(tmp_path, server_names=("ocr-sidecar", "localhost"))
    env = _tls_env(certs)
    assert env["OCR_TLS_SERVER_NAME"] == "ocr-sidecar"
    settings = Settings.from_env(env, engine="replay", grpc_host="127.0.0.1", grpc_port=0, auth_token="t" * 32)
    assert settings.tls_client_ca is not None  # mutual TLS: the probe must present a certificate
    command = yaml.safe_load((K8S / "sidecar.yaml").read_text().split("\n---\n")[0])[
        "spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["exec"]["command"]
    assert command[0] == "python"
    thread = SidecarThread(engine="replay", token="t" * 32, tls_cert=settings.tls_cert, tls_key=settings.tls_key,
                           tls_client_ca=settings.tls_client_ca)
    with thread as target:
        port = target.rsplit(":", 1)[1]

        def probe(probe_env: dict[str, str]) -> subprocess.CompletedProcess:
            base = {k: v for k, v in os.environ.items() if not k.startswith("OCR_TLS")}
            return subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True, timeout=30,
                                  env={**base, **probe_env, "GRPC_PORT": port, "PYTHONPATH": str(ROOT)})

        ok = probe(env)
        assert ok.returncode == 0 and ok.stdout.strip() == "SERVING", ok.stderr
        # without the probe's client certificate the server turns it away: the component's probe lines matter
        bare = probe({k: v for k, v in env.items() if not k.startswith("OCR_TLS_PROBE_")})
        assert bare.returncode == 1 and "unhealthy" in bare.stderr
        # a server name the certificate does not carry fails too (OCR_TLS_SERVER_NAME is checked)
        wrong = probe({**env, "OCR_TLS_SERVER_NAME": "elsewhere"})
        assert wrong.returncode == 1


def test_build_and_push_builds_pushes_and_points_the_kustomization_at_the_image(tmp_path):
    # a copy of what the script reads, and a docker that records its calls instead of building
    for path in ("deploy/k8s", "pyproject.toml", "docker/sidecar.Dockerfile"):
        source, target = ROOT / path, tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "docker.log"
    (bin_dir / "docker").write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    (bin_dir / "docker").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(tmp_path / "deploy/k8s/build-and-push.sh"), "reg.example:5000/team/"],
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    image = "reg.example:5000/team/ocr-sidecar:0.1.0-gpu"
    calls = log.read_text().splitlines()
    assert calls == [f"build -f {tmp_path}/docker/sidecar.Dockerfile -t {image} {tmp_path}", f"push {image}"]
    images = yaml.safe_load((tmp_path / "deploy/k8s/kustomization.yaml").read_text())["images"]
    assert images == [{"name": "odoo-digitize/ocr-sidecar", "newName": "reg.example:5000/team/ocr-sidecar",
                       "newTag": "0.1.0-gpu"}]
    log.unlink()
    cpu = subprocess.run(["bash", str(tmp_path / "deploy/k8s/build-and-push.sh"), "reg", "v2", "cpu"],
                         capture_output=True, text=True, env=env, timeout=30)
    assert cpu.returncode == 0, cpu.stderr
    assert "--build-arg BASE_IMAGE=ubuntu:noble-20260810 --build-arg TORCH_INDEX=cpu" in log.read_text()
    assert yaml.safe_load((tmp_path / "deploy/k8s/kustomization.yaml").read_text())["images"][0]["newTag"] == "v2"


def test_healthcheck_reports_unreachable_server_as_unhealthy(capsys):
    # Nothing listens on port 1: the probe must fail quickly, not hang or pass.
    assert healthcheck.main(["--target", "127.0.0.1:1", "--timeout", "1"]) == 1
    assert "unhealthy" in capsys.readouterr().err
