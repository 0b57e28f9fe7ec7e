"""Seeds, deterministic flags and RNG state capture.

Resuming a run bit for bit must not depend on replaying every random draw since step 0, so the
engine re-seeds the global generators at the start of every step from ``(seed, step)``: noise,
dropout and augmentation of step ``k`` are the same whether the process started at step 0 or
resumed at step ``k``. Independent *streams* (step randomness, latent noise, epoch permutations,
the fixed sample grid) get unrelated seeds from [`derive_seed`][ganzoo.engine.seed.derive_seed], so changing one never
shifts another.

The RNG states are still captured into checkpoints ([`capture_rng`][ganzoo.engine.seed.capture_rng] / [`restore_rng`][ganzoo.engine.seed.restore_rng])
so that code running outside the step (a callback, an evaluation) resumes where it left off.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

_MASK64 = (1 << 64) - 1

#: Stream identifiers for `derive_seed`.
STREAM_STEP = 1
STREAM_EPOCH = 2
STREAM_SAMPLES = 3
STREAM_LOADER = 4
STREAM_NOISE = 5
STREAM_AUGMENT = 6


def _splitmix64(value: int) -> int:
    """One round of SplitMix64: a cheap, well-mixed 64-bit hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def derive_seed(seed: int, *keys: int) -> int:
    """A non-negative 63-bit seed that depends on ``seed`` and every key, in order.

    Neighbouring inputs give unrelated outputs (unlike ``seed + step``, where run A's step 1
    equals run B's step 0 when B's seed is A's plus one).
    """
    state = _splitmix64(seed & _MASK64)
    for key in keys:
        state = _splitmix64(state ^ (key & _MASK64))
    return state >> 1


def step_seed(seed: int, step: int, rank: int = 0) -> int:
    """Seed of the global RNGs for the 0-based training ``step`` in process ``rank``.

    Each process of a multi-process run gets its own stream for augmentation and dropout (so
    ranks do not draw the same flips for different samples); rank 0's is the single-process
    stream, so a run keeps its randomness when it is resumed on another number of processes.
    """
    if rank == 0:
        return derive_seed(seed, STREAM_STEP, step)
    return derive_seed(seed, STREAM_STEP, step, rank)


def noise_seed(seed: int, step: int) -> int:
    """Seed of the latent noise of ``step``: shared by all processes, which slice the noise of
    the global batch, so N processes draw exactly the noise one process would."""
    return derive_seed(seed, STREAM_NOISE, step)


def augment_seed(seed: int, d_step: int, phase: int, rank: int = 0) -> int:
    """Seed of ``train.augment``'s transforms for one discriminator update (``phase`` 0) or the
    generator update that follows it (``phase`` 1); per process, like [`step_seed`][ganzoo.engine.seed.step_seed]."""
    if rank == 0:
        return derive_seed(seed, STREAM_AUGMENT, d_step, phase)
    return derive_seed(seed, STREAM_AUGMENT, d_step, phase, rank)


def seed_everything(seed: int) -> None:
    """Seed python's ``random``, numpy's global RNG and torch (every device)."""
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)


def seed_step(seed: int, step: int, device: torch.device | None = None, rank: int = 0) -> None:
    """Seed python, numpy, the CPU and ``device``'s global RNGs for one training step.

    Seeds the generators directly instead of calling ``torch.manual_seed``, which also queues
    lazy seeding of every CUDA device with a formatted stack trace (about 0.2 ms per call on
    CPU-only builds: a noticeable share of a small GPU step).
    """
    value = step_seed(seed, step, rank)
    random.seed(value)
    np.random.seed(value % (1 << 32))
    torch.default_generator.manual_seed(value)
    if device is not None and device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        generators = torch.cuda.default_generators  # filled once CUDA is initialised
        if index < len(generators):
            generators[index].manual_seed(value)
        else:
            torch.cuda.manual_seed(value)
    elif device is not None and device.type == "mps":
        torch.mps.manual_seed(value)


@contextmanager
def deterministic_mode(enabled: bool) -> Iterator[None]:
    """Turn on torch's deterministic algorithms for the duration of a run, then restore.

    Restoring matters because the flags are process-wide: a notebook or test session that
    trains one deterministic run should not silently stay deterministic (and slower).
    ``CUBLAS_WORKSPACE_CONFIG`` is set (if unset) as the PyTorch reproducibility notes ask.
    """
    if not enabled:
        yield
        return
    previous = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
    )
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        torch.backends.cudnn.benchmark = previous[2]
        torch.backends.cudnn.deterministic = previous[3]


def capture_rng() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Global RNG states as (tensors for safetensors, JSON-ready scalars)."""
    tensors: dict[str, torch.Tensor] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"cuda.{index}"] = state
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    tensors["numpy.keys"] = torch.from_numpy(np.asarray(keys, dtype=np.int64))
    version, internal, gauss_next = random.getstate()
    scalars = {
        "numpy": {"kind": kind, "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": version, "state": list(internal), "gauss_next": gauss_next},
    }
    return tensors, scalars


def restore_rng(tensors: dict[str, torch.Tensor], scalars: dict[str, Any]) -> None:
    """Inverse of [`capture_rng`][ganzoo.engine.seed.capture_rng] (CUDA states only where CUDA is available)."""
    torch.set_rng_state(tensors["torch"])
    cuda = sorted((k for k in tensors if k.startswith("cuda.")), key=lambda k: int(k.split(".")[1]))
    if cuda and torch.cuda.is_available():
        count = torch.cuda.device_count()
        for key in cuda:
            index = int(key.split(".")[1])
            if index < count:
                torch.cuda.set_rng_state(tensors[key], index)
    numpy = scalars["numpy"]
    keys = tensors["numpy.keys"].numpy().astype(np.uint32)
    np.random.set_state((numpy["kind"], keys, numpy["pos"], numpy["has_gauss"], numpy["cached_gaussian"]))
    python = scalars["python"]
    random.setstate((python["version"], tuple(python["state"]), python["gauss_next"]))
