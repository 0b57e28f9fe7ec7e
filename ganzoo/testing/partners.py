"""Tiny generic partner networks for conformance checks, one pair for any DataSpec.

They flatten whatever shape the data has, so a generator of tables, series or images can be
trained against the same kind of critic, and vice versa, without the kit knowing the modality.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganzoo.data.spec import DataSpec


class FlatGenerator(nn.Module):
    """Noise (+ flattened condition) -> MLP -> tanh -> sample shape."""

    def __init__(self, spec: DataSpec, latent_dim: int = 8, hidden: int = 32) -> None:
        super().__init__()
        self.spec, self.latent_dim = spec, latent_dim
        self.net = nn.Sequential(
            nn.Linear(latent_dim + spec.condition_dim, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, math.prod(spec.shape)),
            nn.Tanh(),
        )

    def sample_latent(self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        if z is None:
            raise ValueError("FlatGenerator needs noise")
        inputs = z if cond is None else torch.cat([z, cond.flatten(1)], dim=1)
        return self.net(inputs).view(len(z), *self.spec.shape)


class FlatCritic(nn.Module):
    """Flattened sample (+ flattened condition) -> MLP -> one logit."""

    def __init__(self, spec: DataSpec, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(math.prod(spec.shape) + spec.condition_dim, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        inputs = x.flatten(1) if cond is None else torch.cat([cond.flatten(1), x.flatten(1)], dim=1)
        return self.net(inputs).squeeze(1)
