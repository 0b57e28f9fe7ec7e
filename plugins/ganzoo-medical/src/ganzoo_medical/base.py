"""What every retina dataset shares: numpy arrays in, ganzoo samples out.

Each dataset only produces ``(vessel mask, fundus image, FOV mask)`` as numpy arrays; this base
turns them into the sample dict ganzoo expects and describes the samples once. Keeping the
conversion in one place guarantees that the procedural, scikit-image and public datasets are
interchangeable in an experiment file: same keys, same ranges, same DataSpec.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganzoo.plugin import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo_medical.configs import RetinaDataConfig

#: Extra sample key holding the 1-channel {0, 1} field-of-view mask.
FOV_KEY = "fov"


class RetinaDataset:
    """Base class: subclasses implement ``__len__`` and ``arrays(index)``.

    Samples: ``x`` fundus image (C, S, S) in [-1, 1]; ``cond`` vessel mask (1, S, S) in {-1, 1}
    when ``paired``; ``fov`` (1, S, S) in {0, 1}. With ``unaligned`` the mask of item ``i`` belongs
    to another eye of the same split (a fixed permutation without fixed points), the DataSpec's
    condition is ``unpaired`` and every mask and photograph is still used once per epoch.
    Subclasses are registered components: each is built from its own config, a subclass of
    [`RetinaDataConfig`][ganzoo_medical.configs.RetinaDataConfig].
    """

    channels: int = 3

    def __init__(self, config: RetinaDataConfig) -> None:
        self.image_size = config.image_size
        self.paired = config.paired
        self.unaligned = config.unaligned
        self.split = config.split
        self._partners: list[int] | None = None

    def arrays(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(mask (S, S) bool, image (S, S, C) float in [0, 1], fov (S, S) bool)`` of sample ``index``."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def meta(self) -> dict[str, Any]:
        """JSON-serialisable facts stored with checkpoints (subclasses add theirs)."""
        return {"domain": "retina", "dataset": type(self).__name__, "bit_depth": 8}

    def describe(self) -> DataSpec:
        size = self.image_size
        return DataSpec(
            modality="image",
            shape=(self.channels, size, size),
            value_range=(-1.0, 1.0),
            condition=("unpaired" if self.unaligned else "paired") if self.paired else "none",
            condition_shape=(1, size, size) if self.paired else (),
            meta=self.meta(),
        )

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        index %= len(self)
        mask, image, fov = self.arrays(index)
        if self.unaligned:
            mask = self.arrays(self.partner(index))[0]
        sample = {
            SAMPLE_KEY: torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32)) * 2 - 1,
            FOV_KEY: torch.from_numpy(fov[None].astype(np.float32)),
        }
        if self.paired:
            sample[CONDITION_KEY] = torch.from_numpy(mask[None].astype(np.float32)) * 2 - 1
        return sample


    def partner(self, index: int) -> int:
        """The item whose mask item ``index`` carries when ``unaligned``: the next one in a seeded
        permutation of the items, so no photograph gets its own mask."""
        if self._partners is None:
            order = np.random.default_rng([len(self), 17]).permutation(len(self)).tolist()
            self._partners = [0] * len(self)
            for position, item in enumerate(order):
                self._partners[item] = order[(position + 1) % len(order)]
        return self._partners[index]


def flip_rotate(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Random flips and 90-degree rotations per sample, identical for every image-shaped key.

    Uses torch's global RNG (the engine seeds it per step). Fundus geometry has no preferred
    orientation at patch level, so these keep the data distribution while multiplying the
    patches of a single photograph by eight.
    """
    spatial = batch[SAMPLE_KEY].shape[-2:]
    keys = [k for k, v in batch.items() if isinstance(v, torch.Tensor) and v.ndim == 4 and v.shape[-2:] == spatial]
    n = batch[SAMPLE_KEY].shape[0]
    rotations = torch.randint(0, 4, (n,)).tolist()
    flips = (torch.rand(n) < 0.5).tolist()
    out = dict(batch)
    for key in keys:
        rows = []
        for i in range(n):
            item = torch.rot90(batch[key][i], rotations[i], dims=(-2, -1))
            rows.append(item.flip(-1) if flips[i] else item)
        out[key] = torch.stack(rows)
    return out
