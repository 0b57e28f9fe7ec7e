"""DataSpec: what one sample of a dataset looks like.

A dataset describes its samples once (modality, shape, value range, kind of condition) and the
experiment builder fills every component parameter the user left unset from that description.
That is what lets any compatible generator x discriminator x loss x dataset train without
hand-wiring channels or sizes, and lets an incompatible one fail before the first step.

Kept free of torch imports so configs and listings stay cheap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Modality = Literal["image", "series", "table"]
ConditionKind = Literal["none", "paired", "unpaired", "label"]

#: Keys of a training sample. ``x`` is the data the generator learns to produce; ``cond`` is the
#: condition (a source image for paired data, a label vector for label-conditional data). Datasets
#: may add more keys (``mask`` for observed entries of incomplete tables, ``fov`` for retinal
#: field-of-view masks); losses read them from the batch.
SAMPLE_KEY = "x"
CONDITION_KEY = "cond"
#: ``DataSpec.meta`` key of dataset-specific defaults: ``{kind: {param: value}}``.
COMPONENT_DEFAULTS_KEY = "component_defaults"
#: ``DataSpec.meta`` key of a dataset whose held-out samples are *not* drawn like its training
#: samples: a phrase saying how they were chosen ("the latest windows (split by time)"). The
#: privacy metrics compare training with held-out samples and their ideals assume samples drawn
#: alike, so their results carry the phrase and the report says what it means.
HELD_OUT_KEY = "held_out"


@dataclass(frozen=True)
class DataSpec:
    """Shape and semantics of one sample.

    Attributes:
        modality: ``image`` (C, H, W), ``series`` (C, L) or ``table`` (F,).
        shape: shape of one sample ``x``, channels first, without the batch dimension.
        value_range: range of ``x`` as the model sees it (after normalisation).
        condition: ``none`` (noise -> sample), ``paired`` (source -> target: ``cond`` has its
            own shape and the discriminator sees it next to the sample), ``unpaired`` (``cond``
            is a sample of a source domain that is *not* aligned with ``x``: the generator
            translates it, the discriminator never sees it; CycleGAN's data) or ``label`` (a label
            vector of ``condition_shape[0]`` entries, concatenated to the noise).
        condition_shape: shape of one ``cond`` (empty when ``condition == "none"``).
        meta: JSON-serialisable facts the dataset needs to export samples in their native form
            later (column names, normalisation statistics, bit depth ...). Stored in every
            checkpoint so generation needs neither the data nor the dataset's arguments.
    """

    modality: Modality
    shape: tuple[int, ...]
    value_range: tuple[float, float] = (-1.0, 1.0)
    condition: ConditionKind = "none"
    condition_shape: tuple[int, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        object.__setattr__(self, "condition_shape", tuple(int(s) for s in self.condition_shape))
        object.__setattr__(self, "value_range", tuple(float(v) for v in self.value_range))
        expected = {"image": 3, "series": 2, "table": 1}[self.modality]
        if len(self.shape) != expected:
            raise ValueError(
                f"a {self.modality} sample has {expected} dimensions, got shape {self.shape}"
            )
        if (self.condition == "none") != (not self.condition_shape):
            raise ValueError(
                f"condition {self.condition!r} does not match condition_shape {self.condition_shape}"
            )

    @property
    def channels(self) -> int:
        """Channels of an image or series sample, features of a table row."""
        return self.shape[0]

    @property
    def condition_dim(self) -> int:
        """Number of entries in one condition (0 when unconditional)."""
        return math.prod(self.condition_shape) if self.condition_shape else 0

    def component_defaults(self, kind: str) -> dict[str, Any]:
        """Values for component parameters that follow from the data.

        The names form a convention that third-party components can rely on: a config field
        called ``out_channels``, ``in_channels``, ``image_size``, ``length``, ``out_features``,
        ``in_features``, ``condition_dim`` or ``source_channels`` that the user did not set is
        filled from here.
        A dataset can add values of its own under ``meta["component_defaults"][kind]`` (a table
        dataset gives the generator its column layout this way).
        """
        values: dict[str, Any] = {}
        if self.modality == "image":
            height, width = self.shape[1:]
            if height == width:
                values["image_size"] = height
        elif self.modality == "series":
            values["length"] = self.shape[1]
        paired_channels = self.condition_shape[0] if self.condition == "paired" else 0
        if kind == "generator":
            if self.modality == "table":
                values["out_features"] = self.shape[0]
            else:
                values["out_channels"] = self.channels
            if self.condition in ("paired", "unpaired"):
                values["in_channels"] = self.condition_shape[0]
        elif kind == "discriminator":
            if self.modality == "table":
                values["in_features"] = self.shape[0]
            else:
                values["in_channels"] = self.channels + paired_channels
            if self.condition == "unpaired":  # what a two-way discriminator's judge of domain A sees
                values["source_channels"] = self.condition_shape[0]
        if self.condition == "label" and kind in ("generator", "discriminator"):
            values["condition_dim"] = self.condition_dim
        values.update(self.meta.get(COMPONENT_DEFAULTS_KEY, {}).get(kind, {}))
        return values

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tuples become lists)."""
        return {
            "modality": self.modality,
            "shape": list(self.shape),
            "value_range": list(self.value_range),
            "condition": self.condition,
            "condition_shape": list(self.condition_shape),
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataSpec:
        """Inverse of [`to_dict`][ganzoo.data.spec.DataSpec.to_dict]."""
        return cls(
            modality=data["modality"],
            shape=tuple(data["shape"]),
            value_range=tuple(data.get("value_range", (-1.0, 1.0))),
            condition=data.get("condition", "none"),
            condition_shape=tuple(data.get("condition_shape", ())),
            meta=dict(data.get("meta", {})),
        )
