"""Series generators and discriminators (1-D convolutional and recurrent).

Shapes follow the DataSpec of series data: a sample is ``(C, L)`` channels first. Labels
(``cond``, an ``(N, K)`` one-hot vector) are concatenated to the noise in generators and
broadcast along time as extra input channels in discriminators, the simplest conditioning that
works with every adversarial loss and with the gradient penalty.

The default critic has no batch normalisation because WGAN-GP penalises per-sample gradients
(Gulrajani et al. 2017 recommend layer norm or none); ``norm="batch"`` is offered for the
non-Wasserstein losses only.
"""

from __future__ import annotations

import math
from contextlib import nullcontext

import torch
from torch import nn

from ganzoo_smartgrid.configs import (
    SeriesConvDiscriminatorConfig,
    SeriesConvGeneratorConfig,
    SeriesRNNDiscriminatorConfig,
    SeriesRNNGeneratorConfig,
)


def _init(module: nn.Module) -> None:
    """DCGAN-style N(0, 0.02) convolution weights; BatchNorm N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm1d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def check_cond(cond: torch.Tensor | None, condition_dim: int, who: str) -> None:
    """Refuse a condition of the wrong width, a missing one, or one given to an unconditional net."""
    if condition_dim and (cond is None or cond.ndim != 2 or cond.shape[1] != condition_dim):
        got = None if cond is None else tuple(cond.shape)
        raise ValueError(f"{who} needs a condition vector of shape (N, {condition_dim}), got {got}")
    if not condition_dim and cond is not None:
        raise ValueError(f"{who} is unconditional (condition_dim=0) but received a condition")


class SeriesConvGenerator(nn.Module):
    """Noise (+ label) -> linear seed of ``ceil(L / 2^blocks)`` steps -> upsample+conv blocks -> tanh.

    The output is cropped to exactly ``length`` steps, so any length works (48 half-hours, 96
    quarter-hours, a week of hours).

    ``upsample="linear"`` interpolates between neighbouring steps before each convolution.
    Nearest-neighbour doubling (the old default, kept so old checkpoints sample as before) copies
    every step twice, so the convolution after it sees the even and the odd output step at
    different offsets within the copied pairs: it applies two different effective kernels and
    produces a period-2 (and, one level up, period-4) zig-zag that the training has to undo.
    Linear interpolation gives both phases the same smooth neighbourhood.

    ``step_noise=True`` adds StyleGAN-style per-step noise after the convolution of the last two
    blocks: a learned per-channel scale times one N(0, 1) value per time step. With one noise
    vector per day, day-specific texture (appliance spikes) would have to be computed from that
    vector; fresh noise per step supplies it directly. The scales start at zero, so training starts
    from the plain generator. The per-step values are part of the latent (``sample_latent``
    returns ``latent_dim`` + one value per step of the noisy blocks), not drawn inside
    ``forward``: the engine's per-step seeded noise and ``Sampler.sample(seed=...)`` then make
    them reproducible, and ``forward`` stays deterministic in eval mode as ganzoo requires.
    """

    NOISY_BLOCKS = 2

    def __init__(self, config: SeriesConvGeneratorConfig) -> None:
        super().__init__()
        latent_dim, length, n_blocks = config.latent_dim, config.length, config.n_blocks
        base_channels, kernel_size, norm = config.base_channels, config.kernel_size, config.norm
        self.latent_dim, self.length, self.condition_dim = latent_dim, length, config.condition_dim
        self.seed_length = math.ceil(length / 2**n_blocks)
        noisy = range(max(n_blocks - self.NOISY_BLOCKS, 0), n_blocks) if config.step_noise else range(0)
        # conv of block b is module 4 b + 1 of ``blocks``; its output has seed_length * 2^(b+1) steps
        self._noise_after = {4 * b + 1: i for i, b in enumerate(noisy)}
        self.noise_lengths = [self.seed_length * 2 ** (b + 1) for b in noisy]
        widths = [base_channels * 2 ** (n_blocks - i) for i in range(n_blocks + 1)]
        self.seed = nn.Linear(latent_dim + config.condition_dim, widths[0] * self.seed_length)
        self.seed_act = nn.Sequential(_norm1d(norm, widths[0]), nn.ReLU(True))
        blocks: list[nn.Module] = []
        for c_in, c_out in zip(widths[:-1], widths[1:], strict=True):
            blocks += [
                _upsample(config.upsample),
                nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=norm == "none"),
                _norm1d(norm, c_out),
                nn.ReLU(True),
            ]
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Conv1d(widths[-1], config.out_channels, kernel_size, padding=kernel_size // 2)
        # only created when on, so checkpoints without step noise keep their parameter names
        self.noise_scales = nn.ParameterList(
            nn.Parameter(torch.zeros(widths[b + 1])) for b in noisy
        )
        _init(self)

    def sample_latent(
        self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``(n, latent_dim + noise steps)``: the day's noise vector, then the per-step noise."""
        return torch.randn(n, self.latent_dim + sum(self.noise_lengths), device=device, generator=generator)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        width = self.latent_dim + sum(self.noise_lengths)
        if z is None or z.ndim != 2 or z.shape[1] != width:
            got = None if z is None else tuple(z.shape)
            raise ValueError(f"SeriesConvGenerator needs noise z of shape (N, {width}) from sample_latent, got {got}")
        check_cond(cond, self.condition_dim, "SeriesConvGenerator")
        z, step_noise = z[:, : self.latent_dim], z[:, self.latent_dim :]
        h = torch.cat([z, cond.to(z.dtype)], dim=1) if cond is not None else z
        h = self.seed_act(self.seed(h).view(len(z), -1, self.seed_length))
        noises = step_noise.split(self.noise_lengths, dim=1)
        for index, module in enumerate(self.blocks):
            h = module(h)
            if index in self._noise_after:
                k = self._noise_after[index]
                h = h + self.noise_scales[k][:, None] * noises[k][:, None, :].to(h.dtype)
        return torch.tanh(self.head(h)[..., : self.length])


