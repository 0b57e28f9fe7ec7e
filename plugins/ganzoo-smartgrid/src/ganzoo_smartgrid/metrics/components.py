"""The registered metrics: fetch data from ganzoo's EvalContext, call the pure functions.

The context gives held-out real windows and generated windows for the same conditions (both in
the model's [-1, 1]). TimeGAN scores and k-means use them rescaled to [0, 1] (TimeGAN's min-max
step, applied with the dataset's global statistics); forecasting errors and profile statistics
use original units (kW / kWh) recovered with the normalisation stored in the DataSpec, so MAPE
and RMSE mean what grid analysts expect. Each metric declares ``applies_to(spec)`` so
``ganzoo evaluate`` runs it by default on series data. Every result is an error or a distance
(``better = "lower"``), which is how ``ganzoo compare`` picks the best run per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ganzoo.plugin import ConfigError, DataError, DataSpec
from ganzoo_smartgrid.conditions import ConditionCodec
from ganzoo_smartgrid.configs import (
    ClassProfilesConfig,
    ConditionRecoveryConfig,
    CoverageConfig,
    DiscriminativeScoreConfig,
    ForecastConfig,
    KMeansAgreementConfig,
    LoadStatisticsConfig,
    PredictiveScoreConfig,
)
from ganzoo_smartgrid.metrics.clustering import kmeans_agreement
from ganzoo_smartgrid.metrics.conditional import (
    class_classification,
    class_profiles,
    coverage_density,
)
from ganzoo_smartgrid.metrics.figures import class_figures, pca_figure, profile_figures
from ganzoo_smartgrid.metrics.forecast import tstr_forecast
from ganzoo_smartgrid.metrics.statistics import autocorrelation_error, profile_statistics
from ganzoo_smartgrid.metrics.timegan import discriminative_score, predictive_score
from ganzoo_smartgrid.normalise import Normaliser

if TYPE_CHECKING:
    from ganzoo.plugin import EvalContext


def _sequences(ctx: EvalContext, x: torch.Tensor) -> np.ndarray:
    """(N, C, L) model-space samples -> (N, L, C) in [0, 1]."""
    return ctx.to_unit(x).numpy().transpose(0, 2, 1)


def _model_space(x: torch.Tensor) -> np.ndarray:
    """(N, 1, L) tensor -> (N, L) float64 array."""
    return x.detach().double().cpu().numpy()[:, 0]


def _original(spec: DataSpec, x: torch.Tensor) -> tuple[np.ndarray, str]:
    """(N, L) in original units when the spec says how, else in [0, 1]; with the unit's name."""
    convert, unit = _to_units(spec)
    return convert(_model_space(x)), unit


def _to_units(spec: DataSpec) -> tuple[Any, str]:
    """Function mapping model-space values to original units (or to [0, 1]), and the unit's name."""
    low, high = spec.value_range
    if "normalisation" in spec.meta:
        norm = Normaliser.from_meta(spec.meta["normalisation"])

        def convert(v: np.ndarray) -> np.ndarray:  # (N, L) of the one channel these metrics take
            return norm.inverse(((v - low) / (high - low) * 2.0 - 1.0)[:, None, :])[:, 0]

        return convert, str(spec.meta.get("unit", "?"))
    return (lambda v: (v - low) / (high - low)), "model scale [0, 1]"


def _univariate(spec: DataSpec) -> bool:
    return spec.modality == "series" and spec.shape[0] == 1


def _cond(real: Any) -> np.ndarray | None:
    return real.cond.numpy() if real.cond is not None else None


class _SeriesMetric:
    """Shared ``applies_to``: univariate series (load curves)."""

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return _univariate(spec)


class DiscriminativeScore:
    """TimeGAN discriminative score (see [`ganzoo_smartgrid.metrics.timegan`][ganzoo_smartgrid.metrics.timegan])."""

    def __init__(self, config: DiscriminativeScoreConfig) -> None:
        self.options = {"iterations": config.iterations, "batch_size": config.batch_size, "runs": config.runs,
                        "hidden_dim": config.hidden_dim}

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return spec.modality == "series"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real, fake = ctx.real(), ctx.generated()
        result = discriminative_score(_sequences(ctx, real.x), _sequences(ctx, fake), seed=ctx.seed,
                                      device=ctx.device, **self.options)
        return {"discriminative_score": {**ctx.protocol(better="lower"), **result}}


