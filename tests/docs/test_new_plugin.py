"""``ganzoo new-plugin``: the generated distribution is complete and its own tests pass."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ganzoo.cli.new_plugin import create_plugin, plugin_names
from ganzoo.registry.errors import ConfigError


def test_generated_distribution_is_complete(tmp_path: Path) -> None:
    target = create_plugin("ganzoo-rings", tmp_path)

    assert target == tmp_path / "ganzoo-rings"
    pyproject = tomllib.loads((target / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "ganzoo-rings"
    assert pyproject["project"]["entry-points"]["ganzoo"] == {"rings": "ganzoo_rings.plugin"}
    package = target / "src" / "ganzoo_rings"
    assert {p.name for p in package.iterdir()} == {
        "__init__.py", "configs.py", "data.py", "models.py", "plugin.py", "py.typed"
    }
    assert {p.name for p in (target / "tests").iterdir()} == {"conftest.py", "test_plugin.py"}
    for path in target.rglob("*"):
        if path.is_file():
            assert "${" not in path.read_text(), f"unfilled placeholder in {path}"
            if path.suffix == ".py":
                compile(path.read_text(), str(path), "exec")
    assert 'register("rings-mlp", "ganzoo_rings.models:MLPGenerator"' in (package / "plugin.py").read_text()


@pytest.mark.slow
def test_generated_plugin_tests_pass_out_of_the_box(tmp_path: Path) -> None:
    target = create_plugin("rings", tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(target / "src"), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=target, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout


def test_cli_creates_the_plugin_and_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from ganzoo.cli import new_plugin

    parser = argparse.ArgumentParser()
    new_plugin.add_parser(parser.add_subparsers())
    args = parser.parse_args(["new-plugin", "my-data", "-o", str(tmp_path)])
    assert args.func(args) == 0
    assert (tmp_path / "ganzoo-my-data" / "src" / "ganzoo_my_data" / "plugin.py").is_file()
    assert "created" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="exists and is not empty"):
        args.func(args)


@pytest.mark.parametrize("name", ["My Plugin", "1abc", "ab--cd", "under_score", ""])
def test_bad_names_are_one_line_errors(name: str) -> None:
    with pytest.raises(ConfigError, match="plugin name"):
        plugin_names(name)
