#!/usr/bin/env python3
"""Run an unmodified baseline training loop on a CUDA device.

The scripts in ``baselines/`` are CPU programs: they build their networks and data on the CPU,
autocast with ``torch.autocast("cpu")`` and time each step without synchronising. Rewriting them
for CUDA would make a different baseline, so this adapter leaves their model and loop code alone
and changes only where they run:

* the trainer is built exactly as the script builds it (same seeds, same CPU generator), then
  every module and tensor attribute is moved to the GPU, and tensors created later by the loop
  (noise, BCE targets) land there through ``torch.set_default_device``;
* ``_autocast`` is redirected to CUDA autocast (bf16) when the script's ``--bf16`` flag is set;
* ``time_steps`` synchronises before the first and after the last step of each timed block, so
  the per-step times add up to the true wall time of the block (the mean is exact; individual
  entries are the spacing of step returns, which is what a queue-bound GPU loop measures).

Usage: ``python baseline_cuda.py BASELINE_SCRIPT.py [the script's own arguments]``. Only
``--mode train`` is supported. Prints the script's JSON line with ``"device": "cuda"`` added.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch import nn

TRAINERS = ("Pix2PixTrainer", "DCGANTrainer")


def load_script(path: Path) -> ModuleType:
    """Import a baseline script as a module without running its ``main``."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"baseline_cuda: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def move_to_cuda(trainer: Any) -> None:
    """Move the trainer's modules and tensors to the GPU (parameters move in place)."""
    for name, value in list(vars(trainer).items()):
        if isinstance(value, nn.Module):
            value.to("cuda")
        elif isinstance(value, torch.Tensor):
            setattr(trainer, name, value.to("cuda"))


def cuda_trainer(base: type) -> type:
    """Subclass of a baseline trainer that builds on the CPU, then runs on CUDA."""

    class CudaTrainer(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            move_to_cuda(self)
            torch.set_default_device("cuda")

        def _autocast(self) -> contextlib.AbstractContextManager[Any]:
            if self.bf16:
                return torch.autocast("cuda", dtype=torch.bfloat16)
            return contextlib.nullcontext()

    CudaTrainer.__name__ = base.__name__
    return CudaTrainer


def synced_time_steps(step: Callable[[], None], iters: int) -> list[float]:
    """Per-step times whose sum is the synchronised wall time of the block."""
    torch.cuda.synchronize()
    times: list[float] = []
    last = time.perf_counter()
    for index in range(iters):
        step()
        if index == iters - 1:
            torch.cuda.synchronize()
        now = time.perf_counter()
        times.append(now - last)
        last = now
    return times


@contextlib.contextmanager
def tagged_stdout() -> Iterator[list[str]]:
    """Capture the script's stdout so its JSON line can be tagged with the device."""
    captured: list[str] = []

    class _Tee:
        def write(self, text: str) -> int:
            captured.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    real, sys.stdout = sys.stdout, _Tee()  # type: ignore[assignment]
    try:
        yield captured
    finally:
        sys.stdout = real


def main(argv: list[str]) -> int:
    if not argv or "--mode" in argv and argv[argv.index("--mode") + 1] != "train":
        raise SystemExit("usage: baseline_cuda.py BASELINE_SCRIPT.py [--mode train] [args...]")
    if not torch.cuda.is_available():
        raise SystemExit("baseline_cuda: CUDA is not available")
    module = load_script(Path(argv[0]))
    for name in TRAINERS:
        if hasattr(module, name):
            setattr(module, name, cuda_trainer(getattr(module, name)))
    module.time_steps = synced_time_steps
    with tagged_stdout() as captured:
        status = module.main(argv[1:])
    result = json.loads("".join(captured).strip().splitlines()[-1])
    result["device"] = "cuda"
    result["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(result))
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