class PredictiveScore:
    """TimeGAN predictive score, train-on-synthetic, with the train-on-real reference."""

    def __init__(self, config: PredictiveScoreConfig) -> None:
        self.options = {"iterations": config.iterations, "batch_size": config.batch_size, "runs": config.runs,
                        "hidden_dim": config.hidden_dim}
        self.train_on_real = config.train_on_real

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return spec.modality == "series"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real, fake = _sequences(ctx, ctx.real().x), _sequences(ctx, ctx.generated())
        out = {"predictive_score": {**ctx.protocol(better="lower"), **predictive_score(
            fake, real, seed=ctx.seed, device=ctx.device, **self.options), "trained_on": "synthetic"}}
        if self.train_on_real:
            out["predictive_score_real"] = {**ctx.protocol(better="lower"), **predictive_score(
                real, real, seed=ctx.seed, device=ctx.device, **self.options),
                "trained_on": "real (the same held-out set it is tested on, as TimeGAN's 'original data' row)"}
        return out


class KMeansAgreement(_SeriesMetric):
    """k-means cluster shares and centroids (see [`ganzoo_smartgrid.metrics.clustering`][ganzoo_smartgrid.metrics.clustering])."""

    def __init__(self, config: KMeansAgreementConfig) -> None:
        self.k, self.n_init = config.k, config.n_init

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real = ctx.to_unit(ctx.real().x).numpy()[:, 0]
        fake = ctx.to_unit(ctx.generated()).numpy()[:, 0]
        result = kmeans_agreement(real, fake, k=self.k, n_init=self.n_init, seed=ctx.seed)
        result["kmeans_share_js"]["figure"] = pca_figure(real, fake, seed=ctx.seed)
        return {name: {**ctx.protocol(units="model scale [0, 1]", better="lower"), **entry} for name, entry in result.items()}


class ForecastTSTR(_SeriesMetric):
    """Ridge forecaster trained on synthetic vs real, tested on held-out real windows."""

    def __init__(self, config: ForecastConfig) -> None:
        self.alpha, self.test_fraction = config.alpha, config.test_fraction

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        spec, real = ctx.spec, ctx.real()
        real_x, fake_x = _model_space(real.x), _model_space(ctx.generated())
        to_units, unit = _to_units(spec)
        cond = _cond(real)
        order = np.random.default_rng(ctx.seed).permutation(len(real_x))
        n_test = max(1, int(round(len(order) * self.test_fraction)))
        test, train = order[:n_test], order[n_test:]
        if not len(train):
            raise DataError(f"{len(real_x)} real windows are too few to split into forecaster train and test")
        # the generated samples share the real samples' conditions index by index (unconditional:
        # an independent draw), so the synthetic training set mirrors the real training set
        synth = fake_x[train] if len(fake_x) == len(real_x) else fake_x
        steps = int(spec.meta.get("steps_per_day", spec.shape[1]))
        result = tstr_forecast(
            real_x[train], real_x[test], synth, steps_per_day=min(steps, spec.shape[1]),
            real_train_cond=cond[train] if cond is not None else None,
            real_test_cond=cond[test] if cond is not None else None,
            synthetic_cond=cond[train] if cond is not None and len(fake_x) == len(real_x) else None,
            alpha=self.alpha, to_units=to_units,
        )
        split = f"held-out real windows split {1 - self.test_fraction:.0%}/{self.test_fraction:.0%} (forecaster train/test)"
        return {name: {**ctx.protocol(units=unit, data_split=split, better="lower"), **entry} for name, entry in result.items()}


