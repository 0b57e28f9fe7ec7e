"""A typed facade over pluggy that discovers plugins and fills the registry.

Discovery reads the ``ganzoo`` entry-point group. Each plugin is loaded and each of its hooks is
called in isolation: a plugin that fails to import, raises inside a hook, uses a hook that does not
exist or registers something invalid is recorded as failed (with its distribution, version and
error) and everything it registered is withdrawn; all other plugins keep working.

``GANZOO_DISABLE_PLUGINS=1`` (or ``ganzoo --no-plugins``) turns discovery of third-party plugins
off; ganzoo's own entry point (the built-in components) is always loaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from ganzoo.plugins import hookspecs
from ganzoo.registry.config import ComponentConfig
from ganzoo.registry.errors import RegistrationError, describe_error
from ganzoo.registry.registry import Entry, Registry

DISABLE_ENV = "GANZOO_DISABLE_PLUGINS"
CORE_DISTRIBUTION = "ganzoo"

#: Hook name -> registry kind it fills.
HOOK_KINDS: dict[str, str] = {
    "ganzoo_register_generators": "generator",
    "ganzoo_register_discriminators": "discriminator",
    "ganzoo_register_losses": "loss",
    "ganzoo_register_datasets": "dataset",
    "ganzoo_register_metrics": "metric",
    "ganzoo_register_presets": "preset",
    "ganzoo_register_commands": "command",
    "ganzoo_register_loggers": "logger",
}


@dataclass
class PluginInfo:
    """What ``ganzoo plugins`` reports about one plugin."""

    name: str
    distribution: str
    version: str
    status: str = "ok"  # ok | failed
    error: str | None = None
    components: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "components": self.components,
        }


def discovery_disabled() -> bool:
    """True when the environment switches third-party plugin discovery off."""
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no")


class PluginManager:
    """Loads plugins into a [`Registry`][ganzoo.registry.registry.Registry] and remembers how each one fared."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self.registry = Registry()
        self.plugins: list[PluginInfo] = []

    # -- loading -----------------------------------------------------------------------------
    def load_entry_points(self, *, discover: bool = True) -> None:
        """Load the ``ganzoo`` entry points (only ganzoo's own when ``discover`` is false)."""
        seen: set[tuple[str, str]] = set()
        for dist in metadata.distributions():
            dist_name = dist.metadata["Name"] or "?"
            if not discover and _canonical(dist_name) != CORE_DISTRIBUTION:
                continue
            for ep in dist.entry_points:
                if ep.group != hookspecs.PROJECT or (dist_name, ep.name) in seen:
                    continue
                seen.add((dist_name, ep.name))  # a dist visible twice on sys.path loads once
                info = PluginInfo(ep.name, dist_name, dist.version or "")
                try:
                    module = ep.load()
                except Exception as err:
                    self._fail(info, f"import failed: {describe_error(err)}")
                    continue
                self.add_plugin(module, info)

    def add_plugin(self, plugin: object, info: PluginInfo) -> PluginInfo:
        """Register ``plugin`` (a module or object with hookimpls) and run its hooks."""
        self.plugins.append(info)
        try:
            self._pm.register(plugin, name=f"{info.distribution}:{info.name}")
        except Exception as err:  # e.g. a hookimpl with arguments the spec lacks
            return self._fail(info, f"invalid plugin: {describe_error(err)}")
        try:
            self._pm.check_pending()  # a hookimpl without a hookspec: a misspelt hook name
        except pluggy.PluginValidationError as err:
            self._pm.unregister(plugin)
            unknown = str(err).split(" in plugin ")[0]  # pluggy: "unknown hook 'x' in plugin <...>"
            return self._fail(info, f"{unknown} (hooks: {', '.join(HOOK_KINDS)})")
        for hook_name, kind in HOOK_KINDS.items():
            register = self._register_callback(kind, info)
            for impl in getattr(self._pm.hook, hook_name).get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                try:
                    impl.function(register=register)
                except Exception as err:
                    self._pm.unregister(plugin)
                    return self._fail(info, f"{hook_name} failed: {describe_error(err)}")
        return info

    def _register_callback(self, kind: str, info: PluginInfo) -> Callable[..., None]:
        """The ``register`` function a hook of ``kind`` receives (see [`ganzoo.plugins.register`][ganzoo.plugins.register])."""
        provider = _canonical(info.distribution)

        def add(name: str, target: Any, config: type[ComponentConfig] | None, summary: str) -> None:
            self.registry.add(Entry(kind, name, provider, target, config, summary, info.version))
            info.components.setdefault(kind, []).append(name)

        def register_preset(name: str, experiment: Any, *, summary: str | None = None) -> None:
            if not isinstance(experiment, (Mapping, str, Path)):
                raise RegistrationError(f"preset {name!r}: experiment must be a mapping or a TOML path")
            add(name, experiment, None, summary or "")

        def register_command(name: str, configure: Any, *, help: str) -> None:
            if not (callable(configure) or (isinstance(configure, str) and ":" in configure)):
                raise RegistrationError(f"command {name!r}: configure must be callable or 'module:attr'")
            add(name, configure, None, help)

        def register(
            name: str,
            target: Callable[..., Any] | str,
            *,
            config: type[ComponentConfig],
            summary: str | None = None,
        ) -> None:
            add(name, target, config, summary if summary is not None else _first_line(config.__doc__ if config else None))

        return {"preset": register_preset, "command": register_command}.get(kind, register)

    def _fail(self, info: PluginInfo, error: str) -> PluginInfo:
        if info not in self.plugins:
            self.plugins.append(info)
        info.status, info.error = "failed", error
        provider = _canonical(info.distribution)
        for kind, names in info.components.items():  # only this entry point's registrations
            for name in names:
                self.registry.remove(kind, name, provider)
        info.components = {}
        return info

    def failures(self) -> list[PluginInfo]:
        return [p for p in self.plugins if p.status != "ok"]


def _canonical(dist_name: str) -> str:
    return dist_name.lower().replace("_", "-").replace(".", "-")


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""


# -- the process-wide manager ----------------------------------------------------------------
_lock = threading.Lock()
_manager: PluginManager | None = None


def get_manager(*, discover: bool | None = None) -> PluginManager:
    """The process-wide manager, loaded on first use.

    ``discover=None`` follows ``GANZOO_DISABLE_PLUGINS``; an explicit value (the CLI's
    ``--no-plugins``) wins but only takes effect before the first load.
    """
    global _manager
    with _lock:
        if _manager is None:
            manager = PluginManager()
            manager.load_entry_points(discover=not discovery_disabled() if discover is None else discover)
            _manager = manager
        return _manager


def reset_manager(plugins: Iterable[tuple[str, object]] = (), *, discover: bool | None = None) -> PluginManager:
    """Rebuild the process-wide manager (tests; ``plugins`` are extra ``(name, module)`` pairs)."""
    global _manager
    with _lock:
        _manager = None
    manager = get_manager(discover=discover)
    for name, plugin in plugins:
        manager.add_plugin(plugin, PluginInfo(name, name, "0"))
    return manager


def get_registry() -> Registry:
    """The registry of the process-wide manager."""
    return get_manager().registry
