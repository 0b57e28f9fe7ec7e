"""Loading plugin modules in-process: for a plugin's tests, and for trying hooks unpackaged.

A plugin's tests should not depend on whether its distribution is installed, nor on which
other plugins are; loading the plugin module directly, beside ganzoo's built-ins, gives both.
The types are re-exported so that plugin code annotates with public names only
(``ganzoo``, ``ganzoo.plugin`` and ``ganzoo.testing`` are the modules plugins import).
"""

from __future__ import annotations

from ganzoo.plugins.manager import PluginManager, reset_manager
from ganzoo.registry.registry import Registry

__all__ = ["PluginManager", "Registry", "load_plugins"]


def load_plugins(*plugins: tuple[str, object], discover: bool = True) -> PluginManager:
    """Rebuild ganzoo's process-wide plugin manager and return it.

    The new manager holds ganzoo's built-in components, the installed plugins when
    ``discover`` is true, and ``plugins``: ``(name, module)`` pairs of plugin modules loaded
    without an entry point, ``name`` standing in for the distribution name (the provider that
    ``ganzoo list`` shows). ``ganzoo.create``, ``ganzoo.train`` and the conformance checks use
    it from then on. A plugin that fails to load is recorded, not raised: see
    ``manager.failures()`` (the ``ganzoo_plugins`` fixture turns failures into test failures).
    """
    return reset_manager(plugins, discover=discover)
