"""``ganzoo_plugins`` is strict by default: a plugin that fails to load fails the test, with its error."""

from __future__ import annotations

import types
from collections.abc import Callable

import pytest

import ganzoo
from ganzoo.components.configs import L1Config
from ganzoo.plugins.manager import PluginManager

pytest_plugins = ["ganzoo.testing.pytest_plugin"]

LoadPlugins = Callable[..., PluginManager]


def _plugin(hook_body: Callable[..., None]) -> types.ModuleType:
    module = types.ModuleType("under_test")
    module.ganzoo_register_losses = ganzoo.hookimpl(hook_body)  # type: ignore[attr-defined]
    return module


def _broken(register: Callable[..., None]) -> None:
    raise RuntimeError("column 'speed' missing from the layout")


def _working(register: Callable[..., None]) -> None:
    register("my-l1", "ganzoo.components.losses:L1Loss", config=L1Config)


def test_a_plugin_that_fails_to_load_fails_the_test_with_its_error(ganzoo_plugins: LoadPlugins) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        ganzoo_plugins(("ganzoo-broken", _plugin(_broken)), discover=False)
    message = str(failed.value)
    assert "ganzoo-broken" in message
    assert "ganzoo_register_losses failed: RuntimeError: column 'speed' missing from the layout" in message
    assert "strict=False" in message


def test_strict_false_returns_the_manager_with_the_failure(ganzoo_plugins: LoadPlugins) -> None:
    manager = ganzoo_plugins(("ganzoo-broken", _plugin(_broken)), discover=False, strict=False)
    (failure,) = manager.failures()
    assert failure.distribution == "ganzoo-broken" and "RuntimeError" in (failure.error or "")


def test_a_working_plugin_is_provided_under_its_name(ganzoo_plugins: LoadPlugins) -> None:
    manager = ganzoo_plugins(("ganzoo-mine", _plugin(_working)), discover=False)
    assert not manager.failures()
    assert manager.registry.get("loss", "my-l1").provider == "ganzoo-mine"
    assert ganzoo.create("loss", "ganzoo-mine:my-l1") is not None
