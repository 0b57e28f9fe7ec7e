"""A pool of earlier fakes for the discriminator (Shrivastava et al. 2017; CycleGAN's ``ImagePool``).

The discriminator trains on a mix of the current generator's samples and samples of earlier
generators, which damps the oscillation of the two networks. ``train.fake_pool = N`` keeps one
pool of N samples per direction of the generator. Per sample, as the reference's
``ImagePool.query``: while the pool is not full the sample is stored and used; afterwards, with
probability 1/2 a random stored sample is used instead and the new one takes its place, else the
new one is used. The draws come from torch's global RNG, which the engine seeds per step, and the
pool's contents are part of every checkpoint, so a resumed run is bit-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from ganzoo.registry.errors import CheckpointError


class FakePool:
    """Up to ``size`` earlier fakes on the training device (allocated at the first query)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.count = 0
        self.images: torch.Tensor | None = None

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        """The batch the discriminator sees in place of ``fakes`` (detached), updating the pool."""
        fakes = fakes.detach()
        if self.size == 0:
            return fakes
        if self.images is None:
            self.images = fakes.new_empty((self.size, *fakes.shape[1:]))
        out = []
        for image in fakes:
            if self.count < self.size:
                self.images[self.count] = image
                self.count += 1
                out.append(image)
            elif float(torch.rand(())) > 0.5:
                index = int(torch.randint(self.size, ()))
                out.append(self.images[index].clone())
                self.images[index] = image
            else:
                out.append(image)
        return torch.stack(out)

    def state(self) -> tuple[torch.Tensor | None, int]:
        """``(stored samples, count)`` for a checkpoint (``None`` while empty)."""
        if self.images is None or self.count == 0:
            return None, 0
        return self.images[: self.count].contiguous(), self.count

    def load(self, images: torch.Tensor | None, count: int, *, what: str) -> None:
        """Restore [`state`][ganzoo.engine.pool.FakePool.state]; ``images`` go to the device the pool fills on later."""
        if count > self.size or (images is not None and len(images) != count):
            raise CheckpointError(f"{what}: holds {count} pooled samples, this run's pool takes {self.size}")
        self.count = count
        if images is None:
            self.images = None
            return
        self.images = images.new_empty((self.size, *images.shape[1:]))
        self.images[:count] = images


def pools_state(pools: Mapping[str, FakePool]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors and JSON of every pool, keyed by direction (``fake`` for one-way generators)."""
    tensors, counts = {}, {}
    for key, pool in pools.items():
        images, counts[key] = pool.state()
        if images is not None:
            tensors[key] = images
    return tensors, {"size": next(iter(pools.values())).size, "counts": counts}


def load_pools(pools: Mapping[str, FakePool], tensors: Mapping[str, torch.Tensor], state: Mapping[str, Any],
               *, device: torch.device, what: str) -> None:
    """Inverse of [`pools_state`][ganzoo.engine.pool.pools_state] (a pool the checkpoint does not hold starts empty)."""
    counts = state.get("counts", {})
    for key, pool in pools.items():
        images = tensors.get(key)
        pool.load(images.to(device) if images is not None else None, int(counts.get(key, 0)), what=what)
