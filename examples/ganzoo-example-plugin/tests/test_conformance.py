"""The ganzoo conformance kit on every component of the plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from ganzoo import DataSpec
from ganzoo.registry.registry import Registry
from ganzoo.testing import check_dataset, check_discriminator, check_generator

from ganzoo_example.data import Rings

TABLE = DataSpec("table", (2,))
LABELLED = DataSpec("table", (2,), condition="label", condition_shape=(3,))


@pytest.mark.parametrize("spec", [TABLE, LABELLED], ids=["plain", "labelled"])
def test_generator_conforms(registry: Registry, spec: DataSpec) -> None:
    check_generator("example-mlp", spec, registry, hidden=16)


@pytest.mark.parametrize("spec", [TABLE, LABELLED], ids=["plain", "labelled"])
def test_discriminator_conforms(registry: Registry, spec: DataSpec) -> None:
    check_discriminator("example-mlp", spec, registry, hidden=16)


def test_dataset_conforms(registry: Registry) -> None:
    check_dataset("rings", registry, n_samples=64)


def test_splits_differ_and_rows_sit_on_the_ring(registry: Registry) -> None:
    train = registry.create("dataset", "rings", n_samples=256)
    val = registry.create("dataset", "rings", n_samples=256, split="val")
    assert not torch.equal(train.rows, val.rows)
    radii = train.rows.norm(dim=1)
    assert abs(radii.mean().item() - 0.7) < 0.02


def test_export_writes_csv_from_the_spec_alone(tmp_path: Path) -> None:
    spec = Rings(16, 8, 0.7, 0.05, 0, "train").describe()
    (path,) = Rings.export(torch.zeros(3, 2), tmp_path, spec)
    assert path.read_text().splitlines() == ["x,y", "0.0,0.0", "0.0,0.0", "0.0,0.0"]


class _Ctx:
    """The part of ganzoo's EvalContext that ring-coverage uses."""

    def __init__(self, spec: DataSpec, fake: torch.Tensor) -> None:
        self.spec, self._fake = spec, fake

    def generated(self) -> torch.Tensor:
        return self._fake

    def protocol(self, **extra: object) -> dict[str, object]:
        return {"n_fake": len(self._fake), **extra}


def test_ring_coverage_detects_mode_collapse(registry: Registry) -> None:
    rings = registry.create("dataset", "rings", n_samples=800)
    metric = registry.create("metric", "ring-coverage")
    full = metric.compute(_Ctx(rings.describe(), rings.rows))
    collapsed = metric.compute(_Ctx(rings.describe(), rings.rows[rings.rows[:, 0] > 0.6]))
    assert full["ring_coverage"]["value"] == 1.0
    assert collapsed["ring_coverage"]["value"] == pytest.approx(1 / 8)
    assert full["ring_coverage"]["n_fake"] == 800
