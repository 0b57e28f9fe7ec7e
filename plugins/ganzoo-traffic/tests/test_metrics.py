"""Table metrics as pure functions, and their EvalContext adapters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from ganzoo_traffic.configs import (
    AccidentsSimConfig,
    TableAugmentationConfig,
    TableCSVConfig,
    TableDetectionConfig,
    TableFidelityConfig,
)
from ganzoo_traffic.data.dataset import AccidentsSim, TableCSV
from ganzoo_traffic.data.simulator import ACCIDENT_KINDS, simulate_accidents
from ganzoo_traffic.metrics.augmentation import augmentation_test, false_positive_rate
from ganzoo_traffic.metrics.components import TableAugmentation, TableDetection, TableFidelity
from ganzoo_traffic.metrics.detection import detection
from ganzoo_traffic.metrics.fidelity import column_tests, fidelity_report, holm, tv_complement

import ganzoo
from ganzoo.metrics.context import EvalContext
from ganzoo.plugin import ConfigError, DataSpec


def test_holm_matches_hand_computation() -> None:
    assert holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_same_distribution_passes_and_shifted_one_fails() -> None:
    real, synth = simulate_accidents(3000, seed=0), simulate_accidents(3000, seed=1)
    tests = column_tests(real, synth, ACCIDENT_KINDS)
    assert sum(r["different"] for r in tests.values()) <= 1
    shifted = synth.assign(latitude=synth["latitude"] + 0.5, speed_limit=70)
    tests = column_tests(real, shifted, ACCIDENT_KINDS)
    assert tests["latitude"]["different"] and tests["speed_limit"]["different"]
    assert tests["latitude"]["test"] == "ks" and tests["speed_limit"]["test"] == "chi2"
    good = fidelity_report(real, synth, ACCIDENT_KINDS)
    bad = fidelity_report(real, shifted, ACCIDENT_KINDS)
    assert good["quality"] > 0.9 and bad["quality"] < good["quality"]
    assert good["correlation_similarity"] > 0.95 and 0 <= bad["contingency_similarity"] <= 1


def test_tv_complement_values() -> None:
    assert tv_complement(pd.Series(["a", "b"]), pd.Series(["a", "b"])) == 1.0
    assert tv_complement(pd.Series(["a", "a"]), pd.Series(["b", "b"])) == 0.0


def test_detection_auc_near_half_for_same_and_high_for_different() -> None:
    real, synth = simulate_accidents(800, seed=0), simulate_accidents(800, seed=1)
    same = detection(real, synth, ACCIDENT_KINDS, seed=0)
    assert 0.35 < same["auc"] < 0.62 and same["score"] > 0.75
    assert detection(real, synth.assign(speed_limit=70), ACCIDENT_KINDS, seed=0)["auc"] > 0.9
    kinds = {"latitude": "continuous", "speed_limit": "categorical"}
    shifted = synth.head(150).assign(latitude=synth["latitude"].head(150) + 5.0)
    assert detection(real.head(150), shifted, kinds, classifier="gradient-boosting", seed=0)["auc"] > 0.9


def test_false_positive_rate() -> None:
    y = np.array(["1", "1", "0", "0", "0"])
    p = np.array(["1", "0", "1", "0", "0"])
    assert false_positive_rate(y, p, "1") == pytest.approx(1 / 3)
    assert false_positive_rate(y, p) == pytest.approx((1 / 3 + 1 / 2) / 2)


def test_augmentation_reports_every_classifier() -> None:
    real = simulate_accidents(600, seed=0)
    result = augmentation_test(real.iloc[:300], real.iloc[300:], simulate_accidents(300, seed=9),
                               "accident_severity", ACCIDENT_KINDS, classifiers=["ridge", "knn"], seeds=2)
    assert set(result) == {"ridge", "knn", "protocol"}
    ridge = result["ridge"]
    assert 0.5 < ridge["acc_real_mean"] <= 1 and 0 <= ridge["fpr_aug_mean"] <= 1
    assert ridge["accuracy_gain"] == pytest.approx(ridge["acc_aug_mean"] - ridge["acc_real_mean"])
    assert result["protocol"]["n_synthetic"] == 300


class _ReplaySampler:
    """Generates real rows of another split: a perfect generator for the adapters."""

    def __init__(self, spec, rows: torch.Tensor) -> None:
        self.spec, self.rows, self.used = spec, rows, 0

    def sample(self, n: int, condition=None, seed=None) -> torch.Tensor:
        out = self.rows[self.used : self.used + n]
        self.used += n
        return out


def test_metric_adapters_on_an_eval_context(sim: AccidentsSim) -> None:
    val = AccidentsSim(AccidentsSimConfig(n_rows=1500, seed=0, max_fit_rows=1500, split="test"))
    rows = torch.stack([sim[i]["x"] for i in range(300)])
    ctx = EvalContext(_ReplaySampler(sim.describe(), rows), val, split="test", n_samples=300, batch_size=100)
    fidelity = TableFidelity(TableFidelityConfig()).compute(ctx)
    assert fidelity["table/quality"]["value"] > 0.8
    assert fidelity["table/quality"]["n_real"] == 300 and fidelity["table/quality"]["split"] == "test"
    assert "accident_severity" in fidelity["table/columns_not_different"]["tests"]
    detected = TableDetection(TableDetectionConfig()).compute(ctx)
    assert detected["table/detection_auc"]["value"] < 0.7
    augmented = TableAugmentation(TableAugmentationConfig(classifiers=["ridge"], seeds=1)).compute(ctx)
    assert 0 < augmented["table/augmentation/ridge/acc_real"]["value"] <= 1
    assert augmented["table/augmentation/ridge/acc_real"]["target"] == "accident_severity"
    # the direction ganzoo compare uses to mark the best run
    directions = {name: entry["better"] for out in (fidelity, detected, augmented) for name, entry in out.items()}
    assert {directions["table/quality"], directions["table/detection_score"],
            directions["table/augmentation/ridge/acc_aug"], directions["table/augmentation/accuracy_gain"]} == {"higher"}
    assert directions["table/detection_auc"] == directions["table/augmentation/ridge/fpr_aug"] == "lower"
    assert TableFidelity.applies_to(sim.describe())


def test_augmentation_applies_by_default_only_with_a_target_of_two_classes(sim: AccidentsSim, tmp_path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": np.linspace(0, 1, 40), "label": ["a", "b"] * 20, "one": ["c"] * 40}).to_csv(path, index=False)
    data = {"path": path, "val_fraction": 0.0, "test_fraction": 0.0, "max_fit_rows": 40}
    untargeted = TableCSV(TableCSVConfig(**data)).describe()
    assert TableFidelity.applies_to(untargeted) and TableDetection.applies_to(untargeted)
    assert not TableAugmentation.applies_to(untargeted)  # table-csv without target: nothing to classify
    assert TableAugmentation.applies_to(TableCSV(TableCSVConfig(**data, target="label")).describe())
    assert not TableAugmentation.applies_to(TableCSV(TableCSVConfig(**data, target="one")).describe())
    assert TableAugmentation.applies_to(sim.describe())
    image = DataSpec("image", (3, 8, 8), (-1.0, 1.0))
    assert not any(m.applies_to(image) for m in (TableFidelity, TableDetection, TableAugmentation))


def test_augmentation_config_is_the_one_default() -> None:
    assert TableAugmentation(TableAugmentationConfig()).classifiers == ["svm", "knn", "ridge", "mlp"]
    with pytest.raises(ConfigError, match=r"metric\.params\.classifiers"):
        ganzoo.create("metric", "table-augmentation", classifiers=[])  # used to mean all four, silently