class SeriesConvDiscriminator(nn.Module):
    """(x, label channels) -> downsampling conv blocks with LeakyReLU(0.2) -> flatten -> one logit.

    ``downsample="stride"`` (the old default) halves the length with stride-2 convolutions.
    With an odd kernel and stride 2 the even and the odd input steps fall under different numbers
    of kernel taps (3 and 2 for kernel 5), so the critic's input gradient, which is all the
    generator learns from, alternates from step to step. ``downsample="pool"`` convolves at full resolution (stride 1) and then averages
    pairs of steps: every step is seen by every tap, and the first layer compares each step with
    its direct neighbours.
    """

    def __init__(self, config: SeriesConvDiscriminatorConfig) -> None:
        super().__init__()
        kernel_size, norm, downsample = config.kernel_size, config.norm, config.downsample
        self.condition_dim, self.length = config.condition_dim, config.length
        layers: list[nn.Module] = []
        c_in, steps = config.in_channels + config.condition_dim, config.length
        stride = 2 if downsample == "stride" else 1
        for i in range(config.n_blocks):
            c_out = config.base_channels * 2**i
            conv = nn.Conv1d(c_in, c_out, kernel_size, stride=stride, padding=kernel_size // 2)
            steps = -(-steps // 2)  # ceil: both ways of halving keep a last odd step
            if norm == "spectral":
                layers.append(nn.utils.parametrizations.spectral_norm(conv))
            else:
                layers.append(conv)
                if norm == "layer" and i > 0:
                    layers.append(nn.GroupNorm(1, c_out))
                elif norm == "batch" and i > 0:
                    layers.append(nn.BatchNorm1d(c_out))
            layers.append(nn.LeakyReLU(0.2, True))
            if downsample == "pool":
                layers.append(nn.AvgPool1d(2, ceil_mode=True))
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in * steps, 1)
        if norm != "spectral":
            _init(self)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        check_cond(cond, self.condition_dim, "SeriesConvDiscriminator")
        if cond is not None:
            x = torch.cat([x, cond.to(x.dtype)[:, :, None].expand(-1, -1, x.shape[-1])], dim=1)
        return self.head(self.features(x).flatten(1)).squeeze(1)


class SeriesRNNGenerator(nn.Module):
    """Per-step noise, label and time-of-day encoding -> GRU/LSTM -> linear -> tanh, shape (C, L).

    The sin/cos position lets the recurrent net place the morning and evening peaks without
    counting steps; per-step noise (as in TimeGAN and RCGAN) gives step-level variety.
    """

    def __init__(self, config: SeriesRNNGeneratorConfig) -> None:
        super().__init__()
        self.latent_dim, self.length, self.condition_dim = config.latent_dim, config.length, config.condition_dim
        rnn = nn.GRU if config.cell == "gru" else nn.LSTM
        self.rnn = rnn(config.latent_dim + config.condition_dim + 2, config.hidden_dim, config.num_layers,
                       batch_first=True)
        self.head = nn.Linear(config.hidden_dim, config.out_channels)

    def sample_latent(
        self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None
    ) -> torch.Tensor:
        return torch.randn(n, self.length, self.latent_dim, device=device, generator=generator)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        if z is None:
            raise ValueError("SeriesRNNGenerator needs noise z of shape (N, length, latent_dim)")
        check_cond(cond, self.condition_dim, "SeriesRNNGenerator")
        n, steps = z.shape[0], z.shape[1]
        phase = torch.arange(steps, device=z.device, dtype=z.dtype) * (2 * math.pi / steps)
        position = torch.stack([phase.sin(), phase.cos()], dim=1).expand(n, -1, -1)
        parts = [z, position]
        if cond is not None:
            parts.append(cond.to(z.dtype)[:, None, :].expand(-1, steps, -1))
        h, _ = self.rnn(torch.cat(parts, dim=2))
        return torch.tanh(self.head(h)).transpose(1, 2)


class SeriesRNNDiscriminator(nn.Module):
    """(x_t, label) -> GRU/LSTM -> per-step linear score, averaged over time -> one logit.

    On CUDA the recurrent layer runs without cuDNN, because cuDNN's RNN kernels have no double
    backward and the gradient penalty differentiates through the critic's gradient.
    """

    def __init__(self, config: SeriesRNNDiscriminatorConfig) -> None:
        super().__init__()
        self.condition_dim, self.length = config.condition_dim, config.length
        rnn = nn.GRU if config.cell == "gru" else nn.LSTM
        self.rnn = rnn(config.in_channels + config.condition_dim, config.hidden_dim, config.num_layers,
                       batch_first=True)
        self.head = nn.Linear(config.hidden_dim, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        check_cond(cond, self.condition_dim, "SeriesRNNDiscriminator")
        seq = x.transpose(1, 2)
        if cond is not None:
            seq = torch.cat([seq, cond.to(x.dtype)[:, None, :].expand(-1, seq.shape[1], -1)], dim=2)
        flags = torch.backends.cudnn.flags(enabled=False) if x.is_cuda else nullcontext()
        with flags:
            h, _ = self.rnn(seq)
        return self.head(h).mean(dim=(1, 2))


def _upsample(mode: str) -> nn.Module:
    if mode == "linear":
        return nn.Upsample(scale_factor=2, mode="linear", align_corners=False)
    return nn.Upsample(scale_factor=2, mode="nearest")


def _norm1d(kind: str, channels: int) -> nn.Module:
    return nn.BatchNorm1d(channels) if kind == "batch" else nn.Identity()
