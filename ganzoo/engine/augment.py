"""``train.augment`` in the training loop: DiffAugment or ADA between the losses and D.

The transform sits in the discriminator callable the [`LossContext`][ganzoo.engine.context.LossContext]
hands to the losses, so every image D scores goes through it: real and generated samples, in the
discriminator update and in the generator update (whose gradient flows back through the
differentiable transform), and the inputs of gradient penalties (R1's gradient is taken with
respect to the un-augmented reals, as in StyleGAN2-ADA). Any image model gets it with no code of
its own. A paired condition (pix2pix's source image) goes through the same transform as the sample
it belongs to, so the two stay aligned; label vectors pass unchanged.

Each discriminator update, and the generator update after it, draws its random parameters from a
generator seeded by ``(seed, update, phase, rank)``, so a resumed run augments exactly as an
uninterrupted one, and turning augmentation on shifts no other random stream. ADA's probability
``p`` and its partly accumulated heuristic are state: they go into every checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from ganzoo.data.ada import ada_augment
from ganzoo.data.augment_options import ADAConfig, DiffAugmentConfig
from ganzoo.data.diffaugment import diff_augment
from ganzoo.data.spec import DataSpec
from ganzoo.engine.context import LossContext
from ganzoo.engine.seed import augment_seed
from ganzoo.engine.strategy import Strategy
from ganzoo.registry.config import TrainConfig
from ganzoo.registry.errors import CheckpointError, ConfigError

#: ``phase`` keys of `augment_seed`.
PHASES = {"discriminator": 0, "generator": 1}

Transform = Callable[[list[Tensor], torch.Generator], list[Tensor]]


class AugmentedDiscriminator:
    """``D(T(x), T(cond))``: a discriminator callable behind a seeded random transform ``T``.

    Successive calls (real batch, generated batch, penalty inputs) draw successive parameters
    from the one generator, so each gets its own augmentation.
    """

    def __init__(self, forward: Callable[..., Tensor], transform: Transform, generator: torch.Generator,
                 *, paired: bool, channels_last: bool) -> None:
        self.forward = forward
        self.transform = transform
        self.generator = generator
        self.paired = paired
        self.channels_last = channels_last

    def __call__(self, x: Tensor, cond: Tensor | None = None, *direction: str) -> Tensor:
        """``direction``: a two-way discriminator's side (CycleGAN), passed on untouched."""
        images = [x, cond] if self.paired and cond is not None else [x]
        out = self.transform(images, self.generator)
        if self.channels_last:
            out = [image.contiguous(memory_format=torch.channels_last) for image in out]
        return self.forward(out[0], out[1] if len(out) > 1 else cond, *direction)


class DiscriminatorAugment:
    """A transform of what D sees plus the state it keeps (none for DiffAugment).

    Args:
        transform: ``(images, generator) -> images`` on batches of the same samples.
        spec: the data's DataSpec (paired conditions are augmented with their samples).
        seed, rank: the run's seed and this process's rank, for the per-update generators.
        device: where the generators draw.
        channels_last: hand D channels-last tensors, as the engine's batches are.
    """

    def __init__(self, transform: Transform, spec: DataSpec, *, seed: int, rank: int, device: torch.device,
                 channels_last: bool) -> None:
        self.transform = transform
        self.paired = spec.condition == "paired"
        self.seed, self.rank = seed, rank
        self.generator = torch.Generator(device=device)
        self.channels_last = channels_last

    def view(self, forward: Callable[..., Tensor], d_step: int, phase: str) -> AugmentedDiscriminator:
        """``forward`` behind the transform, seeded for discriminator update ``d_step``."""
        self.generator.manual_seed(augment_seed(self.seed, d_step, PHASES[phase], self.rank))
        return AugmentedDiscriminator(forward, self.transform, self.generator, paired=self.paired,
                                      channels_last=self.channels_last)

    def observe(self, ctx: LossContext) -> None:
        """Called after every discriminator update with its context (ADA adapts here)."""

    def log(self) -> dict[str, float]:
        """Values for the ``train`` records of ``metrics.jsonl``."""
        return {}

    def state_dict(self, strategy: Strategy) -> dict[str, Any]:
        """JSON-ready state for checkpoints (every process calls it; it may use collectives)."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Inverse of [`state_dict`][ganzoo.engine.augment.DiscriminatorAugment.state_dict]."""


