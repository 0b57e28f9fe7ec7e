"""``retina-skimage``: patches of the one real fundus photograph that ships offline.

``skimage.data.retina()`` (Haggstrom, CC0, bundled in the scikit-image wheel, no download) is
downsampled by ``scale``; its vessel mask comes from the vesselness recipe in
[`ganzoo_medical.vesselness`][ganzoo_medical.vesselness], computed once per process and scale.

Held-out patches must not share pixels with training patches, or validation error would measure
memorisation. The photograph is therefore cut into square cells of 1.5 patch sides (a grid
centred on the image) and every cell belongs to one split by the pattern
``(column + 3 * row) mod 5``: 0, 1, 2 -> train, 3 -> val, 4 -> test. The pattern scatters the
held-out cells over the whole fundus (disc, arcades, macula, periphery), and each patch lies
entirely inside one cell, so patches of different splits are pixel-disjoint. Only cells that are
at least 60 % inside the field of view are used; a patch is redrawn until half of it is.

``flatten`` removes the photograph's illumination before cutting patches: each channel is divided
by its background (a Gaussian blur of the field of view, normalised by the blurred FOV mask so the
dark rim does not leak in) and multiplied by the channel's mean, the shading correction of fundus
preprocessing. On raw patches most of the pixel error of any predictor is the patch's overall
brightness (bright disc, dark macula, vignetting), which a vessel mask does not encode: over the
validation subset of the training cells, the mean training image scores L1 0.065 and the best
per-pixel answer from the mask (mean vessel / mean background colour) only 0.063, while knowing
each patch's mean colour would give 0.022; after flattening the two score 0.020 and 0.015
(scale 0.5, 64 px; ganzoo-medical's RESULTS.md). The vessel mask is computed from the raw
photograph either way.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import ndimage

from ganzoo.plugin import HELD_OUT_KEY, DataError
from ganzoo_medical.base import RetinaDataset, flip_rotate
from ganzoo_medical.configs import RetinaSkimageConfig
from ganzoo_medical.procedural import SPLIT_STREAMS
from ganzoo_medical.vesselness import fov_from_image, sigmas_for, threshold_vessels, vesselness

#: Side of the bundled photograph in pixels.
PHOTO_SIDE = 1411
#: Split of a cell with pattern code (column + 3 * row) % 5.
CELL_SPLITS = ("train", "train", "train", "val", "test")
CELL_FACTOR = 1.5
MIN_CELL_FOV = 0.6
MIN_PATCH_FOV = 0.5


@dataclass(frozen=True)
class Photograph:
    """The downsampled photograph with its masks and the threshold that made the vessel mask."""

    image: np.ndarray  # (S, S, 3) float32 in [0, 1]
    vessels: np.ndarray  # (S, S) bool
    fov: np.ndarray  # (S, S) bool
    sigmas: tuple[float, ...]
    threshold: float


#: Background blur of ``flatten`` in multiples of the largest vesselness scale: wide enough to
#: leave the widest vessels in the image, narrow enough to follow the disc and the vignetting.
FLATTEN_FACTOR = 4.0


@functools.lru_cache(maxsize=4)
def load_photograph(scale: float, flatten: bool = False) -> Photograph:
    """Downsample ``skimage.data.retina()`` and extract its vessels (about 1-3 s, once per setting)."""
    from skimage import data, transform

    side = int(round(PHOTO_SIDE * scale))
    image = data.retina()
    if side != PHOTO_SIDE:
        image = transform.resize(image, (side, side), anti_aliasing=True)
    else:
        image = image / 255.0
    image = image.astype(np.float32)
    fov = fov_from_image(image)
    sigmas = sigmas_for(side)
    vessels, threshold = threshold_vessels(*vesselness(image, fov, sigmas), sigmas)
    if flatten:
        image = flatten_illumination(image, fov, FLATTEN_FACTOR * max(sigmas))
    return Photograph(image, vessels, fov, sigmas, threshold)


def flatten_illumination(image: np.ndarray, fov: np.ndarray, sigma: float) -> np.ndarray:
    """``image`` (H, W, C) in [0, 1] divided by its Gaussian background inside ``fov``, times the mean.

    The background is a normalised convolution (blur of image x FOV over blur of the FOV), so the
    black outside does not darken the rim; outside the FOV the result is 0.
    """
    inside = fov.astype(np.float32)
    weight = np.maximum(ndimage.gaussian_filter(inside, sigma), 1e-3)
    out = np.empty_like(image)
    for channel in range(image.shape[-1]):
        plane = image[..., channel]
        background = np.maximum(ndimage.gaussian_filter(plane * inside, sigma) / weight, 1e-3)
        out[..., channel] = np.clip(plane / background * plane[fov].mean(), 0.0, 1.0) * inside
    return out


class RetinaSkimage(RetinaDataset):
    """Patches of scikit-image's bundled fundus photograph with a vesselness-filter vessel mask."""

    def __init__(self, config: RetinaSkimageConfig) -> None:
        super().__init__(config)
        self.length = config.length
        self.scale = config.scale
        self.seed = config.seed
        self.augment_batches = config.augment and self.split == "train"
        self.flatten = config.flatten
        self.photo = load_photograph(self.scale, self.flatten)
        self.boxes = self._draw_patches()

    def __len__(self) -> int:
        return self.length

    def meta(self) -> dict[str, Any]:
        return {
            **super().meta(),
            "source": "skimage.data.retina",
            "scale": self.scale,
            "flatten": self.flatten,
            "vessel_sigmas": list(self.photo.sigmas),
            "vessel_threshold": self.photo.threshold,
            HELD_OUT_KEY: "other regions of the same photograph (cells of one eye)",
        }

    def cells(self, split: str | None = None) -> list[tuple[int, int, int, int]]:
        """Usable cells ``(y0, x0, y1, x1)`` of ``split`` (default: this dataset's)."""
        split = split or self.split
        side = self.photo.fov.shape[0]
        cell = int(np.ceil(CELL_FACTOR * self.image_size))
        count = side // cell
        origin = (side - count * cell) // 2
        chosen = []
        for row in range(count):
            for col in range(count):
                if CELL_SPLITS[(col + 3 * row) % 5] != split:
                    continue
                y0, x0 = origin + row * cell, origin + col * cell
                if self.photo.fov[y0 : y0 + cell, x0 : x0 + cell].mean() >= MIN_CELL_FOV:
                    chosen.append((y0, x0, y0 + cell, x0 + cell))
        return chosen

    def _draw_patches(self) -> list[tuple[int, int]]:
        cells = self.cells()
        if not cells:
            raise DataError(
                f"retina-skimage: no {self.split} cells at scale {self.scale} with image_size "
                f"{self.image_size}; use a larger scale or a smaller image_size"
            )
        size = self.image_size
        boxes = []
        for i in range(self.length):
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, SPLIT_STREAMS[self.split], i]))
            for _ in range(20):
                y0, x0, y1, x1 = cells[int(rng.integers(len(cells)))]
                top = y0 + int(rng.integers(0, y1 - y0 - size + 1))
                left = x0 + int(rng.integers(0, x1 - x0 - size + 1))
                if self.photo.fov[top : top + size, left : left + size].mean() >= MIN_PATCH_FOV:
                    break
            boxes.append((top, left))
        return boxes

    def arrays(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        top, left = self.boxes[index]
        window = (slice(top, top + self.image_size), slice(left, left + self.image_size))
        return self.photo.vessels[window], self.photo.image[window], self.photo.fov[window]

    def augment(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Random flips and quarter turns of training batches (identity for val/test)."""
        return flip_rotate(batch) if self.augment_batches else batch
