"""Plugin loading: built-ins through the entry point, failures isolated and reported."""

from __future__ import annotations

import types

import pytest

import ganzoo
from ganzoo.components.configs import L1Config
from ganzoo.plugins.manager import PluginInfo, PluginManager, get_manager, reset_manager

BUILTINS = {
    "generator": ["dcgan", "unet"],
    "discriminator": ["dcgan", "patchgan"],
    "loss": ["adversarial", "gradient-penalty", "l1", "r1"],
    "dataset": ["aligned-pairs", "image-folder", "paired-folders"],
    "preset": ["dcgan", "pix2pix"],
}


def _plugin(**hooks: object) -> types.ModuleType:
    module = types.ModuleType("throwaway")
    for name, fn in hooks.items():
        setattr(module, name, ganzoo.hookimpl(fn))  # type: ignore[arg-type]
    return module


def test_builtins_register_through_ganzoos_own_entry_point() -> None:
    manager = get_manager(discover=False)
    builtin = [p for p in manager.plugins if p.distribution == "ganzoo"]
    assert [p.name for p in builtin] == ["builtin"]
    for kind, names in BUILTINS.items():
        assert set(names) <= set(manager.registry.names(kind)), kind
        assert all(manager.registry.get(kind, n).provider == "ganzoo" for n in names)


def test_list_components_api() -> None:
    assert ganzoo.list_components("generator", "u*") == ["unet"]
    assert "patchgan" in ganzoo.list_components("discriminator")


def test_a_plugin_raising_in_a_hook_is_reported_and_withdrawn() -> None:
    def ganzoo_register_losses(register):  # type: ignore[no-untyped-def]
        register("fine", "ganzoo.components.losses:L1Loss", config=L1Config)
        raise RuntimeError("boom")

    manager = reset_manager([("broken", _plugin(ganzoo_register_losses=ganzoo_register_losses))], discover=False)
    info = manager.plugins[-1]
    assert info.status == "failed"
    assert "ganzoo_register_losses failed: RuntimeError: boom" in (info.error or "")
    assert "fine" not in manager.registry.names("loss")  # partial registrations are withdrawn
    assert "l1" in manager.registry.names("loss")  # everything else keeps working


def test_invalid_registration_is_reported() -> None:
    def ganzoo_register_generators(register):  # type: ignore[no-untyped-def]
        register("Bad Name", "x:y", config=L1Config)

    manager = reset_manager([("bad", _plugin(ganzoo_register_generators=ganzoo_register_generators))], discover=False)
    assert manager.plugins[-1].status == "failed"
    assert "invalid generator name" in (manager.plugins[-1].error or "")


def test_unknown_hook_names_are_reported() -> None:
    def ganzoo_register_generator(register):  # type: ignore[no-untyped-def]  # typo: singular
        pass

    manager = PluginManager()
    info = manager.add_plugin(_plugin(ganzoo_register_generator=ganzoo_register_generator), PluginInfo("typo", "typo", "1"))
    assert info.status == "failed"
    assert "unknown hook 'ganzoo_register_generator'" in (info.error or "")


def test_hookimpl_with_unknown_argument_is_reported() -> None:
    def ganzoo_register_losses(register, extra):  # type: ignore[no-untyped-def]
        pass

    manager = PluginManager()
    info = manager.add_plugin(_plugin(ganzoo_register_losses=ganzoo_register_losses), PluginInfo("args", "args", "1"))
    assert info.status == "failed" and "invalid plugin" in (info.error or "")


def test_presets_must_be_mappings_or_paths() -> None:
    def ganzoo_register_presets(register):  # type: ignore[no-untyped-def]
        register("broken", 42)

    manager = reset_manager([("p", _plugin(ganzoo_register_presets=ganzoo_register_presets))], discover=False)
    assert manager.plugins[-1].status == "failed"


def test_environment_switch_disables_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GANZOO_DISABLE_PLUGINS", "1")
    manager = reset_manager()
    assert {p.distribution for p in manager.plugins} == {"ganzoo"}


def test_a_failing_entry_point_keeps_its_siblings_registrations() -> None:
    def good_losses(register):  # type: ignore[no-untyped-def]
        register("aaa-loss", "ganzoo.components.losses:L1Loss", config=L1Config)

    def bad_losses(register):  # type: ignore[no-untyped-def]
        register("bbb-loss", "ganzoo.components.losses:L1Loss", config=L1Config)
        raise RuntimeError("boom")

    manager = PluginManager()
    good = manager.add_plugin(_plugin(ganzoo_register_losses=good_losses), PluginInfo("good", "same-dist", "1"))
    bad = manager.add_plugin(_plugin(ganzoo_register_losses=bad_losses), PluginInfo("bad", "same-dist", "1"))
    assert good.status == "ok" and bad.status == "failed"
    assert manager.registry.names("loss", "aaa*") == ["aaa-loss"]
    assert manager.registry.names("loss", "bbb*") == []
