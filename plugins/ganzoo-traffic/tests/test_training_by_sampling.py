"""Training-by-sampling draws every training batch itself: the engine skips the DataLoader's
batch (which would only be thrown away), and a stopped run resumes bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from ganzoo_traffic.data.dataset import TableDataset
from safetensors.torch import load_file

import ganzoo
from ganzoo.engine.run import train

DATA = {"n_rows": 400, "seed": 0, "max_fit_rows": 400, "max_modes": 3}


def _experiment(**data: Any) -> dict[str, Any]:
    return {
        "name": "tiny-traffic-sampling",
        "generator": {"name": "ctgan", "params": {"latent_dim": 8, "hidden": [16]}},
        "discriminator": {"name": "pacgan", "params": {"hidden": [16], "pac": 10, "dropout": 0.5}},
        "dataset": {"name": "accidents-sim", "params": {**DATA, **data}},
        "losses": [{"name": "masked-wasserstein"},
                   {"name": "masked-gradient-penalty", "weight": 10.0, "params": {"pac": 10}},
                   {"name": "conditional-ce"}],
        "train": {"steps": 4, "batch_size": 50, "progress": False, "log_every": 1, "checkpoint_every": 2,
                  "keep_checkpoints": 5},
    }


class Counts:
    """How often the DataLoader fetched a batch and how often the dataset drew one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fetched: list[int] = []
        self.drawn: list[int] = []
        fetch, draw = TableDataset.__getitems__, TableDataset.draw_batch

        def counted_fetch(dataset: TableDataset, indices: list[int]) -> list[dict[str, torch.Tensor]]:
            self.fetched.append(len(indices))
            return fetch(dataset, indices)

        def counted_draw(dataset: TableDataset, n: int) -> dict[str, torch.Tensor]:
            self.drawn.append(n)
            return draw(dataset, n)

        monkeypatch.setattr(TableDataset, "__getitems__", counted_fetch)
        monkeypatch.setattr(TableDataset, "draw_batch", counted_draw)


def test_the_engine_trains_on_drawn_batches_and_skips_the_loader(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    counts = Counts(monkeypatch)
    ganzoo.train(_experiment(), run_dir=tmp_path / "run")
    assert counts.drawn == [50] * 4
    assert counts.fetched == []


@pytest.mark.parametrize("data", [{"training_by_sampling": False}, {"conditional": False}])
def test_without_training_by_sampling_batches_come_from_the_loader(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    counts = Counts(monkeypatch)
    raw = _experiment(**data)
    if not data.get("conditional", True):
        raw["losses"] = raw["losses"][:2]
    ganzoo.train(raw, run_dir=tmp_path / "run")
    assert counts.drawn == []
    assert counts.fetched == [50] * 4


def _tensors(run: Path, stem: str) -> dict[str, torch.Tensor]:
    return load_file(str(run / "checkpoints" / "step_000004" / f"{stem}.safetensors"))


def test_a_stopped_run_resumes_bit_identically(tmp_path: Path) -> None:
    raw = _experiment()
    ganzoo.train(raw, run_dir=tmp_path / "full")
    ganzoo.train(raw, run_dir=tmp_path / "half", until=2)
    train(resume=tmp_path / "half")
    for stem in ("generator", "discriminator", "optim_generator", "optim_discriminator"):
        full, resumed = _tensors(tmp_path / "full", stem), _tensors(tmp_path / "half", stem)
        assert full.keys() == resumed.keys()
        assert all(torch.equal(full[k], resumed[k]) for k in full), stem
    # a different seed draws other rows and gives other weights (the comparison can fail)
    ganzoo.train({**raw, "train": {**raw["train"], "seed": 1}}, run_dir=tmp_path / "other")
    other = _tensors(tmp_path / "other", "generator")
    assert not all(torch.equal(other[k], v) for k, v in _tensors(tmp_path / "full", "generator").items())
