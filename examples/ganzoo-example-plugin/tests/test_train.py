"""The plugin's components train with ganzoo's engine and built-in loss, and sample back."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import ganzoo
import pytest
from ganzoo.testing import Registry

from ganzoo_example.plugin import RINGS_EXPERIMENT


def test_preset_trains_and_samples(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    experiment = copy.deepcopy(RINGS_EXPERIMENT)
    experiment["name"] = "rings-smoke"
    experiment["dataset"]["params"]["n_samples"] = 256
    experiment["train"].update(steps=20, batch_size=32, log_every=5, device="cpu", progress=False)

    run = ganzoo.train(experiment)

    records = [json.loads(line) for line in (Path(run.directory) / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in records if r["kind"] == "train"]
    assert train and train[-1]["step"] == 20
    assert all(math.isfinite(r["loss/d"]) and math.isfinite(r["loss/g"]) for r in train)
    samples = ganzoo.load(run.directory).sample(16, seed=0)
    assert tuple(samples.shape) == (16, 2)
    assert samples.abs().max() <= 1.0