class AdaptiveAugment(DiscriminatorAugment):
    """ADA: the pipeline at probability ``p``, adjusted from ``r_t = E[sign(D(real))]``.

    ``r_t`` is averaged over the last ``interval`` discriminator updates (and over processes);
    then ``p`` moves by ``sign(r_t - target) * interval * global_batch / (speed_kimg * 1000)``,
    clipped to [0, 1]. The sign sum accumulates on the device and is read once per interval.
    """

    def __init__(self, config: ADAConfig, spec: DataSpec, *, global_batch: int, strategy: Strategy,
                 seed: int, channels_last: bool) -> None:
        super().__init__(self._augment, spec, seed=seed, rank=strategy.rank, device=strategy.device,
                         channels_last=channels_last)
        self.config = config
        self.groups = tuple(config.groups.split(","))
        self.strategy = strategy
        self.p = config.p
        self.adjust = config.interval * global_batch / (config.speed_kimg * 1000)
        self.rt: float | None = None
        self._signs = torch.zeros((), device=strategy.device)
        self._count = 0

    def _augment(self, images: list[Tensor], generator: torch.Generator) -> list[Tensor]:
        return ada_augment(images, self.p, self.groups, generator)

    def observe(self, ctx: LossContext) -> None:
        logits = ctx.d_real_computed
        if logits is None:
            raise ConfigError("train.augment: ADA adapts to the discriminator's real logits, but no loss term "
                              "of this experiment scored the real batch (add an adversarial loss)")
        self._signs += logits.detach().float().sign().mean()
        self._count += 1
        if self._count >= self.config.interval:
            self.rt = float(self.strategy.all_reduce_mean(self._signs).item()) / self._count
            direction = (self.rt > self.config.target) - (self.rt < self.config.target)
            self.p = min(max(self.p + self.adjust * direction, 0.0), 1.0)
            self._signs.zero_()
            self._count = 0

    def log(self) -> dict[str, float]:
        record = {"augment/p": self.p}
        if self.rt is not None:
            record["augment/rt"] = self.rt
        return record

    def state_dict(self, strategy: Strategy) -> dict[str, Any]:
        signs = float(strategy.all_reduce_mean(self._signs.clone()).item())
        return {"kind": "ada", "p": self.p, "rt": self.rt, "signs": signs, "count": self._count}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state.get("kind") != "ada":
            raise CheckpointError(f"augment state of kind {state.get('kind')!r} cannot resume ADA")
        self.p = float(state["p"])
        self.rt = None if state.get("rt") is None else float(state["rt"])
        self._signs.fill_(float(state["signs"]))
        self._count = int(state["count"])


def build_augment(train: TrainConfig, spec: DataSpec, strategy: Strategy, global_batch: int) -> DiscriminatorAugment | None:
    """The ``train.augment`` of this run, or ``None`` when it has none.

    Raises:
        ConfigError: when the data are not images (the transforms are 2-D image operations).
    """
    config = train.augment
    if config is None:
        return None
    if spec.modality != "image" or len(spec.shape) != 3:
        raise ConfigError(f"train.augment: {config.kind} transforms images; this dataset gives {spec.modality} "
                          "samples (remove train.augment)")
    if isinstance(config, DiffAugmentConfig):
        policy = config.policy.split(",")

        def transform(images: list[Tensor], generator: torch.Generator) -> list[Tensor]:
            return diff_augment(images, policy, generator, translation=config.translation, cutout=config.cutout)

        return DiscriminatorAugment(transform, spec, seed=train.seed, rank=strategy.rank, device=strategy.device,
                                    channels_last=train.channels_last)
    return AdaptiveAugment(config, spec, global_batch=global_batch, strategy=strategy, seed=train.seed,
                           channels_last=train.channels_last)
