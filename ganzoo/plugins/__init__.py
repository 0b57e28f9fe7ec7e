"""Plugin system: pluggy hookspecs and the manager that discovers plugins."""

from ganzoo.plugins.hookspecs import hookimpl

__all__ = ["hookimpl"]
