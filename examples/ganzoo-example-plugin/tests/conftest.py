"""Fixtures: a registry holding ganzoo's built-ins and this plugin, loaded in-process.

Loading the plugin module directly (instead of through its entry point) makes the tests work
whether or not the distribution is installed, and keeps other installed plugins out.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ganzoo.plugins.manager import PluginManager
from ganzoo.registry.registry import Registry

import ganzoo_example.plugin

pytest_plugins = ["ganzoo.testing.pytest_plugin"]


@pytest.fixture
def registry(ganzoo_plugins: Callable[..., PluginManager]) -> Registry:
    manager = ganzoo_plugins(("ganzoo-example-plugin", ganzoo_example.plugin), discover=False)
    assert not manager.failures(), [p.error for p in manager.failures()]
    return manager.registry
