"""Two-way networks: CycleGAN's pair of generators and pair of discriminators as one component each.

CycleGAN trains G_A (A -> B), G_B (B -> A), D_A and D_B with one optimiser over both generators
and one over both discriminators (``itertools.chain`` of their parameters in the reference).
Wrapping each pair in one module gives exactly that in ganzoo's engine, which trains one
generator and one discriminator: the engine's G optimiser covers both translators, its D
optimiser both judges, and checkpoints, EMA, DDP and ``ganzoo.load`` work unchanged.

Each pair declares its ``directions`` (``("AtoB", "BtoA")``) and takes the direction as an
optional third ``forward`` argument (see the protocols page, "Two-way translation"):
``generator(z, a)`` is A -> B and ``generator(z, b, "BtoA")`` is B -> A;
``discriminator(b)`` scores domain B (the A -> B direction's target) and
``discriminator(a, None, "BtoA")`` domain A. A and B are the model's source and target: the
data's ``cond`` and ``x``.

The sub-networks are any registered generator or discriminator (``network = {name, params}``),
built through the registry with the channels of their domain; ``image_size`` and ``length``
reach those that have such a field. Submodules are named ``ab``/``ba`` and ``b``/``a``, built in
that order, as the reference builds G_A, G_B, D_A (judging B) and D_B.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ganzoo.components.configs import CycleGANDiscriminatorConfig, CycleGANGeneratorConfig
from ganzoo.registry.config import ComponentSpec

#: Direction names: the first is the one the engine trains by default and samples by default.
DIRECTIONS = ("AtoB", "BtoA")


def build_sub_network(kind: str, spec: ComponentSpec, values: Mapping[str, Any]) -> nn.Module:
    """The registered ``spec.name`` with ``spec.params`` plus those of ``values`` (not ``None``) its
    config has a field for and ``spec.params`` leaves unset."""
    from ganzoo.plugins.manager import get_registry

    registry = get_registry()
    config = registry.get(kind, spec.name).config
    assert config is not None
    params = dict(spec.params)
    for key, value in values.items():
        if value is not None and key in config.model_fields and key not in params:
            params[key] = value
    return registry.create(kind, spec.name, **params)


def _index(direction: str | None, owner: str) -> int:
    if direction is None:
        return 0
    try:
        return DIRECTIONS.index(direction)
    except ValueError:
        raise ValueError(f"{owner} has directions {', '.join(DIRECTIONS)}; got {direction!r}") from None


class CycleGANGenerator(nn.Module):
    """``ab`` translates A -> B, ``ba`` B -> A; ``forward`` picks one by direction (default A -> B)."""

    directions = DIRECTIONS

    def __init__(self, config: CycleGANGeneratorConfig) -> None:
        super().__init__()
        shared = {"image_size": config.image_size, "length": config.length}
        a, b = config.in_channels, config.out_channels
        self.ab = build_sub_network("generator", config.network, {**shared, "in_channels": a, "out_channels": b})
        self.ba = build_sub_network("generator", config.network, {**shared, "in_channels": b, "out_channels": a})

    def sample_latent(
        self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None
    ) -> torch.Tensor | None:
        """The A -> B network's noise (``None`` for the ResNet); both directions take it."""
        return self.ab.sample_latent(n, device=device, generator=generator)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None, direction: str | None = None) -> torch.Tensor:
        """Translate ``cond`` (domain A, or B when ``direction == "BtoA"``)."""
        network = (self.ab, self.ba)[_index(direction, "CycleGANGenerator")]
        return network(z, cond)


class CycleGANDiscriminator(nn.Module):
    """``b`` judges domain B (direction A -> B), ``a`` domain A (direction B -> A)."""

    directions = DIRECTIONS

    def __init__(self, config: CycleGANDiscriminatorConfig) -> None:
        super().__init__()
        shared = {"image_size": config.image_size, "length": config.length}
        self.b = build_sub_network("discriminator", config.network, {**shared, "in_channels": config.in_channels})
        self.a = build_sub_network("discriminator", config.network, {**shared, "in_channels": config.source_channels})

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None, direction: str | None = None) -> torch.Tensor:
        """Logits of ``x`` as a sample of the direction's target domain (B by default)."""
        network = (self.b, self.a)[_index(direction, "CycleGANDiscriminator")]
        return network(x, cond)
