"""``unpaired-folders``: two image domains without pairs, CycleGAN's ``UnalignedDataset``.

Domain A and domain B are two folders of any sizes and counts; nothing is matched by name. One
epoch has ``max(len(A), len(B))`` items, as in the reference. Item ``i`` holds A image
``i mod len(A)`` and a B image chosen at random, but reproducibly: ``perm[i] mod len(B)``
with ``perm`` a permutation of the items drawn from ``pairing_seed``. Unlike the reference's
``random.randint`` per access, the choice does not depend on how many items were read before,
so an item is a pure function of its index (exact resume, any number of loader workers), while
every B image still appears once per epoch when B is the larger domain. The engine shuffles the
items every epoch, so the pairs meet in different batches each time.

Preprocessing follows the reference's ``resize_and_crop``: both images are resized to
``load_size x load_size`` (ignoring the aspect ratio) when the item is read; `augment`
takes a random ``image_size`` crop and a random horizontal flip of each domain *independently*,
since nothing aligns them. Other splits than ``train`` are resized straight to ``image_size``.

The DataSpec's condition kind is ``unpaired``: ``cond`` (the source domain, A unless
``direction = "BtoA"``) is what the generator translates; the discriminator never sees it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.components.configs import UnpairedFoldersConfig
from ganzoo.components.datasets import (
    _CachedImageDataset,
    _images_in,
    _to_model_range,
    deepest_bit_depth,
)
from ganzoo.data.augment import PairedCropFlip
from ganzoo.data.images import read_image_with_depth, resize
from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.registry.errors import DataError


def domain_folders(root: Path, split: str) -> tuple[Path, Path]:
    """Folders of domains A and B for ``split``.

    Tried in order: ``root/<split>A`` and ``root/<split>B`` (CycleGAN's ``trainA``/``testB``),
    ``root/<split>/A`` and ``.../B``, ``root/A/<split>`` and ``root/B/<split>``, and for the
    training split ``root/A`` and ``root/B`` themselves. A held-out split that is not there is
    an error, so evaluation never scores training images under a "val" label.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"dataset folder {root} does not exist or is not a folder")
    candidates = [
        (root / f"{split}A", root / f"{split}B"),
        (root / split / "A", root / split / "B"),
        (root / "A" / split, root / "B" / split),
    ]
    if split == "train":
        candidates.append((root / "A", root / "B"))
    for a, b in candidates:
        if a.is_dir() and b.is_dir():
            return a, b
    if split != "train":
        raise DataError(f"no {split!r} split in {root} (expected {root / (split + 'A')} and {root / (split + 'B')})")
    raise DataError(f"unpaired-folders needs folders A/ and B/ (or trainA/ and trainB/) in {root}")


class UnpairedFolders(_CachedImageDataset):
    """Images of two domains, unaligned; see the module docstring."""

    def __init__(self, config: UnpairedFoldersConfig) -> None:
        folder_a, folder_b = domain_folders(config.root, config.split)
        self.files_a, self.files_b = _images_in(folder_a, config.split), _images_in(folder_b, config.split)
        self.root = config.root
        self.split = config.split
        self.image_size = config.image_size
        self.direction = config.direction
        train = config.split == "train"
        self.load_size = config.load_size if config.load_size is not None and train else config.image_size
        self.channels_a = int(read_image_with_depth(self.files_a[0])[0].shape[0])
        self.channels_b = int(read_image_with_depth(self.files_b[0])[0].shape[0])
        self.depth_a, self.depth_b = deepest_bit_depth(self.files_a), deepest_bit_depth(self.files_b)
        count = max(len(self.files_a), len(self.files_b))
        generator = torch.Generator().manual_seed(config.pairing_seed)
        self.partner = (torch.randperm(count, generator=generator) % len(self.files_b)).tolist()
        self._augmenter = PairedCropFlip(size=config.image_size, flip=config.flip)
        super().__init__(count, (self.channels_a + self.channels_b) * self.load_size**2 * 4)

    def describe(self) -> DataSpec:
        size = self.image_size
        (source, source_depth), (target, target_depth) = (self.channels_a, self.depth_a), (self.channels_b, self.depth_b)
        if self.direction == "BtoA":
            (source, source_depth), (target, target_depth) = (target, target_depth), (source, source_depth)
        return DataSpec(
            modality="image",
            shape=(target, size, size),
            value_range=(-1.0, 1.0),
            condition="unpaired",
            condition_shape=(source, size, size),
            meta={
                "bit_depth": target_depth,
                "channels": target,
                "condition_channels": source,
            },
        )

    def pair(self, index: int) -> tuple[Path, Path]:
        """The A and B files of item ``index``."""
        return self.files_a[index % len(self.files_a)], self.files_b[self.partner[index]]

    def _load(self, index: int) -> dict[str, torch.Tensor]:
        path_a, path_b = self.pair(index)
        size = (self.load_size, self.load_size)
        a = _to_model_range(resize(read_image_with_depth(path_a, self.channels_a)[0], size))
        b = _to_model_range(resize(read_image_with_depth(path_b, self.channels_b)[0], size))
        source, target = (a, b) if self.direction == "AtoB" else (b, a)
        return {CONDITION_KEY: source, SAMPLE_KEY: target}

    def augment(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Random ``image_size`` crop and horizontal flip of ``x`` and ``cond``, each its own."""
        batch = self._augmenter(batch, keys=(SAMPLE_KEY,))
        return self._augmenter(batch, keys=(CONDITION_KEY,))
