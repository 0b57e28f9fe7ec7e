"""Where the training processes run: one device, or DistributedDataParallel under torchrun.

The engine talks to a [`Strategy`][ganzoo.engine.strategy.Strategy] for everything that differs between one process and
many: which device this process uses, wrapping a network for gradient averaging, averaging the
logged losses, agreeing on values chosen by rank 0 (the run directory) and waiting for each
other. [`SingleDevice`][ganzoo.engine.strategy.SingleDevice] makes every one of these the identity, so the single-process loop
pays nothing for the distributed case.

[`create_strategy`][ganzoo.engine.strategy.create_strategy] reads what ``torchrun`` exports (``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT``): with more than one process it initialises the
default process group (``gloo`` on CPU, ``nccl`` on CUDA) through the ``env://`` rendezvous, so
one machine (``--standalone``) and several (``--nnodes --rdzv-backend c10d``) run the same code.
A process group the caller already initialised (a test using a ``file://`` rendezvous, a
notebook) is used as it is and left open.

Native DDP rather than Fabric or Accelerate: those want to own device placement, AMP, launch
and the checkpoint format; GAN-sized networks need plain data parallelism, and the two-phase
GAN step needs control that a generic ``backward`` wrapper hides (see [`ganzoo.engine.engine`][ganzoo.engine.engine]).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ganzoo.registry.errors import ConfigError

#: How long a collective may wait for the slowest process before the run fails. Rank 0 writes
#: checkpoints, sample grids and evaluations while the others wait at the next all-reduce, so
#: this is generous; a crashed rank is detected sooner by torchrun, which stops the others.
TIMEOUT = timedelta(minutes=30)


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA, then MPS, then CPU; an unavailable explicit device is an error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"train.device: unknown device {name!r} (auto, cpu, cuda, cuda:N, mps)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"train.device: {name!r} requested but CUDA is not available")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"train.device: {name!r} requested but MPS is not available")
    return device


class Strategy:
    """One process on one device: every collective is the identity.

    Attributes:
        device: the device this process trains on.
        rank: this process's index among ``world_size`` processes (0 here).
        world_size: number of training processes (1 here).
    """

    rank: int = 0
    world_size: int = 1

    def __init__(self, device: torch.device) -> None:
        self.device = device

    @property
    def is_main(self) -> bool:
        """True in the process that writes logs, samples, checkpoints and the run directory."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """True when gradients are averaged over several processes."""
        return self.world_size > 1

    def setup_module(self, module: nn.Module) -> nn.Module:
        """The module to call in training steps (``module`` itself here)."""
        return module

    def no_sync(self, module: nn.Module) -> contextlib.AbstractContextManager[Any]:
        """Context in which forward passes of ``module`` schedule no gradient averaging."""
        return contextlib.nullcontext()

    def all_reduce_mean(self, tensor: torch.Tensor) -> torch.Tensor:
        """The mean of ``tensor`` over all processes (a new tensor; ``tensor`` is unchanged)."""
        return tensor

    def broadcast_object(self, value: Any) -> Any:
        """Rank 0's ``value`` (picklable), in every process."""
        return value

    def barrier(self) -> None:
        """Wait until every process got here."""

    def close(self) -> None:
        """Release what [`create_strategy`][ganzoo.engine.strategy.create_strategy] set up (the process group it created)."""


class SingleDevice(Strategy):
    """The default: one process, one device."""


