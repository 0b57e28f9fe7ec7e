"""benchmarks/privacy.py: the acceptance checks per row, and a smoke run on the smart-grid preset."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
import torch


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("privacy")


def _row(generator: str, share: float, auc: float, flagged: bool) -> dict:
    entry = {"flagged": flagged}
    return {"generator": generator, "metrics": {
        "dcr_share": {"value": share, **entry}, "near_copy_rate": entry, "membership_auc": {"value": auc, **entry}}}


def test_checks_ask_flags_of_the_replay_and_ideal_values_of_the_others(bench: ModuleType) -> None:
    assert bench.checks(_row("replay", 1.0, 0.8, True)) == {"flagged": True}
    assert bench.checks(_row("replay", 0.5, 0.5, False)) == {"flagged": False}
    assert bench.checks(_row("preset", 0.52, 0.58, False)) == {"dcr_in_0.45_0.55": True, "auc_le_0.6": True}
    assert bench.checks(_row("real", 0.56, 0.61, False)) == {"dcr_in_0.45_0.55": False, "auc_le_0.6": False}


def _finished_run(run_dir: Path, seed: int) -> Path:
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "config.toml").write_text(f'[dataset]\nname = "retina-procedural"\n\n[dataset.params]\nseed = {seed}\n')
    return run_dir


def test_set_overrides_reach_training_after_the_benchmarks_own(bench: ModuleType, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(bench.ganzoo, "train", lambda **kwargs: calls.append(kwargs))
    bench.train("retina-dcgan", tmp_path / "run", False, ["dataset.params.seed=1"])
    assert calls == [{"preset": "retina-dcgan", "run_dir": tmp_path / "run",
                      "overrides": ["train.threads=1", "dataset.params.seed=1"]}]


def test_a_reused_run_must_agree_with_the_set_overrides(bench: ModuleType, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench.ganzoo, "train", lambda **kwargs: pytest.fail("a finished run is retrained"))
    run_dir = _finished_run(tmp_path / "run", seed=1)
    assert bench.train("retina-dcgan", run_dir, False, ["dataset.params.seed=1"]) == 0.0
    with pytest.raises(bench.ConfigError, match=r"trained with dataset\.params\.seed=1, not --set dataset\.params\.seed=2"):
        bench.train("retina-dcgan", run_dir, False, ["dataset.params.seed=2"])
    with pytest.raises(bench.ConfigError, match=r"trained with dataset\.params\.split=None"):
        bench.train("retina-dcgan", run_dir, False, ["dataset.params.split=val"])


def test_a_malformed_or_disagreeing_set_is_a_one_line_error(bench: ModuleType, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--runs", str(tmp_path), "--set", "seed"]) == 2
    assert capsys.readouterr().err == "error: --set 'seed': expected key.path=value\n"
    _finished_run(tmp_path / "retina-dcgan", seed=0)
    assert bench.main(["--runs", str(tmp_path), "--domains", "medical", "--set", "dataset.params.seed=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "seed=0, not --set dataset.params.seed=1" in err


@pytest.mark.slow
def test_smoke_run_flags_the_replay_on_load_profiles(bench: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "privacy.json"
    assert bench.main(["--runs", str(tmp_path / "runs"), "--quick", "--domains", "smartgrid", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["domains"]["smartgrid"]["rows"]
    assert [(r["split"], r["generator"]) for r in rows][:3] == [("val", "preset"), ("val", "replay"), ("val", "real")]
    assert all(r["checks"]["flagged"] for r in rows if r["generator"] == "replay")


class _Curating:
    """A sampler stand-in that curates: ``sample`` gives zeros, ``stream`` ones."""

    spec = "spec"

    def curator(self) -> object:
        return object()

    def sample(self, n: int, condition: object = None, seed: int | None = None) -> torch.Tensor:
        return torch.zeros(n, 2)

    def stream(self, n: int, source: object = None, seed: int | None = None) -> list:
        return [SimpleNamespace(samples=torch.ones(n, 2))]


def test_the_preset_row_scores_the_generators_rows_uncurated(bench: ModuleType) -> None:
    raw = bench.UncuratedSampler(_Curating())
    assert raw.spec == "spec" and not hasattr(raw, "curator") and not hasattr(raw, "stream")
    assert torch.equal(raw.sample(5, seed=0), torch.zeros(5, 2))
    assert bench.checks(_row("curated", 0.5, 0.5, False)) == {"dcr_in_0.45_0.55": True, "auc_le_0.6": True}
