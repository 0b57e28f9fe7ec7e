"""Two-way translation in the one training loop: directions, their views of a batch, the fake pool.

A generator may declare ``directions`` (a tuple of one or two names, e.g. CycleGAN's
``("AtoB", "BtoA")``) and take the direction as an optional third ``forward`` argument. The
first direction maps the batch's ``cond`` to its ``x`` (and is what ``G(z, cond)`` does without a
direction); the second maps ``x`` back to ``cond``. The engine then, per step:

* makes each direction's fakes once (``G(z, cond)``, ``G(z, x, "BtoA")``) for both phases;
* gives every loss term one [`LossContext`][ganzoo.engine.context.LossContext] per direction and phase,
  the "view" of the batch from that direction: in the ``BtoA`` view ``real`` is ``cond``,
  ``cond`` is ``x``, ``fake`` the B -> A translation, and ``discriminator`` judges domain A
  (a discriminator with the same ``directions`` is called with the direction as third
  argument). Terms apply to every direction unless their ``[[losses]]`` entry names
  ``directions``; their values are logged per direction (``loss/g/cycle/BtoA``);
* shares one cache of further generator outputs between the phases and views of the step
  (``ctx.cached``), so reconstructions and identity mappings run once however many terms use them.

For ``unpaired`` data the discriminator never sees ``cond`` (it is not aligned with the sample):
the view's ``discriminator(x, cond)`` drops it. The fake pool (``train.fake_pool``) replaces
each view's fakes in the discriminator phase. A one-way generator has a single view, direction
``None``, whose context is the one the engine always built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.engine.context import LossContext, Phase
from ganzoo.engine.pool import FakePool
from ganzoo.registry.errors import ConfigError

#: Pool key of a one-way generator's fakes.
ONE_WAY = "fake"


def directions_of(module: nn.Module, who: str) -> tuple[str, ...]:
    """The ``directions`` a network declares (empty for one-way networks), checked."""
    names = getattr(module, "directions", ())
    if isinstance(names, str) or not isinstance(names, Sequence) or not all(isinstance(n, str) and n for n in names):
        raise ConfigError(f"{who}: 'directions' must be a tuple of direction names, got {names!r}")
    if len(names) > 2 or len(set(names)) != len(names):
        raise ConfigError(f"{who}: declares directions {tuple(names)}; the engine trains one or two distinct ones")
    return tuple(names)


def check_directions(generator: nn.Module, discriminator: nn.Module, names: tuple[str, str], spec: DataSpec,
                     term_directions: Sequence[Sequence[str] | None]) -> None:
    """Raise the [`Translation`][ganzoo.engine.directions.Translation] errors (directions of networks, data and loss terms) at
    build time, before any dry run or training."""
    Translation(generator, discriminator, names, spec, term_directions, [""] * len(term_directions), 0)


@dataclass(frozen=True)
class Judge:
    """The discriminator as one view calls it: its direction bound, the condition dropped for
    unpaired data."""

    forward: Callable[..., torch.Tensor]
    direction: str | None
    sees_condition: bool
    refusal: str | None = None

    def __call__(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        if self.refusal is not None:
            raise ConfigError(self.refusal)
        cond = cond if self.sees_condition else None
        if self.direction is None:
            return self.forward(x, cond)
        return self.forward(x, cond, self.direction)


@dataclass
class StepPass:
    """One batch and what the generator made of it, in every trained direction."""

    batch: dict[str, Any]
    latent: torch.Tensor | None
    fakes: dict[str | None, torch.Tensor]
    d_step: int
    cache: dict[str, Any] = field(default_factory=dict)


class Translation:
    """The run's directions and what follows from them (views, log keys, pools).

    Args:
        generator, discriminator: the bare networks (their ``directions`` are read once).
        names: ``(generator name, discriminator name)`` for messages.
        spec: the data's DataSpec.
        term_directions: each loss term's ``directions`` from the experiment (``None``: all).
        term_keys: each term's log key (``adversarial``, ``l1_2``).
        pool_size: ``train.fake_pool``.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        names: tuple[str, str],
        spec: DataSpec,
        term_directions: Sequence[Sequence[str] | None],
        term_keys: Sequence[str],
        pool_size: int,
    ) -> None:
        g_name, d_name = f"generator {names[0]!r}", f"discriminator {names[1]!r}"
        self.directions = directions_of(generator, g_name)
        self.d_directions = directions_of(discriminator, d_name)
        self.unpaired = spec.condition == "unpaired"
        if len(self.directions) == 2 and spec.condition not in ("paired", "unpaired"):
            raise ConfigError(
                f"{g_name} translates two ways ({', '.join(self.directions)}) but the data has no source "
                f"domain (condition {spec.condition!r}); use paired or unpaired data"
            )
        if self.d_directions and self.d_directions != self.directions[: len(self.d_directions)]:
            raise ConfigError(
                f"{d_name} judges directions {self.d_directions} but {g_name} has {self.directions or 'one'}"
            )
        self.d_name = d_name
        self.term_directions: list[tuple[str | None, ...]] = []
        for i, chosen in enumerate(term_directions):
            self.term_directions.append(self._resolve(i, chosen, g_name))
        self.keys = [[key if d is None else f"{key}/{d}" for d in dirs]
                     for key, dirs in zip(term_keys, self.term_directions, strict=True)]
        self.used = [d for d in (self.directions or (None,)) if any(d in dirs for dirs in self.term_directions)]
        self.pools = {(d or ONE_WAY): FakePool(pool_size) for d in self.used} if pool_size else {}

    def _resolve(self, index: int, chosen: Sequence[str] | None, g_name: str) -> tuple[str | None, ...]:
        if chosen is None:
            return self.directions or (None,)
        unknown = [d for d in chosen if d not in self.directions]
        if unknown:
            have = ", ".join(self.directions) if self.directions else "none: it translates one way"
            raise ConfigError(f"losses.{index}.directions: {unknown[0]!r} is not a direction of {g_name} ({have})")
        if not chosen:
            raise ConfigError(f"losses.{index}.directions: empty; leave it out to train every direction")
        return tuple(dict.fromkeys(chosen))

    @property
    def default(self) -> str | None:
        """The direction ``G(z, cond)`` runs (``None`` for one-way generators)."""
        return self.directions[0] if self.directions else None

    def generate(self, forward: Callable[..., torch.Tensor], batch: dict[str, Any], latent: torch.Tensor | None,
                 d_step: int) -> StepPass:
        """Every used direction's fakes (call under the step's autocast and grad mode)."""
        fakes: dict[str | None, torch.Tensor] = {}
        for direction in self.used:
            if direction == self.default:
                fakes[direction] = forward(latent, batch.get(CONDITION_KEY))
            else:
                fakes[direction] = forward(latent, batch[SAMPLE_KEY], direction)
        return StepPass(batch, latent, fakes, d_step)

    def contexts(self, phase: Phase, step_pass: StepPass, *, generator: Callable[..., torch.Tensor],
                 discriminator: Callable[..., torch.Tensor], step: int,
                 loss_scale: Callable[[], float] | None) -> dict[str | None, LossContext]:
        """One context per used direction; in the discriminator phase fakes are detached (and
        pooled)."""
        batch = step_pass.batch
        contexts = {}
        for direction, fake in step_pass.fakes.items():
            real, source = batch[SAMPLE_KEY], batch.get(CONDITION_KEY)
            if direction != self.default:
                real, source = source, real
            if phase == "discriminator":
                pool = self.pools.get(direction or ONE_WAY)
                fake = pool.query(fake) if pool is not None else fake.detach()
            contexts[direction] = LossContext(
                phase, real, fake, source, batch, self._judge(discriminator, direction),
                step=step, d_step=step_pass.d_step, loss_scale=loss_scale,
                direction=direction, directions=self.directions, generator=generator,
                latent=step_pass.latent, cache=step_pass.cache,
            )
        return contexts

    def _judge(self, forward: Callable[..., torch.Tensor], direction: str | None) -> Callable[..., torch.Tensor]:
        reverse = direction is not None and direction != self.default
        if not reverse and not self.unpaired:
            return forward  # the discriminator as every one-way run calls it
        refusal = None
        if reverse and direction not in self.d_directions:
            refusal = (
                f"{self.d_name} judges one domain, but a loss term judges direction {direction!r}; use a two-way "
                "discriminator (e.g. 'cyclegan') or name the term's directions in [[losses]]"
            )
        return Judge(forward, direction if reverse else None, not self.unpaired, refusal)
