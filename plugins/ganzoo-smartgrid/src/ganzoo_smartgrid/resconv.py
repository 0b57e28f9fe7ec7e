"""Full-resolution residual 1-D convolutional generator and critic for windows of any shape.

Why this pair (see RESULTS.md for the measurements): the older ``series-conv`` models collapse
on small sets of smooth curves (per-step spread a third of the real one, half the classes
ignored). Four choices address what the diagnostics showed:

* **no upsampling**: windows are short (24-96 steps), so every layer works at full resolution;
  a learnt per-step seed (an MLP from noise and condition to ``hidden x L``) places the daily
  shape, dilated residual convolutions (dilations 1, 2, 4, ...) refine it over the whole window;
* **noise at two scales**: one vector per window (level, shape) and a few noise channels per
  step (texture), both part of ``sample_latent``, so seeded sampling is reproducible;
* **conditions everywhere**: the condition vector (one-hot blocks and numbers alike) feeds the
  seed MLP and modulates every residual block (FiLM: a per-channel scale and shift);
* **a critic that sees diversity and conditions**: an MLP on the whole window (optionally after
  residual convolutions), with minibatch standard deviation (ProGAN), which gives
  the critic a direct view of a batch's spread, so a collapsed generator is easy to reject, and
  projection conditioning (Miyato & Koyama 2018) scores how well a sample fits its condition
  instead of only concatenating the label.

The output is linear by default: with per-channel min-max scaling the training minimum sits at
exactly -1, where a tanh would need an infinite input (night hours at the scale's floor are
then learnt as a constant). Neither network uses batch normalisation (WGAN-GP penalises
per-sample gradients; the generator behaves the same in training and evaluation).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganzoo_smartgrid.configs import ResConvDiscriminatorConfig, ResConvGeneratorConfig
from ganzoo_smartgrid.models import check_cond


def _positions(length: int, frequencies: int) -> torch.Tensor:
    """``(2 * frequencies, length)`` sines and cosines of the step's phase within the window."""
    phase = torch.arange(length, dtype=torch.float32) * (2 * math.pi / length)
    waves = [f(phase * k) for k in range(1, frequencies + 1) for f in (torch.sin, torch.cos)]
    return torch.stack(waves)


class _Block(nn.Module):
    """``x + conv(act(conv(act(x))))`` with dilation; optional FiLM from a condition embedding."""

    def __init__(self, channels: int, kernel_size: int, dilation: int, film_dim: int, slope: float) -> None:
        super().__init__()
        pad = dilation * (kernel_size // 2)
        self.conv1 = nn.Conv1d(channels, channels, kernel_size, padding=pad, dilation=dilation)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, padding=pad, dilation=dilation)
        self.act = nn.LeakyReLU(slope)
        self.film = nn.Linear(film_dim, 2 * channels) if film_dim else None
        if self.film is not None:
            nn.init.zeros_(self.film.weight)
            nn.init.zeros_(self.film.bias)

    def forward(self, x: torch.Tensor, embedding: torch.Tensor | None) -> torch.Tensor:
        h = self.conv1(self.act(x))
        if self.film is not None and embedding is not None:
            scale, shift = self.film(embedding).unsqueeze(-1).chunk(2, dim=1)
            h = h * (1 + scale) + shift
        return x + self.conv2(self.act(h))


