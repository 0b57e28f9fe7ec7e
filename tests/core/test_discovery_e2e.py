"""Discovery end to end: real wheels installed with pip, listed by the real CLI in a subprocess."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

GOOD_PLUGIN = '''
import ganzoo
from ganzoo.plugin import ComponentConfig


class TinyConfig(ComponentConfig):
    """Tiny MLP generator from a third-party plugin."""

    latent_dim: int = 4
    out_features: int = 2


@ganzoo.hookimpl
def ganzoo_register_generators(register):
    register("tiny-mlp", "tinyplugin.models:TinyGenerator", config=TinyConfig)
'''

GOOD_MODELS = '''
import torch
from torch import nn


class TinyGenerator(nn.Module):
    def __init__(self, config) -> None:
        super().__init__()
        self.latent_dim = config.latent_dim
        self.net = nn.Linear(config.latent_dim, config.out_features)

    def sample_latent(self, n, *, device="cpu", generator=None):
        return torch.randn(n, self.latent_dim, device=device, generator=generator)

    def forward(self, z, cond=None):
        return self.net(z)
'''


def _wheel(out: Path, dist: str, package: str, files: dict[str, str]) -> Path:
    """Write a minimal, valid pure-python wheel (no build backend needed)."""
    version = "1.2.3"
    stem = dist.replace("-", "_")
    info = f"{stem}-{version}.dist-info"
    contents = {f"{package}/{name}": text for name, text in files.items()}
    contents[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
    contents[f"{info}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    contents[f"{info}/entry_points.txt"] = f"[ganzoo]\n{package} = {package}\n"
    record = []
    for name, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = out / f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in contents.items():
            zf.writestr(name, text)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugins")
    good = _wheel(root, "ganzoo-tinyplugin", "tinyplugin", {"__init__.py": GOOD_PLUGIN, "models.py": GOOD_MODELS})
    broken = _wheel(root, "ganzoo-brokenplugin", "brokenplugin", {"__init__.py": "import does_not_exist_anywhere\n"})
    target = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target), str(good), str(broken)],
        check=True,
        timeout=120,
    )
    return target


def _ganzoo(site: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop("GANZOO_DISABLE_PLUGINS", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, env=env, timeout=120)


def test_installed_plugin_is_listed_beside_a_broken_one(site: Path) -> None:
    listing = _ganzoo(site, "list", "generator", "--json")
    assert listing.returncode == 0, listing.stderr
    entries = {(e["name"], e["provider"]) for e in json.loads(listing.stdout)}
    assert ("tiny-mlp", "ganzoo-tinyplugin") in entries
    assert ("dcgan", "ganzoo") in entries

    plugins = _ganzoo(site, "plugins", "--json")
    assert plugins.returncode == 0, plugins.stderr
    by_dist = {p["distribution"]: p for p in json.loads(plugins.stdout)["plugins"]}
    broken = by_dist["ganzoo-brokenplugin"]
    assert broken["status"] == "failed"
    assert broken["version"] == "1.2.3"
    assert "does_not_exist_anywhere" in broken["error"]
    assert by_dist["ganzoo-tinyplugin"]["components"] == {"generator": ["tiny-mlp"]}


def test_plugin_component_can_be_created(site: Path) -> None:
    code = "import ganzoo; g = ganzoo.create('generator', 'tiny-mlp', latent_dim=3); print(g(g.sample_latent(5)).shape)"
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "torch.Size([5, 2])"


@pytest.mark.parametrize(("args", "env"), [(("--no-plugins",), {}), ((), {"GANZOO_DISABLE_PLUGINS": "1"})])
def test_discovery_can_be_switched_off(site: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
    listing = _ganzoo(site, *args, "list", "--json", env_extra=env)
    names = {e["name"] for e in json.loads(listing.stdout)}
    assert "tiny-mlp" not in names and "dcgan" in names
