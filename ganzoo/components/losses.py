"""Built-in loss terms: adversarial objectives, gradient regularisers and L1 reconstruction.

Each term answers two questions, what it adds to the discriminator objective and what it adds to
the generator objective, and returns ``None`` where it adds nothing; the engine weights and sums
the answers. Terms read the discriminator's logits from the shared
[`LossContext`][ganzoo.engine.context.LossContext] cache, so an adversarial loss and, say, a second
adversarial term cost one discriminator forward pass between them. Only the gradient
regularisers run the discriminator themselves, because they need inputs that require gradients.

All reductions happen in float32 (logits and samples are cast with ``.float()``), so the terms
stay stable when the networks run under bf16/fp16 autocast.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.components.configs import (
    AdversarialLossConfig,
    GradientPenaltyConfig,
    L1Config,
    R1Config,
)
from ganzoo.engine.context import LossContext
from ganzoo.registry.errors import DataError

_Term = Callable[[Tensor], Tensor]


def _bce(target: float) -> _Term:
    """Binary cross-entropy of logits against a constant label, averaged over all elements."""
    return lambda logits: F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def _mse(target: float) -> _Term:
    """Squared error of raw outputs against a constant label, averaged over all elements."""
    return lambda logits: F.mse_loss(logits, torch.full_like(logits, target))


def _neg_mean(logits: Tensor) -> Tensor:
    return -logits.mean()


def _mean(logits: Tensor) -> Tensor:
    return logits.mean()


def _minimax_generator(logits: Tensor) -> Tensor:
    # log(1 - sigmoid(x)) = -softplus(x) = -BCE(x, 0): gradient -sigmoid(x) vanishes as x -> -inf.
    return -F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))


#: mode -> (discriminator term on real logits, discriminator term on fake logits).
_D_TERMS: dict[str, tuple[_Term, _Term]] = {
    "vanilla": (_bce(1.0), _bce(0.0)),
    "nonsaturating": (_bce(1.0), _bce(0.0)),
    "lsgan": (_mse(1.0), _mse(0.0)),
    "hinge": (lambda r: F.relu(1.0 - r).mean(), lambda f: F.relu(1.0 + f).mean()),
    "wasserstein": (_neg_mean, _mean),
}

#: mode -> generator term on the fake logits.
_G_TERMS: dict[str, _Term] = {
    "vanilla": _minimax_generator,
    "nonsaturating": _bce(1.0),
    "lsgan": _mse(1.0),
    "hinge": _neg_mean,
    "wasserstein": _neg_mean,
}


class AdversarialLoss:
    """The adversarial game in one of five classic forms, on raw logits of any shape.

    Logits may be a PatchGAN map ``(N, 1, H, W)`` or one score per sample ``(N,)``; every form
    averages over all elements, so a patch map weighs each patch equally, as pix2pix does.

    Args:
        mode: ``vanilla`` (minimax; the generator minimises ``log(1 - D(G(z)))`` and saturates),
            ``nonsaturating`` (the generator maximises ``log D(G(z))``: the DCGAN and pix2pix
            references), ``lsgan``, ``hinge`` or ``wasserstein``.
        d_reduction: ``sum`` adds the real and fake discriminator terms (DCGAN); ``mean`` halves
            the sum (pix2pix's ``loss_D * 0.5``, which slows D relative to G).
    """

    def __init__(self, config: AdversarialLossConfig) -> None:
        self.mode = config.mode
        self.d_reduction = config.d_reduction

    def discriminator_loss(self, ctx: LossContext) -> Tensor:
        """Push real logits towards "real" and (already detached) fake logits towards "fake"."""
        real_term, fake_term = _D_TERMS[self.mode]
        loss = real_term(ctx.d_real.float()) + fake_term(ctx.d_fake.float())
        return 0.5 * loss if self.d_reduction == "mean" else loss

    def generator_loss(self, ctx: LossContext) -> Tensor:
        """Make the discriminator score the generated samples as real."""
        return _G_TERMS[self.mode](ctx.d_fake.float())

    def __repr__(self) -> str:
        return f"AdversarialLoss(mode={self.mode!r}, d_reduction={self.d_reduction!r})"


def _input_gradient(ctx: LossContext, x: Tensor) -> Tensor:
    """Gradient of the summed discriminator logits w.r.t. ``x``, kept differentiable.

    ``create_graph=True`` lets the penalty built from this gradient back-propagate into the
    discriminator's parameters. Summing the logits gives every sample (and every patch of a
    PatchGAN map) its own gradient, because samples do not interact in ``x``. Under fp16 the
    sum is scaled by ``ctx.input_grad_scale`` before differentiating and the gradient unscaled
    after, so small input gradients survive the half-precision backward; an overflow gives an
    infinite penalty, and the GradScaler then skips that update as it does for any other.
    """
    logits = ctx.discriminator(x, ctx.cond)
    scale = ctx.input_grad_scale
    (grad,) = torch.autograd.grad(outputs=logits.float().sum() * scale, inputs=x, create_graph=True)
    return grad.float().flatten(1) / scale


class GradientPenalty:
    """WGAN-GP (Gulrajani et al. 2017): ``E[(||grad_x D(x_hat)||_2 - target)^2]`` on interpolates.

    ``x_hat`` mixes each real sample with its fake counterpart by a per-sample uniform weight,
    so the penalty constrains the critic on the segments between the two distributions. It
    works for any sample shape (images, series ``(N, C, L)``, table rows ``(N, F)``); the
    condition is passed unchanged, so a paired critic sees the interpolate beside its source.
    Discriminator objective only; pair it with ``adversarial`` mode ``wasserstein`` and weight 10.
    """

    def __init__(self, config: GradientPenaltyConfig) -> None:
        self.target = config.target

    def discriminator_loss(self, ctx: LossContext) -> Tensor:
        """Penalty on random real/fake interpolates (uses torch's global RNG for the weights)."""
        real = ctx.real.detach()
        fake = ctx.fake.detach().to(real.dtype)
        alpha = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)
        interp = (alpha * real + (1.0 - alpha) * fake).requires_grad_(True)
        norms = _input_gradient(ctx, interp).norm(2, dim=1)
        return ((norms - self.target) ** 2).mean()

    def generator_loss(self, ctx: LossContext) -> None:
        """The penalty shapes the critic only."""
        return None

    def __repr__(self) -> str:
        return f"GradientPenalty(target={self.target})"


