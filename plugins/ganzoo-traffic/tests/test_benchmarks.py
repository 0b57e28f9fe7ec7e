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


def test_vs_ctgan_pairs_each_augmented_forest_with_a_real_one_of_the_same_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forest's seed alone moves the F1 as much as augmentation does: the report's difference
    compares forests of one seed, and its reference F1 is their mean."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("vs_ctgan_under_test", PLUGIN / "benchmarks" / "vs_ctgan.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)

    def run(seed: int, real: float, augmented: float) -> dict:
        return {"table": "t", "model": "ganzoo", "seed": seed, "epochs": 1, "train_rows": 10, "test_rows": 5,
                "quality": 0.9, "column_shapes": 0.9, "pair_trends": 0.9, "detection_auc": 0.5,
                "tstr": {"f1": 0.8}, "augmented": {"f1": augmented, "fpr": 0.1},
                "real_only": {"f1": real, "fpr": 0.1}, "missing_rate": {}, "constraint_breaks": {},
                "fit_wall_s": 1.0, "fit_cpu_s": 1.0}

    text = module.report({"runs": [run(0, 0.92, 0.93), run(1, 0.94, 0.95)]})
    assert "| real + synthetic F1 (real: 0.930) | 0.940 ± 0.010 |" in text
    assert "| real + synthetic F1 minus real alone (same forest) | 0.010 ± 0.000 |" in text  # +0.01 in each
