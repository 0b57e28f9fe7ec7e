"""Device-independent logic of the engine's CUDA paths, pinned down on the CPU.

The fast-path switches (torch.compile and its CUDA-graph mode, the execution switches a run can
change on resume) first meet a GPU in a short lent session; what decides their behaviour without
running a CUDA kernel is tested here, so that session does not spend its minutes on it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch import nn

from ganzoo.engine.engine import CompiledForward


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
