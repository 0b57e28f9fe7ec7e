"""``retina-procedural``: unlimited seeded (vessel mask, fundus image) pairs, no download.

Sample ``i`` of split ``s`` is rendered from a random generator seeded with ``(seed, s, i)``,
where each split owns its own seed stream: the same index always gives the same eye, and no eye
of the validation or test split can appear in training. Rendering a 64 px sample takes about
10 ms; when ``length`` samples fit in 256 MiB they are kept in memory after the first epoch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganzoo_medical.base import RetinaDataset
from ganzoo_medical.configs import RetinaProceduralConfig
from ganzoo_medical.render import render_fundus
from ganzoo_medical.vessel_tree import grow_vessel_tree, make_anatomy

#: Seed-stream id of each split (the second entropy word of the SeedSequence).
SPLIT_STREAMS = {"train": 0, "val": 1, "test": 2}
_CACHE_BYTES = 256 * 2**20


class RetinaProcedural(RetinaDataset):
    """Procedural fundus photographs grown from seeded vessel trees."""

    def __init__(self, config: RetinaProceduralConfig) -> None:
        super().__init__(config)
        self.length = config.length
        self.seed = config.seed
        self.vessel_width = config.vessel_width
        per_sample = self.image_size * self.image_size * (3 * 4 + 2)
        self._cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = (
            {} if config.cache and per_sample * self.length <= _CACHE_BYTES else None
        )

    def __len__(self) -> int:
        return self.length

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "source": "procedural", "vessel_width": self.vessel_width}

    def arrays(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._cache is not None and index in self._cache:
            return self._cache[index]
        result = render_sample(self.seed, self.split, index, self.image_size, self.vessel_width)
        if self._cache is not None:
            self._cache[index] = result
        return result


def render_sample(
    seed: int, split: str, index: int, size: int, vessel_width: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask, image, fov) of sample ``index`` of ``split``: a pure function of its arguments."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, SPLIT_STREAMS[split], index]))
    anatomy = make_anatomy(rng)
    tree = grow_vessel_tree(anatomy, rng)
    return render_fundus(anatomy, tree, size, rng, vessel_width)
