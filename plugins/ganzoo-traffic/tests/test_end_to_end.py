"""A few training steps through ganzoo's engine, then load, condition, export and evaluate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch
from ganzoo_traffic.conditions import condition_vector
from ganzoo_traffic.configs import AccidentsSimConfig, TableFidelityConfig
from ganzoo_traffic.data.dataset import AccidentsSim
from ganzoo_traffic.metrics.components import TableFidelity

import ganzoo
from ganzoo.metrics.context import EvalContext
from ganzoo.metrics.evaluate import evaluate_run
from ganzoo.plugins.manager import get_registry

DATA = {"n_rows": 600, "seed": 0, "max_fit_rows": 600, "missing_rate": 0.1, "missing": "mask"}


def experiment() -> dict:
    spans = AccidentsSim(AccidentsSimConfig(**DATA)).describe().meta["spans"]
    return {
        "name": "tiny-traffic",
        # spans are given explicitly so the test does not depend on DataSpec filling them
        "generator": {"name": "ctgan", "params": {"latent_dim": 16, "hidden": [32, 32], "spans": spans}},
        "discriminator": {"name": "pacgan", "params": {"hidden": [32], "pac": 10}},
        "dataset": {"name": "accidents-sim", "params": DATA},
        "losses": [
            {"name": "masked-wasserstein"},
            {"name": "masked-gradient-penalty", "weight": 10.0, "params": {"pac": 10}},
            {"name": "conditional-ce"},
        ],
        "train": {"steps": 3, "batch_size": 50, "betas": [0.5, 0.9], "weight_decay": 1e-6,
                  "progress": False, "log_every": 1},
    }


def test_train_load_condition_export(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    ganzoo.train(experiment(), run_dir=run_dir)
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    assert any('"loss/g/conditional-ce"' in line for line in lines)
    sampler = ganzoo.load(run_dir)
    cond = condition_vector(sampler.spec, "severity=1", 30)
    samples = sampler.sample(30, condition=cond, seed=0)
    assert samples.shape == (30, *sampler.spec.shape)
    (path,) = sampler.export(samples, tmp_path / "out", conditions=cond)
    table = pd.read_csv(path)
    reference = AccidentsSim(AccidentsSimConfig(**DATA)).frame
    assert list(table.columns) == list(reference.columns) and len(table) == 30
    assert set(table["accident_severity"]) <= {1, 2, 3}
    assert table.notna().all().all()  # masked training generates complete rows
    val = get_registry().create("dataset", "accidents-sim", **DATA, split="val")
    ctx = EvalContext(sampler, val, split="val", n_samples=60, batch_size=30)
    assert 0 <= TableFidelity(TableFidelityConfig()).compute(ctx)["table/quality"]["value"] <= 1
    assert torch.isfinite(samples).all()


def test_evaluation_does_not_repeat_the_training_notices(tmp_path: Path, capsys) -> None:
    run_dir = tmp_path / "run"
    ganzoo.train(experiment(), run_dir=run_dir)
    assert "accidents-sim: training on 420 of 600 rows" in capsys.readouterr().err
    result = evaluate_run(run_dir, metrics=["table-fidelity", "dcr"], n_samples=60, write=False)
    assert {"table/quality", "dcr_share"} <= set(result["metrics"])  # dcr rebuilt the training split
    assert "training on" not in capsys.readouterr().err
