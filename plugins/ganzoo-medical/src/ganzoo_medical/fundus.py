"""``fundus``: DRIVE, STARE, CHASE_DB1, HRF and vess2ret ``A/B`` trees as ganzoo datasets.

The layout is detected by [`ganzoo_medical.layouts`][ganzoo_medical.layouts]. Every image is padded to a square
(black, like the background of a fundus photograph, so the whole field of view survives) and
resized to ``image_size`` with antialiasing on float data: 16-bit and 1-channel images keep their
precision and channel count (through [`ganzoo.plugin.read_image_with_depth`][ganzoo.data.images.read_image_with_depth]). Vessel
masks are resized the same way and kept where at least a quarter of a pixel is vessel, so the main
vessels stay connected at 64 px; FOV masks come from the release's mask files or, where it has
none (STARE, CHASE_DB1, vess2ret), from thresholding the image. Loaded samples are cached.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo.plugin import DataError, read_image_with_depth, resize
from ganzoo_medical.base import RetinaDataset
from ganzoo_medical.configs import FundusConfig
from ganzoo_medical.layouts import Record, assign_splits, detect_layout
from ganzoo_medical.vesselness import fov_from_image

#: Share of a downsampled pixel that must be vessel for the pixel to count as vessel.
VESSEL_COVERAGE = 0.25


class Fundus(RetinaDataset):
    """Public fundus datasets with their vessel annotations and FOV masks."""

    def __init__(self, config: FundusConfig) -> None:
        super().__init__(config)
        split, paired = self.split, self.paired
        self.layout = detect_layout(config.root, config.layout, config.annotator)
        records = assign_splits(self.layout.records, config.val_fraction, config.test_fraction)[split]
        if paired:
            records = [r for r in records if r.vessels is not None]
        if not records:
            what = "images with vessel annotations" if paired else "images"
            raise DataError(
                f"{self.layout.root}: the {self.layout.name} {split} split has no {what}"
                + (" (use paired = false for images alone)" if paired else "")
            )
        self.records = records
        # splits keep groups whole (both eyes of a CHASE_DB1 child): the privacy metrics count a group as one draw
        self.split_groups = [r.group for r in records]
        first, self.bit_depth = _read(records[0].image)
        self.channels = int(first.shape[0])
        self._cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def meta(self) -> dict[str, Any]:
        return {
            **super().meta(),
            "bit_depth": self.bit_depth,
            "source": self.layout.name,
        }

    def arrays(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if index not in self._cache:
            self._cache[index] = self._load(self.records[index])
        return self._cache[index]

    def _load(self, record: Record) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        image, _ = _read(record.image, self.channels)
        height, width = image.shape[1:]
        image = self._square(image)
        if record.fov is not None:
            fov = self._square(_read_mask(record.fov, (height, width))) >= 0.5
        else:
            fov = torch.from_numpy(fov_from_image(image.permute(1, 2, 0).numpy()))[None]
        if record.vessels is not None:
            vessels = self._square(_read_mask(record.vessels, (height, width))) >= VESSEL_COVERAGE
        else:
            vessels = torch.zeros_like(fov)
        vessels &= fov
        return (
            vessels[0].numpy(),
            image.permute(1, 2, 0).numpy().astype(np.float32),
            fov[0].numpy(),
        )

    def _square(self, image: torch.Tensor) -> torch.Tensor:
        """Pad (C, H, W) to a centred square with zeros, then resize to ``image_size``."""
        channels, height, width = image.shape
        side = max(height, width)
        canvas = torch.zeros(channels, side, side, dtype=image.dtype)
        top, left = (side - height) // 2, (side - width) // 2
        canvas[:, top : top + height, left : left + width] = image
        return resize(canvas.float(), (self.image_size, self.image_size)).clamp(0.0, 1.0)


def _read(path: Path, channels: int | None = None) -> tuple[torch.Tensor, int]:
    """Read an image, decompressing ``.gz`` files (STARE ships ``.ppm.gz``) first."""
    if path.suffix.lower() != ".gz":
        return read_image_with_depth(path, channels)
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / path.with_suffix("").name
        try:
            with gzip.open(path, "rb") as source, plain.open("wb") as target:
                shutil.copyfileobj(source, target)
        except (OSError, EOFError) as err:
            raise DataError(f"cannot decompress {path}: {err}") from None
        return read_image_with_depth(plain, channels)


def _read_mask(path: Path, shape: tuple[int, int]) -> torch.Tensor:
    """A binary mask as (1, H, W) float {0, 1}; any channel above half scale counts."""
    mask, _ = _read(path)
    if tuple(mask.shape[1:]) != shape:
        raise DataError(f"{path}: mask is {tuple(mask.shape[1:])} pixels but its image is {shape}")
    return (mask.amax(dim=0, keepdim=True) > 0.5).float()