class DDP(Strategy):
    """DistributedDataParallel over the default process group, one device per process.

    Generator and discriminator are wrapped separately. ``broadcast_buffers`` is off (as in
    StudioGAN): the discriminator runs several forward passes per step (real, fake, gradient
    penalty), and overwriting its buffers before each would cost a collective per pass; every
    process keeps its own BatchNorm statistics and spectral-norm vectors (SyncBatchNorm, when
    asked, makes the statistics global), and checkpoints store rank 0's.
    ``find_unused_parameters`` is off: every trainable parameter of a network must get a
    gradient from that network's update (a head no loss uses stalls the gradient averaging).
    """

    def __init__(self, device: torch.device, *, rank: int, world_size: int, owns_group: bool) -> None:
        super().__init__(device)
        self.rank = rank
        self.world_size = world_size
        self.owns_group = owns_group

    def setup_module(self, module: nn.Module) -> nn.Module:
        if not any(p.requires_grad for p in module.parameters()):
            return module
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids, broadcast_buffers=False)

    def no_sync(self, module: nn.Module) -> contextlib.AbstractContextManager[Any]:
        if isinstance(module, DistributedDataParallel):
            return module.no_sync()
        return contextlib.nullcontext()

    def all_reduce_mean(self, tensor: torch.Tensor) -> torch.Tensor:
        reduced = tensor.detach().clone()
        dist.all_reduce(reduced)
        return reduced.div_(self.world_size)

    def broadcast_object(self, value: Any) -> Any:
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def barrier(self) -> None:
        if self.device.type == "cuda":
            dist.barrier(device_ids=[self.device.index])
        else:
            dist.barrier()

    def close(self) -> None:
        if self.owns_group and dist.is_initialized():
            gc.collect()  # DDP wrappers left in reference cycles go before the group they use
            dist.destroy_process_group()


def _rank_device(name: str, local_rank: int) -> torch.device:
    """``cuda``/``auto`` on a CUDA machine: ``cuda:LOCAL_RANK``; ``cpu`` stays ``cpu``."""
    device = resolve_device(name)
    if device.type == "mps":
        raise ConfigError("train.device: multi-process training runs on CUDA or CPU, not MPS")
    if device.type != "cuda":
        return device
    if name not in ("auto", "cuda"):
        raise ConfigError(
            f"train.device: {name!r} names one GPU, but every torchrun process would use it; "
            "set 'cuda' or 'auto' (each process takes cuda:LOCAL_RANK)"
        )
    if local_rank >= torch.cuda.device_count():
        raise ConfigError(
            f"LOCAL_RANK {local_rank}: this machine has {torch.cuda.device_count()} CUDA devices; "
            "start at most that many processes per node (--nproc-per-node)"
        )
    return torch.device("cuda", local_rank)


def local_rank(env: Mapping[str, str]) -> int:
    """This process's index on its machine: torchrun's ``LOCAL_RANK``; without it, the rank in
    a process group the caller initialised (one machine), else ``RANK``.

    Without the middle case every process of such a group would take ``cuda:0``, which NCCL
    refuses (two ranks on one GPU).
    """
    if "LOCAL_RANK" in env:
        return int(env["LOCAL_RANK"])
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(env.get("RANK", "0"))


def create_strategy(device: str, *, environ: Mapping[str, str] | None = None) -> Strategy:
    """The strategy for this process: [`DDP`][ganzoo.engine.strategy.DDP] under torchrun with several processes.

    Args:
        device: ``train.device`` (``auto``, ``cpu``, ``cuda``, ...).
        environ: the environment to read (default ``os.environ``).
    """
    env = os.environ if environ is None else environ
    world_size = int(env.get("WORLD_SIZE", "1"))
    if dist.is_available() and dist.is_initialized():
        world_size = dist.get_world_size()
    if world_size <= 1:
        return SingleDevice(resolve_device(device))
    if not dist.is_available():
        raise ConfigError(f"WORLD_SIZE={world_size}: this PyTorch build has no torch.distributed")
    target = _rank_device(device, local_rank(env))
    if target.type == "cuda":
        torch.cuda.set_device(target)
    owns_group = not dist.is_initialized()
    if owns_group:
        missing = [key for key in ("RANK", "MASTER_ADDR", "MASTER_PORT") if key not in env]
        if missing:
            raise ConfigError(
                f"WORLD_SIZE={world_size} but {', '.join(missing)} unset: launch with torchrun "
                "(torchrun --nproc-per-node=N -m ganzoo train ...)"
            )
        backend = "nccl" if target.type == "cuda" else "gloo"
        dist.init_process_group(backend, timeout=TIMEOUT,
                                device_id=target if target.type == "cuda" else None)
    return DDP(target, rank=dist.get_rank(), world_size=dist.get_world_size(), owns_group=owns_group)
