"""``unpaired-folders``: two domains of any sizes and counts, unaligned but reproducible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.components.configs import UnpairedFoldersConfig
from ganzoo.components.unpaired import UnpairedFolders
from ganzoo.data.export import export_images
from ganzoo.registry.errors import ConfigError, DataError
from ganzoo.registry.protocols import Augmenting, Dataset, Exporting


def _domain(folder: Path, count: int, channels: int, value_of: int = 0) -> None:
    """``count`` images of varied sizes; image i is filled with the value ``value_of + 10 * i``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        shape = (12 + i, 16 + 2 * i) + ((3,) if channels == 3 else ())
        Image.fromarray(np.full(shape, value_of + 10 * i, dtype=np.uint8)).save(folder / f"{i:02d}.png")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    _domain(tmp_path / "trainA", 3, channels=1)
    _domain(tmp_path / "trainB", 7, channels=3, value_of=100)
    _domain(tmp_path / "testA", 2, channels=1)
    _domain(tmp_path / "testB", 2, channels=3, value_of=100)
    return tmp_path


def _value(image: torch.Tensor) -> int:
    return round((image.mean().item() + 1) / 2 * 255)


def test_items_take_every_image_of_the_larger_domain_and_cycle_the_smaller(root: Path) -> None:
    data = UnpairedFolders(UnpairedFoldersConfig(root=root, image_size=8))
    assert isinstance(data, Dataset | Augmenting | Exporting)
    assert len(data) == 7
    a_values = [_value(data[i]["cond"]) for i in range(7)]
    b_values = [_value(data[i]["x"]) for i in range(7)]
    assert a_values == [0, 10, 20, 0, 10, 20, 0]  # A image i mod 3
    assert sorted(b_values) == [100 + 10 * i for i in range(7)]  # each B image once ...
    assert b_values != sorted(b_values)  # ... in a seeded random, unaligned order
    again = UnpairedFolders(UnpairedFoldersConfig(root=root, image_size=8))
    assert [_value(again[i]["x"]) for i in range(7)] == b_values
    other = UnpairedFolders(UnpairedFoldersConfig(root=root, image_size=8, pairing_seed=1))
    assert [_value(other[i]["x"]) for i in range(7)] != b_values


def test_spec_shapes_and_direction(root: Path) -> None:
    data = UnpairedFolders(UnpairedFoldersConfig(root=root, image_size=8))
    spec = data.describe()
    assert (spec.condition, spec.shape, spec.condition_shape) == ("unpaired", (3, 8, 8), (1, 8, 8))
    assert data[0]["cond"].shape == (1, 8, 8) and data[0]["x"].shape == (3, 8, 8)
    assert spec.component_defaults("generator") == {"image_size": 8, "out_channels": 3, "in_channels": 1}
    assert spec.component_defaults("discriminator") == {"image_size": 8, "in_channels": 3, "source_channels": 1}
    flipped = UnpairedFolders(UnpairedFoldersConfig(root=root, image_size=8, direction="BtoA")).describe()
    assert (flipped.shape, flipped.condition_shape) == ((1, 8, 8), (3, 8, 8))


def test_jitter_crops_and_flips_each_domain_on_its_own(tmp_path: Path) -> None:
    for domain in "AB":
        folder = tmp_path / domain
        folder.mkdir()
        gradient = np.tile(np.arange(0, 240, 20, dtype=np.uint8), (12, 1))
        Image.fromarray(gradient).save(folder / "0.png")
    data = UnpairedFolders(UnpairedFoldersConfig(root=tmp_path, image_size=8, load_size=12))
    batch = {key: torch.stack([data[0][key]] * 64) for key in ("x", "cond")}
    assert batch["x"].shape[-1] == 12  # resized to load_size, cropped by augment
    torch.manual_seed(0)
    out = data.augment(batch)
    assert out["x"].shape == out["cond"].shape == (64, 1, 8, 8)
    assert not torch.equal(out["x"], out["cond"])  # identical inputs, independent jitter


def test_layouts_and_missing_folders(tmp_path: Path) -> None:
    _domain(tmp_path / "flat" / "A", 2, channels=3)
    _domain(tmp_path / "flat" / "B", 2, channels=3)
    _domain(tmp_path / "flat" / "A" / "val", 1, channels=3)  # skipped by the training split
    assert len(UnpairedFolders(UnpairedFoldersConfig(root=tmp_path / "flat", image_size=8))) == 2
    _domain(tmp_path / "nested" / "val" / "A", 1, channels=3)
    _domain(tmp_path / "nested" / "val" / "B", 4, channels=3)
    held_out = UnpairedFolders(UnpairedFoldersConfig(root=tmp_path / "nested", image_size=8, split="val"))
    assert len(held_out) == 4
    with pytest.raises(DataError, match="no 'test' split"):
        UnpairedFolders(UnpairedFoldersConfig(root=tmp_path / "flat", image_size=8, split="test"))
    with pytest.raises(DataError, match="needs folders A/ and B/"):
        UnpairedFolders(UnpairedFoldersConfig(root=tmp_path / "nested", image_size=8))
    with pytest.raises(DataError, match="does not exist"):
        UnpairedFolders(UnpairedFoldersConfig(root=tmp_path / "nowhere", image_size=8))
    with pytest.raises(ConfigError, match="load_size .* must be >= image_size"):
        ganzoo.create("dataset", "unpaired-folders", root=tmp_path / "flat", image_size=8, load_size=4)


def test_held_out_split_is_resized_without_jitter(root: Path) -> None:
    data = UnpairedFolders(UnpairedFoldersConfig(root=root, image_size=8, load_size=12, split="test"))
    assert len(data) == 2 and data[0]["x"].shape == (3, 8, 8)


def test_export_writes_sources_beside_translations(root: Path, tmp_path: Path) -> None:
    spec = UnpairedFolders(UnpairedFoldersConfig(root=root, image_size=8)).describe()
    files = export_images(torch.zeros(2, 3, 8, 8), tmp_path / "out", spec, torch.zeros(2, 1, 8, 8))
    assert sorted(f.relative_to(tmp_path / "out").as_posix() for f in files) == [
        "A/sample_000000.png", "A/sample_000001.png", "B/sample_000000.png", "B/sample_000001.png"
    ]
