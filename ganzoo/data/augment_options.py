"""The ``train.augment`` options: augmentation of what the discriminator sees (pydantic only).

With little data the discriminator memorises the training images and its feedback to the
generator collapses. DiffAugment (Zhao et al. 2020) and adaptive discriminator augmentation
(ADA, Karras et al. 2020) both let D see randomly transformed images, real and generated alike,
through a differentiable transform, so G is trained through it too and does not learn the
augmentations. The transforms live in [`ganzoo.data.diffaugment`][ganzoo.data.diffaugment] and [`ganzoo.data.ada`][ganzoo.data.ada];
the engine applies them where losses call D ([`ganzoo.engine.augment`][ganzoo.engine.augment]).

Kept free of torch imports, like every config module.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

#: DiffAugment's transforms, in the order the reference applies them.
DIFFAUGMENT_POLICIES = ("color", "translation", "cutout")
#: ADA's augmentation groups implemented here: pixel blitting, general geometric, colour.
ADA_GROUPS = ("blit", "geom", "color")


def _choices(value: str, allowed: tuple[str, ...], what: str) -> str:
    """A comma-separated subset of ``allowed``, normalised to ``allowed``'s order."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [part for part in parts if part not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {unknown[0]!r}; choose from {', '.join(allowed)}")
    if not parts:
        raise ValueError(f"name at least one {what}: {', '.join(allowed)}")
    return ",".join(name for name in allowed if name in parts)


class DiffAugmentConfig(BaseModel):
    """DiffAugment: the same random, differentiable transforms on every image D scores.

    Each transform is applied to every sample with fresh random parameters (the reference
    ``DiffAugment_pytorch.py``): ``color`` (brightness, saturation, contrast), ``translation``
    (integer shifts with zero fill) and ``cutout`` (one zeroed square).
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["diffaugment"]
    policy: str = Field("color,translation,cutout", description="Comma-separated transforms: color, translation, cutout.")
    translation: float = Field(0.125, gt=0, le=0.5, description="Largest shift, a fraction of the image side.")
    cutout: float = Field(0.5, gt=0, le=1, description="Side of the cut-out square, a fraction of the image side.")

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        return _choices(value, DIFFAUGMENT_POLICIES, "DiffAugment transform")


class ADAConfig(BaseModel):
    """Adaptive discriminator augmentation: each transform is applied with probability ``p``,
    and ``p`` follows the overfitting heuristic ``r_t = E[sign(D(real))]``.

    Every ``interval`` discriminator updates, ``p`` moves up when ``r_t`` exceeds ``target`` and
    down otherwise, by ``interval * batch / (speed_kimg * 1000)``, so it can cross the whole
    range in ``speed_kimg`` thousand real images (StyleGAN2-ADA's defaults: 0.6, 4, 500).
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["ada"]
    target: float = Field(0.6, gt=0, lt=1, description="Value of r_t = E[sign(D(real))] that p steers towards.")
    interval: PositiveInt = Field(4, description="Discriminator updates between adjustments of p.")
    speed_kimg: float = Field(500.0, gt=0, description="Thousands of real images over which p may go from 0 to 1.")
    p: float = Field(0.0, ge=0, le=1, description="Probability at the start of training.")
    groups: str = Field("blit,geom,color", description="Comma-separated groups: blit, geom, color.")

    @field_validator("groups")
    @classmethod
    def _known_groups(cls, value: str) -> str:
        return _choices(value, ADA_GROUPS, "ADA group")


#: ``train.augment``: one of the two, chosen by ``kind``.
AugmentConfig = Annotated[DiffAugmentConfig | ADAConfig, Field(discriminator="kind")]
