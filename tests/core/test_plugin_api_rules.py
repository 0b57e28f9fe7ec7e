"""The plugin API rules of issue 12, held for every plugin the repository ships.

1. Plugin code imports only ``ganzoo``, ``ganzoo.plugin`` and ``ganzoo.testing``: the domain
   plugins, the example plugin and the ``ganzoo new-plugin`` template (what third parties copy).
2. Every registered component is built from its config object: its target takes exactly one
   argument, annotated with the registered config (``constructor_mismatch`` is ``None``).
3. ``ganzoo.plugin`` is importable without torch, and every name it exports exists.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from string import Template

import pytest
from pydantic import BaseModel, Field

import ganzoo.plugin
from ganzoo.cli.new_plugin import create_plugin, plugin_names
from ganzoo.plugins.manager import PluginManager
from ganzoo.registry.config import ComponentConfig, ExperimentConfig
from ganzoo.registry.registry import BUILDABLE_KINDS, Entry, constructor_mismatch

pytest_plugins = ["ganzoo.testing.pytest_plugin"]

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_MODULES = frozenset({"ganzoo", "ganzoo.plugin", "ganzoo.testing"})
EXAMPLE_SRC = ROOT / "examples" / "ganzoo-example-plugin" / "src"


# -- rule 1: imports -------------------------------------------------------------------------------
def forbidden_imports(source: str, filename: str = "<source>") -> list[str]:
    """``"line N: module"`` for every import of a ``ganzoo.*`` module other than the public ones.

    ``from ganzoo import x`` is allowed (it goes through ganzoo's public namespace); relative
    imports are the plugin's own.
    """
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [
            f"line {node.lineno}: {module}"
            for module in modules
            if module.startswith("ganzoo.") and module not in PUBLIC_MODULES
        ]
    return found


def _plugin_sources() -> Iterator[tuple[Path, str]]:
    """``(path, Python source)`` of plugin code: domain plugins, example plugin, template.

    Template files are filled with the values ``ganzoo new-plugin rule-check`` would use.
    """
    values = plugin_names("rule-check")
    patterns = ("plugins/*/src/**/*.py", "examples/*/src/**/*.py", "examples/*/tests/*.py")
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "ganzoo" / "templates").rglob("*.py.tmpl")):
        yield path, Template(path.read_text(encoding="utf-8")).substitute(values)


def test_plugin_code_imports_only_the_public_modules() -> None:
    sources = list(_plugin_sources())
    assert any("templates" in path.parts for path, _ in sources), "no template files found"
    assert any("plugins" in path.parts for path, _ in sources), "no domain plugin sources found"
    offenders = [
        f"{path.relative_to(ROOT)}: {hit}"
        for path, source in sources
        for hit in forbidden_imports(source, str(path))
    ]
    assert not offenders, (
        "plugin code may import only ganzoo, ganzoo.plugin and ganzoo.testing "
        "(add what is missing to ganzoo/plugin.py):\n  " + "\n  ".join(offenders)
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import ganzoo\nfrom ganzoo import DataSpec, hookimpl\n", []),
        ("from ganzoo.plugin import Register\nimport ganzoo.testing\n", []),
        ("from ganzoo.testing import Registry, check_generator\n", []),
        ("import ganzoo.registry\n", ["line 1: ganzoo.registry"]),
        ("import torch\nfrom ganzoo.plugins.manager import Register\n", ["line 2: ganzoo.plugins.manager"]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ganzoo.metrics.context import EvalContext\n",
         ["line 3: ganzoo.metrics.context"]),
        ("from ganzoo_medical import base\nfrom .configs import X\nimport ganzoo_extra.x\n", []),
    ],
)
def test_forbidden_imports_tells_public_from_internal(source: str, expected: list[str]) -> None:
    assert forbidden_imports(source) == expected


# -- rule 2: one config argument -------------------------------------------------------------------
@pytest.fixture
def shipped_plugins(
    ganzoo_plugins: Callable[..., PluginManager], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PluginManager]:
    """Built-ins, the installed plugins, the example plugin and a fresh ``ganzoo new-plugin``.

    A plugin that fails to load fails the test (``ganzoo_plugins`` is strict): its components
    could not be checked.
    """
    before = set(sys.modules)
    template = create_plugin("rule-check", tmp_path)
    monkeypatch.syspath_prepend(str(template / "src"))
    extra = [("ganzoo-rule-check", importlib.import_module("ganzoo_rule_check.plugin"))]
    try:
        metadata.distribution("ganzoo-example-plugin")  # installed: discovered by its entry point
    except metadata.PackageNotFoundError:
        monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
        extra.append(("ganzoo-example-plugin", importlib.import_module("ganzoo_example.plugin")))
    yield ganzoo_plugins(*extra, discover=True)
    for name in set(sys.modules) - before:
        if name.partition(".")[0] in ("ganzoo_rule_check", "ganzoo_example"):
            del sys.modules[name]


def test_every_registered_component_takes_its_config_object(shipped_plugins: PluginManager) -> None:
    entries = [e for kind in BUILDABLE_KINDS for e in shipped_plugins.registry.entries(kind)]
    providers = {e.provider for e in entries}
    assert {"ganzoo", "ganzoo-rule-check", "ganzoo-example-plugin"} <= providers
    broken = [
        f"{e.kind} {e.qualified_name} ({e.target if isinstance(e.target, str) else e.target.__qualname__}): {why}"
        for e in entries
        if (why := constructor_mismatch(e)) is not None
    ]
    assert not broken, "components must take exactly one argument, their config object:\n  " + "\n  ".join(broken)


class _WidthConfig(ComponentConfig):
    """A config for the constructor_mismatch cases."""

    width: int = Field(4, gt=0)


class _NarrowWidthConfig(_WidthConfig):
    """A subclass: a target annotated with its base config still takes it."""


class _OtherConfig(ComponentConfig):
    """A config unrelated to the others."""


class _TakesConfig:
    def __init__(self, config: _WidthConfig) -> None:
        self.width = config.width


class _TakesKeywords:
    def __init__(self, width: int = 4, depth: int = 2) -> None:
        self.width, self.depth = width, depth


class _TakesKeywordOnlyConfig:
    def __init__(self, *, config: _WidthConfig) -> None:
        self.width = config.width


class _TakesOtherConfig:
    def __init__(self, config: _OtherConfig) -> None:
        self.config = config


class _TakesConfigWithDefault:
    def __init__(self, config: _WidthConfig = _WidthConfig()) -> None:  # noqa: B008 - the case under test
        self.width = config.width


def _factory(config: _WidthConfig) -> _TakesConfig:
    return _TakesConfig(config)


def _entry(target: object, config: type[ComponentConfig] = _WidthConfig) -> Entry:
    return Entry("generator", "case", "tests", target, config)


@pytest.mark.parametrize(
    ("target", "config"),
    [(_TakesConfig, _WidthConfig), (_TakesConfig, _NarrowWidthConfig), (_factory, _WidthConfig)],
    ids=["class", "base-annotation", "factory"],
)
def test_constructor_mismatch_accepts_a_single_config_argument(target: object, config: type[ComponentConfig]) -> None:
    assert constructor_mismatch(_entry(target, config)) is None


def test_constructor_mismatch_reports_keyword_parameters() -> None:
    why = constructor_mismatch(_entry(_TakesKeywords))
    assert why is not None and "takes (width, depth)" in why and "exactly one argument" in why
    why = constructor_mismatch(_entry(_TakesKeywordOnlyConfig))  # the registry passes it positionally
    assert why is not None and "takes (config)" in why


def test_constructor_mismatch_reports_an_unrelated_config_annotation() -> None:
    why = constructor_mismatch(_entry(_TakesOtherConfig))
    assert why is not None and "_OtherConfig" in why and "not the registered config _WidthConfig" in why


def test_constructor_mismatch_reports_a_default_config() -> None:
    why = constructor_mismatch(_entry(_TakesConfigWithDefault))
    assert why is not None and "has a default" in why


# -- rule 3: ganzoo.plugin -------------------------------------------------------------------------
def _none_lost_on_reload(model: type[BaseModel], path: str, seen: set[type[BaseModel]]) -> Iterator[str]:
    """Fields that accept ``None`` but default to something else, with no validator of their own."""
    if model in seen:
        return
    seen.add(model)
    validated = {f for d in model.__pydantic_decorators__.field_validators.values() for f in d.info.fields}
    for name, field in model.model_fields.items():
        args = typing.get_args(field.annotation) or (field.annotation,)
        if type(None) in args and not field.is_required() and field.default is not None and name not in validated:
            yield f"{path}.{name} (default {field.default!r})"
        for arg in args:
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                yield from _none_lost_on_reload(arg, f"{path}.{name}", seen)


def test_a_parameter_set_to_none_reads_back_as_none(shipped_plugins: PluginManager) -> None:
    """A run's ``config.toml`` drops ``None`` (TOML has no null), so a field whose default is not
    ``None`` would silently read back as that default on resume and evaluate: such a field must
    map ``None`` to a storable value in a validator of its own (smart-grid's no-timestamp ``""``)."""
    seen: set[type[BaseModel]] = set()
    lost = [
        hit
        for kind in BUILDABLE_KINDS
        for e in shipped_plugins.registry.entries(kind)
        if e.config is not None
        for hit in _none_lost_on_reload(e.config, f"{kind} {e.name}", seen)
    ]
    lost += list(_none_lost_on_reload(ExperimentConfig, "experiment", seen))
    assert not lost, "these parameters accept None but read back as their default:\n  " + "\n  ".join(lost)


def test_every_name_ganzoo_plugin_exports_resolves() -> None:
    missing = [name for name in ganzoo.plugin.__all__ if getattr(ganzoo.plugin, name, None) is None]
    assert not missing
    assert sorted(dir(ganzoo.plugin)) == sorted(ganzoo.plugin.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ganzoo.plugin.Nope  # noqa: B018 - the lookup is the test


def test_importing_ganzoo_plugin_does_not_import_torch() -> None:
    code = (
        "import sys, ganzoo.plugin\n"
        "print(' '.join(m for m in ('torch', 'numpy', 'pandas') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"importing ganzoo.plugin imported {result.stdout.strip()}"
