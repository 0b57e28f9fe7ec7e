"""The benchmark scripts' data and checks (the scripts themselves are run by hand, not in CI)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_timegan_sines_and_stock_windows(tmp_path: Path) -> None:
    protocol = _module("timegan_protocol")
    sines = protocol.sines(n=50)
    assert sines.shape == (50, 24, 5) and sines.min() >= 0 and sines.max() <= 1
    # f, phi ~ U(0, 0.1): every channel starts near sin(0..0.1) and moves slowly
    assert np.abs(np.diff(sines, axis=1)).max() <= 0.05 + 1e-9
    table = tmp_path / "stocks.csv"
    rows = ["Open,High,Low,Close,Adj_Close,Volume"] + [f"{i},{i + 1},{i - 1},{i},{i},{1000 + i}" for i in range(30)]
    table.write_text("\n".join(rows) + "\n")
    windows, names = protocol.stocks(table)
    assert windows.shape == (30 - 24, 24, 6) and names[-1] == "Volume"  # TimeGAN drops the last window
    assert windows.min() == 0 and windows.max() == pytest.approx(1 - 1 / 29, abs=1e-6)


def test_checker_reads_exported_windows_and_judges_spread(tmp_path: Path) -> None:
    check = _module("check_series")
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 24, 2))
    y = np.arange(200) % 2
    path = tmp_path / "synthetic_load.csv"
    lines = ["window,step,class,a,b"] + [f"w{i},{t},{y[i]},{real[i, t, 0]},{real[i, t, 1]}"
                                         for i in range(200) for t in range(24)]
    path.write_text("\n".join(lines) + "\n")
    x, labels, channels = check.read_windows(path, id_column="window", class_column="class", time_column="step",
                                             channels=None)
    assert channels == ["a", "b"] and x.shape == (200, 24, 2) and np.allclose(x, real)
    same = check.check(real, x, y_train=y, y_fake=labels.astype(int), skip=("disc", "pred", "class"))
    shrunk = check.check(real, 0.3 * x, y_train=y, y_fake=labels.astype(int), skip=("disc", "pred", "class"))
    assert check.verdict(same)["per_step_sd_within_20pct"] and not check.verdict(shrunk)["per_step_sd_within_20pct"]
