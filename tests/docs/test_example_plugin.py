"""The tutorial's plugin, installed for real, is discovered, passes the kit and its own tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ganzoo-example-plugin"

KIT = """
from ganzoo import DataSpec
from ganzoo.testing import check_dataset, check_discriminator, check_generator
spec = DataSpec("table", (2,))
check_generator("example-mlp", spec, hidden=16)
check_discriminator("example-mlp", spec, hidden=16)
check_dataset("rings", n_samples=64)
print("kit ok")
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, wheel_builder: Callable[[Path, Path], Path]) -> Path:
    root = tmp_path_factory.mktemp("example-plugin")
    wheel = wheel_builder(EXAMPLE, root)
    target = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        check=True,
        timeout=120,
    )
    return target


def _env(site: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    env.pop("GANZOO_DISABLE_PLUGINS", None)
    return env


def _run(site: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=_env(site), cwd=cwd, timeout=300)


def test_installed_plugin_is_listed_and_passes_the_kit(site: Path) -> None:
    listing = _run(site, "-m", "ganzoo", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    provided = {(e["kind"], e["name"]) for e in json.loads(listing.stdout) if e["provider"] == "ganzoo-example-plugin"}
    assert provided == {
        ("generator", "example-mlp"), ("discriminator", "example-mlp"), ("dataset", "rings"),
        ("metric", "ring-coverage"), ("preset", "example-rings"),
    }
    plugins = json.loads(_run(site, "-m", "ganzoo", "plugins", "--json").stdout)["plugins"]
    (example,) = [p for p in plugins if p["distribution"] == "ganzoo-example-plugin"]
    assert (example["name"], example["status"], example["version"]) == ("example", "ok", "0.1.0")

    kit = _run(site, "-c", KIT)
    assert kit.returncode == 0, kit.stderr
    assert kit.stdout.strip() == "kit ok"


@pytest.mark.slow
def test_plugin_own_tests_pass_against_the_installed_copy(site: Path) -> None:
    result = _run(site, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=EXAMPLE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
