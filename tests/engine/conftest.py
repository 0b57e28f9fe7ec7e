"""Fixtures: the toy plugin registered for one test, and experiment mappings that use it."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ganzoo.plugins.manager import reset_manager
from ganzoo.registry.registry import Registry

TOYS_PATH = Path(__file__).with_name("toys.py")
TOYS_MODULE = "ganzoo_engine_toys"


def load_toys() -> ModuleType:
    """Import tests/engine/toys.py under the module name the fresh-process test installs."""
    if TOYS_MODULE in sys.modules:
        return sys.modules[TOYS_MODULE]
    spec = importlib.util.spec_from_file_location(TOYS_MODULE, TOYS_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[TOYS_MODULE] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> Iterator[None]:
    """Tiny models on a shared 2-core machine: OpenMP spin-waiting across busy cores makes a
    0.4 ms MLP step take ~50 ms with 2 threads, so the engine tests run single-threaded."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def toys() -> Iterator[Registry]:
    """A registry with the built-ins and the toy plugin; the default manager is restored after."""
    module = load_toys()
    manager = reset_manager(plugins=[(module.DISTRIBUTION, module)], discover=False)
    assert not manager.failures(), manager.failures()[0].error
    yield manager.registry
    reset_manager()


@pytest.fixture
def toys_env(tmp_path: Path) -> dict[str, str]:
    """Environment of a fresh process in which the toy plugin is installed as pip would do it
    (a module plus a dist-info with a ``ganzoo`` entry point on ``PYTHONPATH``)."""
    import os
    import shutil

    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(TOYS_PATH, site / f"{TOYS_MODULE}.py")
    info = site / "ganzoo_engine_toys-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ganzoo-engine-toys\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(f"[ganzoo]\ntoys = {TOYS_MODULE}\n")
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}


EXPERIMENTS: dict[str, dict[str, Any]] = {
    "ring": {
        "generator": {"name": "toy-mlp"},
        "discriminator": {"name": "toy-mlp"},
        "dataset": {"name": "toy-ring"},
        "losses": [{"name": "toy-bce"}],
    },
    "label-ring": {
        "generator": {"name": "toy-mlp"},
        "discriminator": {"name": "toy-mlp"},
        "dataset": {"name": "toy-ring", "params": {"labels": True}},
        "losses": [{"name": "toy-bce"}],
    },
    "sine": {
        "generator": {"name": "toy-conv"},
        "discriminator": {"name": "toy-conv"},
        "dataset": {"name": "toy-sine"},
        "losses": [{"name": "toy-bce"}],
    },
    "paired-sine": {
        "generator": {"name": "toy-conv"},
        "discriminator": {"name": "toy-conv"},
        "dataset": {"name": "toy-sine", "params": {"paired": True}},
        "losses": [{"name": "toy-bce"}, {"name": "toy-l1", "weight": 10.0}],
    },
}


@pytest.fixture
def experiment() -> Callable[..., dict[str, Any]]:
    """``experiment(kind, **train)``: a toy experiment mapping with quiet, small CPU defaults."""

    def make(kind: str, **train: Any) -> dict[str, Any]:
        import copy

        raw = copy.deepcopy(EXPERIMENTS[kind])
        raw["name"] = kind
        length = {} if "epochs" in train else {"steps": 10}
        raw["train"] = {**length, "batch_size": 32, "lr": 1e-3, "device": "cpu", "progress": False,
                        "log_every": 5, **train}
        return raw

    return make
