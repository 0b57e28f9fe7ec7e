"""``ganzoo new-plugin NAME [-o DIR]``: create a plugin distribution whose tests pass as created.

The files come from the templates shipped in ``ganzoo/templates/plugin`` (package data), with
``${name}``-style placeholders filled by `string.Template` and a ``__package__`` path
part renamed to the import package. The result has a ``pyproject.toml`` with the ``ganzoo``
entry point, a ``src/`` layout with a generator, a discriminator and a dataset, and the same
test layout as the tutorial's example plugin (``tests/conftest.py``, ``test_conformance.py``,
``test_train.py``): the conformance kit and a short training run, which pass before the plugin is
installed (pytest's ``pythonpath = ["src"]``) as well as after.
"""

from __future__ import annotations

import argparse
import re
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from string import Template

from ganzoo import __version__
from ganzoo.registry.errors import ConfigError

TEMPLATE = "plugin"
SUFFIX = ".tmpl"
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new-plugin",
        help="create a new plugin distribution (ganzoo-NAME) from a template",
        description="Create ganzoo-NAME/ with a pyproject entry point, a generator, a "
        "discriminator, a dataset and tests that run the conformance kit.",
    )
    p.add_argument("name", metavar="NAME", help="plugin name: lower-case words joined by '-' (e.g. 'rings')")
    p.add_argument("-o", "--output", metavar="DIR", default=".", help="parent folder (default: current folder)")
    p.set_defaults(func=run)


def plugin_names(name: str) -> dict[str, str]:
    """Template values for ``name`` (a leading ``ganzoo-`` is dropped); bad names are errors."""
    short = name.removeprefix("ganzoo-")
    if not _NAME.match(short):
        raise ConfigError(
            f"plugin name {name!r}: use lower-case letters and digits, words joined by '-' (e.g. 'my-data')"
        )
    ident = short.replace("-", "_")
    major_minor = ".".join(__version__.split(".")[:2])
    return {
        "name": short,
        "name_id": ident,
        "dist": f"ganzoo-{short}",
        "package": f"ganzoo_{ident}",
        "ganzoo_version": major_minor,
    }


def create_plugin(name: str, output: str | Path = ".") -> Path:
    """Write the plugin distribution under ``output``; returns its folder."""
    values = plugin_names(name)
    target = Path(output) / values["dist"]
    if target.exists() and any(target.iterdir()):
        raise ConfigError(f"{target}: exists and is not empty; choose another -o DIR or name")
    for relative, source in _template_files(resources.files("ganzoo") / "templates" / TEMPLATE):
        parts = [values["package"] if part == "__package__" else part for part in relative]
        path = target.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    return target


def _template_files(root: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    files: list[tuple[tuple[str, ...], Traversable]] = []
    for item in sorted(root.iterdir(), key=lambda t: t.name):
        if item.is_dir():
            files += _template_files(item, (*prefix, item.name))
        elif item.name.endswith(SUFFIX):
            files.append(((*prefix, item.name.removesuffix(SUFFIX)), item))
    return files


def run(args: argparse.Namespace) -> int:
    target = create_plugin(args.name, args.output)
    print(f"created {target}")
    print(f"next: cd {target} && pytest      # the tests pass before the plugin is installed")
    print("      pip install -e . && ganzoo list   # then ganzoo discovers it through its entry point")
    return 0
