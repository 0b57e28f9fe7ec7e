"""What a loss term sees during one discriminator or generator update."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

Phase = Literal["discriminator", "generator"]


@dataclass
class LossContext:
    """Tensors of the current update, with discriminator outputs computed at most once.

    In the discriminator phase ``fake`` is detached from the generator; in the generator phase
    it carries the generator's graph. ``d_real`` and ``d_fake`` are evaluated lazily and
    cached, so several adversarial terms share one forward pass and a term that does not need
    the discriminator (L1) costs none.

    A two-way generator (one with ``directions``, such as CycleGAN's pair) is trained through
    one context per direction and phase: in the ``BtoA`` view ``real`` is the batch's ``cond``,
    ``cond`` its ``x`` and ``fake`` the B -> A translation, and ``discriminator`` judges domain
    A. Extra generator passes (a cycle's reconstruction, an identity mapping) run through
    [`translate`][ganzoo.engine.context.LossContext.translate] and are shared through [`cached`][ganzoo.engine.context.LossContext.cached].

    Attributes:
        phase: which network is being updated.
        real: the real samples ``batch["x"]``.
        fake: the generated samples for the same conditions.
        cond: the batch condition (source images, label vectors) or ``None``.
        batch: the whole batch (extra keys such as ``mask`` reach the losses here).
        discriminator: ``D(x, cond) -> logits`` (possibly wrapped for DDP or compiled).
        step: index of the current generator update (0-based).
        d_step: index of the current discriminator update (counts every n_critic update).
        loss_scale: under fp16, reads the discriminator's GradScaler scale (``None``
            otherwise); see [`input_grad_scale`][ganzoo.engine.context.LossContext.input_grad_scale].
        direction: the direction this view trains (``None`` for one-way generators).
        directions: all directions of the generator (empty for one-way generators).
        generator: the generator's training forward ``G(z, cond[, direction])`` (``None`` where
            the engine gives none, e.g. in unit tests); use [`translate`][ganzoo.engine.context.LossContext.translate].
        latent: the noise this step's fakes were made from (``None`` for noise-free generators).
        cache: generator outputs of this step by key, shared by both phases and every view;
            use [`cached`][ganzoo.engine.context.LossContext.cached].
    """

    phase: Phase
    real: torch.Tensor
    fake: torch.Tensor
    cond: torch.Tensor | None
    batch: dict[str, torch.Tensor]
    discriminator: Callable[..., torch.Tensor]
    step: int = 0
    d_step: int = 0
    loss_scale: Callable[[], float] | None = field(default=None, repr=False)
    direction: str | None = None
    directions: tuple[str, ...] = ()
    generator: Callable[..., torch.Tensor] | None = field(default=None, repr=False)
    latent: torch.Tensor | None = field(default=None, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _d_real: torch.Tensor | None = field(default=None, repr=False)
    _d_fake: torch.Tensor | None = field(default=None, repr=False)

    @property
    def reverse_direction(self) -> str | None:
        """The other direction of a two-way generator (``None`` for one-way generators)."""
        others = [d for d in self.directions if d != self.direction]
        return others[0] if len(self.directions) == 2 and others else None

    def translate(self, source: torch.Tensor, direction: str | None = None) -> torch.Tensor:
        """``source`` through the generator in ``direction`` (default: this view's), with the
        step's noise, through the same training forward (DDP, compiled) as the fakes.

        Gradients flow into the generator in the generator phase; in the discriminator phase
        detach the result (or compute it through [`cached`][ganzoo.engine.context.LossContext.cached], which does).
        """
        if self.generator is None:
            raise RuntimeError("this LossContext has no generator to translate with")
        direction = direction or self.direction
        if direction is None or (self.directions and direction == self.directions[0]):
            return self.generator(self.latent, source)
        if direction not in self.directions:
            raise ValueError(f"the generator has directions {self.directions or '(one way)'}; got {direction!r}")
        return self.generator(self.latent, source, direction)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per step under ``key``, shared by both phases and every direction.

        For generator outputs (reconstructions, identity mappings): the generator does not change
        between the phases of a step, the discriminator does, so do not cache discriminator
        outputs here. In the discriminator phase a cached tensor comes back detached.
        """
        if key not in self.cache:
            self.cache[key] = compute()
        value = self.cache[key]
        if self.phase == "discriminator" and isinstance(value, torch.Tensor):
            return value.detach()
        return value

    @property
    def input_grad_scale(self) -> float:
        """Factor a loss multiplies into an objective before differentiating it with respect to
        the *inputs* (gradient penalties), dividing the gradient by it afterwards.

        Under fp16 it is the discriminator's loss scale, so the half-precision backward does not
        underflow (PyTorch's AMP gradient-penalty recipe); otherwise 1. Reading the scale waits
        for the device, so it is read only when a penalty asks, not on every update.
        """
        return 1.0 if self.loss_scale is None else self.loss_scale()

    @property
    def d_real(self) -> torch.Tensor:
        """Discriminator logits of the real batch."""
        if self._d_real is None:
            self._d_real = self.discriminator(self.real, self.cond)
        return self._d_real

    @property
    def d_fake(self) -> torch.Tensor:
        """Discriminator logits of the generated batch."""
        if self._d_fake is None:
            self._d_fake = self.discriminator(self.fake, self.cond)
        return self._d_fake

    @property
    def d_real_computed(self) -> torch.Tensor | None:
        """The real logits if a loss asked for them in this update, else ``None`` (read after
        the update, e.g. by ADA's overfitting heuristic, without a forward pass of its own)."""
        return self._d_real
