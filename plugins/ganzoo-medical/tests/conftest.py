"""Fixtures of the ganzoo-medical tests: a fresh plugin manager and tiny fundus files."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from ganzoo_medical.procedural import render_sample

from ganzoo.plugins import manager as manager_module


@pytest.fixture(autouse=True)
def _fresh_plugin_manager() -> Iterator[None]:
    yield
    manager_module._manager = None


@pytest.fixture(scope="session")
def eye() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One procedural (mask, image, fov) at 48 px, to write fixture files from."""
    return render_sample(0, "train", 0, 48)
