"""The `ocr-sidecar` command line as a user meets it (real subprocesses where exit codes matter)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocr_sidecar.cli import app
from ocr_sidecar.settings import Settings

import sidecar_helpers as h
from conftest import DOCUMENTS_DIR, ROOT, load_gold


def run_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocr_sidecar", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})



def test_serve_without_weights_serves_einvoices_and_says_so_loudly(tmp_path):
    import signal

    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from ocr_sidecar.proto import document_service_pb2 as pb
    from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc

    port = h.free_port()
    env = {**os.environ, "MODEL_PATH": str(tmp_path / "nothing-here"), "OCR_AUTH_TOKEN": ""}
    proc = subprocess.Popen([sys.executable, "-m", "ocr_sidecar", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=60)
            health = health_pb2_grpc.HealthStub(channel)
            for _ in range(100):
                if health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == 1:
                    break
                time.sleep(0.1)
            else:
                pytest.fail("never SERVING")
            reply = pb_grpc.DocumentServiceStub(channel).Extract(
                pb.ExtractRequest(content=(DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf").read_bytes()), timeout=30)
            assert reply.engine == "einvoice"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        output = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    first = output.splitlines()[0]  # the first thing the operator reads, before any log line
    assert first.startswith("warning: no InternVL3-1B weights in") and "nothing-here" in first
    assert "download-model" in first and "--demo" in first and "--engine einvoice" in first
    assert "FAILED_PRECONDITION" in first and "Traceback" not in output
    assert '"event": "serving_without_model"' in output


def test_download_model_offline_is_one_clear_line(tmp_path):
    result = run_cli("download-model", "--dest", str(tmp_path / "w"), env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2
    assert "cannot download OpenGVLab/InternVL3-1B-hf" in result.stderr and "Traceback" not in result.stderr


def test_download_model_offline_into_the_committed_folder_fails_naming_what_is_missing(tmp_path):
    """The hub's client returns the folder it was given when offline and the folder exists (ours holds its
    README): nothing was downloaded, and download-model must say so — not "downloaded to"."""
    dest = tmp_path / "InternVL3-1B-hf"
    dest.mkdir()
    shutil.copy(ROOT / "InternVL3-1B-hf" / "README.md", dest)
    result = run_cli("download-model", "--dest", str(dest), env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"was not downloaded into {dest}: missing config.json" in result.stderr
    assert "model.safetensors" in result.stderr and "tokenizer.json" in result.stderr
    assert "downloaded to" not in result.stdout and "Traceback" not in result.stderr


def _fake_download(monkeypatch, fill) -> None:
    """The hub's download replaced by ``fill(folder)``: no network."""
    import huggingface_hub

    def snapshot_download(repo_id, revision=None, local_dir=None, **kwargs):
        fill(Path(local_dir))
        return local_dir

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)


def _truncated(folder: Path) -> None:
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1000])


@pytest.mark.parametrize("damage,named", [
    (None, "missing config.json, tokenizer_config.json, model.safetensors, tokenizer.json"),  # nothing came
    (lambda folder: (folder / "tokenizer.json").unlink(), "missing tokenizer.json (or vocab.json and merges.txt)"),
    (_truncated, "missing model.safetensors (cut short: "),
], ids=["nothing", "no-tokenizer", "cut-short"])
def test_download_model_checks_the_files_not_the_folder(tmp_path, monkeypatch, tiny_model_dir, damage, named):
    def fill(folder: Path) -> None:
        folder.mkdir(exist_ok=True)
        (folder / "README.md").write_text("the committed README\n")
        if damage is not None:  # the download got this far
            shutil.copytree(tiny_model_dir, folder, dirs_exist_ok=True)
            damage(folder)

    _fake_download(monkeypatch, fill)
    dest = tmp_path / "weights"
    result = CliRunner().invoke(app, ["download-model", "--dest", str(dest)])
    assert result.exit_code == 1, result.output
    assert named in result.output and "every file the model loads is there" not in result.output
    check = CliRunner().invoke(app, ["download-model", "--dest", str(dest), "--check"])
    assert check.exit_code == 1 and named in check.output


def test_download_model_succeeds_only_with_every_file(tmp_path, monkeypatch, tiny_model_dir):
    _fake_download(monkeypatch, lambda folder: shutil.copytree(tiny_model_dir, folder, dirs_exist_ok=True))
    result = CliRunner().invoke(app, ["download-model", "--dest", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert "every file the model loads is there" in result.output
    assert CliRunner().invoke(app, ["download-model", "--dest", str(tmp_path / "w"), "--check"]).exit_code == 0


def test_a_sharded_checkpoint_needs_every_shard_its_index_names(tmp_path, tiny_model_dir):
    from ocr_sidecar.engines import model_files_missing

    folder = tmp_path / "sharded"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "model.safetensors").rename(folder / "model-00001-of-00002.safetensors")
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}))
    assert model_files_missing(folder) == ["model-00002-of-00002.safetensors"]
    shutil.copy(folder / "model-00001-of-00002.safetensors", folder / "model-00002-of-00002.safetensors")
    assert model_files_missing(folder) == []


