"""The registered table metrics: EvalContext adapters around the pure functions.

Each metric decodes the held-out real rows and the generated rows of an
[`EvalContext`][ganzoo.metrics.context.EvalContext] back to tables with the DataSpec (so both are
compared in the data's own units and categories, never in the encoded space) and reports every
value with its protocol (sample counts, split, seed, test settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ganzoo.plugin import ConfigError, DataError
from ganzoo_traffic.configs import (
    TableAugmentationConfig,
    TableDetectionConfig,
    TableFidelityConfig,
)
from ganzoo_traffic.data.dataset import decode
from ganzoo_traffic.metrics.augmentation import augmentation_test
from ganzoo_traffic.metrics.detection import detection
from ganzoo_traffic.metrics.fidelity import fidelity_report

if TYPE_CHECKING:
    from ganzoo.plugin import DataSpec, EvalContext


def tables(ctx: EvalContext) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Real and generated rows of the evaluation as DataFrames, plus the column kinds."""
    spec = ctx.spec
    table = spec.meta.get("table") if spec.modality == "table" else None
    if not isinstance(table, dict):
        raise DataError("table metrics need a ganzoo-traffic table dataset (DataSpec.meta['table'])")
    kinds = {c["name"]: c["kind"] for c in table["transformer"]["columns"]}
    return decode(ctx.real().x, spec, native=False), decode(ctx.generated(), spec, native=False), kinds


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def applies_to_tables(spec: DataSpec) -> bool:
    """True for DataSpecs of ganzoo-traffic table datasets (``ganzoo evaluate`` defaults)."""
    return getattr(spec, "modality", None) == "table" and isinstance(spec.meta.get("table"), Mapping)


def applies_to_labelled_tables(spec: DataSpec) -> bool:
    """True for ganzoo-traffic tables whose target column has at least two classes.

    The augmentation test trains classifiers to predict the dataset's target, so it can run
    only on such tables (``table-csv`` has a target only when ``target`` is set); it is also the
    slowest metric, so ``ganzoo evaluate`` must not pick it where it would only fail.
    """
    if not applies_to_tables(spec):
        return False
    table = spec.meta["table"]
    column = next((c for c in table["transformer"]["columns"] if c["name"] == table.get("target")), None)
    if column is None or column["kind"] not in ("categorical", "boolean"):
        return False
    return sum(category is not None for category in column["categories"]) >= 2


class TableFidelity:
    """Per-column KS/chi-squared tests (Holm), KS/TV complements, pair-trend similarity."""

    applies_to = staticmethod(applies_to_tables)

    def __init__(self, config: TableFidelityConfig) -> None:
        self.alpha, self.bins = config.alpha, config.bins

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real, synth, kinds = tables(ctx)
        report = fidelity_report(real, synth, kinds, alpha=self.alpha, bins=self.bins)
        # every fidelity score is a share or a similarity in [0, 1]
        protocol = ctx.protocol(alpha=self.alpha, correction="holm", bins=self.bins, better="higher")
        out = {
            f"table/{key}": {"value": _finite(report[key]), **protocol}
            for key in (
                "columns_not_different", "ks_complement", "tv_complement", "column_shapes",
                "correlation_similarity", "contingency_similarity", "pair_trends", "quality",
            )
        }
        out["table/columns_not_different"]["tests"] = report["tests"]
        return out


class TableDetection:
    """Real-vs-synthetic classifier AUC (0.5 = indistinguishable) and SDMetrics' detection score."""

    applies_to = staticmethod(applies_to_tables)

    def __init__(self, config: TableDetectionConfig) -> None:
        self.classifier, self.folds = config.classifier, config.folds

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real, synth, kinds = tables(ctx)
        result = detection(real, synth, kinds, classifier=self.classifier, folds=self.folds, seed=ctx.seed)
        protocol = ctx.protocol(
            classifier=self.classifier, folds=self.folds, rows_per_class=result["rows_per_class"],
            real_rows_with_gaps_left_out=result["real_rows_with_gaps_left_out"],
        )
        return {
            # 0.5 is the floor a cross-validated AUC reaches when the sets cannot be told apart
            "table/detection_auc": {"value": result["auc"], "sd": result["auc_sd"], **protocol, "better": "lower"},
            "table/detection_score": {"value": result["score"], **protocol, "better": "higher"},
        }


class TableAugmentation:
    """Accuracy and false-positive rate of classifiers trained on real vs real + synthetic rows.

    The held-out real rows are split in half (seeded, stratified by the target): classifiers learn
    on one half (alone, or with synthetic rows) and are scored on the other. ``ganzoo evaluate``
    runs it by default only on tables with a target of two or more classes; chosen explicitly,
    ``params.target`` may name the label column of any table.
    """

    applies_to = staticmethod(applies_to_labelled_tables)

    def __init__(self, config: TableAugmentationConfig) -> None:
        self.target = config.target
        self.classifiers = list(config.classifiers)
        self.seeds, self.ratio, self.positive = config.seeds, config.ratio, config.positive

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        real, synth, kinds = tables(ctx)
        target = self.target or ctx.spec.meta["table"].get("target")
        if not target or target not in kinds:
            raise ConfigError(f"table-augmentation: target column {target!r} is not in the table; set params.target")
        train, test = stratified_halves(real, target, ctx.seed)
        result = augmentation_test(
            train, test, synth, target, kinds, classifiers=self.classifiers,
            seeds=self.seeds, ratio=self.ratio, positive=self.positive,
        )
        protocol = ctx.protocol(**result.pop("protocol"))
        out: dict[str, dict[str, Any]] = {}
        for name, summary in result.items():
            for key in ("acc_real", "acc_aug", "fpr_real", "fpr_aug"):
                out[f"table/augmentation/{name}/{key}"] = {
                    "value": summary[f"{key}_mean"], "sd": summary[f"{key}_sd"], **protocol,
                    "better": "higher" if key.startswith("acc") else "lower",
                }
        out["table/augmentation/accuracy_gain"] = {
            "value": float(np.mean([s["accuracy_gain"] for s in result.values()])), **protocol,
            "better": "higher",
        }
        out["table/augmentation/fpr_reduction"] = {
            "value": float(np.mean([s["fpr_reduction"] for s in result.values()])), **protocol,
            "better": "higher",
        }
        return out


def stratified_halves(frame: pd.DataFrame, target: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two halves of ``frame`` with the same class mix (seeded)."""
    rng = np.random.default_rng(seed)
    first: list[int] = []
    for _, group in frame.groupby(frame[target].astype(str)):
        index = rng.permutation(group.index.to_numpy())
        first.extend(index[: len(index) // 2].tolist())
    chosen = frame.index.isin(first)
    return frame[chosen], frame[~chosen]
