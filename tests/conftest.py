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
