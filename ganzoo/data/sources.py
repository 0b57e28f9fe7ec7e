"""Source images from a folder, for ``ganzoo generate RUN --source FOLDER`` on translation runs.

A translator (pix2pix, CycleGAN) can translate any images, not only its dataset's: the files of
the folder (sorted by path, recursively) are read at their channel count the model expects,
resized to its source size as the datasets' test splits do (ignoring the aspect ratio) and
scaled to the DataSpec's value range.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ganzoo.components.datasets import find_images
from ganzoo.data.images import IMAGE_SUFFIXES, read_image_with_depth, resize
from ganzoo.registry.errors import ConfigError, DataError


def folder_sources(
    folder: Path, shape: tuple[int, ...], value_range: tuple[float, float], n: int
) -> Callable[[int, int, Any], torch.Tensor]:
    """The first ``n`` images of ``folder`` as a source of ``(count, *shape)`` batches in
    ``value_range``: ``read(start, count, rng)`` decodes only the images asked for, so
    ``ganzoo generate`` streams them (checked up front: the folder holds ``n`` images)."""
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

    def read(start: int, count: int, rng: Any = None) -> torch.Tensor:
        images = [resize(read_image_with_depth(path, channels)[0], (height, width)) for path in files[start:start + count]]
        return torch.stack(images) * (high - low) + low

    return read


def read_sources(folder: Path, shape: tuple[int, ...], value_range: tuple[float, float], n: int) -> torch.Tensor:
    """The first ``n`` images of ``folder`` as a ``(n, *shape)`` batch in ``value_range``."""
    return folder_sources(folder, shape, value_range, n)(0, n)
