"""CycleGAN's reconstruction terms: cycle consistency and identity mapping (Zhu et al. 2017).

Both shape the generator only and run extra generator passes through
[`translate`][ganzoo.engine.context.LossContext.translate], cached per step under their own key. The
engine evaluates a term once per direction of a two-way generator, so one ``cycle`` entry
gives both of the reference's terms: in the ``AtoB`` view ``||G_BA(G_AB(a)) - a||_1``
(``loss_cycle_A``), in the ``BtoA`` view ``||G_AB(G_BA(b)) - b||_1`` (``loss_cycle_B``); one
``identity`` entry gives ``||G_AB(b) - b||_1`` and ``||G_BA(a) - a||_1`` (``loss_idt_A``,
``loss_idt_B``). The experiment's ``weight`` is the reference's lambda (10 for the cycle) and
lambda times ``lambda_identity`` (0.5 x 10 = 5 for the identity). L1 is averaged over all
elements, in float32, as ``torch.nn.L1Loss`` does.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ganzoo.components.configs import CycleConfig, IdentityConfig
from ganzoo.engine.context import LossContext
from ganzoo.registry.errors import ConfigError


class CycleLoss:
    """``L1(G_reverse(fake), source)``: a translated sample must translate back to its source."""

    def __init__(self, config: CycleConfig) -> None:
        """No parameters; the config is taken for the one construction rule."""

    def discriminator_loss(self, ctx: LossContext) -> None:
        """Reconstruction does not concern the discriminator."""
        return None

    def generator_loss(self, ctx: LossContext) -> Tensor:
        """Round trip of this view's source through both directions, against the source."""
        reverse = ctx.reverse_direction
        if reverse is None or ctx.cond is None:
            raise ConfigError(
                "losses: 'cycle' needs a two-way generator (directions A->B and B->A, e.g. generator "
                "'cyclegan') and a source in the data"
            )
        source = ctx.cond
        rebuilt = ctx.cached(f"cycle/{ctx.direction}", lambda: ctx.translate(ctx.fake, reverse))
        return F.l1_loss(rebuilt.float(), source.float())

    def __repr__(self) -> str:
        return "CycleLoss()"


class IdentityLoss:
    """``L1(G(target), target)``: a sample already in the target domain should pass unchanged.

    Needs sources and targets of the same shape (CycleGAN asserts ``input_nc == output_nc`` when
    the identity weight is not zero); works for one-way translators too.
    """

    def __init__(self, config: IdentityConfig) -> None:
        """No parameters; the config is taken for the one construction rule."""

    def discriminator_loss(self, ctx: LossContext) -> None:
        """The identity mapping does not concern the discriminator."""
        return None

    def generator_loss(self, ctx: LossContext) -> Tensor:
        """The view's real (target-domain) batch through the view's direction, against itself."""
        if ctx.cond is None or ctx.cond.shape[1:] != ctx.real.shape[1:]:
            shape = None if ctx.cond is None else tuple(ctx.cond.shape[1:])
            raise ConfigError(
                f"losses: 'identity' needs sources shaped like the samples; sources {shape}, samples "
                f"{tuple(ctx.real.shape[1:])} (give both domains the same channels, or drop the term)"
            )
        mapped = ctx.cached(f"identity/{ctx.direction}", lambda: ctx.translate(ctx.real))
        return F.l1_loss(mapped.float(), ctx.real.float())

    def __repr__(self) -> str:
        return "IdentityLoss()"
