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
from ganzoo.plugins.manager import PluginManager
from ganzoo.testing.plugins import load_plugins


@pytest.fixture
def ganzoo_plugins() -> Iterator[Callable[..., PluginManager]]:
    """A callable that reloads ganzoo's plugins for one test; the previous state returns afterwards.

    ``ganzoo_plugins(*plugins, discover=True, strict=True)`` rebuilds the process-wide plugin
    manager and returns it (``.registry``, ``.plugins``, ``.failures()``); ``ganzoo.create``,
    ``ganzoo.train`` and the conformance checks then see its components.

    - ``plugins``: ``(name, module)`` pairs loaded in-process, without an entry point. ``name``
      plays the part of the distribution name: it is the provider shown by ``ganzoo list``
      and ``ganzoo plugins`` (write ``name:component`` to pick a component from it).
    - ``discover``: also load the installed plugins found through entry points. With
      ``discover=False`` only ganzoo's built-ins and ``plugins`` are loaded, so the test does not
      depend on what else is installed.
    - ``strict``: fail the test, with each plugin's recorded error, when any plugin this call
      loaded (the given ones, and the discovered ones when ``discover=True``) failed to load;
      ganzoo would otherwise withdraw its components and the test would fail later with an
      unrelated "unknown component". ``strict=False`` returns the manager as it is, for tests
      of failure handling.
    """
    previous = manager_module._manager

    def load(*plugins: tuple[str, object], discover: bool = True, strict: bool = True) -> PluginManager:
        manager = load_plugins(*plugins, discover=discover)
        failures = manager.failures()
        if strict and failures:
            lines = [f"{p.distribution} ({p.name}): {p.error}" for p in failures]
            pytest.fail(
                "ganzoo_plugins: plugins failed to load (pass strict=False to allow this):\n  "
                + "\n  ".join(lines),
                pytrace=False,
            )
        return manager

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
