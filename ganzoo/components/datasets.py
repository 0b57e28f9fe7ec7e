"""The built-in image datasets: an image folder, pix2pix aligned A|B files, and A/ B/ folders.

They read through [`ganzoo.data.images`][ganzoo.data.images], so 1-channel and 16-bit images reach the model at
full precision (and come back out at the same bit depth through ``export``). Decoding and resizing
is deterministic and happens once per file: small datasets (up to [`CACHE_LIMIT_BYTES`][ganzoo.components.datasets.CACHE_LIMIT_BYTES] of
float tensors) are kept in memory, because pix2pix trains at batch size 1 and would otherwise spend
its epochs decoding JPEGs. Random training jitter (crop, flip) is not done per item but in
`augment` on whole batches, under the engine's seeded RNG, with identical parameters for the
source and the target of a pair.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch
from torch.utils.data import Dataset as TorchDataset

from ganzoo.components.configs import (
    AlignedPairsConfig,
    HeldOutConfig,
    ImageFolderConfig,
    PairedFoldersConfig,
    PairedImagesConfig,
)
from ganzoo.data.augment import PairedCropFlip
from ganzoo.data.classes import CLASSES_KEY, class_labels, export_by_class, parse_label
from ganzoo.data.export import export_images
from ganzoo.data.images import (
    IMAGE_SUFFIXES,
    probe_bit_depth,
    read_image_with_depth,
    resize,
    resize_center_crop,
)
from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.registry.errors import ConfigError, DataError

#: Decoded samples are cached in memory until they take this many bytes (per process).
CACHE_LIMIT_BYTES = 2 * 1024**3


#: Sub-folders that hold held-out data; a training split read from a dataset's root skips them.
HELD_OUT_FOLDERS = frozenset({"val", "valid", "validation", "test"})


def find_images(folder: Path, skip: frozenset[str] = frozenset()) -> list[Path]:
    """Image files below ``folder`` (recursively), sorted by relative path.

    Hidden files are skipped, and so are files in a top-level sub-folder named in ``skip``.
    """
    found = (
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in IMAGE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.relative_to(folder).parts[0] not in skip
        and path.is_file()
    )
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())


def deepest_bit_depth(files: list[Path]) -> int:
    """16 when any file is 16-bit, else 8 (the depth exports are written at)."""
    return max(probe_bit_depth(path) for path in files)


def _existing_folder(root: Path, split: str | None = None) -> Path:
    """``root/<split>`` when it exists (pix2pix layout ``facades/train``), else ``root``.

    Only the training split may fall back to ``root`` itself: a held-out split that does not
    exist is an error, so evaluation never scores training data under a "val" label.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"dataset folder {root} does not exist or is not a folder")
    if split and (root / split).is_dir():
        return root / split
    if split and split != "train":
        raise DataError(
            f"no {split!r} split in {root} (expected the folder {root / split}, or set dataset.params.val_fraction)"
        )
    return root


def _images_in(folder: Path, split: str | None = None) -> list[Path]:
    """Images of ``folder``; a training split read from the root skips held-out sub-folders."""
    files = find_images(folder, HELD_OUT_FOLDERS if split == "train" and folder.name != "train" else frozenset())
    if not files:
        suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
        raise DataError(f"no image files ({suffixes}) found in {folder}")
    return files


T = TypeVar("T")


def read_split(config: HeldOutConfig, items_of: Callable[[str], list[T]], key: Callable[[T], str]) -> list[T]:
    """The items of ``config.split``, with ``val_fraction`` carving val out of the training items.

    ``items_of(split)`` lists a split's items as the folder layout holds them. With a
    ``val_fraction``, train and val are the two parts of the training items: each item is
    ranked by the SHA-256 of ``split_seed`` and its ``key`` (a path relative to the dataset
    folder), and the first ``round(n * val_fraction)`` (at least one) form val. The split is
    deterministic, does not depend on where the folder lies, and adding files moves few others.
    """
    if not config.val_fraction or config.split not in ("train", "val"):
        return items_of(config.split)
    items = items_of("train")
    n_val = max(1, round(len(items) * config.val_fraction))
    if n_val >= len(items):
        raise DataError(
            f"dataset.params.val_fraction: {config.val_fraction} of {len(items)} training files leaves none to train on"
        )
    ranked = sorted(items, key=lambda item: hashlib.sha256(f"{config.split_seed}:{key(item)}".encode()).hexdigest())
    val = {key(item) for item in ranked[:n_val]}
    return [item for item in items if (key(item) in val) == (config.split == "val")]