class ResConvGenerator(nn.Module):
    """(window noise, step noise, condition) -> MLP seed (hidden, L) -> dilated residual convs -> (C, L)."""

    def __init__(self, config: ResConvGeneratorConfig) -> None:
        super().__init__()
        self.latent_dim, self.length, self.condition_dim = config.latent_dim, config.length, config.condition_dim
        self.step_noise, self.hidden = config.step_noise, config.hidden
        embed = config.embed_dim if config.condition_dim else 0
        self.embed = nn.Sequential(nn.Linear(config.condition_dim, embed), nn.LeakyReLU(0.2)) if embed else None
        self.seed = nn.Sequential(
            nn.Linear(config.latent_dim + embed, config.mlp_hidden), nn.LeakyReLU(0.2),
            nn.Linear(config.mlp_hidden, config.hidden * config.length),
        )
        self.register_buffer("positions", _positions(config.length, config.position_frequencies), persistent=False)
        self.inp = nn.Conv1d(config.hidden + config.step_noise + 2 * config.position_frequencies, config.hidden, 1)
        self.blocks = nn.ModuleList(
            _Block(config.hidden, config.kernel_size, 2**i, embed, 0.2) for i in range(config.n_blocks))
        self.head = nn.Conv1d(config.hidden, config.out_channels, 1)
        self.tanh = config.output == "tanh"

    def sample_latent(
        self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``(n, latent_dim + step_noise * length)``: the window's noise, then the per-step noise."""
        width = self.latent_dim + self.step_noise * self.length
        return torch.randn(n, width, device=device, generator=generator)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        width = self.latent_dim + self.step_noise * self.length
        if z is None or z.ndim != 2 or z.shape[1] != width:
            got = None if z is None else tuple(z.shape)
            raise ValueError(f"ResConvGenerator needs noise z of shape (N, {width}) from sample_latent, got {got}")
        check_cond(cond, self.condition_dim, "ResConvGenerator")
        n = len(z)
        window, steps = z[:, : self.latent_dim], z[:, self.latent_dim :].view(n, self.step_noise, self.length)
        embedding = self.embed(cond.to(z.dtype)) if self.embed is not None and cond is not None else None
        seed_in = window if embedding is None else torch.cat([window, embedding], dim=1)
        h = self.seed(seed_in).view(n, self.hidden, self.length)
        h = self.inp(torch.cat([h, steps, self.positions.to(z.dtype).expand(n, -1, -1)], dim=1))
        for block in self.blocks:
            h = block(h, embedding)
        out = self.head(nn.functional.leaky_relu(h, 0.2))
        return torch.tanh(out) if self.tanh else out


class ResConvDiscriminator(nn.Module):
    """(C, L) -> dilated residual convs -> MLP features with minibatch std; score + projection of the condition.

    ``n_blocks = 0`` (the default) makes it an MLP on the whole window: on a CPU the double
    backward of the gradient penalty through convolutions dominates a training step, and on the
    curves measured (RESULTS.md) the convolutional critic was no better.
    """

    def __init__(self, config: ResConvDiscriminatorConfig) -> None:
        super().__init__()
        self.condition_dim, self.length, self.group = config.condition_dim, config.length, config.mbstd_group
        self.register_buffer("positions", _positions(config.length, config.position_frequencies), persistent=False)
        self.inp = nn.Conv1d(config.in_channels + 2 * config.position_frequencies, config.hidden, 1)
        self.blocks = nn.ModuleList(
            _Block(config.hidden, config.kernel_size, 2**i, 0, 0.2) for i in range(config.n_blocks))
        self.first = nn.Linear(config.hidden * config.length, config.features)
        extra = 1 if config.mbstd_group > 1 else 0
        self.second = nn.Linear(config.features + extra, config.features)
        self.act = nn.LeakyReLU(0.2)
        self.score = nn.Linear(config.features, 1)
        self.project = nn.Linear(config.condition_dim, config.features, bias=False) if config.condition_dim else None

    def _mbstd(self, h: torch.Tensor) -> torch.Tensor:
        """Append each sample's group sd of the features, averaged, as one extra feature (ProGAN)."""
        n = h.shape[0]
        group = min(self.group, n)
        while n % group:
            group -= 1
        sd = h.view(group, n // group, -1).var(dim=0, unbiased=False).add(1e-8).sqrt().mean(dim=1)
        return torch.cat([h, sd.repeat(group).view(n, 1)], dim=1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        check_cond(cond, self.condition_dim, "ResConvDiscriminator")
        h = self.inp(torch.cat([x, self.positions.to(x.dtype).expand(len(x), -1, -1)], dim=1))
        for block in self.blocks:
            h = block(h, None)
        h = self.act(self.first(self.act(h).flatten(1)))
        if self.group > 1:
            h = self._mbstd(h)
        phi = self.act(self.second(h))
        out = self.score(phi).squeeze(1)
        if self.project is not None and cond is not None:
            out = out + (self.project(cond.to(phi.dtype)) * phi).sum(dim=1)
        return out
