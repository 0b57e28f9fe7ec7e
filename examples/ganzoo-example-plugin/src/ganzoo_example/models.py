"""MLP generator and discriminator for table rows.

They implement ganzoo's Generator and Discriminator protocols: the generator owns its noise
(``sample_latent``) so ganzoo can sample reproducibly, and the discriminator returns raw
logits, so every built-in adversarial loss and penalty works with it. Each is built from its
validated config object, where its parameters are declared (once) with their defaults.
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo_example.configs import MLPDiscriminatorConfig, MLPGeneratorConfig


def _mlp(inputs: int, hidden: int, layers: int, outputs: int) -> nn.Sequential:
    blocks: list[nn.Module] = []
    width = inputs
    for _ in range(layers):
        blocks += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
        width = hidden
    blocks.append(nn.Linear(width, outputs))
    return nn.Sequential(*blocks)


class MLPGenerator(nn.Module):
    """Noise (+ label vector) -> MLP -> tanh, so rows land in the DataSpec range [-1, 1]."""

    def __init__(self, config: MLPGeneratorConfig) -> None:
        super().__init__()
        self.latent_dim = config.latent_dim
        inputs = config.latent_dim + config.condition_dim
        self.net = nn.Sequential(_mlp(inputs, config.hidden, config.layers, config.out_features), nn.Tanh())

    def sample_latent(
        self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None
    ) -> torch.Tensor:
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z if cond is None else torch.cat([z, cond], dim=1))


class MLPDiscriminator(nn.Module):
    """Row (+ label vector, placed first like every ganzoo discriminator) -> MLP -> one logit."""

    def __init__(self, config: MLPDiscriminatorConfig) -> None:
        super().__init__()
        self.net = _mlp(config.in_features + config.condition_dim, config.hidden, config.layers, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x if cond is None else torch.cat([cond, x], dim=1)).squeeze(1)
