"""``evaluate_run`` / ``ganzoo evaluate`` on a synthetic run with a throwaway dataset plugin."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest
import torch

import ganzoo
from ganzoo.cli.main import main
from ganzoo.data.spec import DataSpec
from ganzoo.metrics.evaluate import evaluate_during_training, evaluate_run
from ganzoo.plugins.manager import reset_manager
from ganzoo.registry.config import ComponentConfig
from ganzoo.registry.errors import ConfigError, DataError

SPEC = DataSpec("image", (3, 32, 32), condition="paired", condition_shape=(1, 32, 32))
SPLITS = {"train": 0, "val": 100, "test": 200}


def _pair(index: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(index)
    return {"x": torch.rand(3, 32, 32, generator=gen) * 1.6 - 1, "cond": torch.full((1, 32, 32), index / 1000)}


class ToyPairsConfig(ComponentConfig):
    """Toy pairs whose source encodes the pair's index (the fake sampler inverts it)."""

    size: int = 10
    split: str = "train"
    flip: bool = True
    available: list[str] = ["train", "val", "test"]


class ToyPairs:
    def __init__(self, config: ToyPairsConfig) -> None:
        if config.split not in config.available:
            raise DataError(f"toy: no {config.split!r} split")
        assert not config.flip or config.split == "train", "evaluation must switch random flips off"
        self.size, self.offset = config.size, SPLITS[config.split]

    def describe(self) -> DataSpec:
        return SPEC

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return _pair(self.offset + i)


class OffsetSampler:
    """Translates a toy source into its true target plus ``offset``."""

    spec = SPEC

    def __init__(self, offset: float = 0.2) -> None:
        self.offset = offset

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        assert condition is not None and len(condition) == n
        rows = [round(float(c[0, 0, 0]) * 1000) for c in condition]
        return torch.stack([_pair(r)["x"] for r in rows]) + self.offset


class NoopConfig(ComponentConfig):
    """A plugin metric that applies to paired data."""


class PluginMetric:
    def __init__(self, config: NoopConfig) -> None:
        pass

    @staticmethod
    def applies_to(spec: Any) -> bool:
        return spec.condition == "paired"

    def compute(self, ctx: Any) -> dict[str, dict[str, Any]]:
        return {"n-pairs": {"value": float(len(ctx.real().x)), **ctx.protocol()}}


class UnpairedMetric(PluginMetric):
    @staticmethod
    def applies_to(spec: Any) -> bool:
        return spec.condition == "none"


class BrokenMetric(PluginMetric):
    def compute(self, ctx: Any) -> dict[str, dict[str, Any]]:
        raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def toy_plugin() -> None:
    plugin = types.SimpleNamespace()

    @ganzoo.hookimpl
    def ganzoo_register_datasets(register: Any) -> None:
        register("toy-pairs", ToyPairs, config=ToyPairsConfig)

    @ganzoo.hookimpl
    def ganzoo_register_metrics(register: Any) -> None:
        register("toy-count", PluginMetric, config=NoopConfig)
        register("toy-broken", BrokenMetric, config=NoopConfig)
        register("toy-unpaired", UnpairedMetric, config=NoopConfig)

    plugin.ganzoo_register_datasets = ganzoo_register_datasets
    plugin.ganzoo_register_metrics = ganzoo_register_metrics
    reset_manager([("toyplug", plugin)], discover=False)


def make_run(tmp_path: Path, dataset: str = "", eval_table: str = "") -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text(
        'name = "toy"\n[generator]\nname = "unet"\n[discriminator]\nname = "patchgan"\n'
        f'[dataset]\nname = "toy-pairs"\n[dataset.params]\n{dataset}\n'
        '[[losses]]\nname = "l1"\n[train]\nsteps = 10\ndevice = "cpu"\n' + eval_table
    )
    return run


