"""Fixtures of the robustness suite: a finished toy run to misuse, inside a workspace whose every
file is hashed before and after each bad input.

The toy plugin of the engine tests (``tests/engine/toys.py``, small MLPs on a ring of Gaussians)
is registered next to the installed plugins, so bad inputs reach the real datasets of
ganzoo-smartgrid and ganzoo-traffic as well.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ganzoo.plugins.manager import reset_manager

TOYS_PATH = Path(__file__).resolve().parents[1] / "engine" / "toys.py"
TOYS_MODULE = "ganzoo_engine_toys"  # the name tests/engine/conftest.py loads it under

#: A small, quick toy experiment: 4 steps, a checkpoint every 2, EMA (so --ema cases apply).
RING: dict[str, Any] = {
    "name": "ring",
    "generator": {"name": "toy-mlp"},
    "discriminator": {"name": "toy-mlp"},
    "dataset": {"name": "toy-ring", "params": {"n": 128}},
    "losses": [{"name": "toy-bce"}],
    "train": {"steps": 4, "batch_size": 32, "device": "cpu", "log_every": 2, "checkpoint_every": 2,
              "progress": False, "ema": {"decay": 0.9}},
}


def load_toys() -> ModuleType:
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
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def toys() -> Iterator[None]:
    """The installed plugins plus the toy plugin, for one test."""
    module = load_toys()
    reset_manager(plugins=[("ganzoo-engine-toys", module)])
    yield
    reset_manager()


@pytest.fixture(scope="module")
def pristine_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished toy run (checkpoints at steps 2 and 4), trained once per module."""
    import ganzoo

    reset_manager(plugins=[("ganzoo-engine-toys", load_toys())])
    try:
        return ganzoo.train(RING, run_dir=tmp_path_factory.mktemp("pristine") / "run").directory
    finally:
        reset_manager()


@pytest.fixture
def workspace(tmp_path: Path, pristine_run: Path, toys: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory of a case, holding ``run/`` (a copy of the finished run) to damage
    and misuse; a default run folder (``runs/...``) would appear in it too."""
    shutil.copytree(pristine_run, tmp_path / "run")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tree_state(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``: content hash and permission bits (folders: mode)."""
    state = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        mode = oct(path.stat().st_mode & 0o7777)
        state[key] = (hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir") + mode
    return state