class LoadStatistics(_SeriesMetric):
    """Autocorrelation and daily-profile statistics (see [`ganzoo_smartgrid.metrics.statistics`][ganzoo_smartgrid.metrics.statistics])."""

    def __init__(self, config: LoadStatisticsConfig) -> None:
        self.max_lag = config.max_lag

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        spec, real = ctx.spec, ctx.real()
        real_x, unit = _original(spec, real.x)
        fake_x, _ = _original(spec, ctx.generated())
        steps = int(spec.meta.get("steps_per_day", spec.shape[1]))
        if spec.shape[1] % steps:
            steps = spec.shape[1]
        codec = ConditionCodec.from_meta(spec.meta["conditions"]) if "conditions" in spec.meta else None
        cond = _cond(real)
        fake_cond = cond if cond is not None and len(fake_x) == len(real_x) else None
        out = {"acf_mae": {**ctx.protocol(better="lower"), **autocorrelation_error(real_x, fake_x, self.max_lag or steps)}}
        stats = profile_statistics(real_x, fake_x, steps_per_day=steps, real_cond=cond, fake_cond=fake_cond,
                                   condition_names=codec.names if codec is not None else None)
        minutes = spec.meta.get("resolution_minutes", 1440 // steps)  # None: no timestamps, steps on the x axis
        stats["profile_mean_rmse"]["figures"] = profile_figures(
            real_x, fake_x, minutes=minutes, unit=unit, real_cond=cond, fake_cond=fake_cond, codec=codec)
        out.update({name: {**ctx.protocol(units=unit, better="lower"), **entry} for name, entry in stats.items()})
        return out


def class_block(spec: DataSpec) -> tuple[int, list[str]] | None:
    """Offset and values of the condition block the per-class metrics group by, if any.

    ``meta["class_block"]`` names it for the generic CSV datasets; the BDEW and meter datasets
    have a block called ``class``.
    """
    if spec.condition != "label" or "conditions" not in spec.meta:
        return None
    wanted = spec.meta.get("class_block", "class")
    codec = ConditionCodec.from_meta(spec.meta["conditions"])
    for start, block in codec.categorical():
        if block.name == wanted:
            return start, [str(v) for v in block.values]
    return None


def _class_labels(spec: DataSpec, cond: torch.Tensor | None) -> tuple[np.ndarray, list[str]] | None:
    found = class_block(spec)
    if found is None or cond is None:
        return None
    start, names = found
    return cond.numpy()[:, start : start + len(names)].argmax(1), names


class ConditionRecovery:
    """Class recovery by a real-trained classifier and train-on-synthetic/test-on-real accuracy."""

    def __init__(self, config: ConditionRecoveryConfig) -> None:
        """The classifier is fixed (see [`ganzoo_smartgrid.metrics.conditional`][ganzoo_smartgrid.metrics.conditional])."""

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return spec.modality == "series" and class_block(spec) is not None

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real = ctx.real()
        labels = _class_labels(ctx.spec, real.cond)
        if labels is None:
            raise ConfigError("condition-recovery needs a run conditioned on a class")
        y, names = labels
        out = class_classification(ctx.to_unit(real.x).numpy(), y, ctx.to_unit(ctx.generated()).numpy(), y, names,
                                   seed=ctx.seed)
        return {name: {**ctx.protocol(units="model scale [0, 1]"), **entry} for name, entry in out.items()}


class ClassProfiles:
    """Per-class per-step mean and sd profile errors, and the spread ratio (collapse shows here)."""

    def __init__(self, config: ClassProfilesConfig) -> None:
        """Nothing to set: the profiles are compared step by step."""

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return spec.modality == "series"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real = ctx.real()
        labels = _class_labels(ctx.spec, real.cond)
        y, names = labels if labels is not None else (None, None)
        real_x, fake_x = ctx.to_unit(real.x).numpy(), ctx.to_unit(ctx.generated()).numpy()
        out = class_profiles(real_x, y, fake_x, y, names)
        channels = list(ctx.spec.meta.get("channels", [f"{i}" for i in range(real_x.shape[1])]))
        out["profile_mean_error"]["figures"] = class_figures(real_x, fake_x, y, y, names, channels)
        return {name: {**ctx.protocol(units="model scale [0, 1]", better="lower"), **entry}
                for name, entry in out.items()}


class Coverage:
    """Coverage (diversity) and density (fidelity) of synthetic windows around the real ones."""

    def __init__(self, config: CoverageConfig) -> None:
        self.k = config.k

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return spec.modality == "series"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        out = coverage_density(ctx.to_unit(ctx.real().x).numpy(), ctx.to_unit(ctx.generated()).numpy(), k=self.k)
        return {name: {**ctx.protocol(units="model scale [0, 1]"), **entry} for name, entry in out.items()}
