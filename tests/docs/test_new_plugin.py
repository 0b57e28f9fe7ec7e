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

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ganzoo-example-plugin"


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
    example_tests = {p.name for p in (EXAMPLE / "tests").glob("*.py")}
    assert {p.name for p in (target / "tests").iterdir()} == example_tests == {
        "conftest.py", "test_conformance.py", "test_train.py"
    }
    assert pyproject["tool"]["pytest"]["ini_options"]["pythonpath"] == ["src"]
    for path in target.rglob("*"):
        if path.is_file():
            assert "${" not in path.read_text(), f"unfilled placeholder in {path}"
            if path.suffix == ".py":
                compile(path.read_text(), str(path), "exec")
    assert 'register("rings-mlp", "ganzoo_rings.models:MLPGenerator"' in (package / "plugin.py").read_text()


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in ``folder`` in a fresh process, with nothing of ``folder`` on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.slow
def test_generated_plugin_tests_pass_uninstalled(tmp_path: Path) -> None:
    target = create_plugin("rings", tmp_path)
    probe = subprocess.run([sys.executable, "-c", "import ganzoo_rings"], cwd=tmp_path, capture_output=True)
    assert probe.returncode != 0, "ganzoo_rings must not be importable: the test is about the uninstalled plugin"

    result = _pytest(target)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "8 passed" in result.stdout and "skipped" not in result.stdout


def test_generated_plugin_tests_need_the_pythonpath_setting(tmp_path: Path) -> None:
    """Without ``pythonpath = ["src"]`` the uninstalled plugin's conftest cannot import it."""
    target = create_plugin("rings", tmp_path)
    pyproject = target / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('pythonpath = ["src"]\n', ""))
    result = _pytest(target, "--collect-only")
    assert result.returncode != 0
    assert "ModuleNotFoundError: No module named 'ganzoo_rings'" in result.stdout + result.stderr


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
