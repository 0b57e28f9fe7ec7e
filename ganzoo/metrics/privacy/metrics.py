"""The privacy metric components ``dcr``, ``training-copies`` and ``membership-inference``.

The three share one preparation per evaluation (cached in the
[`EvalContext`][ganzoo.metrics.context.EvalContext]): the training, held-out and generated
samples, their embeddings and all nearest-neighbour distances, so asking for all three costs
one generation and one distance pass. Definitions: [`ganzoo.metrics.privacy`][ganzoo.metrics.privacy].
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ganzoo.data.spec import HELD_OUT_KEY
from ganzoo.metrics.configs import PrivacyConfig, TrainingCopiesConfig
from ganzoo.metrics.context import CURATED, EvalContext
from ganzoo.metrics.features import RANDOM_CONV
from ganzoo.metrics.fidelity import INCEPTION, image_features, resolve_extractor, to_uint8_rgb
from ganzoo.metrics.privacy import privacy_applies
from ganzoo.metrics.privacy.analysis import (
    AUC_FLAG,
    DCR_FLAG,
    EXACT,
    Groups,
    Neighbours,
    copies,
    copy_flag,
    dcr_share,
    distance_ratio,
    flagged,
    membership_auc,
    neighbours,
)
from ganzoo.metrics.privacy.distances import (
    Distance,
    FeatureDistance,
    SeriesDistance,
    TableDistance,
    table_transformer,
)
from ganzoo.metrics.privacy.figures import closest_pairs, dcr_histogram
from ganzoo.notices import progress_bar
from ganzoo.registry.errors import ConfigError, DataError

#: Default ``max_train`` per modality: images need a feature pass per sample. Series and tables
#: are compared with whole training splits of typical size: a generator copies from the whole
#: split, and a copy of a sample left out of the comparison looks like an unseen sample.
MAX_TRAIN = {"image": 1000, "series": 100_000, "table": 50_000}
#: Fewest samples of each set the metrics are computed on.
MIN_SAMPLES = 2
ATTACK = (
    "distance to the closest generated sample (GAN-Leaks full black-box, Chen et al. 2020): "
    "a smaller distance means member"
)


@dataclass(frozen=True)
class PrivacyData:
    """What the three metrics compute from: distances, protocol, and (images) the samples to show."""

    near: Neighbours
    protocol: dict[str, Any]
    n_train: int
    n_holdout: int
    n_synthetic: int
    distance: str
    images: tuple[torch.Tensor, torch.Tensor] | None
    #: the real samples' groups when the split held out whole groups (meters), else ``None``
    groups: Groups | None = None


def privacy_data(ctx: EvalContext, config: PrivacyConfig, metric: str) -> PrivacyData:
    """The shared preparation (see the module docstring); refuses without held-out data."""
    ctx.require_held_out(metric)
    spec = ctx.spec
    if not privacy_applies(spec):
        raise ConfigError(f"{metric} needs series, tables or 1- or 3-channel images; this run makes {spec.modality} "
                          f"samples of shape {spec.shape}")
    extractor = _extractor(ctx, config, metric) if spec.modality == "image" else None
    max_train = config.max_train or MAX_TRAIN[spec.modality]
    max_holdout = config.max_holdout or max_train
    key = ("privacy", max_train, max_holdout, config.n_synthetic, extractor)
    return ctx.cached(key, lambda: _prepare(ctx, max_train, max_holdout, config.n_synthetic, extractor))


def _extractor(ctx: EvalContext, config: PrivacyConfig, metric: str) -> tuple[str, str]:
    """``(name, label)`` of the image feature extractor: the metric's, the evaluation's, Inception
    when its weights are there, else the offline random-convolution features."""
    name = config.feature_extractor or ctx.feature_extractor or (INCEPTION if ctx.inception_weights else RANDOM_CONV)
    return resolve_extractor(name, ctx.inception_weights, metric)


def _prepare(ctx: EvalContext, max_train: int, max_holdout: int, n_synthetic: int | None,
             extractor: tuple[str, str] | None) -> PrivacyData:
    spec = ctx.spec
    training = ctx.train(max_train)
    train = training.x
    real = ctx.real(max_holdout)
    if spec.condition == "paired":
        assert real.cond is not None
        order = torch.randperm(len(real.x), generator=torch.Generator().manual_seed(ctx.seed))
        sources, reference = order[: len(order) // 2], order[len(order) // 2 :]
        sources = sources[:n_synthetic] if n_synthetic else sources
        holdout = real.x[reference]
        holdout_groups = None if real.groups is None else [real.groups[i] for i in reference.tolist()]
        synthetic = ctx.generate(len(sources), real.cond[sources])
        generation = (f"translated from {len(sources)} held-out sources; the other {len(reference)} "
                      "held-out samples are the held-out set")
    else:
        holdout, holdout_groups = real.x, real.groups
        synthetic = ctx.generate(n_synthetic or len(train))
        generation = ("unconditional" if spec.condition == "none" else
                      CURATED if ctx.curates else "labels drawn by the sampler at the training frequencies")
    sizes = {"training": len(train), "held-out": len(holdout), "generated": len(synthetic)}
    if min(sizes.values()) < MIN_SAMPLES:
        counts = ", ".join(f"{n} {name}" for name, n in sizes.items())
        raise DataError(f"the privacy metrics need at least {MIN_SAMPLES} samples of each set (got {counts})")
    distance = _distance(ctx, train, extractor)
    stream = sys.stderr if sys.stderr.isatty() else None  # a bar on a terminal: whole splits take minutes
    with progress_bar(stream, len(holdout) + 2 * len(synthetic), "privacy distances") as bar:
        near = neighbours(distance.embed(train), distance.embed(holdout), distance.embed(synthetic), distance,
                          advance=bar.update)
    protocol: dict[str, Any] = {
        "n_real": len(holdout),
        "n_fake": len(synthetic),
        "n_train": len(train),
        "n_training_split": training.available,
        "split": ctx.split,
        "train_split": ctx.train_split,
        "seed": ctx.seed,
        "distance": distance.description,
        "generation": generation,
    }
    groups, said = _grouped(training.groups, holdout_groups)
    protocol.update(said)
    if extractor is not None:
        protocol["feature_extractor"] = extractor[1]
    if spec.meta.get(HELD_OUT_KEY):
        protocol["held_out"] = str(spec.meta[HELD_OUT_KEY])
    if ctx.note:
        protocol["note"] = ctx.note
    images = (synthetic, train) if spec.modality == "image" else None
    return PrivacyData(near, protocol, len(train), len(holdout), len(synthetic), distance.description, images, groups)


def _grouped(train: Sequence[str] | None, holdout: Sequence[str] | None) -> tuple[Groups | None, dict[str, str]]:
    """The groups of ``T`` and ``H`` when both sets declare them, and the protocol line saying so."""
    if train is None or holdout is None:
        return None, {}
    counts = len(set(train)), len(set(holdout))
    return Groups.of(train, holdout), {"groups": f"{counts[0]} training and {counts[1]} held-out groups: the split "
                                                 "held out whole groups, and the standard errors count a group as one draw"}


def _distance(ctx: EvalContext, train: torch.Tensor, extractor: tuple[str, str] | None) -> Distance:
    spec = ctx.spec
    if spec.modality == "series":
        return SeriesDistance(train)
    if spec.modality == "table":
        return TableDistance(train, table_transformer(spec))
    assert extractor is not None
    name, label = extractor
    weights = ctx.inception_weights if name == INCEPTION else None

    def features(x: torch.Tensor) -> torch.Tensor:
        return image_features(
            to_uint8_rgb(x, spec.value_range), feature_extractor=name, inception_weights=weights,
            device=ctx.device, batch_size=ctx.batch_size,
        )

    return FeatureDistance(features, label)


def _binomial_sd(rate: float, n: int) -> float:
    return math.sqrt(rate * (1 - rate) / n)


class _PrivacyMetric:
    """Shared by the three metrics: their data kinds and the common preparation."""

    name = ""

    def __init__(self, config: PrivacyConfig) -> None:
        self.config = config

    @staticmethod
    def applies_to(spec: Any) -> bool:
        """Series, tables, and 1- or 3-channel images."""
        return privacy_applies(spec)

    def data(self, ctx: EvalContext) -> PrivacyData:
        return privacy_data(ctx, self.config, self.name)


class DCR(_PrivacyMetric):
    """Distance to closest record: size-balanced share of generated samples nearer to training than held-out data."""

    name = "dcr"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        data = self.data(ctx)
        result = dcr_share(data.near, data.n_train, data.n_holdout, groups=data.groups)
        return {"dcr_share": {
            "value": result["share"],
            "sd": result["sd"],
            "better": "lower",
            "ideal": 0.5,
            "flagged": flagged(result["share"], result["sd"], DCR_FLAG),
            "closer_to_training": result["raw"],
            "expected_closer_to_training": result["expected_raw"],
            "independent_draws": round(result["draws"], 1),
            "distance_ratio": distance_ratio(data.near),
            **data.protocol,
            "figure": dcr_histogram(
                data.near.synthetic_train.distance, data.near.holdout_train.distance, data.distance
            ),
        }}


class TrainingCopies(_PrivacyMetric):
    """Exact and near copies of training samples among the generated ones, against the held-out rates."""

    name = "training-copies"

    def __init__(self, config: TrainingCopiesConfig) -> None:
        super().__init__(config)
        self.near_quantile = config.near_quantile

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        data = self.data(ctx)
        found = copies(data.near, self.near_quantile, data.n_train, data.n_holdout, groups=data.groups)
        out = {}
        for kind, rule in (("exact", f"distance 0 (at most {EXACT:g} of the median held-out distance)"),
                           ("near", f"distance at most the {self.near_quantile:g} quantile of the held-out distances")):
            rates = found[kind]
            out[f"{kind}_copy_rate"] = {
                "value": rates["rate"],
                "sd": _binomial_sd(rates["rate"], data.n_synthetic),
                "better": "lower",
                "flagged": copy_flag(rates),
                "holdout_rate": rates["holdout_rate"],
                "count": rates["count"],
                "distinct_training": rates["distinct_training"],
                "threshold": rates["threshold"],
                "training_share": rates["training_share"],
                "training_share_sd": rates["training_share_sd"] if math.isfinite(rates["training_share_sd"]) else None,
                "rule": rule,
                **data.protocol,
            }
        if data.images is not None:
            synthetic, train = data.images
            figure, pairs = closest_pairs(
                synthetic, train, data.near.synthetic_train.distance, data.near.synthetic_train.index, ctx.spec.value_range
            )
            out["near_copy_rate"].update({"figure": figure, "closest_pairs": pairs})
        return out


class MembershipInference(_PrivacyMetric):
    """AUC of a distance-to-synthetic attack telling training members from held-out samples."""

    name = "membership-inference"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        data = self.data(ctx)
        value, sd = membership_auc(data.near, data.groups)
        return {"membership_auc": {
            "value": value,
            "sd": sd,
            "better": "lower",
            "ideal": 0.5,
            "flagged": flagged(value, sd, AUC_FLAG),
            "attack": ATTACK,
            "n_members": data.n_train,
            "n_non_members": data.n_holdout,
            **data.protocol,
        }}