class R1Penalty:
    """R1 (Mescheder et al. 2018): ``0.5 * E[||grad_x D(x_real)||^2]``, optionally lazy.

    With ``every = k`` the penalty is computed only on discriminator steps divisible by ``k`` and
    multiplied by ``k`` there, so its average strength is unchanged while the extra backward pass
    runs k times less often (StyleGAN2's lazy regularisation). The experiment weight plays the
    role of gamma. Discriminator objective only.
    """

    def __init__(self, config: R1Config) -> None:
        self.every = config.every

    def discriminator_loss(self, ctx: LossContext) -> Tensor | None:
        """The scaled penalty on this step, or ``None`` on the steps lazy R1 skips."""
        if ctx.d_step % self.every:
            return None
        real = ctx.real.detach().requires_grad_(True)
        squared_norms = _input_gradient(ctx, real).pow(2).sum(dim=1)
        return 0.5 * squared_norms.mean() * self.every

    def generator_loss(self, ctx: LossContext) -> None:
        """The penalty shapes the discriminator only."""
        return None

    def __repr__(self) -> str:
        return f"R1Penalty(every={self.every})"


class L1Loss:
    """Mean absolute error between generated and real samples (pix2pix's reconstruction term).

    Only meaningful when ``fake`` and ``real`` correspond, so it ``requires`` paired data and is
    refused on anything else before training starts. When the batch carries a ``"mask"``
    (1 = observed, 0 = missing; broadcastable to the samples), missing entries are left out of
    both the sum and the count, so data with gaps is compared only where it exists.
    Generator objective only.
    """

    requires = frozenset({"paired"})

    def __init__(self, config: L1Config) -> None:
        """L1 has no parameters; the config is taken for the one construction rule."""

    def discriminator_loss(self, ctx: LossContext) -> None:
        """Reconstruction does not concern the discriminator."""
        return None

    def generator_loss(self, ctx: LossContext) -> Tensor:
        """L1 over all entries, or over the observed entries when the batch has a mask."""
        fake, real = ctx.fake.float(), ctx.real.float()
        mask = ctx.batch.get("mask")
        if mask is None:
            return F.l1_loss(fake, real)
        try:
            weights = mask.to(device=real.device, dtype=torch.float32).expand_as(real)
        except RuntimeError:
            raise DataError(
                f"l1 loss: batch['mask'] has shape {tuple(mask.shape)}, "
                f"which does not fit the samples' shape {tuple(real.shape)}"
            ) from None
        observed = weights.sum()
        # With nothing observed the numerator is 0 as well; the clamp only avoids 0 / 0.
        return ((fake - real).abs() * weights).sum() / observed.clamp_min(torch.finfo(torch.float32).tiny)

    def __repr__(self) -> str:
        return "L1Loss()"
