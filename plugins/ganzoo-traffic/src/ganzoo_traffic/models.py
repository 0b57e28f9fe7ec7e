"""CTGAN's generator and PacGAN critic (Xu et al. 2019; Lin et al. 2018), written from the papers.

The generator is a residual MLP whose blocks concatenate their input to their output, so late
layers still see the noise and the conditional vector. Its raw outputs go through the activation
each span of the encoded row needs: tanh for the scalar inside a mode, Gumbel-softmax (tau 0.2)
for one-hot spans. Gumbel-softmax keeps one-hots differentiable in training and, read by argmax,
samples a category from the generator's distribution instead of always its most likely one, so
it is also used when sampling. Its Gumbel noise travels inside the latent (after the Gaussian
part, one entry per one-hot output), so a seeded ``sample_latent`` fixes every random choice of a
sample and ``ganzoo generate --seed`` is reproducible.

The critic scores ``pac`` rows at once (PacGAN): a packed critic sees whether a *set* of rows is
diverse enough, which punishes mode collapse. It still returns one score per row (each row gets
its pack's score) so every ganzoo loss, which averages per-sample scores, works unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo_traffic.configs import CTGANGeneratorConfig, PacGANDiscriminatorConfig
from ganzoo_traffic.segments import SoftmaxSegments


def gumbel_noise(n: int, width: int, device: torch.device | str, generator: torch.Generator | None = None) -> Tensor:
    """``(n, width)`` Gumbel(0, 1) draws, ``-log E`` with ``E = -log(1 - U)`` exponential.

    By inversion of uniform draws: on a CPU four times faster than ``Tensor.exponential_``,
    which was 4 % of a CTGAN step. ``E`` is floored so a draw of exactly 0 stays finite.
    """
    uniform = torch.rand(n, width, device=device, generator=generator)
    return -(-torch.log1p(-uniform)).clamp_min(torch.finfo(uniform.dtype).tiny).log()


class _Residual(nn.Module):
    """Linear -> BatchNorm -> ReLU, concatenated with its input."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_features, out_features)
        self.bn = nn.BatchNorm1d(out_features)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class CTGANGenerator(nn.Module):
    """Noise (+ conditional vector) -> encoded table row with per-span activations.

    Parameters ([`CTGANGeneratorConfig`][ganzoo_traffic.configs.CTGANGeneratorConfig]): the noise width
    ``latent_dim`` (CTGAN's ``embedding_dim``), the residual block widths ``hidden``, the row
    width ``out_features``, the conditional-vector width ``condition_dim`` (0 = unconditional),
    the ``spans`` layout (``None`` = tanh everywhere) and the Gumbel-softmax temperature ``tau``.
    """

    def __init__(self, config: CTGANGeneratorConfig) -> None:
        super().__init__()
        self.latent_dim = config.latent_dim
        self.condition_dim = config.condition_dim
        self.out_features = config.out_features
        self.tau = config.tau
        spans = config.spans if config.spans is not None else [("tanh", config.out_features)]
        self.spans: list[tuple[str, int]] = [(str(a), int(d)) for a, d in spans]
        blocks: list[nn.Module] = []
        width = config.latent_dim + config.condition_dim
        for size in config.hidden:
            blocks.append(_Residual(width, size))
            width += size
        blocks.append(nn.Linear(width, config.out_features))
        self.net = nn.Sequential(*blocks)
        self.segments = SoftmaxSegments(self.spans)

    @property
    def gumbel_dim(self) -> int:
        """Number of one-hot outputs, each needing one Gumbel noise entry."""
        return sum(width for activation, width in self.spans if activation != "tanh")

    def sample_latent(
        self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None
    ) -> Tensor:
        """``(n, latent_dim + gumbel_dim)``: Gaussian noise, then Gumbel(0, 1) noise."""
        gauss = torch.randn(n, self.latent_dim, device=device, generator=generator)
        return torch.cat([gauss, gumbel_noise(n, self.gumbel_dim, device, generator)], dim=1)

    def forward(self, z: Tensor | None, cond: Tensor | None = None) -> Tensor:
        """Encoded rows; ``z`` of width ``latent_dim`` alone draws its Gumbel noise globally."""
        if z is None:
            raise ValueError("the ctgan generator needs noise; call sample_latent first")
        z, gumbel = z[:, : self.latent_dim], z[:, self.latent_dim :]
        if gumbel.shape[1] not in (0, self.gumbel_dim):
            raise ValueError(f"latent has width {z.shape[1] + gumbel.shape[1]}, expected "
                             f"{self.latent_dim} or {self.latent_dim + self.gumbel_dim}")
        if self.condition_dim:
            if cond is None:
                raise ValueError(f"this generator is conditional: pass a ({len(z)}, {self.condition_dim}) cond")
            z = torch.cat([z, cond.to(z.dtype)], dim=1)
        raw = self.net(z)
        return self.activate(raw, gumbel if gumbel.shape[1] else None)

    def activate(self, raw: Tensor, gumbel: Tensor | None = None) -> Tensor:
        """Apply tanh / Gumbel-softmax span by span (noise from ``gumbel``, else drawn now), in a
        fixed number of whole-row operations ([`SoftmaxSegments`][ganzoo_traffic.segments.SoftmaxSegments])."""
        _, tanh_columns, softmax_index = self.segments.on(raw.device)
        if gumbel is None:
            gumbel = gumbel_noise(raw.shape[0], len(softmax_index), raw.device)
        logits = raw.float().index_add(1, softmax_index, gumbel.float())
        soft = self.segments.softmax(logits / self.tau).to(raw.dtype)
        return torch.where(tanh_columns, torch.tanh(raw), soft)


class PacGANDiscriminator(nn.Module):
    """Critic over packs of ``pac`` rows (+ their conditional vectors); one score per row.

    A batch whose size is not a multiple of ``pac`` is padded by wrapping around to its first
    rows; the padding's scores are dropped. No normalisation layers: WGAN-GP needs per-sample
    gradients. Parameters: [`PacGANDiscriminatorConfig`][ganzoo_traffic.configs.PacGANDiscriminatorConfig].
    """

    def __init__(self, config: PacGANDiscriminatorConfig) -> None:
        super().__init__()
        self.in_features = config.in_features
        self.condition_dim = config.condition_dim
        self.pac = config.pac
        layers: list[nn.Module] = []
        width = (config.in_features + config.condition_dim) * config.pac
        for size in config.hidden:
            layers += [nn.Linear(width, size), nn.LeakyReLU(config.negative_slope), nn.Dropout(config.dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        if self.condition_dim:
            if cond is None:
                raise ValueError(f"this critic is conditional: pass a ({len(x)}, {self.condition_dim}) cond")
            x = torch.cat([x, cond.to(x.dtype)], dim=1)
        n = x.shape[0]
        short = (-n) % self.pac
        if short:
            x = torch.cat([x, x[torch.arange(short, device=x.device) % n]], dim=0)
        scores = self.net(x.reshape(-1, x.shape[1] * self.pac)).squeeze(1)
        return scores.repeat_interleave(self.pac)[:n]
