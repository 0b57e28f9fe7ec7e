"""Shared fixtures: every test starts from a freshly loaded plugin manager."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ganzoo.plugins import manager as manager_module


@pytest.fixture(autouse=True)
def _fresh_plugin_manager() -> Iterator[None]:
    """Tests that register throwaway plugins must not leak them into other tests."""
    yield
    manager_module._manager = None


@pytest.fixture(autouse=True)
def _empty_weights_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights a developer fetched (``ganzoo weights fetch``) must not change what tests see."""
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path_factory.mktemp("ganzoo-cache")))
