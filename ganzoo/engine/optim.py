"""Optimisers from ``[train]`` and the learning rate as a pure function of progress.

The learning rate is computed from the step and epoch instead of being kept by a stateful
``torch.optim.lr_scheduler`` object: a resumed run then needs no scheduler state to get the
same rate, and changing ``train.epochs`` on resume changes the schedule predictably.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from ganzoo.registry.config import ScheduleConfig, TrainConfig

ROLES = ("generator", "discriminator")


@dataclass(frozen=True)
class OptimizerSettings:
    """The effective optimiser of one network: ``[train]`` values with per-network overrides."""

    name: str
    lr: float
    betas: tuple[float, float]
    weight_decay: float


def optimizer_settings(train: TrainConfig, role: str) -> OptimizerSettings:
    """Settings for ``role`` (generator | discriminator): ``train.<role>_optimizer`` wins."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    override = getattr(train, f"{role}_optimizer")
    return OptimizerSettings(
        name=override.name or train.optimizer,
        lr=override.lr if override.lr is not None else train.lr,
        betas=tuple(override.betas) if override.betas is not None else tuple(train.betas),
        weight_decay=override.weight_decay if override.weight_decay is not None else train.weight_decay,
    )


def build_optimizer(
    parameters: Iterable[nn.Parameter], settings: OptimizerSettings, *, fused: bool = False
) -> torch.optim.Optimizer:
    """Create the optimiser; ``betas`` apply to Adam/AdamW only (SGD and RMSprop ignore them).

    ``fused=True`` asks for the single-kernel implementation where torch has one (Adam,
    AdamW, SGD); RMSprop has none and falls back to the multi-tensor (foreach) path.
    """
    params = [p for p in parameters if p.requires_grad]
    common = {"lr": settings.lr, "weight_decay": settings.weight_decay}
    if settings.name in ("adam", "adamw"):
        cls = torch.optim.Adam if settings.name == "adam" else torch.optim.AdamW
        extra = {"fused": True} if fused else {}
        return cls(params, betas=settings.betas, **common, **extra)
    if settings.name == "sgd":
        return torch.optim.SGD(params, **common, **({"fused": True} if fused else {}))
    if settings.name == "rmsprop":
        if fused:
            warnings.warn("fused_optimizer: rmsprop has no fused kernel; using foreach", stacklevel=2)
        return torch.optim.RMSprop(params, **common, **({"foreach": True} if fused else {}))
    raise ValueError(f"unknown optimizer {settings.name!r}")


def lr_factor(schedule: ScheduleConfig, unit_index: int, total_units: int) -> float:
    """Multiplier of the base learning rate during 0-based schedule unit ``unit_index``.

    ``linear-decay`` follows pix2pix (junyanz ``networks.get_scheduler``, ``lambda_rule``):
    ``1 - max(0, u + 1 - constant) / (decay + 1)``, i.e. the full rate for ``constant`` units,
    then ``decay`` units stepping down by ``1 / (decay + 1)`` each (never reaching zero inside
    the schedule; clamped at zero beyond it). ``decay = 0`` means "decay over whatever remains
    of the run after ``constant`` units" (``total_units``), so a schedule need not be
    rewritten when the run length changes.
    """
    if schedule.kind == "constant":
        return 1.0
    decay = schedule.decay or max(total_units - schedule.constant, 1)
    return max(0.0, 1.0 - max(0, unit_index + 1 - schedule.constant) / (decay + 1))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the learning rate of every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = lr
