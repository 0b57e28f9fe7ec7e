"""What a loss term sees during one discriminator or generator update."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch

Phase = Literal["discriminator", "generator"]


@dataclass
class LossContext:
    """Tensors of the current update, with discriminator outputs computed at most once.

    In the discriminator phase ``fake`` is detached from the generator; in the generator phase
    it carries the generator's graph. ``d_real`` and ``d_fake`` are evaluated lazily and
    cached, so several adversarial terms share one forward pass and a term that does not need
    the discriminator (L1) costs none.

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
            otherwise); see :attr:`input_grad_scale`.
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
    _d_real: torch.Tensor | None = field(default=None, repr=False)
    _d_fake: torch.Tensor | None = field(default=None, repr=False)

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
