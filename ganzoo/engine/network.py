"""One trained network with the views of it the training loop needs, built from ``[train]``.

A network is called in three ways, and mixing them up is a classic GAN-under-DDP bug, so each
has its own name on [`Network`][ganzoo.engine.network.Network]:

* ``module``, the bare network: sampling, EMA, checkpoints and parameter freezing use it, never
  a DDP forward without its backward;
* ``train``, what training passes run (its DDP wrapper under torchrun, else ``module``), whose
  gradient averaging ``strategy.no_sync(network.train)`` can switch off;
* ``forward``, ``train`` compiled (with an eager fallback) or ``train`` itself, and
  ``loss_forward``, what the losses call (``forward``, guarded where synchronised BatchNorm
  cannot take an input-gradient penalty).

Each network also owns its optimiser, its fp16 GradScaler and the update that uses them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from ganzoo.engine.execution import CompiledForward, SyncBatchNormGuard, channels_last_
from ganzoo.engine.guard import gradients_finite
from ganzoo.engine.optim import build_optimizer, optimizer_settings
from ganzoo.engine.strategy import Strategy
from ganzoo.registry.config import TrainConfig


@dataclass(eq=False)
class Network:
    """A network of one ``role`` (``generator``, ``discriminator``) and what trains it.

    Attributes:
        role: names its optimiser settings (``train.<role>_optimizer``) and checkpoint files.
        module: the bare network (see the module docstring for the views).
        train: the module training passes run: its DDP wrapper, or ``module`` in one process.
        forward: ``train``, compiled when ``train.compile`` or ``train.cuda_graphs`` asks.
        loss_forward: what the losses call.
        optimizer: its optimiser, over ``trainable``.
        base_lr: the learning rate the schedule scales.
        scaler: its GradScaler under fp16, else ``None``.
        trainable: the parameters that require grad (clipped; frozen while the other network
            trains, so a plugin's deliberately frozen parameters stay frozen).
    """

    role: str
    module: nn.Module
    train: nn.Module
    forward: Callable[..., torch.Tensor]
    loss_forward: Callable[..., torch.Tensor]
    optimizer: torch.optim.Optimizer
    base_lr: float
    scaler: torch.amp.GradScaler | None
    trainable: list[nn.Parameter]

    def update(self, loss: torch.Tensor, clip: float | None, *, skip_nonfinite: bool = False) -> bool:
        """One optimiser step on ``loss`` (scaled under fp16), clipping the gradient norm.

        With ``skip_nonfinite`` (``train.nonfinite = "skip"``) and no scaler, gradients holding
        NaN or Inf are dropped instead of applied, and the result is ``False``; under fp16 the
        GradScaler decides, as always.
        """
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            if skip_nonfinite and not gradients_finite(self.trainable):
                self.optimizer.zero_grad(set_to_none=True)
                return False
            if clip is not None:
                nn.utils.clip_grad_norm_(self.trainable, clip)
            self.optimizer.step()
            return True
        self.scaler.scale(loss).backward()
        if clip is not None:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.trainable, clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return True

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Its trainable parameters take no gradient inside (the other network's update)."""
        for p in self.trainable:
            p.requires_grad_(False)
        try:
            yield
        finally:
            for p in self.trainable:
                p.requires_grad_(True)


def place(module: nn.Module, train: TrainConfig, device: torch.device) -> nn.Module:
    """``module`` on ``device`` in training mode, with SyncBatchNorm and the channels_last
    layout when ``[train]`` asks (SyncBatchNorm may replace the module itself)."""
    module = module.to(device).train()
    if train.sync_batchnorm:
        module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
    if train.channels_last:
        channels_last_(module)
    return module


def build_network(role: str, module: nn.Module, train: TrainConfig, strategy: Strategy) -> Network:
    """The [`Network`][ganzoo.engine.network.Network] of a [`place`][ganzoo.engine.network.place]-d ``module``: optimiser, scaler and views.

    Under torchrun this wraps ``module`` for DDP, a collective: every process builds its
    networks in the same order.
    """
    settings = optimizer_settings(train, role)
    optimizer = build_optimizer(module.parameters(), settings, fused=train.fused_optimizer)
    scaler = torch.amp.GradScaler(strategy.device.type) if train.precision == "fp16" else None
    wrapped = strategy.setup_module(module)
    forward: Callable[..., torch.Tensor] = wrapped
    if train.compile or train.cuda_graphs:
        forward = CompiledForward(wrapped, role, "reduce-overhead" if train.cuda_graphs else None)
    # input-gradient penalties cannot run through synchronised BatchNorm (pytorch#61222)
    loss_forward = forward
    if strategy.distributed and any(isinstance(m, nn.SyncBatchNorm) for m in module.modules()):
        loss_forward = SyncBatchNormGuard(forward)
    return Network(
        role=role,
        module=module,
        train=wrapped,
        forward=forward,
        loss_forward=loss_forward,
        optimizer=optimizer,
        base_lr=settings.lr,
        scaler=scaler,
        trainable=[p for p in module.parameters() if p.requires_grad],
    )
