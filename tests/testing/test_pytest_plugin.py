"""The opt-in pytest fixtures work for plugin authors."""

from __future__ import annotations

import types

import ganzoo
from ganzoo.components.configs import L1Config
from ganzoo.data.spec import DataSpec

pytest_plugins = ["ganzoo.testing.pytest_plugin"]


def test_ganzoo_plugins_fixture_registers_in_process_plugins(ganzoo_plugins) -> None:  # type: ignore[no-untyped-def]
    module = types.ModuleType("mine")

    def ganzoo_register_losses(register):  # type: ignore[no-untyped-def]
        register("my-l1", "ganzoo.components.losses:L1Loss", config=L1Config)

    module.ganzoo_register_losses = ganzoo.hookimpl(ganzoo_register_losses)  # type: ignore[attr-defined]
    manager = ganzoo_plugins(("mine", module), discover=False)
    assert manager.registry.get("loss", "my-l1").provider == "mine"
    assert "my-l1" in ganzoo.list_components("loss")


def test_tiny_batch_fixture(tiny_batch) -> None:  # type: ignore[no-untyped-def]
    batch = tiny_batch(DataSpec("image", (1, 8, 8), condition="label", condition_shape=(3,)), 2)
    assert batch["x"].shape == (2, 1, 8, 8) and batch["cond"].shape == (2, 3)
    assert batch["cond"].sum(dim=1).tolist() == [1.0, 1.0]
