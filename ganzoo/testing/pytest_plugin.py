"""Opt-in pytest fixtures for plugin authors.

Enable in your ``conftest.py``::

    pytest_plugins = ["ganzoo.testing.pytest_plugin"]

It is not registered as a ``pytest11`` entry point on purpose: that would import ganzoo (and
torch) into every pytest run of every environment where ganzoo happens to be installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch

from ganzoo.data.spec import DataSpec
from ganzoo.plugins import manager as manager_module
from ganzoo.plugins.manager import PluginManager, reset_manager


@pytest.fixture
def ganzoo_plugins() -> Iterator[Callable[..., PluginManager]]:
    """Load ganzoo with extra in-process plugins for one test, restored afterwards.

    ``ganzoo_plugins(("name", module), discover=False)`` returns the fresh manager; components of
    the given modules are then visible to ``ganzoo.create`` and ``ganzoo.train``.
    """
    previous = manager_module._manager

    def load(*plugins: tuple[str, object], discover: bool = True) -> PluginManager:
        return reset_manager(plugins, discover=discover)

    yield load
    manager_module._manager = previous


@pytest.fixture
def tiny_batch() -> Callable[[DataSpec, int], dict[str, Any]]:
    """Make a seeded random batch ``{"x", "cond"?}`` for any DataSpec."""
    from ganzoo.testing.conformance import make_condition, make_sample

    def make(spec: DataSpec, n: int = 4) -> dict[str, Any]:
        torch.manual_seed(0)
        batch: dict[str, Any] = {"x": make_sample(spec, n)}
        cond = make_condition(spec, n)
        if cond is not None:
            batch["cond"] = cond
        return batch

    return make
