"""Loss terms of conditional, masked tabular WGANs.

* ``conditional-ce`` (CTGAN): the generator must produce the category its conditional vector
  asked for. Table datasets put that category's position in the encoded row into the batch as
  ``cond_target`` (a one-hot over the row), so the loss needs no knowledge of the layout: the
  generated span is a (Gumbel-)softmax, hence ``-log <fake, cond_target>`` is the cross-entropy.
* ``masked-wasserstein`` (MaWGAN, Poudevigne-Durance et al. 2022): the critic compares real and
  generated rows only on the entries the real row observes (``batch["mask"]``): the mask is
  multiplied into both, so incomplete rows train the GAN without being dropped or imputed, and
  the generator still learns complete rows because masks differ from row to row. Without a mask
  it is the plain Wasserstein loss.
* ``masked-gradient-penalty`` (WGAN-GP as CTGAN applies it): interpolates between masked real
  and masked fake rows, one interpolation weight per pack, gradient norm per pack. The built-in
  ``gradient-penalty`` works per row and on unmasked rows; this one matches what the packed,
  masked critic sees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from ganzoo.plugin import ConfigError
from ganzoo_traffic.configs import (
    ConditionalCEConfig,
    MaskedGradientPenaltyConfig,
    MaskedWassersteinConfig,
)

if TYPE_CHECKING:
    from ganzoo.plugin import LossContext

MASK_KEY = "mask"
TARGET_KEY = "cond_target"
#: Floor of the probability inside the log, so a category the generator never produces costs
#: -log(1e-8) ~ 18 instead of infinity.
EPS = 1e-8


def _masked(ctx: LossContext, x: Tensor) -> Tensor:
    mask = ctx.batch.get(MASK_KEY)
    return x if mask is None else x * mask.to(x.dtype)


class ConditionalCrossEntropy:
    """Generator term: cross-entropy of the generated category the condition asked for."""

    requires = frozenset({"labelled", TARGET_KEY})  # refused before step one on other data

    def __init__(self, config: ConditionalCEConfig) -> None:
        """No parameters (the config is empty)."""

    def discriminator_loss(self, ctx: LossContext) -> None:
        """Shapes the generator only."""
        return None

    def generator_loss(self, ctx: LossContext) -> Tensor:
        target = ctx.batch.get(TARGET_KEY)
        if target is None:
            raise ConfigError(
                "loss 'conditional-ce' needs the batch key 'cond_target' (conditional table "
                "datasets of ganzoo-traffic provide it); remove the loss or set conditional = true"
            )
        chosen = (ctx.fake.float() * target.float()).sum(dim=1)
        has_target = target.float().sum(dim=1) > 0
        losses = -torch.log(chosen.clamp_min(EPS))
        return (losses * has_target).sum() / ctx.fake.shape[0]

    def __repr__(self) -> str:
        return "ConditionalCrossEntropy()"


class MaskedWasserstein:
    """Critic difference on observed entries: ``D(fake * m) - D(real * m)``."""

    def __init__(self, config: MaskedWassersteinConfig) -> None:
        """No parameters (the config is empty)."""

    def discriminator_loss(self, ctx: LossContext) -> Tensor:
        real = ctx.discriminator(_masked(ctx, ctx.real), ctx.cond)
        fake = ctx.discriminator(_masked(ctx, ctx.fake), ctx.cond)
        return fake.float().mean() - real.float().mean()

    def generator_loss(self, ctx: LossContext) -> Tensor:
        return -ctx.discriminator(_masked(ctx, ctx.fake), ctx.cond).float().mean()

    def __repr__(self) -> str:
        return "MaskedWasserstein()"


class MaskedGradientPenalty:
    """``E[(||grad D(x_hat)||_pack - target)^2]`` on masked real/fake interpolates.

    With ``pac > 1`` (the critic's pack size) and a batch divisible by it, every pack shares one
    interpolation weight and the norm is taken over the pack's gradient, as in CTGAN. (A pack
    critic repeats its score for each row of the pack, so the summed scores count each pack
    ``pac`` times; the gradient is divided by ``pac``.) ``target`` is the norm the penalty pulls
    towards (1 in WGAN-GP).
    """

    def __init__(self, config: MaskedGradientPenaltyConfig) -> None:
        self.pac = config.pac
        self.target = config.target

    def discriminator_loss(self, ctx: LossContext) -> Tensor:
        real = _masked(ctx, ctx.real.detach()).float()
        fake = _masked(ctx, ctx.fake.detach()).float()
        n = real.shape[0]
        pac = self.pac if self.pac > 1 and n % self.pac == 0 else 1
        alpha = torch.rand(n // pac, 1, device=real.device).repeat_interleave(pac, dim=0)
        interp = (alpha * real + (1.0 - alpha) * fake).requires_grad_(True)
        scores = ctx.discriminator(interp, ctx.cond).float()
        # Scaled under fp16 (ctx.input_grad_scale, 1 otherwise) so the half-precision backward
        # does not underflow; unscaled right after.
        scale = ctx.input_grad_scale
        (grad,) = torch.autograd.grad(scores.sum() * scale / self.pac, interp, create_graph=True)
        norms = (grad / scale).reshape(n // pac, -1).norm(2, dim=1)
        return ((norms - self.target) ** 2).mean()

    def generator_loss(self, ctx: LossContext) -> None:
        """The penalty shapes the critic only."""
        return None

    def __repr__(self) -> str:
        return f"MaskedGradientPenalty(pac={self.pac}, target={self.target})"
