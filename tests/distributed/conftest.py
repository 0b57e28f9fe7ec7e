"""Helpers of the multi-process tests: torchrun under a hard timeout, results of the workers.

Every launch uses ``python -m torch.distributed.run --standalone`` (the same code path as a
user's ``torchrun``; ``--standalone`` picks a free port itself, so parallel test runs do not
collide), gloo on the loopback interface, one OpenMP thread per process, and its own process
group so that a hang kills every worker, not just the launcher.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

HERE = Path(__file__).parent
WORKER = HERE / "worker.py"
#: Seconds a launch may take before it is killed (a distributed hang must fail, not stall CI).
TIMEOUT = 120

#: BN-free, dropout-free, augmentation-free toy (table ring): what 2 processes x batch B compute
#: then equals 1 process x batch 2B up to the order of floating-point sums.
EQUIVALENT = {
    "name": "ring",
    "generator": {"name": "toy-mlp", "params": {"batchnorm": False}},
    "discriminator": {"name": "toy-mlp", "params": {"dropout": 0.0}},
    "dataset": {"name": "toy-ring", "params": {"n": 256}},
    "losses": [{"name": "toy-bce"}],
    "train": {"steps": 6, "batch_size": 32, "lr": 1e-3, "device": "cpu", "progress": False, "log_every": 1,
              "n_critic": 2, "ema": {"decay": 0.9}},
}


def experiment(**train: Any) -> dict[str, Any]:
    """A copy of :data:`EQUIVALENT` with ``train`` keys replaced."""
    raw = copy.deepcopy(EQUIVALENT)
    raw["train"].update(train)
    return raw


def environment() -> dict[str, str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"}
    root = str(HERE.parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    return env


def torchrun(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, nproc: int = 2,
             timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``python -m torch.distributed.run --standalone --nproc-per-node=N ARGS``; fails the test
    (after killing launcher and workers) if it runs longer than ``timeout`` or exits non-zero."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}", *args]
    process = subprocess.Popen(command, cwd=cwd, env=env or environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"torchrun did not finish within {timeout} s:\n{output[-4000:]}")
    if process.returncode != 0:
        pytest.fail(f"torchrun exited with {process.returncode}:\n{output[-4000:]}")
    return subprocess.CompletedProcess(command, process.returncode, output, "")


def launch(ops: list[dict[str, Any]], out: Path, *, nproc: int = 2) -> None:
    """Run the worker's ``ops`` in ``nproc`` processes (results under ``out``)."""
    spec = out / "spec.json"
    out.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({"ops": ops, "out": str(out)}))
    torchrun([str(WORKER), str(spec)], cwd=out, nproc=nproc)


def params(out: Path, name: str, rank: int = 0) -> dict[str, torch.Tensor]:
    return load_file(str(out / f"{name}-rank{rank}.safetensors"))


def info(out: Path, name: str, rank: int = 0) -> dict[str, Any]:
    return json.loads((out / f"{name}-rank{rank}.json").read_text())


def assert_close(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], atol: float = 1e-5) -> None:
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=atol, msg=lambda m, k=key: f"{k}: {m}")


def load_worker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ganzoo_distributed_worker", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def helpers() -> ModuleType:
    """This module (test files cannot import it under ``--import-mode=importlib``)."""
    return sys.modules[__name__]


@pytest.fixture
def worker() -> Iterator[ModuleType]:
    """The worker module with the toy plugin registered in this process (restored after)."""
    from ganzoo.plugins.manager import reset_manager

    module = load_worker()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    module.register_toys()
    yield module
    reset_manager()
    torch.set_num_threads(threads)
