"""Fixtures: a registry holding ganzoo's built-ins and this plugin, loaded in-process.

The plugin module is loaded directly, not through its entry point, and pyproject.toml puts
``src/`` on the test path: the tests run whether or not the distribution is installed, and
other installed plugins cannot interfere (``discover=False``). ``ganzoo_plugins`` fails the
test with the recorded error if the plugin does not load.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ganzoo.testing import PluginManager, Registry

import ganzoo_example.plugin

pytest_plugins = ["ganzoo.testing.pytest_plugin"]


@pytest.fixture
def registry(ganzoo_plugins: Callable[..., PluginManager]) -> Registry:
    # "ganzoo-example-plugin" is the provider name `ganzoo list` shows for these components.
    manager = ganzoo_plugins(("ganzoo-example-plugin", ganzoo_example.plugin), discover=False)
    return manager.registry
