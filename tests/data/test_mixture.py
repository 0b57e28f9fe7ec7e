"""The one-column mixture equals scikit-learn's BayesianGaussianMixture, only faster."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ganzoo.data.mixture import fit_column_mixture

sklearn_mixture = pytest.importorskip("sklearn.mixture")


def _columns() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "bimodal": np.concatenate([rng.normal(0.0, 1.0, 3000), rng.normal(6.0, 0.3, 1000)]),
        "heavy tail": rng.lognormal(0.0, 1.2, 4000),
        "few integers": rng.integers(0, 6, 4000).astype(float),  # components collapse onto values
        "one outlier": np.append(rng.normal(0.0, 1.0, 999), 40.0),
    }


def _reference(x: np.ndarray, n_components: int, seed: int) -> sklearn_mixture.BayesianGaussianMixture:
    reference = sklearn_mixture.BayesianGaussianMixture(
        n_components=n_components, weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001, max_iter=100, n_init=1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged within 100 iterations: compared all the same
        return reference.fit(x.reshape(-1, 1))


@pytest.mark.parametrize("name", list(_columns()))
@pytest.mark.parametrize("seed", [0, 3])
def test_equals_scikit_learn(name: str, seed: int) -> None:
    x = _columns()[name]
    n_components = min(10, np.unique(x).size)
    ours = fit_column_mixture(x, n_components, seed)
    reference = _reference(x, n_components, seed)
    assert ours.n_iter == reference.n_iter_
    assert ours.converged == reference.converged_
    np.testing.assert_allclose(ours.weights, reference.weights_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.means, reference.means_[:, 0], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours.variances, reference.covariances_.reshape(-1), rtol=1e-9, atol=1e-12)


def test_finds_the_modes() -> None:
    """The mass and mean of each mode are recovered, however many components share a mode."""
    ours = fit_column_mixture(_columns()["bimodal"], 10, 0)
    upper = ours.means > 3.0
    assert ours.weights[upper].sum() == pytest.approx(0.25, abs=0.01)
    assert np.average(ours.means[upper], weights=ours.weights[upper]) == pytest.approx(6.0, abs=0.05)
    assert np.average(ours.means[~upper], weights=ours.weights[~upper]) == pytest.approx(0.0, abs=0.1)
    assert ours.weights.sum() == pytest.approx(1.0)


def test_refuses_fewer_values_than_components() -> None:
    with pytest.raises(ValueError, match="needs as many values"):
        fit_column_mixture(np.arange(3.0), 5, 0)