def test_evaluate_paired_run_on_val_split(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    report = evaluate_run(run, sampler=OffsetSampler(0.2))
    assert json.loads((run / "eval.json").read_text()) == report
    metrics = report["metrics"]
    assert metrics["l1"]["value"] == pytest.approx(0.1, abs=1e-6)
    assert metrics["psnr"]["value"] == pytest.approx(20.0, abs=1e-3)
    assert metrics["l1"]["split"] == "val" and metrics["l1"]["n_real"] == 10
    assert metrics["n-pairs"]["value"] == 10 and metrics["n-pairs"]["metric"] == "toyplug:toy-count"
    skipped = {s["metric"]: s["reason"] for s in report["skipped"]}
    assert "--inception-weights" in skipped["fid, kid"]
    assert "boom" in skipped["toyplug:toy-broken"]


def test_falls_back_to_training_data_and_says_so(tmp_path: Path) -> None:
    run = make_run(tmp_path, dataset='available = ["train"]')
    report = evaluate_run(run, sampler=OffsetSampler(0.0), metrics=["paired-image"])
    assert report["split"] == "train"
    assert "no 'val' or 'test' split" in report["metrics"]["l1"]["note"]


def test_eval_table_chooses_metrics_and_extractor(tmp_path: Path) -> None:
    run = make_run(tmp_path, eval_table='[eval]\nmetrics = ["fid", "kid"]\nfeature_extractor = "ganzoo-test-random-conv"\nn_samples = 8\n')
    report = evaluate_run(run, sampler=OffsetSampler(0.3))
    assert set(report["metrics"]) == {"fid", "kid"}
    assert report["metrics"]["fid"]["n_real"] == 8 and report["metrics"]["fid"]["value"] > 0
    assert "not Inception" in report["metrics"]["kid"]["feature_extractor"]


def test_requested_fid_without_weights_is_an_error(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    with pytest.raises(ConfigError, match="--inception-weights"):
        evaluate_run(run, sampler=OffsetSampler(), metrics=["fid"])


def test_an_eval_table_metric_for_other_data_is_left_out_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A preset's [eval] list may name metrics for data a user's file lacks (per-class metrics on
    a CSV without classes): they are skipped with the reason, and do not fail the evaluation."""
    run = make_run(tmp_path, eval_table='[eval]\nmetrics = ["toy-count", "toy-unpaired"]\n')
    report = evaluate_run(run, sampler=OffsetSampler())
    assert set(report["metrics"]) == {"n-pairs"}
    assert report["skipped"] == [{"metric": "toy-unpaired", "applies": False,
                                  "reason": "does not apply to this run's image (paired-conditional) data"}]
    monkeypatch.setattr(ganzoo, "load", lambda path, **kw: OffsetSampler())
    assert main(["evaluate", str(run)]) == 0  # nothing that applies was skipped
    assert "skipped toy-unpaired: does not apply" in capsys.readouterr().out


def test_unknown_eval_key_names_the_field(tmp_path: Path) -> None:
    run = make_run(tmp_path, eval_table="[eval]\nnsamples = 3\n")
    with pytest.raises(ConfigError, match="eval.nsamples: unknown key"):
        evaluate_run(run, sampler=OffsetSampler())


def test_evaluate_during_training_returns_values_and_keeps_rng(tmp_path: Path) -> None:
    run = make_run(tmp_path, eval_table="[eval]\nn_samples_during_training = 4\n")
    from ganzoo.metrics.evaluate import run_config

    config = run_config(run)
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    values = evaluate_during_training(run, OffsetSampler(0.2), config)
    assert torch.equal(torch.rand(2), expected)
    assert values["l1"] == pytest.approx(0.1, abs=1e-6) and values["n-pairs"] == 4.0
    assert set(values) == {"l1", "psnr", "ssim", "n-pairs"}
    assert all(isinstance(v, float) for v in values.values())


def test_cli_json_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path)
    monkeypatch.setattr(ganzoo, "load", lambda path, **kw: OffsetSampler(0.2))
    assert main(["evaluate", str(run), "--json", "--metrics", "paired-image", "--n-samples", "5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metrics"]["ssim"]["n_fake"] == 5
    assert main(["evaluate", str(run)]) == 3  # FID/KID apply to images but have no weights
    captured = capsys.readouterr()
    assert "psnr" in captured.out and "skipped fid, kid" in captured.out and "eval.json" in captured.out
    assert captured.err.splitlines() == [
        "ganzoo: error: 2 metric(s) that apply could not run (fid, kid; toyplug:toy-broken); "
        "see 'skipped' in eval.json, or pass --allow-skipped"
    ]
    assert main(["evaluate", str(run), "--allow-skipped"]) == 0
    assert json.loads((run / "eval.json").read_text())["skipped"]


def test_cli_missing_run_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert "run directory not found" in err and len(err.splitlines()) == 1
