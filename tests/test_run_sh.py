"""./run.sh makes the project's virtualenv once and installs into it only when what it installs changed.

Run on a copy of run.sh beside a stand-in project (a requirements.txt the new venv already satisfies, a
package that prints what it was asked), so the test makes a real venv in seconds without the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copy(ROOT / "run.sh", tmp_path / "run.sh")
    (tmp_path / "requirements.txt").write_text("pip\n")  # present in every fresh venv: nothing to download
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'stand-in'\n")
    (tmp_path / "ocr_sidecar").mkdir()
    (tmp_path / "ocr_sidecar" / "__main__.py").write_text(
        "import os, sys\nprint('ran', sys.prefix, *sys.argv[1:])\nprint('as', os.environ.get('OCR_SIDECAR_PROG'))\n")
    return tmp_path


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(project / "run.sh"), *args], cwd=project, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHON": sys.executable, **env})


def test_run_sh_makes_a_venv_once_and_reinstalls_only_when_requirements_change(project):
    first = run(project, "extract", "x.pdf")
    assert first.returncode == 0, first.stderr
    venv = project / ".venv"
    assert f"ran {venv} extract x.pdf" in first.stdout  # the venv's interpreter ran the command
    assert f"as {project / 'run.sh'}" in first.stdout  # help and errors name the command as the user typed it
    assert "creating .venv" in first.stderr and "installing requirements.txt" in first.stderr
    assert (venv / ".run-sh-installed").is_file()

    again = run(project, "--help")
    assert again.returncode == 0 and f"ran {venv} --help" in again.stdout
    assert again.stderr == ""  # nothing checked, nothing installed: it starts at once

    (project / "requirements.txt").write_text("pip\n# changed\n")
    changed = run(project, "version")
    assert "installing requirements.txt" in changed.stderr and "creating" not in changed.stderr
    assert run(project, "version").stderr == ""


def test_run_sh_keeps_a_venv_made_by_hand_and_remakes_its_own_for_another_python(project, tmp_path_factory):
    # made by hand (a GPU host puts the CUDA torch build in first): kept, only installed into
    subprocess.run([sys.executable, "-m", "venv", str(project / ".venv")], check=True, timeout=120)
    (project / ".venv" / "by-hand").touch()
    adopted = run(project, "version")
    assert adopted.returncode == 0 and "creating" not in adopted.stderr and "installing" in adopted.stderr
    assert (project / ".venv" / "by-hand").exists()
    assert run(project, "version", PYTHON=str(tmp_path_factory.mktemp("x"))).returncode == 1  # not a python
    assert (project / ".venv" / "by-hand").exists()
    # run.sh's own venv, and PYTHON then names another interpreter than it was made with: made again
    shutil.rmtree(project / ".venv")
    assert run(project, "version").returncode == 0
    (project / ".venv" / "mine").touch()
    other = tmp_path_factory.mktemp("other") / "python3"
    other.symlink_to(sys.executable)
    remade = run(project, "version", PYTHON=str(other))
    assert remade.returncode == 0 and "made with another Python; making it again" in remade.stderr
    assert not (project / ".venv" / "mine").exists()
    assert f"ran {project / '.venv'} version" in remade.stdout


def test_run_sh_says_what_is_wrong_with_the_interpreter(project):
    missing = run(project, "version", PYTHON="no-such-python3")
    assert missing.returncode == 1 and "no 'no-such-python3' on PATH" in missing.stderr
    assert not (project / ".venv").exists()


def test_the_venv_and_its_stamp_are_git_ignored():
    ignored = subprocess.run(["git", "check-ignore", ".venv/.run-sh-installed", ".venv/bin/python"], cwd=ROOT,
                             capture_output=True, text=True)
    assert ignored.stdout.split() == [".venv/.run-sh-installed", ".venv/bin/python"]


def test_ci_runs_the_readme_test_command():
    assert "exec ./run.sh test" in (ROOT / ".ci" / "run").read_text()
    assert "./run.sh test" in (ROOT / "README.md").read_text()
