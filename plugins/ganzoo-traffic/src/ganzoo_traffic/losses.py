"""Loss terms of conditional, masked tabular WGANs.

* ``conditional-ce`` (CTGAN): the generator must produce the category its conditional vector
  asked for. Table datasets put that category's position in the encoded row into the batch as
  ``cond_target`` (a one-hot over the row), so the loss needs no knowledge of the layout: the
  generated span is a (Gumbel-)softmax, hence ``-log <fake, cond_target>`` is the cross-entropy.
  With ``tau`` (the generator's temperature) it is taken on ``softmax(tau * log fake)``, which
  equals the softmax of the generator's logits plus the Gumbel noise: the temperature-1
  distribution, as CTGAN takes it on raw logits. On the temperature-0.2 output itself its
  gradient is five times stronger and crowded out the critic's signal (RESULTS.md §4).
* ``masked-wasserstein`` (MaWGAN, Poudevigne-Durance et al. 2022): the critic compares real and
  generated rows only on the entries the real row observes (``batch["mask"]``): the mask is
  multiplied into both, so incomplete rows train the GAN without being dropped or imputed, and
  the generator still learns complete rows because masks differ from row to row. Without a mask
  it is the plain Wasserstein loss.
* ``target-classifier`` (CTAB-GAN+, Zhao et al. 2022): a classifier learns the outcome column
  (``dataset.params.target``) from the other columns of *real* rows; the generator pays the
  cross-entropy between that classifier's prediction on a generated row and the row's own
  generated outcome, so the outcome stays the function of the other columns that it is in the
  data (what train-on-synthetic classifiers need) instead of only matching its marginal share.
* ``masked-gradient-penalty`` (WGAN-GP as CTGAN applies it): interpolates between masked real
  and masked fake rows, one interpolation weight per pack, gradient norm per pack. The built-in
  ``gradient-penalty`` works per row and on unmasked rows; this one matches what the packed,
  masked critic sees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from ganzoo.plugin import ConfigError
from ganzoo_traffic.configs import (
    ConditionalCEConfig,
    MaskedGradientPenaltyConfig,
    MaskedWassersteinConfig,
    TargetClassifierConfig,
)
from ganzoo_traffic.segments import SoftmaxSegments

if TYPE_CHECKING:
    from ganzoo.plugin import LossContext

MASK_KEY = "mask"
TARGET_KEY = "cond_target"
#: Floor of the probability inside the log, so a category the generator never produces costs
#: -log(1e-8) ~ 18 instead of infinity.
EPS = 1e-8
#: Floor of the probabilities whose logarithm recovers the logits (``tau`` set): small enough that
#: a wrong category the generator is sure of (a logit gap up to 69 * tau) still has a gradient.
TINY = 1e-30


def _masked(ctx: LossContext, x: Tensor) -> Tensor:
    mask = ctx.batch.get(MASK_KEY)
    return x if mask is None else x * mask.to(x.dtype)


class ConditionalCrossEntropy:
    """Generator term: cross-entropy of the generated category the condition asked for."""

    requires = frozenset({"labelled", TARGET_KEY})  # refused before step one on other data

    def __init__(self, config: ConditionalCEConfig) -> None:
        if config.tau is not None and config.spans is None:  # filled after validation, so checked here
            raise ConfigError("loss 'conditional-ce': tau needs the row's spans (a ganzoo-traffic table fills them)")
        self.tau = config.tau
        self.segments = SoftmaxSegments(config.spans or [])

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
        fake, target = ctx.fake.float(), target.float()
        if self.tau is None:
            chosen = (fake * target).sum(dim=1)
            has_target = target.sum(dim=1) > 0
            losses = -torch.log(chosen.clamp_min(EPS))
            return (losses * has_target).sum() / fake.shape[0]
        # softmax(tau * log p) = softmax(logits + gumbel): the temperature-1 distribution; the
        # target marks one column of one softmax span per row (none: the row adds nothing)
        log_q = self.segments.log_softmax(self.tau * torch.log(fake.clamp_min(TINY)))
        return -(log_q * target).sum() / fake.shape[0]

    def __repr__(self) -> str:
        return f"ConditionalCrossEntropy(tau={self.tau})"


class TargetClassifier(nn.Module):
    """Generator term: cross-entropy of a real-trained outcome classifier on generated rows.

    The classifier (an MLP over the encoded row without the target span, masked entries zeroed)
    is trained here, one Adam step on the real batch per discriminator update, with its own
    optimiser: it is a fixed judge for the generator, not part of either network. It is not
    stored in checkpoints; a resumed run retrains it from scratch within a few hundred steps.
    Without an outcome column (``table-csv`` with no ``target``) the term does nothing.
    """

    def __init__(self, config: TargetClassifierConfig) -> None:
        super().__init__()
        # without an outcome column (table-csv with no ``target``) the term has nothing to judge
        self.active = config.target_span is not None
        self.start, self.width = config.target_span or (0, 1)
        self.hidden = list(config.hidden)
        self.lr = config.lr
        self.net: nn.Sequential | None = None  # built on the first batch, when the row width is known
        self.optimizer: torch.optim.Optimizer | None = None

    def _features(self, ctx: LossContext, x: Tensor) -> Tensor:
        x = _masked(ctx, x).float()
        return torch.cat([x[:, : self.start], x[:, self.start + self.width :]], dim=1)

    def _classifier(self, width: int, device: torch.device) -> nn.Sequential:
        if self.net is None:
            layers: list[nn.Module] = []
            for size in self.hidden:
                layers += [nn.Linear(width, size), nn.LeakyReLU(0.2)]
                width = size
            layers.append(nn.Linear(width, self.width))
            self.net = nn.Sequential(*layers).to(device)
            self.optimizer = torch.optim.Adam(self.net.parameters(), lr=self.lr, betas=(0.5, 0.9))
        return self.net

    def discriminator_loss(self, ctx: LossContext) -> None:
        """Trains the classifier on the real rows; adds nothing to the critic's objective."""
        if not self.active:
            return None
        features = self._features(ctx, ctx.real.detach())
        labels = ctx.real[:, self.start : self.start + self.width].argmax(dim=1)
        net = self._classifier(features.shape[1], features.device)
        assert self.optimizer is not None
        with torch.enable_grad():
            loss = nn.functional.cross_entropy(net(features), labels)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
        self.optimizer.step()
        return None

    def generator_loss(self, ctx: LossContext) -> Tensor | None:
        if not self.active:
            return None
        features = self._features(ctx, ctx.fake)
        net = self._classifier(features.shape[1], features.device)
        labels = ctx.fake[:, self.start : self.start + self.width].argmax(dim=1).detach()
        net.requires_grad_(False)
        try:
            return nn.functional.cross_entropy(net(features), labels)
        finally:
            net.requires_grad_(True)

    def extra_repr(self) -> str:
        return f"target_span=({self.start}, {self.width}), hidden={self.hidden}, lr={self.lr}"


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
    towards (1 in WGAN-GP). With ``share < 1`` the penalty is estimated on that share of the
    packs only: the same expected pull at a fraction of its cost (a third critic pass and a
    double backward), but noisier; measured in RESULTS.md §5, not in the preset.
    """

    def __init__(self, config: MaskedGradientPenaltyConfig) -> None:
        self.pac = config.pac
        self.target = config.target
        self.share = config.share

    def discriminator_loss(self, ctx: LossContext) -> Tensor:
        real = _masked(ctx, ctx.real.detach()).float()
        fake = _masked(ctx, ctx.fake.detach()).float()
        n = real.shape[0]
        pac = self.pac if self.pac > 1 and n % self.pac == 0 else 1
        cond = ctx.cond
        if self.share < 1:
            n = max(1, round(self.share * n / pac)) * pac
            real, fake = real[:n], fake[:n]
            cond = None if cond is None else cond[:n]
        alpha = torch.rand(n // pac, 1, device=real.device).repeat_interleave(pac, dim=0)
        interp = (alpha * real + (1.0 - alpha) * fake).requires_grad_(True)
        scores = ctx.discriminator(interp, cond).float()
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
        return f"MaskedGradientPenalty(pac={self.pac}, target={self.target}, share={self.share})"
