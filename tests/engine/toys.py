"""Throwaway toy plugin for the engine tests (not images: the engine must not care).

Registered in-process as distribution ``ganzoo-engine-toys`` through ``reset_manager`` and, for
the fresh-process test, installed into a temporary site directory with an entry point. Contents:

* ``toy-ring``: 2-D ring of 8 Gaussians (table), optionally with one-hot mode labels and an
  ``augment`` that jitters points with torch's global RNG;
* ``toy-sine``: noisy sine waves (series ``(1, 32)``), optionally paired (source: the cosine) or
  unpaired (the cosine of another, seeded-random wave);
* MLP (BatchNorm optional: DDP equivalence needs a batch-independent G) and 1-D convolution
  generators/discriminators, a non-saturating BCE loss and an L1 loss.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import torch
from pydantic import Field
from torch import nn
from torch.nn import functional as F

import ganzoo
from ganzoo import ComponentConfig, DataSpec
from ganzoo.engine.context import LossContext

DISTRIBUTION = "ganzoo-engine-toys"


# -- configs ----------------------------------------------------------------------------------
class RingConfig(ComponentConfig):
    """Ring of Gaussians."""

    n: int = 512
    modes: int = 8
    radius: float = 2.0
    std: float = 0.05
    labels: bool = False
    jitter: float = 0.0
    seed: int = 0


class SineConfig(ComponentConfig):
    """Noisy sine waves."""

    n: int = 256
    length: int = 32
    noise: float = 0.05
    paired: bool = False
    unpaired: bool = False
    split: str = "train"
    seed: int = 0


class MLPGeneratorConfig(ComponentConfig):
    """MLP generator."""

    latent_dim: int = 8
    hidden: int = 64
    out_features: int = 2
    condition_dim: int = 0
    batchnorm: bool = True


class MLPDiscriminatorConfig(ComponentConfig):
    """MLP discriminator (with dropout, so the RNG matters)."""

    in_features: int = 2
    hidden: int = 64
    condition_dim: int = 0
    dropout: float = 0.1


class ConvGeneratorConfig(ComponentConfig):
    """1-D convolution generator (translates a source when in_channels > 0)."""

    latent_dim: int = 16
    hidden: int = 32
    out_channels: int = 1
    length: int = 32
    in_channels: int = 0


class ConvDiscriminatorConfig(ComponentConfig):
    """1-D convolution discriminator."""

    in_channels: int = 1
    hidden: int = 32
    length: int = 32


class BCEConfig(ComponentConfig):
    """Non-saturating BCE adversarial loss."""


class L1Config(ComponentConfig):
    """L1 between fake and real (generator only)."""

    scale: float = Field(1.0, gt=0)


# -- datasets ---------------------------------------------------------------------------------
def _write_csv(samples: torch.Tensor, out_dir: Path, name: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        for row in samples.reshape(len(samples), -1).tolist():
            writer.writerow(f"{v:.6g}" for v in row)
    return [path]


class Ring:
    def __init__(self, config: RingConfig) -> None:
        g = torch.Generator().manual_seed(config.seed)
        self.mode = torch.randint(config.modes, (config.n,), generator=g)
        angle = self.mode.float() * 2 * math.pi / config.modes
        centres = torch.stack([angle.cos(), angle.sin()], 1) * config.radius
        self.points = centres + config.std * torch.randn(config.n, 2, generator=g)
        self.modes, self.radius, self.labels, self.jitter = config.modes, config.radius, config.labels, config.jitter

    def describe(self) -> DataSpec:
        if self.labels:
            return DataSpec("table", (2,), (-3.0, 3.0), "label", (self.modes,),
                            meta={"label_frequencies": [1.0] * self.modes})
        return DataSpec("table", (2,), (-3.0, 3.0), meta={"columns": ["a", "b"]})

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = {"x": self.points[index]}
        if self.labels:
            item["cond"] = F.one_hot(self.mode[index], self.modes).float()
        return item

    def augment(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.jitter:
            batch = {**batch, "x": batch["x"] + self.jitter * torch.randn_like(batch["x"])}
        return batch

    @classmethod
    def export(cls, samples: torch.Tensor, out_dir: Path, spec: DataSpec, conditions: torch.Tensor | None = None) -> list[Path]:
        return _write_csv(samples, Path(out_dir), "ring.csv")


class Sine:
    def __init__(self, config: SineConfig) -> None:
        g = torch.Generator().manual_seed(config.seed + (1000 if config.split != "train" else 0))
        t = torch.linspace(0, 2 * math.pi, config.length)
        phase = torch.rand(config.n, 1, generator=g) * 2 * math.pi
        noise = config.noise * torch.randn(config.n, config.length, generator=g)
        self.x = (0.8 * torch.sin(t + phase) + noise).unsqueeze(1)
        self.source = (0.8 * torch.cos(t + phase)).unsqueeze(1)
        self.paired, self.split = config.paired or config.unpaired, config.split
        self.partner = torch.randperm(config.n, generator=g) if config.unpaired else torch.arange(config.n)
        self.unpaired = config.unpaired

    def describe(self) -> DataSpec:
        if self.unpaired:
            return DataSpec("series", tuple(self.x.shape[1:]), condition="unpaired", condition_shape=tuple(self.source.shape[1:]))
        if self.paired:
            return DataSpec("series", tuple(self.x.shape[1:]), condition="paired", condition_shape=tuple(self.source.shape[1:]))
        return DataSpec("series", tuple(self.x.shape[1:]))

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = {"x": self.x[index]}
        if self.paired:
            item["cond"] = self.source[self.partner[index]]
        return item

    @classmethod
    def export(cls, samples: torch.Tensor, out_dir: Path, spec: DataSpec, conditions: torch.Tensor | None = None) -> list[Path]:
        return _write_csv(samples, Path(out_dir), "sine.csv")


# -- models -----------------------------------------------------------------------------------
class MLPGenerator(nn.Module):
    def __init__(self, config: MLPGeneratorConfig) -> None:
        super().__init__()
        self.latent_dim, hidden = config.latent_dim, config.hidden
        self.net = nn.Sequential(
            nn.Linear(config.latent_dim + config.condition_dim, hidden),
            nn.BatchNorm1d(hidden) if config.batchnorm else nn.Identity(), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, config.out_features),
        )

    def sample_latent(self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z if cond is None else torch.cat([z, cond], 1))


class MLPDiscriminator(nn.Module):
    def __init__(self, config: MLPDiscriminatorConfig) -> None:
        super().__init__()
        hidden = config.hidden
        self.net = nn.Sequential(
            nn.Linear(config.in_features + config.condition_dim, hidden), nn.LeakyReLU(0.2), nn.Dropout(config.dropout),
            nn.Linear(hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1),
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x if cond is None else torch.cat([x, cond], 1)).squeeze(1)


class ConvGenerator(nn.Module):
    def __init__(self, config: ConvGeneratorConfig) -> None:
        super().__init__()
        self.latent_dim, self.hidden, self.length = config.latent_dim, config.hidden, config.length
        self.in_channels = in_channels = config.in_channels
        latent_dim, hidden, out_channels, length = config.latent_dim, config.hidden, config.out_channels, config.length
        if in_channels:
            self.net = nn.Sequential(
                nn.Conv1d(in_channels, hidden, 5, padding=2), nn.ReLU(), nn.Dropout(0.1),
                nn.Conv1d(hidden, out_channels, 5, padding=2), nn.Tanh(),
            )
        else:
            self.project = nn.Linear(latent_dim, hidden * (length // 4))
            self.net = nn.Sequential(
                nn.ReLU(), nn.ConvTranspose1d(hidden, hidden, 4, 2, 1), nn.BatchNorm1d(hidden), nn.ReLU(),
                nn.ConvTranspose1d(hidden, out_channels, 4, 2, 1), nn.Tanh(),
            )

    def sample_latent(self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor | None:
        if self.in_channels:
            return None
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        if self.in_channels:
            return self.net(cond)
        return self.net(self.project(z).view(len(z), self.hidden, self.length // 4))


class ConvDiscriminator(nn.Module):
    def __init__(self, config: ConvDiscriminatorConfig) -> None:
        super().__init__()
        in_channels, hidden, length = config.in_channels, config.hidden, config.length
        self.net = nn.Sequential(
            nn.Conv1d(in_channels, hidden, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv1d(hidden, hidden * 2, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(hidden * 2 * (length // 4), 1),
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x if cond is None else torch.cat([cond, x], 1)).squeeze(1)


# -- losses -----------------------------------------------------------------------------------
class BCE:
    def __init__(self, config: BCEConfig) -> None:
        pass

    def discriminator_loss(self, ctx: LossContext) -> torch.Tensor:
        return F.softplus(-ctx.d_real).mean() + F.softplus(ctx.d_fake).mean()

    def generator_loss(self, ctx: LossContext) -> torch.Tensor:
        return F.softplus(-ctx.d_fake).mean()


class L1:
    def __init__(self, config: L1Config) -> None:
        self.scale = config.scale

    def discriminator_loss(self, ctx: LossContext) -> None:
        return None

    def generator_loss(self, ctx: LossContext) -> torch.Tensor:
        return self.scale * (ctx.fake.float() - ctx.real).abs().mean()


# -- hooks ------------------------------------------------------------------------------------
@ganzoo.hookimpl
def ganzoo_register_generators(register) -> None:  # noqa: ANN001
    register("toy-mlp", MLPGenerator, config=MLPGeneratorConfig)
    register("toy-conv", ConvGenerator, config=ConvGeneratorConfig)


@ganzoo.hookimpl
def ganzoo_register_discriminators(register) -> None:  # noqa: ANN001
    register("toy-mlp", MLPDiscriminator, config=MLPDiscriminatorConfig)
    register("toy-conv", ConvDiscriminator, config=ConvDiscriminatorConfig)


@ganzoo.hookimpl
def ganzoo_register_losses(register) -> None:  # noqa: ANN001
    register("toy-bce", BCE, config=BCEConfig)
    register("toy-l1", L1, config=L1Config)


@ganzoo.hookimpl
def ganzoo_register_datasets(register) -> None:  # noqa: ANN001
    register("toy-ring", Ring, config=RingConfig)
    register("toy-sine", Sine, config=SineConfig)
