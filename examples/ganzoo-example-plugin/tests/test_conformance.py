"""The ganzoo conformance kit on every component of the plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from ganzoo import DataSpec
from ganzoo.plugin import EvalContext
from ganzoo.testing import Registry, check_dataset, check_discriminator, check_generator

from ganzoo_example.configs import RingsConfig
from ganzoo_example.data import Rings
from ganzoo_example.metrics import RingCoverage

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
    spec = Rings(RingsConfig(n_samples=16)).describe()
    (path,) = Rings.export(torch.zeros(3, 2), tmp_path, spec)
    assert path.read_text().splitlines() == ["x,y", "0.0,0.0", "0.0,0.0", "0.0,0.0"]


class _Replay:
    """A sampler that "generates" given rows, so the metric's expected values are known."""

    def __init__(self, spec: DataSpec, rows: torch.Tensor) -> None:
        self.spec, self.rows = spec, rows

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        return self.rows[:n]


def test_ring_coverage_detects_mode_collapse(registry: Registry) -> None:
    rings = registry.create("dataset", "rings", n_samples=800)
    metric = registry.create("metric", "ring-coverage")

    def score(fake: torch.Tensor) -> dict[str, dict[str, object]]:
        ctx = EvalContext(_Replay(rings.describe(), fake), rings, n_samples=len(fake), batch_size=len(fake))
        return metric.compute(ctx)

    full = score(rings.rows)
    collapsed = score(rings.rows[rings.rows[:, 0] > 0.6])
    assert full["ring_coverage"]["value"] == 1.0
    assert collapsed["ring_coverage"]["value"] == pytest.approx(1 / 8)
    assert full["ring_coverage"]["n_fake"] == 800


def test_ring_coverage_applies_to_rings_only(registry: Registry) -> None:
    assert RingCoverage.applies_to(registry.create("dataset", "rings", n_samples=8).describe())
    ring_meta = {"modes": 8, "radius": 0.7, "std": 0.05}
    assert not RingCoverage.applies_to(TABLE)
    assert not RingCoverage.applies_to(DataSpec("image", (3, 8, 8), meta=ring_meta))
