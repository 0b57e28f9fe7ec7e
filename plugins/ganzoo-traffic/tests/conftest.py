"""Shared fixtures: small accident tables built once per session."""

from __future__ import annotations

import pytest
from ganzoo_traffic.configs import AccidentsSimConfig
from ganzoo_traffic.data.dataset import AccidentsSim


@pytest.fixture(scope="session")
def sim() -> AccidentsSim:
    """A small conditional simulator dataset (indicator policy, no gaps)."""
    return AccidentsSim(AccidentsSimConfig(n_rows=1500, seed=0, max_fit_rows=1500))


@pytest.fixture(scope="session")
def sim_masked() -> AccidentsSim:
    """The simulator with 20 % MCAR gaps, trained with masks (MaWGAN)."""
    return AccidentsSim(AccidentsSimConfig(n_rows=1500, seed=0, missing_rate=0.2, missing="mask", max_fit_rows=1500))
