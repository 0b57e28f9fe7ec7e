"""Packaging rules: every domain plugin is an extra of ganzoo, in lockstep, installed by the README."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIRS = sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text())["project"]


def _quickstart() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart\n.*?```[a-z]*\n(.*?)```", text, re.S)
    assert block, "README needs a Quickstart code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_holds_exactly_two_commands() -> None:
    assert len(_quickstart()) == 2


@pytest.mark.parametrize("plugin", PLUGIN_DIRS, ids=lambda p: p.name)
def test_each_plugin_is_an_extra_in_lockstep(plugin: Path) -> None:
    core = _project(ROOT / "pyproject.toml")
    project = _project(plugin / "pyproject.toml")
    extra = project["name"].removeprefix("ganzoo-")
    assert core["optional-dependencies"][extra] == [f"{project['name']}=={core['version']}"]
    assert project["version"] == core["version"]
    assert any(re.fullmatch(rf"ganzoo(\[[a-z,]+\])?=={core['version']}", dep) for dep in project["dependencies"])
    assert extra in core["optional-dependencies"]["all"][0]
    assert "ganzoo" in project["entry-points"]


@pytest.mark.parametrize("plugin", PLUGIN_DIRS, ids=lambda p: p.name)
def test_quickstart_installs_each_plugin(plugin: Path) -> None:
    assert f"./plugins/{plugin.name}" in _quickstart()[0]