def _to_model_range(image: torch.Tensor) -> torch.Tensor:
    return image * 2.0 - 1.0


class _CachedImageDataset(TorchDataset):
    """Shared machinery: bounded in-memory cache of decoded samples, PNG export."""

    def __init__(self, count: int, bytes_per_item: int) -> None:
        self._count = count
        self._cache: dict[int, dict[str, torch.Tensor]] = {}
        self._cache_slots = min(count, CACHE_LIMIT_BYTES // max(1, bytes_per_item))

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not -self._count <= index < self._count:
            raise IndexError(f"index {index} out of range for {self._count} samples")
        index %= self._count
        sample = self._cache.get(index)
        if sample is None:
            sample = self._load(index)
            if len(self._cache) < self._cache_slots:
                self._cache[index] = sample
        # Clones keep the cache intact if a consumer modifies a sample in place.
        return {key: value.clone() for key, value in sample.items()}

    def _load(self, index: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    @classmethod
    def export(
        cls,
        samples: torch.Tensor,
        out_dir: Path,
        spec: DataSpec,
        conditions: torch.Tensor | None = None,
        start: int = 0,
    ) -> list[Path]:
        """Numbered PNG files at the training data's bit depth; paired runs write ``A/`` sources
        beside ``B/`` generated images ([`export_images`][ganzoo.data.export.export_images])."""
        return export_images(samples, out_dir, spec, conditions, start=start)


class ImageFolder(_CachedImageDataset):
    """Unpaired images from a folder tree, for noise -> image GANs such as DCGAN.

    Each image is resized (shorter side, antialiased) to ``image_size`` and centre-cropped, then
    scaled to ``[-1, 1]``. ``channels`` defaults to the first image's (1 for grey, 3 for colour);
    other images are converted to it. Held-out images for evaluation come from ``root/val`` and
    ``root/test`` (never trained on), or from ``val_fraction`` of the training images
    ([`read_split`][ganzoo.components.datasets.read_split]).

    With ``labels = "subfolders"`` the top-level folders are classes
    ([`ganzoo.data.classes`][ganzoo.data.classes]; the names come from the training folder, so
    every split encodes them alike): samples carry a one-hot ``cond``, the DataSpec is
    label-conditional with the class names in ``meta["classes"]``, ``ganzoo generate
    --condition label=NAME`` picks a class and generated images are written per class folder.
    """

    def __init__(self, config: ImageFolderConfig) -> None:
        self.root = config.root
        self.image_size = image_size = config.image_size
        self.split = config.split
        self.files = read_split(config, self._files_of, lambda path: path.relative_to(self.root).as_posix())
        self.classes: list[str] = []
        self.labels: list[int] = []
        if config.labels == "subfolders":
            self.classes, self.labels = self._class_labels(config)
        first, _ = read_image_with_depth(self.files[0], config.channels)
        self.bit_depth = deepest_bit_depth(self.files)
        self.channels = int(first.shape[0])
        self._augmenter = PairedCropFlip(size=None, flip=config.flip)
        super().__init__(len(self.files), self.channels * image_size**2 * 4)

    def _files_of(self, split: str) -> list[Path]:
        return _images_in(_existing_folder(self.root, split), split)

    def _class_labels(self, config: ImageFolderConfig) -> tuple[list[str], list[int]]:
        """Class names of the training folder and each file's index among them."""
        train_folder = _existing_folder(self.root, "train")
        from_training = config.split == "train" or (config.val_fraction and config.split == "val")
        own_folder = train_folder if from_training else _existing_folder(self.root, config.split)
        classes, labels = class_labels(self.files, own_folder)
        if own_folder == train_folder:
            return classes, labels
        train_classes, _ = class_labels(self._files_of("train"), train_folder)
        unknown = sorted(set(classes) - set(train_classes))
        if unknown:
            raise DataError(f"{own_folder}: class folders {', '.join(map(repr, unknown))} are not among the training "
                            f"classes ({', '.join(train_classes)})")
        return train_classes, [train_classes.index(classes[label]) for label in labels]

    def describe(self) -> DataSpec:
        size = self.image_size
        meta = {"bit_depth": self.bit_depth, "channels": self.channels}
        if not self.classes:
            return DataSpec(modality="image", shape=(self.channels, size, size), value_range=(-1.0, 1.0), meta=meta)
        counts = torch.bincount(torch.tensor(self.labels), minlength=len(self.classes)).tolist()
        meta.update({CLASSES_KEY: self.classes, "condition_names": self.classes,
                     "label_frequencies": [count / len(self.labels) for count in counts]})
        return DataSpec(modality="image", shape=(self.channels, size, size), value_range=(-1.0, 1.0),
                        condition="label", condition_shape=(len(self.classes),), meta=meta)

    def _load(self, index: int) -> dict[str, torch.Tensor]:
        image = read_image_with_depth(self.files[index], self.channels)[0]
        sample = {SAMPLE_KEY: _to_model_range(resize_center_crop(image, self.image_size))}
        if self.classes:
            sample[CONDITION_KEY] = torch.nn.functional.one_hot(
                torch.tensor(self.labels[index]), len(self.classes)).float()
        return sample

    @classmethod
    def parse_condition(cls, spec: DataSpec, text: str, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``ganzoo generate --condition label=NAME``: ``n`` one-hot vectors of class ``NAME``."""
        return parse_label(spec, text, n)

    @classmethod
    def export(cls, samples: torch.Tensor, out_dir: Path, spec: DataSpec,
               conditions: torch.Tensor | None = None) -> list[Path]:
        """Numbered PNG files, in one folder per class for a class-labelled run."""
        return export_by_class(samples, out_dir, spec, conditions)

    def augment(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Random horizontal flip per sample when ``flip`` is on."""
        return self._augmenter(batch)


class _PairedImages(_CachedImageDataset):
    """Source -> target pairs: deterministic resize per item, random crop + flip per batch.

    Both images of a pair are resized to ``load_size x load_size`` (as pix2pix does, ignoring the
    aspect ratio); `augment` crops the batch to ``image_size`` and flips it, with identical
    parameters for ``cond`` and ``x``. Jitter is for training: for any split other than
    ``"train"`` items are resized straight to ``image_size`` (pix2pix's test setting).
    ``direction="AtoB"`` makes A the source (``cond``) and B the target (``x``).
    """

    def __init__(
        self,
        config: PairedImagesConfig,
        *,
        source_channels: int,
        target_channels: int,
        bit_depth: int,
        count: int,
    ) -> None:
        image_size, load_size = config.image_size, config.load_size
        if load_size is not None and load_size < image_size:
            raise ConfigError(f"dataset.params.load_size ({load_size}) must be >= image_size ({image_size})")
        self.root = config.root
        self.image_size = image_size
        self.direction = config.direction
        self.split = config.split
        self.load_size = load_size if load_size is not None and config.split == "train" else image_size
        self.source_channels = source_channels
        self.target_channels = target_channels
        self.bit_depth = bit_depth
        self._augmenter = PairedCropFlip(size=image_size, flip=config.flip)
        channels = source_channels + target_channels
        super().__init__(count, channels * self.load_size**2 * 4)

    def describe(self) -> DataSpec:
        size = self.image_size
        return DataSpec(
            modality="image",
            shape=(self.target_channels, size, size),
            value_range=(-1.0, 1.0),
            condition="paired",
            condition_shape=(self.source_channels, size, size),
            meta={
                "bit_depth": self.bit_depth,
                "channels": self.target_channels,
                "condition_channels": self.source_channels,
            },
        )

    def augment(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Random ``image_size`` crop and horizontal flip, the same for source and target."""
        return self._augmenter(batch)

    def _load(self, index: int) -> dict[str, torch.Tensor]:
        a, b = self._read_pair(index)
        size = (self.load_size, self.load_size)
        a, b = _to_model_range(resize(a, size)), _to_model_range(resize(b, size))
        source, target = (a, b) if self.direction == "AtoB" else (b, a)
        return {CONDITION_KEY: source, SAMPLE_KEY: target}

    def _read_pair(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError


def _split_halves(image: torch.Tensor, path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    width = image.shape[-1]
    if width < 2:
        raise DataError(f"aligned pair {path} is {width} pixel wide; expected A and B side by side")
    half = width // 2
    return image[..., :half], image[..., half:]


class AlignedPairs(_PairedImages):
    """pix2pix aligned pairs: each file holds A (left half) and B (right half) side by side.

    Files come from ``root/<split>`` when it exists (``facades/train/*.jpg``), else from ``root``.
    """

    def __init__(self, config: AlignedPairsConfig) -> None:
        root = Path(config.root)
        self.files = read_split(
            config, lambda split: _images_in(_existing_folder(root, split), split),
            lambda path: path.relative_to(root).as_posix(),
        )
        first, _ = read_image_with_depth(self.files[0])
        depth = deepest_bit_depth(self.files)
        self.channels = int(first.shape[0])
        super().__init__(
            config,
            source_channels=self.channels, target_channels=self.channels,
            bit_depth=depth, count=len(self.files),
        )

    def _read_pair(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        path = self.files[index]
        return _split_halves(read_image_with_depth(path, self.channels)[0], path)


class PairedFolders(_PairedImages):
    """Pairs from ``A/`` and ``B/`` folders whose files share names (extensions may differ).

    Looks for ``root/<split>/{A,B}``, then ``root/{A,B}/<split>`` (the input layout of pix2pix's
    ``combine_A_and_B.py``), then ``root/{A,B}``. Files are matched by their path relative to
    ``A/`` or ``B/`` without the extension, so ``A/01.gif`` pairs with ``B/01.tif``.
    """

    def __init__(self, config: PairedFoldersConfig) -> None:
        root = Path(config.root)
        self.pairs = read_split(
            config, lambda split: _match_pairs(*_paired_folders(root, split), split),
            lambda pair: pair[0].relative_to(root).as_posix(),
        )
        first_a, _ = read_image_with_depth(self.pairs[0][0])
        first_b, _ = read_image_with_depth(self.pairs[0][1])
        depth_a = deepest_bit_depth([a for a, _ in self.pairs])
        depth_b = deepest_bit_depth([b for _, b in self.pairs])
        self.channels_a, self.channels_b = int(first_a.shape[0]), int(first_b.shape[0])
        source, target = (self.channels_a, self.channels_b)
        if config.direction == "BtoA":
            source, target = target, source
        super().__init__(
            config,
            source_channels=source, target_channels=target,
            bit_depth=depth_b if config.direction == "AtoB" else depth_a, count=len(self.pairs),
        )

    def _read_pair(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        path_a, path_b = self.pairs[index]
        return (
            read_image_with_depth(path_a, self.channels_a)[0],
            read_image_with_depth(path_b, self.channels_b)[0],
        )


def _paired_folders(root: Path, split: str) -> tuple[Path, Path]:
    if not root.is_dir():
        raise DataError(f"dataset folder {root} does not exist or is not a folder")
    for a, b in (
        (root / split / "A", root / split / "B"),
        (root / "A" / split, root / "B" / split),
        (root / "A", root / "B"),
    ):
        if a.is_dir() and b.is_dir():
            if split != "train" and split not in (a.name, a.parent.name):
                raise DataError(f"no {split!r} split in {root} (expected {root / split / 'A'} or {root / 'A' / split})")
            return a, b
    raise DataError(f"paired-folders needs folders A/ and B/ in {root} (or in {root / split})")


def _keyed(folder: Path, split: str) -> dict[str, Path]:
    keyed: dict[str, Path] = {}
    for path in _images_in(folder, split):
        key = path.relative_to(folder).with_suffix("").as_posix()
        if key in keyed:
            raise DataError(f"two files named {key!r} in {folder}: {keyed[key].name}, {path.name}")
        keyed[key] = path
    return keyed


def _match_pairs(folder_a: Path, folder_b: Path, split: str) -> list[tuple[Path, Path]]:
    files_a, files_b = _keyed(folder_a, split), _keyed(folder_b, split)
    only_a = sorted(files_a.keys() - files_b.keys())
    only_b = sorted(files_b.keys() - files_a.keys())
    if only_a or only_b:
        problems = []
        if only_a:
            problems.append(f"no B file for {_few(only_a)}")
        if only_b:
            problems.append(f"no A file for {_few(only_b)}")
        raise DataError(
            f"{folder_a} and {folder_b} do not match: {'; '.join(problems)} "
            f"({len(only_a) + len(only_b)} unmatched)"
        )
    return [(files_a[key], files_b[key]) for key in sorted(files_a)]


def _few(names: list[str], shown: int = 5) -> str:
    listed = ", ".join(repr(name) for name in names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")
