"""``series-moments``: a generator term that keeps the spread of generated series where it belongs.

TimeGAN's generator adds a moment loss (``G_loss_V``: absolute differences of the mean and the
standard deviation of generated and real features) to the adversarial one. This term does the
same per channel and time step, for the whole batch and, with ``per_condition``, within every
one-hot condition entry (each class, month, day type) that has at least ``min_count`` samples in
the batch: real and generated batches share their conditions in ganzoo's loop, so the groups
compare like with like. ``differences`` adds the sd of step-to-step changes, which is what makes
a curve look smooth or jittery to a sequence classifier.

Why: a critic judges a batch only through its scores, so a generator can shrink the spread (the
per-step sd of the collapsed preset was a third of the real one) long before the critic
notices; this term gives it the direction back directly. It only shapes the generator.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganzoo.plugin import LossContext
from ganzoo_smartgrid.configs import SeriesMomentsConfig


def _moments(x: Tensor) -> tuple[Tensor, Tensor]:
    return x.mean(dim=0), x.std(dim=0, unbiased=False)


def _gap(fake: Tensor, real: Tensor, differences: bool) -> Tensor:
    mf, sf = _moments(fake)
    mr, sr = _moments(real)
    gap = (mf - mr).abs().mean() + (sf - sr).abs().mean()
    if differences and fake.shape[-1] > 1:
        gap = gap + (fake.diff(dim=-1).std(dim=0, unbiased=False) - real.diff(dim=-1).std(dim=0, unbiased=False)).abs().mean()
    return gap


class SeriesMoments:
    """Moment matching of generated vs real series batches (see the module docstring)."""

    def __init__(self, config: SeriesMomentsConfig) -> None:
        self.per_condition, self.min_count, self.differences = config.per_condition, config.min_count, config.differences

    def discriminator_loss(self, ctx: LossContext) -> None:
        """The moments concern the generator only."""
        return None

    def generator_loss(self, ctx: LossContext) -> Tensor:
        fake, real = ctx.fake.float(), ctx.real.float().detach()
        total = _gap(fake, real, self.differences)
        cond = ctx.cond
        if not self.per_condition or cond is None or cond.ndim != 2:
            return total
        one_hot = ((cond == 0) | (cond == 1)).all(dim=0)  # numeric entries are not groups
        groups = 0
        for j in torch.nonzero(one_hot).flatten().tolist():
            rows = cond[:, j] > 0.5
            if int(rows.sum()) >= self.min_count:
                total = total + _gap(fake[rows], real[rows], self.differences)
                groups += 1
        return total / (1 + groups)

    def __repr__(self) -> str:
        return f"SeriesMoments(per_condition={self.per_condition}, min_count={self.min_count})"
