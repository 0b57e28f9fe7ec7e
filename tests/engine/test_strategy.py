"""Single-process parts of the distributed and fast paths: sharding, seeds, strategy choice,
refusals of CUDA-only switches on CPU, compile routing, channels_last checkpoints."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file, save_file
from torch import nn

import ganzoo
from ganzoo.engine.checkpoint import module_tensors
from ganzoo.engine.execution import CompiledForward
from ganzoo.engine.loader import ResumableBatchSampler
from ganzoo.engine.seed import derive_seed, noise_seed, step_seed
from ganzoo.engine.strategy import SingleDevice, create_strategy
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


def _take(sampler: ResumableBatchSampler, n: int) -> list[list[int]]:
    stream = iter(sampler)
    return [next(stream) for _ in range(n)]


def test_ranks_take_disjoint_slices_of_the_single_process_global_batch() -> None:
    single = _take(ResumableBatchSampler(20, 6, seed=3), 6)  # 3 global batches per epoch
    shards = [_take(ResumableBatchSampler(20, 3, seed=3, rank=r, world_size=2), 6) for r in range(2)]
    for index, batch in enumerate(single):
        assert shards[0][index] + shards[1][index] == batch
        assert not set(shards[0][index]) & set(shards[1][index])
    assert single[:3] != single[3:]  # epoch 2 reshuffles, for every rank alike
    resumed = _take(ResumableBatchSampler(20, 3, seed=3, rank=1, world_size=2, start_batch=4), 2)
    assert resumed == shards[1][4:6]


def test_global_batch_larger_than_the_dataset_names_the_processes() -> None:
    with pytest.raises(ConfigError, match=r"train.batch_size: 8 x 2 processes is larger than the dataset \(12 samples\); set train.batch_size to 6 or less"):
        ResumableBatchSampler(12, 8, seed=0, world_size=2)
    with pytest.raises(ConfigError, match=r"\(1 sample\); use fewer processes"):
        ResumableBatchSampler(1, 1, seed=0, world_size=2)


def test_per_rank_step_seeds_and_shared_noise_seed() -> None:
    assert step_seed(4, 7) == step_seed(4, 7, rank=0) == derive_seed(4, 1, 7)
    assert len({step_seed(4, 7, rank) for rank in range(4)}) == 4
    assert noise_seed(4, 7) not in {step_seed(4, 7, rank) for rank in range(4)}


def test_strategy_without_torchrun_is_single_device() -> None:
    strategy = create_strategy("cpu", environ={})
    assert isinstance(strategy, SingleDevice)
    assert strategy.is_main and not strategy.distributed and strategy.device == torch.device("cpu")
    value = torch.tensor([1.0, 2.0])
    assert strategy.all_reduce_mean(value) is value and strategy.broadcast_object("x") == "x"


def test_world_size_without_a_rendezvous_says_how_to_launch() -> None:
    with pytest.raises(ConfigError, match="RANK, MASTER_ADDR, MASTER_PORT unset: launch with torchrun"):
        create_strategy("cpu", environ={"WORLD_SIZE": "2"})


@pytest.mark.parametrize(("key", "message"), [
    ("sync_batchnorm", "train.sync_batchnorm: SyncBatchNorm needs CUDA devices, this run trains on cpu"),
    ("cuda_graphs", "train.cuda_graphs: CUDA graphs need a CUDA device, this run trains on cpu"),
])
def test_cuda_only_switches_are_refused_on_cpu(toys: Registry, experiment: Experiment, tmp_path: Path,
                                               key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ganzoo.train(experiment("ring", steps=1, **{key: True}), run_dir=tmp_path / "run")


def test_compiled_forward_sends_gradient_penalty_inputs_to_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    module = nn.Linear(2, 1)

    def fake_compile(target: nn.Module) -> Callable[..., torch.Tensor]:
        def compiled(*args: torch.Tensor) -> torch.Tensor:
            calls.append("compiled")
            return target(*args)

        return compiled

    monkeypatch.setattr(torch, "compile", fake_compile)
    forward = CompiledForward(module, "discriminator")
    forward(torch.randn(3, 2))
    forward(torch.randn(3, 2, requires_grad=True) * 2)  # a fake from G: not a leaf
    leaf = torch.randn(3, 2, requires_grad=True)  # an interpolate for WGAN-GP / R1
    (grad,) = torch.autograd.grad(forward(leaf).sum(), leaf, create_graph=True)
    assert calls == ["compiled", "compiled"]
    assert grad.requires_grad


def test_channels_last_weights_are_checkpointed_contiguously(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 2, 1)).to(memory_format=torch.channels_last)
    assert not model[0].weight.is_contiguous()
    tensors, _ = module_tensors(model)
    save_file(tensors, str(tmp_path / "m.safetensors"))  # safetensors rejects strided tensors
    loaded = load_file(str(tmp_path / "m.safetensors"))
    for name, value in model.state_dict().items():
        assert torch.equal(loaded[name], value)


def test_fused_adam_on_cpu_trains(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    plain = ganzoo.train(experiment("ring", steps=3, log_every=1), run_dir=tmp_path / "plain")
    fused = ganzoo.train(experiment("ring", steps=3, log_every=1, fused_optimizer=True), run_dir=tmp_path / "fused")
    for a, b in zip(plain.metrics("train"), fused.metrics("train"), strict=True):
        assert a["loss/d"] == pytest.approx(b["loss/d"], rel=1e-4)


def test_bf16_first_losses_match_fp32_within_bf16_tolerance(toys: Registry, experiment: Experiment,
                                                            tmp_path: Path) -> None:
    runs = {p: ganzoo.train(experiment("sine", steps=2, log_every=1, precision=p), run_dir=tmp_path / p)
            for p in ("fp32", "bf16")}
    for a, b in zip(runs["fp32"].metrics("train"), runs["bf16"].metrics("train"), strict=True):
        assert b["loss/d"] == pytest.approx(a["loss/d"], rel=0.05)
        assert b["loss/g"] == pytest.approx(a["loss/g"], rel=0.05)


@pytest.mark.slow
def test_compiled_training_matches_eager(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    """torch.compile for real (inductor, C++ on CPU), including a gradient penalty, whose
    double backward goes to the eager discriminator."""
    raw = experiment("ring", steps=3, log_every=1)
    raw["discriminator"] = {"name": "toy-mlp", "params": {"dropout": 0.0}}
    raw["losses"] = [{"name": "toy-bce"}, {"name": "gradient-penalty", "weight": 1.0}]
    eager = ganzoo.train(raw, run_dir=tmp_path / "eager")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no silent fallback to eager
        compiled = ganzoo.train({**raw, "train": {**raw["train"], "compile": True}}, run_dir=tmp_path / "compiled")
    for a, b in zip(eager.metrics("train"), compiled.metrics("train"), strict=True):
        assert b["loss/d"] == pytest.approx(a["loss/d"], rel=1e-4)
        assert b["loss/g"] == pytest.approx(a["loss/g"], rel=1e-4)
