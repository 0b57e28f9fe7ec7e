"""The prepared GPU check, rehearsed on the CPU: every stage runs and its verdicts come back.

A GPU machine is lent for minutes, so ``benchmarks/gpu_check.sh`` must work the first time it
runs there. ``REHEARSAL=1`` runs the same stages (environment, correctness, throughput, the
summary) on the CPU at tiny sizes; this test checks that they all succeed and that the summary
line is the JSON document the GPU run will print.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_gpu_check_rehearsal_runs_every_stage(tmp_path: Path) -> None:
    env = dict(os.environ, REHEARSAL="1", OUT=str(tmp_path), PYTHON=sys.executable)
    done = subprocess.run(
        ["bash", str(REPO / "benchmarks" / "gpu_check.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=1150,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["gpu_check"] == "done"
    assert summary["exit_codes"] == {"correct_dcgan": 0, "correct_pix2pix": 0, "throughput": 0}
    assert summary["correctness_dcgan"]["ok"] is True
    assert summary["correctness_pix2pix"]["ok"] is True
    cases = summary["throughput"]["cases"]
    assert set(cases) == {"pix2pix-b1", "dcgan-b64"}
    for case in cases.values():
        assert case["images_per_s"]["ganzoo_fast"]["img_s_mean"] > 0
        assert "ganzoo_fast/baseline_ref" in case["ratios"]
    written = {path.name.split("-2")[0] for path in tmp_path.iterdir()}
    assert written == {
        "gpu-env",
        "gpu-correctness-dcgan",
        "gpu-correctness-pix2pix",
        "gpu-throughput",
        "gpu-check",
    }
