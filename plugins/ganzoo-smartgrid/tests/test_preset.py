"""The smartgrid-cgan preset end to end through ganzoo's engine (a few steps only)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
import torch
from ganzoo_smartgrid.conditions import ConditionCodec
from ganzoo_smartgrid.daytypes import day_type, german_holidays

import ganzoo
from ganzoo.experiment.build import build_experiment
from ganzoo.experiment.load import read_experiment
from ganzoo.plugins.manager import get_registry

TINY = ["train.steps=2", "train.batch_size=16", "train.sample_every=0", "train.progress=false",
        "dataset.params.n_samples=64", "dataset.params.n_meters=10"]


def test_preset_is_registered_and_resolves() -> None:
    registry = get_registry()
    raw, label = read_experiment(None, preset="smartgrid-cgan", registry=registry)
    built = build_experiment(raw, registry, source=label)
    assert built.spec.shape == (1, 48) and built.spec.condition_shape == (20,)
    assert built.config.generator.params["condition_dim"] == 20
    assert built.config.generator.name == built.config.discriminator.name == "series-resconv"
    assert built.config.generator.params["output"] == "linear"  # tanh saturates at the scale's floor
    assert built.config.train.n_critic == 5 and built.config.train.ema is not None
    assert [(loss.name, loss.weight) for loss in built.config.losses] == [
        ("adversarial", 1.0), ("gradient-penalty", 10.0), ("series-moments", 10.0)]


def test_preset_trains_samples_exports_and_evaluates(tmp_path: Path) -> None:
    run = ganzoo.train(preset="smartgrid-cgan", run_dir=tmp_path / "run", overrides=TINY)
    assert run.step == 2
    lines = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert any(line.get("kind") == "train" for line in lines)

    sampler = ganzoo.load(tmp_path / "run")
    codec = ConditionCodec.from_meta(sampler.spec.meta["conditions"])
    cond = torch.from_numpy(codec.encode([2, 8], ["sunday-holiday", "workday"], ["s25", "g25"]))
    x = sampler.sample(2, condition=cond, seed=0)
    assert x.shape == (2, 1, 48) and torch.isfinite(x).all()
    (path,) = sampler.export(x, tmp_path / "out", conditions=cond)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 96
    first = dt.datetime.strptime(rows[48]["timestamp"], "%Y-%m-%d %H:%M:%S").date()
    assert first.month == 8 and day_type(first, german_holidays(2023)) == "workday"
    assert rows[48]["meter"].startswith("synthetic-g25-") and float(rows[0]["value"]) >= 0

    from ganzoo.metrics.evaluate import evaluate_run
    from ganzoo.report.report import write_report

    report = evaluate_run(tmp_path / "run", metrics=["kmeans-agreement", "load-statistics"], n_samples=64)
    assert report["split"] == "val"
    assert {"kmeans_share_js", "acf_mae", "profile_mean_rmse"} <= set(report["metrics"])
    html = write_report(tmp_path / "run").read_text()
    assert "<h2>Figures</h2>" in html
    assert html.count('<figure class="metric-figure"><img src="data:image/svg+xml;base64,') == 5  # PCA + 4 profiles


@pytest.mark.parametrize("pair", ["series-lstm"])
def test_recurrent_pair_trains_unconditionally(tmp_path: Path, pair: str) -> None:
    overrides = [*TINY, f"generator.name={pair}", f"discriminator.name={pair}", "generator.params={}",
                 "discriminator.params={}", "dataset.params.conditional=false"]
    run = ganzoo.train(preset="smartgrid-cgan", run_dir=tmp_path / "run", overrides=overrides)
    assert run.spec.condition == "none"
    assert ganzoo.load(tmp_path / "run").sample(3, seed=1).shape == (3, 1, 48)
