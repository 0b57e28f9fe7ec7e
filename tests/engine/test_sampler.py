"""Sampler conditions and errors, without training."""

from __future__ import annotations

import io

import pytest
import torch

from ganzoo.data.spec import DataSpec
from ganzoo.engine.sampler import Sampler
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry


def _sampler(toys: Registry, spec: DataSpec, **params: int) -> Sampler:
    return Sampler(toys.create("generator", "toy-mlp", **params), spec, batch_size=3)


def test_seeded_sampling_is_reproducible_across_batch_sizes(toys: Registry) -> None:
    sampler = _sampler(toys, DataSpec("table", (2,)))
    a = sampler.sample(7, seed=5)
    assert torch.equal(a, sampler.sample(7, seed=5))
    sampler.batch_size = 64  # same noise; only matmul blocking (float rounding) may differ
    torch.testing.assert_close(a, sampler.sample(7, seed=5))
    assert not torch.equal(a, sampler.sample(7, seed=6))
    assert sampler.generator.training  # mode restored after sampling
    with pytest.raises(ConfigError, match="unconditional"):
        sampler.sample(2, condition=torch.zeros(2, 3))
    with pytest.raises(ConfigError, match="must be positive"):
        sampler.sample(0)


def test_progress_bar_counts_samples_and_changes_nothing(toys: Registry) -> None:
    sampler = _sampler(toys, DataSpec("table", (2,)))
    stream = io.StringIO()
    shown = sampler.sample(7, seed=5, progress=stream)
    assert torch.equal(shown, sampler.sample(7, seed=5))
    assert "7/7" in stream.getvalue() and "sample" in stream.getvalue()


def test_label_conditions(toys: Registry) -> None:
    spec = DataSpec("table", (2,), condition="label", condition_shape=(4,),
                    meta={"label_frequencies": [0.0, 0.0, 1.0, 0.0]})
    sampler = _sampler(toys, spec, condition_dim=4)
    drawn = sampler.conditions(5)
    assert torch.equal(drawn, torch.tensor([[0.0, 0, 1, 0]] * 5))  # only class 2 has frequency
    assert torch.equal(sampler.conditions(2, 1), torch.tensor([[0.0, 1, 0, 0]] * 2))
    assert torch.equal(sampler.conditions(2, torch.tensor([3, 0])), torch.tensor([[0.0, 0, 0, 1], [1, 0, 0, 0]]))
    assert sampler.sample(5, condition=torch.tensor([0, 1, 2, 3, 0])).shape == (5, 2)
    with pytest.raises(ConfigError, match=r"class indices in 0\.\.3"):
        sampler.conditions(2, torch.tensor([4, 0]))
    with pytest.raises(ConfigError, match=r"expected \(2, 4\)"):
        sampler.conditions(2, torch.zeros(2, 3))


def test_paired_models_need_sources(toys: Registry) -> None:
    spec = DataSpec("series", (1, 32), condition="paired", condition_shape=(1, 32))
    sampler = Sampler(toys.create("generator", "toy-conv", in_channels=1), spec)
    with pytest.raises(ConfigError, match="pass condition="):
        sampler.sample(2)
    with pytest.raises(ConfigError, match=r"expected \(2, 1, 32\)"):
        sampler.sample(2, condition=torch.zeros(3, 1, 32))
    assert sampler.sample(2, condition=torch.zeros(2, 1, 32)).shape == (2, 1, 32)


class _TwoBlockLabels:
    """A dataset class whose labels are two one-hot blocks (sizes 2 and 2)."""

    @classmethod
    def sample_conditions(cls, spec: DataSpec, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        first = torch.randint(2, (n,), generator=generator)
        return torch.cat([torch.eye(2)[first], torch.eye(2)[1 - first]], dim=1)


def test_dataset_class_draws_structured_conditions(toys: Registry) -> None:
    spec = DataSpec("table", (2,), condition="label", condition_shape=(4,))
    sampler = Sampler(toys.create("generator", "toy-mlp", condition_dim=4), spec, dataset_cls=_TwoBlockLabels)
    drawn = sampler.conditions(6, rng=torch.Generator().manual_seed(0))
    assert drawn.shape == (6, 4)
    assert torch.equal(drawn[:, :2].sum(1), torch.ones(6)) and torch.equal(drawn[:, 2:].sum(1), torch.ones(6))
    assert sampler.sample(6, seed=1).shape == (6, 2)
