"""Smoke runs of the benchmark scripts at tiny budgets: they train, evaluate and print their JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[1]
REPO = PLUGIN.parents[1]


def run_script(path: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout)


@pytest.mark.slow
def test_ctgan_defaults_labels_a_short_run(tmp_path: Path) -> None:
    out = run_script(PLUGIN / "benchmarks" / "ctgan_defaults.py", "--epochs", "2", "--n-rows", "1500",
                     "--eval-samples", "200", "--device", "cpu", "--run-dir", str(tmp_path / "run"))
    assert out["epochs"] == 2 and out["complete_schedule"] is False
    assert out["batch_size"] == 500 and out["pac"] == 10 and out["steps_per_epoch"] == 2
    assert len(out["seconds_per_epoch_each"]) == 2 and out["seconds_per_epoch_median"] > 0
    assert out["projected_seconds_300_epochs"] == pytest.approx(300 * out["seconds_per_epoch_median"])
    assert 0 <= out["quality_after_2_epochs"]["table/quality"] <= 1


@pytest.mark.slow
def test_missing_values_compares_drop_and_mask_at_equal_steps(tmp_path: Path) -> None:
    out = run_script(REPO / "benchmarks" / "traffic" / "missing_values.py", "--steps", "3", "--seeds", "1",
                     "--n-rows", "1000", "--batch-size", "50", "--hidden", "16", "--latent-dim", "8",
                     "--run-root", str(tmp_path))
    drop, mask = out["arms"]["drop"], out["arms"]["mask"]
    assert drop["train_rows"] == out["train_rows_complete"] < mask["train_rows"] == out["train_rows_total"]
    assert out["mechanism"] == "mar" and "weather_conditions" in out["gap_columns"]
    for arm in (drop, mask):
        assert 0 <= arm["quality"]["mean"] <= 1 and 0 <= arm["detection_auc"]["mean"] <= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drop-seed0", "mask-seed0"]


def test_vs_ctgan_explains_its_own_environment_when_ctgan_is_missing() -> None:
    pytest.importorskip("torch")
    try:
        import ctgan  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("ctgan is installed here (a benchmark environment)")
    done = subprocess.run([sys.executable, str(PLUGIN / "benchmarks" / "vs_ctgan.py"), "--tables", "flchain"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "ctgan package is not installed" in done.stderr and "never a ganzoo dependency" in done.stderr
