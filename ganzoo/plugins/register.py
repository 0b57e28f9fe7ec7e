"""The ``register`` callbacks the ``ganzoo_register_*`` hooks receive, as typed protocols.

Kept apart from [`ganzoo.plugins.hookspecs`][ganzoo.plugins.hookspecs] (which names them in its signatures) and from
[`ganzoo.plugins.manager`][ganzoo.plugins.manager] (which implements them), so neither imports the other.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from ganzoo.registry.config import ComponentConfig

#: Adds a subcommand's arguments to its (already created) parser and sets ``func``:
#: ``parser.set_defaults(func=run)`` where ``run(args) -> int`` is the exit status.
ConfigureCommand = Callable[[argparse.ArgumentParser], None]


class Register(Protocol):
    """The callback a component hook receives.

    ``target`` is a class or factory, or ``"module:attr"`` to import it only when the component
    is first built; it is called with one argument, the validated ``config`` object. ``summary``
    (default: the first line of the config's docstring) is what ``ganzoo list`` shows.

    Examples:
        ```python
        from ganzoo.plugin import Register, hookimpl
        from myplugin.configs import TinyGeneratorConfig

        @hookimpl
        def ganzoo_register_generators(register: Register) -> None:
            register("tiny", "myplugin.models:TinyGenerator", config=TinyGeneratorConfig,
                     summary="A two-layer MLP generator for tables.")
        ```
    """

    def __call__(
        self,
        name: str,
        target: Callable[..., Any] | str,
        *,
        config: type[ComponentConfig],
        summary: str | None = None,
    ) -> None: ...


class PresetRegister(Protocol):
    """The callback ``ganzoo_register_presets`` receives.

    ``experiment`` is a mapping shaped like an experiment file, or the path of a TOML file
    shipped in the package; users train it with ``ganzoo train --preset NAME``.

    Examples:
        ```python
        from pathlib import Path

        from ganzoo.plugin import PresetRegister, hookimpl

        @hookimpl
        def ganzoo_register_presets(register: PresetRegister) -> None:
            register("tiny-ring", Path(__file__).with_name("presets") / "tiny-ring.toml",
                     summary="Tiny MLP GAN on a ring of Gaussians (seconds on a CPU).")
        ```
    """

    def __call__(self, name: str, experiment: Mapping[str, Any] | str | Path, *, summary: str | None = None) -> None: ...


class CommandRegister(Protocol):
    """The callback ``ganzoo_register_commands`` receives.

    ``configure`` (or ``"module:attr"``) is called with the subcommand's parser whenever the
    CLI is built, so keep its module light: import heavy code inside the ``run`` function it
    sets with ``parser.set_defaults(func=run)``.

    Examples:
        ```python
        import argparse

        from ganzoo.plugin import CommandRegister, hookimpl

        def configure(parser: argparse.ArgumentParser) -> None:
            parser.add_argument("run", help="run directory")
            parser.set_defaults(func=run)

        def run(args: argparse.Namespace) -> int:
            from myplugin.heavy import summarise  # imported only when the command runs

            summarise(args.run)
            return 0

        @hookimpl
        def ganzoo_register_commands(register: CommandRegister) -> None:
            register("summarise", configure, help="summarise a run")
        ```
    """

    def __call__(self, name: str, configure: ConfigureCommand | str, *, help: str) -> None: ...
