"""How the networks run inside a training step: compiled with an eager fallback, in the
channels_last layout, and guarded against what synchronised BatchNorm cannot do.

These are the execution switches of ``[train]`` (``compile``, ``cuda_graphs``,
``channels_last``, ``sync_batchnorm``): they change how a step runs, never what it computes
beyond floating-point order, which is why a run may change them on resume.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from ganzoo.registry.errors import ConfigError, first_line


class CompiledForward:
    """Calls ``torch.compile(module)``, falling back to eager mode (one warning) if it fails.

    Compilation happens lazily at the first call, so failures (no C++ compiler, unsupported
    operator, a channels_last layout the backend rejects) surface there; the eager module then
    serves every later call, in the same memory format. AOTAutograd would compile the backward
    graph later still, at the first ``backward()``, where a failure escapes this fallback and
    ends the run; compiled calls therefore ask for the backward to be lowered with its forward
    (``torch._functorch.config.force_non_lazy_backward_lowering``, where torch has it).

    Calls whose input is a leaf tensor that requires grad go to the eager module: that is how
    gradient penalties (WGAN-GP, R1) ask for ``d D(x) / d x`` with ``create_graph=True``, and
    AOTAutograd cannot back-propagate twice through a compiled graph.

    ``mode="reduce-overhead"`` replays the compiled graphs as CUDA graphs (``train.cuda_graphs``).
    """

    def __init__(self, module: nn.Module, name: str, mode: str | None = None) -> None:
        self.module = module
        self.name = name
        self.switch = "train.cuda_graphs" if mode == "reduce-overhead" else "train.compile"
        self.compiled: Callable[..., Any] | None
        try:
            self.compiled = torch.compile(module, **({"mode": mode} if mode else {}))
        except Exception as err:  # torch.compile itself may be unsupported on this platform
            self._fail(err)

    def _fail(self, err: BaseException) -> None:
        # dynamo wraps a backend's error; its own first line names only the backend
        err = getattr(err, "inner_exception", None) or err
        message = first_line(err)
        warnings.warn(f"{self.switch}: compiling the {self.name} failed ({message}); using eager mode",
                      RuntimeWarning, stacklevel=3)
        self.compiled = None

    def __call__(self, *args: Any) -> Any:
        if self.compiled is not None and not wants_input_gradient(args):
            try:
                with _backward_lowered_with_forward():
                    return self.compiled(*args)
            except Exception as err:
                self._fail(err)
        return self.module(*args)


def wants_input_gradient(args: Sequence[Any]) -> bool:
    """Whether a call differentiates its output with respect to its input (an input-gradient
    penalty such as WGAN-GP or R1 makes its input a leaf that requires grad)."""
    return any(isinstance(a, torch.Tensor) and a.is_leaf and a.requires_grad for a in args)


class SyncBatchNormGuard:
    """The discriminator as the losses call it when it normalises over several processes.

    SyncBatchNorm's backward has no derivative of its own (pytorch/pytorch#61222), so a penalty
    on ``d D(x) / d x``, whose update differentiates D's backward, cannot train through it: the
    update fails with an autograd error naming a CUDA kernel. This refuses such a call with a
    line that names the switch instead; every other call passes through.
    """

    def __init__(self, discriminator: Callable[..., Any]) -> None:
        self.discriminator = discriminator

    def __call__(self, *args: Any) -> Any:
        if wants_input_gradient(args):
            raise ConfigError(
                "train.sync_batchnorm: a loss differentiates the discriminator with respect to its "
                "input (gradient penalty, R1), which SyncBatchNorm does not support (pytorch#61222); "
                "set train.sync_batchnorm = false or use a discriminator without BatchNorm"
            )
        return self.discriminator(*args)


@functools.cache
def _functorch_config() -> Any:
    """``torch._functorch.config`` when it has the backward-lowering switch, else ``None``.

    Looked up once: ``import torch`` does not import it, and every compiled call needs it.
    """
    try:
        from torch._functorch import config
    except ImportError:
        return None
    return config if hasattr(config, "force_non_lazy_backward_lowering") else None


@contextlib.contextmanager
def _backward_lowered_with_forward() -> Iterator[None]:
    """Compile backward graphs when their forward graph is compiled, not at the first backward.

    Set and restored directly (a few microseconds) rather than through ``config.patch``, which
    costs several times more on every call of a launch-bound step.
    """
    config = _functorch_config()
    if config is None:
        yield
        return
    previous = config.force_non_lazy_backward_lowering
    config.force_non_lazy_backward_lowering = True
    try:
        yield
    finally:
        config.force_non_lazy_backward_lowering = previous


def channels_last_(module: nn.Module) -> nn.Module:
    """Put the 4-D floating parameters and buffers of ``module`` in channels_last, in place.

    ``Module.to(memory_format=torch.channels_last)`` also converts 5-D tensors and raises for
    them (channels_last is a 4-D layout), so a plugin network with a 3-D convolution could not
    train with ``train.channels_last`` at all; here other tensors keep their layout.
    """
    with torch.no_grad():
        for tensor in itertools.chain(module.parameters(), module.buffers()):
            if tensor.dim() == 4 and tensor.is_floating_point():
                tensor.data = tensor.data.contiguous(memory_format=torch.channels_last)
    return module
