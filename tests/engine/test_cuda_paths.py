"""Device-independent logic of the engine's CUDA paths, pinned down on the CPU.

The fast-path switches (torch.compile and its CUDA-graph mode, the execution switches a run can
change on resume) first meet a GPU in a short lent session; what decides their behaviour without
running a CUDA kernel is tested here, so that session does not spend its minutes on it.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.engine.execution import CompiledForward
from ganzoo.engine.run import train
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


@pytest.fixture
def fresh_dynamo() -> Iterator[None]:
    """Compiled code of one test must not serve another (dynamo caches per code object)."""
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _backend_failing_in_backward() -> Callable[..., Any]:
    """A torch.compile backend whose forward compiles and whose backward compiler raises."""
    from torch._dynamo.backends.common import aot_autograd

    def forward_compiler(gm: torch.fx.GraphModule, example_inputs: list[torch.Tensor]) -> Callable[..., Any]:
        return gm

    def backward_compiler(gm: torch.fx.GraphModule, example_inputs: list[torch.Tensor]) -> Callable[..., Any]:
        raise RuntimeError("backward lowering failed")

    return aot_autograd(fw_compiler=forward_compiler, bw_compiler=backward_compiler)


def test_backward_compile_failure_falls_back_at_the_first_call(fresh_dynamo: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """AOTAutograd compiles backward graphs lazily, at the first backward(); a failure there
    would escape the eager fallback and end the run, so it must surface at the compiled call."""
    backend = _backend_failing_in_backward()
    compile_ = torch.compile
    monkeypatch.setattr(torch, "compile", lambda module, **kwargs: compile_(module, backend=backend))
    module = nn.Linear(3, 1)
    forward = CompiledForward(module, "discriminator")
    x = torch.randn(4, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = forward(x)
    out.sum().backward()  # eager graph: no compiler involved any more
    assert forward.compiled is None
    messages = [str(w.message) for w in caught if "train.compile" in str(w.message)]
    assert len(messages) == 1 and "backward lowering failed" in messages[0]
    assert module.weight.grad is not None and torch.allclose(module.weight.grad, x.sum(0, keepdim=True))


def test_compiled_call_restores_the_lazy_backward_setting(fresh_dynamo: None) -> None:
    from torch._functorch import config

    seen: list[bool] = []

    class Probe(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2

    forward = CompiledForward(Probe(), "generator")
    forward.compiled = lambda *args: seen.append(config.force_non_lazy_backward_lowering) or args[0]
    before = config.force_non_lazy_backward_lowering
    forward(torch.ones(2))
    assert seen == [True] and config.force_non_lazy_backward_lowering == before


def test_a_gpu_run_continues_on_the_cpu(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    """A run whose stored config holds the CUDA-only switches resumes on a machine without a
    GPU once they are turned off; before, ``--set`` refused to change them."""
    import tomli_w

    run = ganzoo.train(experiment("ring", steps=2), run_dir=tmp_path / "run").directory
    config = tomllib.loads((run / "config.toml").read_text())
    config["train"].update(device="cuda", cuda_graphs=True, sync_batchnorm=True, compile=True,
                           channels_last=True, fused_optimizer=True)
    (run / "config.toml").write_text(tomli_w.dumps(config))
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="train.device"):
            train(resume=run)
    off = ["train.device=cpu", "train.cuda_graphs=false", "train.sync_batchnorm=false", "train.compile=false"]
    resumed = train(resume=run, overrides=[*off, "train.steps=4", "train.log_every=1"])
    assert (resumed.step, resumed.total_steps) == (4, 4)
    assert [r["step"] for r in resumed.metrics("train")][-2:] == [3, 4]


def test_channels_last_converts_4d_tensors_only() -> None:
    from ganzoo.engine.execution import channels_last_

    module = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Conv3d(3, 4, 3), nn.Conv1d(4, 2, 1))
    weight = module[0].weight
    channels_last_(module)
    assert module[0].weight is weight  # the same Parameter: optimisers and DDP keep their references
    assert module[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not module[0].weight.is_contiguous()
    assert module[2].weight.is_contiguous() and module[3].weight.is_contiguous()
    assert module[1].running_mean.is_contiguous()


def test_logged_time_is_taken_after_the_losses_are_read(toys: Registry, experiment: Experiment, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the losses is where a GPU run waits for its kernels; the logged time and rate
    must include that wait, or they measure kernel launches instead of finished steps."""
    import time

    from ganzoo.engine import engine as engine_module

    means = engine_module._Sums.means

    def slow_means(self: Any, strategy: Any) -> dict[str, float]:  # a device that takes 0.2 s
        time.sleep(0.2)
        return means(self, strategy)

    monkeypatch.setattr(engine_module._Sums, "means", slow_means)
    run = ganzoo.train(experiment("ring", steps=2, log_every=1), run_dir=tmp_path / "run")
    first, second = run.metrics("train")
    assert first["time"] >= 0.2 and second["time"] - first["time"] >= 0.2
    assert first["it_s"] <= 5.0 and second["it_s"] <= 5.0