SAMPLE = ROOT / "samples" / "invoice.pdf"  # the README's first document
TOKEN = "call-test-token-0123456789abcdef"


def test_call_extracts_through_a_running_server_and_prints_the_json(monkeypatch):
    """README's first call against a real server on port 0 (replay engine; the sample is read from its XML)."""
    from ocr_sidecar.testing import SidecarThread

    monkeypatch.delenv("OCR_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("OCR_AUTH_TOKEN_FILE", raising=False)
    with SidecarThread(engine="replay", token=TOKEN) as target:
        result = CliRunner().invoke(app, ["call", str(SAMPLE), "--address", target, "--token", TOKEN])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert payload["document"]["document_number"] == "INV-2025-0042" and payload["document"]["total"] == 348.79
        assert payload["engine"] == "einvoice" and payload["source"] == str(SAMPLE) and payload["server"] == target
        assert payload["request_id"] and isinstance(payload["timings"]["total_ms"], int)
        assert set(payload) >= {"warnings", "field_confidence", "model", "pages"}  # the keys `extract` prints

        # GetInfo, the token taken from the environment as `serve` takes it
        info = CliRunner().invoke(app, ["call", "--info", "--address", target], env={"OCR_AUTH_TOKEN": TOKEN})
        assert info.exit_code == 0, info.output
        described = json.loads(info.stdout)
        assert described["engine"] == "replay" and described["limits"]["max_bytes"] == 32 * 1024 * 1024
        assert "json_schema" not in described

        refused = CliRunner().invoke(app, ["call", str(SAMPLE), "--address", target])  # no token
        assert refused.exit_code == 1
        assert "Extract failed: UNAUTHENTICATED" in refused.stderr and "--token" in refused.stderr


def test_call_over_mutual_tls(tmp_path):
    from ocr_sidecar.testing import SidecarThread

    certs = h.make_certs(tmp_path)
    (server_key, server_pem), (client_key, client_pem) = certs["server"], certs["client"]
    with SidecarThread(engine="replay", tls_cert=server_pem, tls_key=server_key, tls_client_ca=certs["ca"],
                       token=TOKEN) as target:
        address = f"localhost:{target.rsplit(':', 1)[1]}"
        tls = ["--tls-ca", str(certs["ca"]), "--tls-cert", str(client_pem), "--tls-key", str(client_key)]
        result = CliRunner().invoke(app, ["call", str(SAMPLE), "--address", address, "--token", TOKEN, *tls])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["document"]["document_number"] == "INV-2025-0042"
        plain = CliRunner().invoke(app, ["call", str(SAMPLE), "--address", address, "--token", TOKEN,
                                         "--timeout", "5"])
        assert plain.exit_code == 1 and "Extract failed: UNAVAILABLE" in plain.stderr


def test_call_without_a_server_says_how_to_start_one():
    port = h.free_port()
    result = run_cli("call", str(SAMPLE), "--address", f"127.0.0.1:{port}", "--timeout", "5",
                     env={"OCR_SIDECAR_PROG": "./run.sh"})
    assert result.returncode == 1, result.stderr
    assert "Extract failed: UNAVAILABLE" in result.stderr and "`./run.sh serve --demo`" in result.stderr
    assert "Traceback" not in result.stderr
    nothing = run_cli("call")
    assert nothing.returncode == 2 and "samples/invoice.pdf" in nothing.stderr


@pytest.mark.parametrize("args", [["-h"], ["serve", "-h"], ["call", "-h"], ["download-model", "--help"]])
def test_help_answers_h_and_names_the_command_as_typed(args):
    """-h works like --help; help names the command as the user typed it (./run.sh, or the entry point), never
    `python -m ocr_sidecar`, and shows each option's [env …] note (rich markup used to eat the brackets)."""
    result = run_cli(*args, env={"OCR_SIDECAR_PROG": "./run.sh"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.lstrip().startswith(f"Usage: ./run.sh {args[0] if len(args) > 1 else ''}".rstrip())
    assert "python -m" not in result.stdout
    if args[0] == "serve":
        assert "[env GRPC_PORT, default 50051]" in result.stdout
    if args[0] == "call":
        assert "[env OCR_AUTH_TOKEN" in result.stdout
    assert run_cli(*args, env={"OCR_SIDECAR_PROG": ""}).stdout.lstrip().startswith("Usage: ocr-sidecar")
    mistake = run_cli(args[0] if len(args) > 1 else "serve", "--no-such-option", env={"OCR_SIDECAR_PROG": "./run.sh"})
    assert mistake.returncode == 2 and "./run.sh" in mistake.stderr and "python -m" not in mistake.stderr


def test_extract_runs_the_pipeline_in_process(tmp_path):
    docs = [DOCUMENTS_DIR / "i2d_oyo.pdf", DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf"]
    result = CliRunner().invoke(app, ["extract", "--engine", "replay", "--json-out", str(tmp_path), *map(str, docs)])
    assert result.exit_code == 0, result.output
    for doc in docs:
        payload = json.loads((tmp_path / f"{doc.stem}.json").read_text())
        assert payload["document"]["total"] == load_gold(doc)["total"]
        assert payload["engine"] == "replay" and payload["pages"] >= 1


def test_extract_reports_bad_files_and_exits_1(tmp_path):
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    result = CliRunner().invoke(app, ["extract", "--engine", "replay", "--json-out", str(tmp_path / "out"), str(bad),
                                      str(DOCUMENTS_DIR / "i2d_oyo.pdf")])
    assert result.exit_code == 1
    assert "empty.pdf: failed: " in result.output
    assert re.search(r"^2 documents: 0 e-invoices, 1 failed, \d+\.\d s; JSON in ", result.output, re.M), result.output


def test_extract_without_weights_reads_the_einvoice_and_fails_the_rest_alone(tmp_path):
    docs = [DOCUMENTS_DIR / "fx_EN16931_Einfach.pdf", DOCUMENTS_DIR / "i2d_oyo.pdf"]
    result = run_cli("extract", "--json-out", str(tmp_path / "out"), *map(str, docs),
                     env={"MODEL_PATH": str(tmp_path / "no-weights"), "OCR_ENGINE": ""})
    assert result.returncode == 1, result.stderr
    payload = json.loads((tmp_path / "out" / "fx_EN16931_Einfach.json").read_text())
    assert payload["engine"] == "einvoice" and payload["document"]["total"] == load_gold(docs[0])["total"]
    assert not (tmp_path / "out" / "i2d_oyo.json").exists()
    failure = next(line for line in result.stderr.splitlines() if line.startswith(f"{docs[1]}: failed: "))
    for way in ("no-weights", "download-model", "--demo", "--engine einvoice"):
        assert way in failure, way
    # not a terminal: one plain line per document, then the summary
    assert re.search(r"^\[1/2\] fx_EN16931_Einfach: einvoice/cii:en16931, \d+ warnings?, \d+\.\d s$",
                     result.stderr, re.M), result.stderr
    assert re.search(r"^\[2/2\] i2d_oyo: failed$", result.stderr, re.M)
    assert re.search(r"^2 documents: 1 e-invoice, 1 failed, \d+\.\d s; JSON in ", result.stderr.splitlines()[-1])
    assert "Traceback" not in result.stderr


def test_extract_gives_documents_of_one_name_their_own_json(tmp_path):
    # a/x.pdf and b/x.pdf: the second must not overwrite the first
    for folder, source in (("a", "i2d_oyo.pdf"), ("b", "fx_EN16931_Einfach.pdf")):
        (tmp_path / "in" / folder).mkdir(parents=True)
        shutil.copy(DOCUMENTS_DIR / source, tmp_path / "in" / folder / "x.pdf")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", "--engine", "replay", "--json-out", str(out),
                                      str(tmp_path / "in" / "a" / "x.pdf"), str(tmp_path / "in" / "b" / "x.pdf")])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json")) == ["a/x.json", "b/x.json"]
    for folder, source in (("a", "i2d_oyo.pdf"), ("b", "fx_EN16931_Einfach.pdf")):
        payload = json.loads((out / folder / "x.json").read_text())
        assert payload["document"]["total"] == load_gold(DOCUMENTS_DIR / source)["total"]
        assert payload["source"] == str(tmp_path / "in" / folder / "x.pdf")


def test_output_names_mirror_folders_and_keep_suffixes_only_when_stems_meet():
    from ocr_sidecar.cli import output_names

    assert output_names([Path("/d/x.pdf"), Path("/d/y.png")]) == [Path("x.json"), Path("y.json")]
    assert output_names([Path("/d/a/x.pdf"), Path("/d/b/c/x.pdf")]) == [Path("a/x.json"), Path("b/c/x.json")]
    assert output_names([Path("/d/x.pdf"), Path("/d/x.png")]) == [Path("x.pdf.json"), Path("x.png.json")]
    assert output_names([Path("/d/only.pdf")]) == [Path("only.json")]


def test_settings_keep_the_seeds_env_names_and_flags_override():
    env = {"MODEL_PATH": "/models/ivl", "MAX_TOKENS": "2048", "GRPC_HOST": "0.0.0.0", "GRPC_PORT": "6000",
           "OCR_MAX_TILES": "6", "OCR_AUTH_TOKEN": "tok-9f2c", "OCR_EINVOICE": "0"}
    settings = Settings.from_env(env, grpc_port=7000, max_tiles=None)
    assert str(settings.model_path) == "/models/ivl" and settings.max_tokens == 2048
    assert settings.grpc_host == "0.0.0.0" and settings.grpc_port == 7000 and settings.max_tiles == 6
    assert settings.auth_token == "tok-9f2c" and settings.einvoice is False
    assert "tok-9f2c" not in repr(settings)  # the token never lands in logs through repr


@pytest.mark.parametrize("env,message", [
    ({"GRPC_PORT": "http"}, "GRPC_PORT"),
    ({"OCR_ENGINE": "magic"}, "unknown"),
    ({"OCR_TLS_CERT": "/x.pem"}, "both"),
    ({"OCR_MAX_PAGES": "0"}, "at least 1"),
    ({"OCR_BATCH_SIZE": "8", "OCR_CONCURRENCY": "4"}, "OCR_CONCURRENCY of at least 8"),
    ({"OCR_BATCH_SIZE": "0"}, "OCR_BATCH_SIZE"),
])
def test_bad_settings_are_refused_with_the_name(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_serve_demo_runs_offline_and_says_demo(tmp_path):
    import signal
    import time

    import grpc

    from ocr_sidecar.proto import document_service_pb2 as pb
    from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc

    port = h.free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "MODEL_PATH": str(tmp_path / "no-weights"),
           "OCR_DTYPE": "fp32", "OCR_MAX_TILES": "2", "MAX_TOKENS": "64"}
    proc = subprocess.Popen([sys.executable, "-m", "ocr_sidecar", "serve", "--demo", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=60)
            stub = pb_grpc.DocumentServiceStub(channel)
            deadline = time.monotonic() + 90
            while True:
                info = stub.GetInfo(pb.GetInfoRequest(), timeout=10)
                if not any(w.code == "not_ready" for w in info.warnings) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert info.demo and any(w.code == "demo_model" for w in info.warnings)
            reply = stub.Extract(pb.ExtractRequest(content=(DOCUMENTS_DIR / "img_contoso_receipt_photo2.png")
                                                   .read_bytes()), timeout=120)
            assert reply.warnings[0].code == "demo_model"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "DEMO MODEL: random weights, every answer is meaningless" in proc.stdout.read().splitlines()[0]
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("env,expected", [
    ({"OCR_AUTH_TOKEN": "change-me"}, "well-known placeholder"),
    ({"OCR_AUTH_TOKEN": "short-token"}, "too short"),
    ({"GRPC_HOST": "0.0.0.0"}, "no OCR_AUTH_TOKEN and no mutual TLS while listening on 0.0.0.0"),
])
def test_serve_refuses_a_guessable_token_or_no_authentication_on_an_open_address(env, expected):
    result = run_cli("serve", "--engine", "replay", "--port", "0", env={"OCR_AUTH_TOKEN": "", **env})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "OCR_ALLOW_INSECURE=1" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_token_can_come_from_a_secret_file_and_not_from_both(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    assert Settings.from_env({"OCR_AUTH_TOKEN_FILE": str(secret)}).auth_token == "0123456789abcdef0123456789abcdef"
    with pytest.raises(ValueError, match="not both"):
        Settings.from_env({"OCR_AUTH_TOKEN_FILE": str(secret), "OCR_AUTH_TOKEN": "x" * 20})
    with pytest.raises(ValueError, match="cannot read it"):
        Settings.from_env({"OCR_AUTH_TOKEN_FILE": str(tmp_path / "missing")})


def test_what_counts_as_serving_insecurely():
    strong = "f" * 32
    assert Settings(grpc_host="[::]", auth_token=strong).insecure_serving() is None
    assert Settings(grpc_host="127.0.0.1").insecure_serving() is None  # loopback only: nobody else reaches it
    assert Settings(grpc_host="[::1]").insecure_serving() is None
    assert Settings(grpc_host="[::]", tls_cert="c", tls_key="k", tls_client_ca="ca").insecure_serving() is None
    assert "no OCR_AUTH_TOKEN" in Settings(grpc_host="[::]").insecure_serving()
    assert "placeholder" in Settings(grpc_host="127.0.0.1", auth_token="Change-Me").insecure_serving()
