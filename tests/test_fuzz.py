"""Runs the atheris fuzz target of the decoding layer for a bounded, seeded number of inputs.

A longer campaign: ``python tests/fuzz/fuzz_decode.py -runs=1000000 -max_len=65536``.
"""

import subprocess
import sys

from conftest import ROOT


def test_decoding_layer_survives_a_seeded_fuzz_run(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "fuzz" / "fuzz_decode.py"), "-runs=20000", "-seed=7",
         "-max_len=8192", "-rss_limit_mb=2048", "-malloc_limit_mb=1024", "-timeout=20", f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Done 20000 runs" in result.stderr
