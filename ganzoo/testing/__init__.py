"""Conformance kit for component authors.

Run the checks from your plugin's tests::

    from ganzoo import DataSpec
    from ganzoo.testing import check_generator

    def test_my_generator_conforms():
        check_generator("my-generator", DataSpec("table", (2,)), hidden=16)

Each check builds the component through the registry (so your entry point and config are
exercised too) and raises [`ConformanceError`][ganzoo.testing.conformance.ConformanceError] with a message that says what to fix.
Fixtures for pytest live in [`ganzoo.testing.pytest_plugin`][ganzoo.testing.pytest_plugin] (opt in with
``pytest_plugins = ["ganzoo.testing.pytest_plugin"]``). [`load_plugins`][ganzoo.testing.plugins.load_plugins] loads plugin
modules in-process without pytest, and [`PluginManager`][ganzoo.plugins.manager.PluginManager] and [`Registry`][ganzoo.registry.registry.Registry] are here
so that a plugin's tests annotate with public names (plugins import only ``ganzoo``,
``ganzoo.plugin`` and ``ganzoo.testing``). [`ReplayingSampler`][ganzoo.testing.replay.ReplayingSampler] is a deliberately
memorising stand-in generator (training samples plus noise) that privacy metrics must flag.
"""

from ganzoo.testing.conformance import (
    ConformanceError,
    check_dataset,
    check_discriminator,
    check_generator,
    check_loss,
)
from ganzoo.testing.plugins import PluginManager, Registry, load_plugins
from ganzoo.testing.replay import ReplayingSampler

__all__ = [
    "ConformanceError",
    "PluginManager",
    "Registry",
    "ReplayingSampler",
    "check_dataset",
    "check_discriminator",
    "check_generator",
    "check_loss",
    "load_plugins",
]
