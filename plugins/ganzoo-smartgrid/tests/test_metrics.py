"""Metric cores as pure functions of (real, synthetic), and the registered metrics on an EvalContext."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ganzoo_smartgrid.configs import LoadProfilesConfig
from ganzoo_smartgrid.datasets import LoadProfiles
from ganzoo_smartgrid.metrics.clustering import kmeans_agreement
from ganzoo_smartgrid.metrics.forecast import forecast_task, tstr_forecast
from ganzoo_smartgrid.metrics.statistics import (
    autocorrelation_error,
    mean_autocorrelation,
    profile_statistics,
)
from ganzoo_smartgrid.metrics.timegan import discriminative_score, predictive_score, timegan_hidden

import ganzoo
from ganzoo.data.spec import DataSpec
from ganzoo.metrics.context import EvalContext


def _sines(n: int, length: int, phase: float, seed: int, noise: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, length)
    return 0.5 + 0.4 * np.sin(t + phase)[None, :] + noise * rng.standard_normal((n, length))


def _clusters(n: int, seed: int, shares: tuple[float, ...] = (0.5, 0.3, 0.2)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.stack([np.sin(np.linspace(0, 2 * np.pi, 24) + k * 2.0) for k in range(len(shares))])
    labels = rng.choice(len(shares), size=n, p=shares)
    return centres[labels] + 0.05 * rng.standard_normal((n, 24))


# -- TimeGAN ---------------------------------------------------------------------------------------
def test_timegan_hidden_follows_the_paper() -> None:
    assert timegan_hidden(28) == 14 and timegan_hidden(6) == 3 and timegan_hidden(1) == 4
    assert timegan_hidden(1, 12) == 12


def test_discriminative_score_separates_shifted_sines() -> None:
    real = _sines(100, 12, 0.0, 0)[..., None]
    same = _sines(100, 12, 0.0, 1)[..., None]
    shifted = _sines(100, 12, 1.5, 2)[..., None]
    kwargs = {"iterations": 100, "runs": 1, "batch_size": 32, "hidden_dim": 8}
    close = discriminative_score(real, same, **kwargs)
    far = discriminative_score(real, shifted, **kwargs)
    assert far["value"] > 0.4 > 0.15 > close["value"]
    assert far["runs"] == 1 and far["hidden_dim"] == 8 and far["n_real"] == 100


def test_predictive_score_prefers_matching_training_data() -> None:
    real = _sines(100, 12, 0.0, 0)[..., None]
    kwargs = {"iterations": 150, "runs": 1, "batch_size": 32, "hidden_dim": 8}
    trained_on_same = predictive_score(_sines(100, 12, 0.0, 1)[..., None], real, **kwargs)
    trained_on_noise = predictive_score(np.random.default_rng(3).uniform(size=(100, 12, 1)), real, **kwargs)
    assert trained_on_same["value"] < trained_on_noise["value"]
    assert "univariate" in trained_on_same["task"]


def test_timegan_scores_reject_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(N >= 2, T, dim\)"):
        discriminative_score(np.zeros((5, 24)), np.zeros((5, 24)))


# -- k-means -----------------------------------------------------------------------------------------
def test_kmeans_agreement_identical_vs_reweighted() -> None:
    real = _clusters(300, 0)
    same = kmeans_agreement(real, _clusters(300, 1), k=3, n_init=3)
    skewed = kmeans_agreement(real, _clusters(300, 2, shares=(0.05, 0.05, 0.9)), k=3, n_init=3)
    assert same["kmeans_share_js"]["value"] < 0.01 < skewed["kmeans_share_js"]["value"]
    assert same["kmeans_centroid_distance"]["value"] < 0.05
    moved = kmeans_agreement(real, _clusters(300, 1) + 0.5, k=3, n_init=3)
    assert moved["kmeans_centroid_distance"]["value"] == pytest.approx(0.5, abs=0.05)


def test_kmeans_chooses_k_by_silhouette() -> None:
    real = np.concatenate([_clusters(200, 0, shares=(0.25,) * 4)])
    result = kmeans_agreement(real, real, n_init=2)
    assert result["kmeans_share_js"]["k"] == 4
    assert result["kmeans_share_js"]["value"] == pytest.approx(0.0, abs=1e-12)


# -- forecasting ------------------------------------------------------------------------------------
def test_forecast_task_by_window_length() -> None:
    assert forecast_task(96, 48)[:2] == (48, 48)
    assert forecast_task(48, 48)[:2] == (24, 24)


def test_tstr_matches_trtr_for_real_like_data_and_not_for_noise() -> None:
    rng = np.random.default_rng(0)
    base = np.tile(1 + np.sin(np.linspace(0, 2 * np.pi, 48)), 2)
    scale = rng.uniform(0.5, 2.0, size=(400, 1))
    data = scale * base + 0.02 * rng.standard_normal((400, 96))
    train, test, synthetic = data[:150], data[150:250], data[250:]
    good = tstr_forecast(train, test, synthetic, steps_per_day=48)
    bad = tstr_forecast(train, test, rng.uniform(0, 3, size=(150, 96)), steps_per_day=48)
    assert good["forecast_rmse_tstr"]["ratio_to_trtr"] == pytest.approx(1.0, abs=0.2)
    assert bad["forecast_rmse_tstr"]["ratio_to_trtr"] > 3
    assert good["forecast_mape_trtr"]["value"] < 15
    assert good["forecast_mape_tstr"]["task"].startswith("day-ahead")


def test_tstr_conditions_all_or_none() -> None:
    x = np.ones((4, 48))
    with pytest.raises(ValueError, match="all of"):
        tstr_forecast(x, x, x, steps_per_day=48, real_train_cond=np.ones((4, 2)))


# -- statistics -------------------------------------------------------------------------------------
def test_autocorrelation_of_a_sine_and_of_noise() -> None:
    sine = _sines(50, 48, 0.0, 0, noise=0.0)
    noise = np.random.default_rng(0).standard_normal((50, 48))
    assert mean_autocorrelation(sine, 3)[0] > 0.9
    assert abs(mean_autocorrelation(noise, 3)[0]) < 0.1
    assert autocorrelation_error(sine, sine, 10)["value"] == 0.0
    assert autocorrelation_error(sine, noise, 10)["value"] > 0.3


def test_profile_statistics() -> None:
    real = _sines(100, 48, 0.0, 0)
    stats = profile_statistics(real, real.copy(), steps_per_day=48)
    assert stats["profile_mean_rmse"]["value"] == 0.0 and stats["peak_time_js"]["value"] == 0.0
    shifted = profile_statistics(real, _sines(100, 48, np.pi, 1) * 2, steps_per_day=48)
    assert shifted["peak_time_js"]["value"] > 0.9
    assert shifted["daily_energy_wasserstein"]["value"] == pytest.approx(48 * 0.5, rel=0.1)
    cond = np.eye(2)[np.arange(100) % 2]
    per = profile_statistics(real, real, steps_per_day=48, real_cond=cond, fake_cond=cond, condition_names=["a", "b"])
    assert set(per["profile_mean_rmse_by_condition"]["per_condition"]) == {"a", "b"}


def test_the_load_factor_ignores_days_without_load() -> None:
    """A generated day just below 0 everywhere has no load factor (it made the mean -5e9)."""
    real = np.tile(np.r_[np.ones(24), 3 * np.ones(24)], (10, 1))  # mean 2, peak 3 every day
    fake = np.vstack([real[:9], np.full((1, 48), -1e-3)])
    result = profile_statistics(real, fake, steps_per_day=48)["load_factor_difference"]
    assert result["load_factor_real"] == pytest.approx(2 / 3) and result["load_factor_fake"] == pytest.approx(2 / 3)
    assert result["value"] == pytest.approx(0.0) and result["days_without_load_fake"] == 1


# -- the registered metrics on ganzoo's EvalContext ---------------------------------------------------
class _DataSampler:
    """Samples the dataset itself: a perfect generator, so every metric should look good."""

    def __init__(self, dataset: LoadProfiles) -> None:
        self.dataset, self.spec = dataset, dataset.describe()

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed or 0)
        return self.dataset.x[torch.randint(0, len(self.dataset), (n,), generator=gen)]


@pytest.fixture(scope="module")
def ctx() -> EvalContext:
    train = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], n_samples=300, n_meters=20))
    held_out = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], n_samples=150, n_meters=20, split="val"))
    return EvalContext(_DataSampler(train), held_out, split="val", n_samples=150, batch_size=50)


def test_metrics_apply_to_series_only() -> None:
    from ganzoo_smartgrid.metrics.components import DiscriminativeScore, KMeansAgreement

    assert KMeansAgreement.applies_to(DataSpec("series", (1, 48)))
    assert not KMeansAgreement.applies_to(DataSpec("series", (3, 48)))
    assert DiscriminativeScore.applies_to(DataSpec("series", (3, 48)))
    assert not DiscriminativeScore.applies_to(DataSpec("image", (1, 8, 8)))


def test_registered_metrics_report_values_and_protocol(ctx: EvalContext) -> None:
    results = {}
    for name, params in (
        ("timegan-discriminative", {"iterations": 20, "runs": 1}),
        ("timegan-predictive", {"iterations": 20, "runs": 1}),
        ("kmeans-agreement", {"k": 4, "n_init": 2}),
        ("forecast-tstr", {}),
        ("load-statistics", {}),
    ):
        out = ganzoo.create("metric", name, **params).compute(ctx)
        for key, entry in out.items():
            assert isinstance(entry["value"], float), key
            assert entry["split"] == "val" and entry["n_real"] == 150
            # ganzoo compare marks the best run by this direction; every load-curve score is an error
            assert entry["better"] == "lower", key
        results.update(out)
    # the report's sd column: spread over the TimeGAN runs (one run here, so 0)
    assert results["discriminative_score"]["sd"] == 0.0 and "std" not in results["discriminative_score"]
    assert {"discriminative_score", "predictive_score", "predictive_score_real", "kmeans_share_js",
            "forecast_rmse_tstr", "forecast_rmse_trtr", "acf_mae", "profile_mean_rmse"} <= set(results)
    assert results["forecast_rmse_tstr"]["units"] == "kW"
    # the "generator" replays real training data, so forecasting from it is as good as from real data
    assert results["forecast_rmse_tstr"]["ratio_to_trtr"] < 1.5
    assert results["kmeans_share_js"]["value"] < 0.05
    assert "month=1" in results["profile_mean_rmse_by_condition"]["per_condition"]
    assert results["kmeans_share_js"]["figure"]["svg"].startswith("<svg")
    titles = [f["title"] for f in results["profile_mean_rmse"]["figures"]]
    assert titles[1:] == [f"Mean profile +- 1 sd by {block} (kW)" for block in ("daytype", "class", "month")]


# -- condition and diversity checks --------------------------------------------------------------
def _two_classes(n: int, seed: int, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(n, 1, 24) curves of two classes (morning vs evening peak), noise scaled by ``spread``."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.arange(24)
    peaks = np.where(y[:, None] == 0, np.exp(-((t - 8) ** 2) / 6), np.exp(-((t - 19) ** 2) / 6))
    x = 0.3 + 0.4 * peaks + spread * 0.05 * rng.standard_normal((n, 24))
    return x[:, None, :], y


def test_class_recovery_sees_an_ignored_condition() -> None:
    from ganzoo_smartgrid.metrics.conditional import class_classification

    real, y = _two_classes(200, 0)
    obeyed, _ = _two_classes(200, 1)
    ignored = np.repeat(obeyed[y == 0][:1], 200, axis=0)  # every synthetic curve is class 0's
    good = class_classification(real, y, obeyed, y, ["morning", "evening"])
    bad = class_classification(real, y, ignored, y, ["morning", "evening"])
    assert good["class_recovery"]["value"] > 0.9 and good["class_tstr_accuracy"]["value"] > 0.9
    assert bad["class_recovery"]["per_class"]["evening"]["recovery"] == 0.0 and bad["class_recovery"]["value"] == 0.0
    assert bad["class_tstr_accuracy"]["value"] < 0.6 and bad["class_tstr_accuracy"]["trtr"] > 0.9


def test_class_profiles_and_coverage_expose_collapse() -> None:
    from ganzoo_smartgrid.metrics.conditional import class_profiles, coverage_density

    real, y = _two_classes(300, 0)
    diverse, _ = _two_classes(300, 1)
    collapsed, _ = _two_classes(300, 2, spread=0.2)
    names = ["morning", "evening"]
    fine = class_profiles(real, y, diverse, y, names)
    narrow = class_profiles(real, y, collapsed, y, names)
    assert fine["spread_ratio_error"]["value"] < 0.15 < 0.6 < narrow["spread_ratio_error"]["value"]
    assert narrow["profile_mean_error"]["per_class"]["evening"]["sd_ratio"] == pytest.approx(0.2, abs=0.05)
    clusters = _clusters(300, 0)[:, None, :]
    one_mode = _clusters(300, 1, shares=(1.0, 0.0, 0.0))[:, None, :]  # only the first of three clusters
    assert coverage_density(clusters, _clusters(300, 2)[:, None, :])["coverage"]["value"] > 0.8
    assert coverage_density(clusters, one_mode)["coverage"]["value"] < 0.6


class _ClassSampler(_DataSampler):
    """Replays training curves of the class each condition asks for (a generator that obeys it)."""

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed or 0)
        classes = self.dataset.cond[:, 15:].argmax(1)
        wanted = condition[:, 15:].argmax(1)
        rows = [int(torch.nonzero(classes == c).flatten()[torch.randint(0, int((classes == c).sum()), (1,),
                                                                     generator=gen)]) for c in wanted]
        return self.dataset.x[rows]


def test_condition_metrics_run_on_a_load_profile_context() -> None:
    from ganzoo_smartgrid.metrics.components import ConditionRecovery

    train = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], n_samples=300, n_meters=20))
    held_out = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], n_samples=150, n_meters=20, split="val"))
    ctx = EvalContext(_ClassSampler(train), held_out, split="val", n_samples=150, batch_size=50)
    assert ConditionRecovery.applies_to(ctx.spec) and not ConditionRecovery.applies_to(DataSpec("series", (1, 48)))
    results = {}
    for name in ("condition-recovery", "class-profiles", "coverage"):
        results.update(ganzoo.create("metric", name).compute(ctx))
    # the "generator" replays real curves of the same classes, so every class is recovered
    assert results["class_recovery"]["value"] > 0.8 and set(results["class_recovery"]["per_class"]) == {"h25", "g25"}
    assert results["class_recovery"]["better"] == "higher" and results["coverage"]["n_real"] == 150
    assert set(results["profile_mean_error"]["per_class"]) == {"all", "h25", "g25"}
    (figure,) = results["profile_mean_error"]["figures"]  # one channel: one figure with a panel per class
    assert figure["svg"].startswith("<svg") and "g25" in figure["svg"]
