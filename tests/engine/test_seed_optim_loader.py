"""Seeding, optimiser settings, LR schedules and the resumable batch order."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

from ganzoo.engine.loader import ResumableBatchSampler, make_loader, to_device
from ganzoo.engine.optim import build_optimizer, lr_factor, optimizer_settings
from ganzoo.engine.seed import (
    capture_rng,
    derive_seed,
    deterministic_mode,
    restore_rng,
    seed_step,
    step_seed,
)
from ganzoo.registry.config import ScheduleConfig, TrainConfig
from ganzoo.registry.errors import ConfigError


def test_derive_seed_separates_streams_and_neighbours() -> None:
    seeds = {derive_seed(s, k, i) for s in range(3) for k in range(3) for i in range(10)}
    assert len(seeds) == 90
    assert all(0 <= s < 2**63 for s in seeds)
    assert step_seed(0, 1) != step_seed(1, 0)
    assert derive_seed(-1, 5) == derive_seed(-1, 5)


def test_seed_step_makes_all_global_rngs_a_function_of_seed_and_step() -> None:
    seed_step(7, 3)
    first = (torch.rand(3), np.random.rand(), random.random())
    torch.rand(100)
    seed_step(7, 3)
    again = (torch.rand(3), np.random.rand(), random.random())
    assert torch.equal(first[0], again[0]) and first[1:] == again[1:]
    seed_step(7, 4)
    assert not torch.equal(torch.rand(3), first[0])


def test_rng_capture_restore_roundtrip() -> None:
    torch.manual_seed(1)
    np.random.seed(1)
    random.seed(1)
    np.random.randn()  # leaves a cached gaussian in numpy's state
    tensors, scalars = capture_rng()
    expected = (torch.rand(4), np.random.randn(3), random.random())
    torch.rand(10)
    np.random.rand(10)
    random.random()
    restore_rng(tensors, scalars)
    got = (torch.rand(4), np.random.randn(3), random.random())
    assert torch.equal(expected[0], got[0])
    assert np.array_equal(expected[1], got[1]) and expected[2] == got[2]


def test_deterministic_mode_restores_flags() -> None:
    before = torch.are_deterministic_algorithms_enabled()
    with deterministic_mode(True):
        assert torch.are_deterministic_algorithms_enabled()
    assert torch.are_deterministic_algorithms_enabled() == before


def test_optimizer_settings_per_network_overrides() -> None:
    train = TrainConfig(
        lr=1e-3,
        betas=(0.0, 0.9),
        discriminator_optimizer={"lr": 4e-3, "name": "adamw", "weight_decay": 0.1},
    )
    g = optimizer_settings(train, "generator")
    d = optimizer_settings(train, "discriminator")
    assert (g.name, g.lr, g.betas, g.weight_decay) == ("adam", 1e-3, (0.0, 0.9), 0.0)
    assert (d.name, d.lr, d.betas, d.weight_decay) == ("adamw", 4e-3, (0.0, 0.9), 0.1)
    opt = build_optimizer(nn.Linear(2, 2).parameters(), d, fused=True)
    assert isinstance(opt, torch.optim.AdamW)
    assert opt.param_groups[0]["fused"] is True and opt.param_groups[0]["lr"] == 4e-3


@pytest.mark.parametrize("name, cls", [("sgd", torch.optim.SGD), ("rmsprop", torch.optim.RMSprop)])
def test_build_other_optimizers(name: str, cls: type) -> None:
    settings = optimizer_settings(TrainConfig(optimizer=name), "generator")
    assert isinstance(build_optimizer(nn.Linear(2, 2).parameters(), settings), cls)


def test_pix2pix_linear_decay_matches_reference_lambda_rule() -> None:
    schedule = ScheduleConfig(kind="linear-decay", unit="epoch", constant=100, decay=100)
    factors = [lr_factor(schedule, epoch, 200) for epoch in range(200)]
    # junyanz lambda_rule: 1 - max(0, epoch + epoch_count - n_epochs) / (n_epochs_decay + 1)
    reference = [1.0 - max(0, e + 1 - 100) / 101 for e in range(200)]
    assert factors == pytest.approx(reference)
    assert factors[99] == 1.0 and factors[100] == pytest.approx(100 / 101)
    assert factors[199] == pytest.approx(1 / 101)
    assert lr_factor(schedule, 500, 200) == 0.0
    assert lr_factor(ScheduleConfig(), 123, 200) == 1.0


def test_linear_decay_without_decay_length_uses_rest_of_run() -> None:
    schedule = ScheduleConfig(kind="linear-decay", unit="step", constant=4)
    factors = [lr_factor(schedule, s, 10) for s in range(10)]
    assert factors[:4] == [1.0] * 4
    assert factors[4] == pytest.approx(1 - 1 / 7) and factors[-1] == pytest.approx(1 / 7)


def test_batch_order_is_resumable_and_drops_last() -> None:
    full = ResumableBatchSampler(10, 3, seed=5)
    assert full.batches_per_epoch == 3
    stream = iter(full)
    batches = [next(stream) for _ in range(9)]
    for epoch in range(3):
        chunk = batches[epoch * 3 : epoch * 3 + 3]
        flat = [i for b in chunk for i in b]
        assert len(flat) == 9 and len(set(flat)) == 9  # one sample per epoch dropped
    assert batches[:3] != batches[3:6]  # a new permutation each epoch
    for start in (1, 3, 7):
        resumed = iter(ResumableBatchSampler(10, 3, seed=5, start_batch=start))
        assert [next(resumed) for _ in range(9 - start)] == batches[start:]
    other = iter(ResumableBatchSampler(10, 3, seed=6))
    assert [next(other) for _ in range(3)] != batches[:3]


def test_batch_larger_than_dataset_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="train.batch_size"):
        ResumableBatchSampler(4, 8, seed=0)


class _Numbers(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 12

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"x": torch.full((1, 2, 2), float(index)), "cond": torch.tensor([index])}


@pytest.mark.parametrize("workers", [0, 1])
def test_loader_collates_in_sampler_order(workers: int) -> None:
    loader = make_loader(_Numbers(), 4, seed=1, start_batch=2, num_workers=workers)
    sampler = ResumableBatchSampler(12, 4, seed=1)
    expected = list(sampler.permutation(0).tolist()[8:12]) + list(sampler.permutation(1).tolist()[:4])
    stream = iter(loader)
    got = torch.cat([next(stream)["cond"] for _ in range(2)]).flatten().tolist()
    assert got == expected
    batch = to_device({"x": torch.zeros(2, 3, 4, 4), "name": ["a", "b"]}, torch.device("cpu"), channels_last=True)
    assert batch["x"].is_contiguous(memory_format=torch.channels_last) and batch["name"] == ["a", "b"]