def test_sync_batchnorm_refuses_input_gradient_penalties_with_one_line() -> None:
    """Under torchrun with train.sync_batchnorm, WGAN-GP or R1 would fail inside autograd at the
    first update of a multi-GPU run; the engine's guard names the setting instead."""
    from ganzoo.engine.execution import SyncBatchNormGuard

    calls: list[torch.Tensor] = []
    guard = SyncBatchNormGuard(lambda x, cond: calls.append(x) or x.sum(1))
    real = torch.randn(4, 3)
    assert torch.equal(guard(real, None), real.sum(1))
    fake = torch.randn(4, 3, requires_grad=True) * 2  # not a leaf: the generator step's fake
    guard(fake, None)
    with pytest.raises(ConfigError, match=r"^train.sync_batchnorm: .*gradient penalty, R1") as raised:
        guard(real.clone().requires_grad_(True), None)
    assert "\n" not in str(raised.value)
    assert len(calls) == 2


def test_cuda_graphs_start_one_generation_per_training_step(toys: Registry, experiment: Experiment, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """CUDA-graph trees overwrite a graph's outputs when a new generation replays it. A GAN step
    calls the compiled D several times (real, detached fake, fake) and keeps G's output from the
    D update into the G update, so everything of one step must be one generation: the engine
    marks a step begin once per training step (with n_critic D updates), never per call."""
    from ganzoo.engine import engine as engine_module

    events: list[str] = []
    modes: list[str | None] = []

    def fake_compile(module: nn.Module, mode: str | None = None) -> Callable[..., Any]:
        modes.append(mode)

        def call(*args: Any) -> Any:
            events.append("G" if module is engine.generator else "D")
            return module(*args)

        return call

    engine: Any = None
    original_init = engine_module.Engine.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal engine
        engine = self
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(engine_module.Engine, "__init__", init)
    monkeypatch.setattr(engine_module.Engine, "_check_device_options", lambda self: None)  # CUDA-only switch
    monkeypatch.setattr(torch, "compile", fake_compile)
    monkeypatch.setattr(torch.compiler, "cudagraph_mark_step_begin", lambda: events.append("|"))
    ganzoo.train(experiment("ring", steps=3, n_critic=2, cuda_graphs=True), run_dir=tmp_path / "run")
    assert modes == ["reduce-overhead", "reduce-overhead"]
    steps = "".join(events).split("|")
    # one mark before each of the 3 steps: 2 critic updates (G, D real, D fake), then D of G's update
    assert steps == ["", "GDDGDDD", "GDDGDDD", "GDDGDDD"]


def test_local_rank_of_a_group_the_caller_initialised(monkeypatch: pytest.MonkeyPatch) -> None:
    """torchrun's LOCAL_RANK wins; a group initialised without it (file:// rendezvous, a
    notebook) gives each process its own rank, so two ranks never share cuda:0."""
    import torch.distributed as dist

    from ganzoo.engine.strategy import local_rank

    assert local_rank({}) == 0 and local_rank({"RANK": "2"}) == 2
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_rank", lambda group=None: 3)
    assert local_rank({}) == 3
    assert local_rank({"RANK": "3"}) == 3
    assert local_rank({"LOCAL_RANK": "1", "RANK": "3"}) == 1
