"""Deterministic, resumable batch order.

Batch ``b`` (counted from the start of training) belongs to epoch ``b // batches_per_epoch``
and sits at position ``b % batches_per_epoch`` of that epoch's permutation, which is drawn from
a ``torch.Generator`` seeded with ``(seed, epoch)``. The order is therefore a pure function of
the seed and the batch index: a run resumed at step ``k`` starts at exactly the batch the
uninterrupted run would have used, without storing or replaying any sampler state. Incomplete
last batches are dropped so every step sees ``batch_size`` samples (BatchNorm and the
throughput numbers both assume it).

With several processes (DDP), ``batch_size`` is per process and a *global* batch holds
``batch_size * world_size`` samples: every process computes the same permutation, walks the
same sequence of global batches, and takes its own contiguous slice of each (rank ``r`` gets
positions ``[r * batch_size, (r + 1) * batch_size)``). The processes together therefore see
exactly the samples, in the same batches, that one process with the global batch size would,
and positions stay a function of the global batch index across a change of world size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch.utils.data import DataLoader, Sampler, default_collate

from ganzoo.engine.seed import STREAM_EPOCH, STREAM_LOADER, derive_seed
from ganzoo.registry.errors import ConfigError


def check_batch_fits(batch_size: int, world_size: int, size: int) -> None:
    """ConfigError naming the largest batch that fits when not one global batch fits the data.

    Small real sets hit this first (DRIVE has 16 training photographs after its validation
    share; a preset sized for a simulator asks for 32), so the message says what to set.
    """
    if batch_size * world_size <= size:
        return
    processes = f" x {world_size} processes" if world_size > 1 else ""
    fits = size // world_size
    fix = f"; set train.batch_size to {fits} or less" if fits else "; use fewer processes"
    raise ConfigError(f"train.batch_size: {batch_size}{processes} is larger than the dataset ({size} sample{'s' * (size != 1)}){fix}")


class ResumableBatchSampler(Sampler[list[int]]):
    """Endless stream of index batches, epoch after epoch, from global batch ``start_batch``.

    Yields this process's share (``rank`` of ``world_size``) of each global batch.
    """

    def __init__(
        self, size: int, batch_size: int, seed: int, *, start_batch: int = 0, rank: int = 0, world_size: int = 1
    ) -> None:
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside world size {world_size}")
        self.global_batch = batch_size * world_size
        check_batch_fits(batch_size, world_size, size)
        self.size = size
        self.batch_size = batch_size
        self.seed = seed
        self.start_batch = start_batch
        self.rank = rank
        self.world_size = world_size
        self.batches_per_epoch = size // self.global_batch

    def permutation(self, epoch: int) -> torch.Tensor:
        """Sample order of 0-based ``epoch``."""
        generator = torch.Generator().manual_seed(derive_seed(self.seed, STREAM_EPOCH, epoch))
        return torch.randperm(self.size, generator=generator)

    def __iter__(self) -> Iterator[list[int]]:
        epoch, position = divmod(self.start_batch, self.batches_per_epoch)
        while True:
            order = self.permutation(epoch).tolist()
            for index in range(position, self.batches_per_epoch):
                start = index * self.global_batch + self.rank * self.batch_size
                yield order[start : start + self.batch_size]
            epoch, position = epoch + 1, 0


def make_loader(
    dataset: Any,
    batch_size: int,
    seed: int,
    *,
    start_batch: int = 0,
    num_workers: int = 0,
    pin_memory: bool = False,
    rank: int = 0,
    world_size: int = 1,
) -> DataLoader:
    """A DataLoader yielding this process's collated batches from ``start_batch`` on (never
    exhausted).

    Worker processes get seeds derived from ``(seed, start_batch, rank)`` through the loader's
    own generator, so creating the loader never consumes the global RNG.
    """
    sampler = ResumableBatchSampler(len(dataset), batch_size, seed, start_batch=start_batch,
                                    rank=rank, world_size=world_size)
    keys = (start_batch,) if rank == 0 else (start_batch, rank)
    generator = torch.Generator().manual_seed(derive_seed(seed, STREAM_LOADER, *keys))
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        num_workers=num_workers,
        pin_memory=pin_memory,
        generator=generator,
    )


def to_device(
    batch: Mapping[str, Any], device: torch.device, *, channels_last: bool = False
) -> dict[str, Any]:
    """Move every tensor of ``batch`` to ``device`` (4-D float tensors to channels_last if asked)."""
    moved: dict[str, Any] = {}
    non_blocking = device.type == "cuda"
    for key, value in batch.items():
        if isinstance(value, torch.Tensor):
            value = value.to(device, non_blocking=non_blocking)
            if channels_last and value.dim() == 4 and value.is_floating_point():
                value = value.contiguous(memory_format=torch.channels_last)
        moved[key] = value
    return moved


def fixed_batch(dataset: Any, indices: list[int], seed: int) -> dict[str, Any]:
    """Collate ``dataset[indices]`` and apply the dataset's ``augment`` under a private RNG.

    Some datasets return items larger than the DataSpec shape and reach it in ``augment``
    (pix2pix's resize-then-random-crop), so a batch for sample grids or for conditions must go
    through it too; seeding a forked RNG keeps that batch fixed and the global RNG untouched.
    """
    batch = default_collate([dataset[i] for i in indices])
    augment = getattr(dataset, "augment", None)
    if not callable(augment):
        return batch
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return augment(batch)
