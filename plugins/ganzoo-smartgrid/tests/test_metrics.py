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
