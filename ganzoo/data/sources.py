"""Source images from a folder, for ``ganzoo generate RUN --source FOLDER`` on translation runs.

A translator (pix2pix, CycleGAN) can translate any images, not only its dataset's: the files of
the folder (sorted by path, recursively) are read at their channel count the model expects,
resized to its source size as the datasets' test splits do (ignoring the aspect ratio) and
scaled to the DataSpec's value range.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.components.datasets import find_images
from ganzoo.data.images import IMAGE_SUFFIXES, read_image_with_depth, resize
from ganzoo.registry.errors import ConfigError, DataError


def read_sources(folder: Path, shape: tuple[int, ...], value_range: tuple[float, float], n: int) -> torch.Tensor:
    """The first ``n`` images of ``folder`` as a ``(n, *shape)`` batch in ``value_range``."""
    if len(shape) != 3 or shape[0] not in (1, 3):
        raise ConfigError(f"--source {folder}: the model's sources are not 1- or 3-channel images (shape {shape})")
    if not folder.is_dir():
        raise DataError(f"--source {folder}: not a folder")
    files = find_images(folder)
    if len(files) < n:
        suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
        raise DataError(f"--source {folder}: holds {len(files)} images ({suffixes}); -n asks for {n}")
    low, high = value_range
    channels, height, width = shape
    images = [resize(read_image_with_depth(path, channels)[0], (height, width)) for path in files[:n]]
    return torch.stack(images) * (high - low) + low
