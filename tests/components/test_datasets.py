"""Built-in image datasets: discovery, shapes, ranges, DataSpec, paired augmentation, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.components import datasets as datasets_module
from ganzoo.components.configs import AlignedPairsConfig, ImageFolderConfig, PairedFoldersConfig
from ganzoo.components.datasets import AlignedPairs, ImageFolder, PairedFolders
from ganzoo.data.export import export_samples
from ganzoo.data.images import read_image, read_image_with_depth
from ganzoo.data.spec import DataSpec
from ganzoo.registry.errors import ConfigError, DataError
from ganzoo.registry.protocols import Augmenting, Dataset, Exporting

RNG = np.random.default_rng(0)


def _rgb(height: int, width: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def _save(array: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def _aligned_tree(root: Path, count: int = 3, size: int = 16, same: bool = False) -> list[np.ndarray]:
    """``root/train/i.png`` files with A | B side by side; returns the A|B arrays."""
    arrays = []
    for i in range(count):
        a = _rgb(size, size)
        b = a if same else 255 - a
        arrays.append(np.concatenate([a, b], axis=1))
        _save(arrays[-1], root / "train" / f"{i}.png")
    return arrays


# --- ImageFolder ---------------------------------------------------------------------------------


def test_image_folder_recursive_sorted_shapes_and_spec(tmp_path: Path) -> None:
    for name in ("b/2.png", "a/1.jpg", "c.png", "a/0.bmp"):
        _save(_rgb(24, 40), tmp_path / name)
    _save(_rgb(8, 8), tmp_path / ".hidden" / "x.png")
    (tmp_path / "notes.txt").write_text("not an image")
    data = ImageFolder(ImageFolderConfig(root=tmp_path, image_size=16))
    assert [p.relative_to(tmp_path).as_posix() for p in data.files] == ["a/0.bmp", "a/1.jpg", "b/2.png", "c.png"]
    assert isinstance(data, Dataset) and isinstance(data, Augmenting) and isinstance(data, Exporting)
    sample = data[2]["x"]
    assert sample.shape == (3, 16, 16) and sample.dtype == torch.float32
    assert sample.min() >= -1.0 and sample.max() <= 1.0 and sample.min() < 0 < sample.max()
    assert data.describe() == DataSpec(
        modality="image", shape=(3, 16, 16), value_range=(-1, 1), meta={"bit_depth": 8, "channels": 3}
    )


def test_image_folder_channels_follow_first_image_or_config(tmp_path: Path) -> None:
    _save(RNG.integers(0, 256, size=(20, 20), dtype=np.uint8), tmp_path / "0.png")
    _save(_rgb(20, 20), tmp_path / "1.png")
    grey = ImageFolder(ImageFolderConfig(root=tmp_path, image_size=8))
    assert grey.describe().shape == (1, 8, 8) and grey[1]["x"].shape == (1, 8, 8)
    assert ImageFolder(ImageFolderConfig(root=tmp_path, image_size=8, channels=3))[0]["x"].shape == (3, 8, 8)


def test_image_folder_16bit_keeps_precision_and_reports_depth(tmp_path: Path) -> None:
    levels = (RNG.integers(0, 65535, size=(12, 12), dtype=np.uint16) | 1) & ~np.uint16(0x0100)
    _save(levels, tmp_path / "x16.png")
    data = ImageFolder(ImageFolderConfig(root=tmp_path, image_size=12))
    assert data.describe().meta == {"bit_depth": 16, "channels": 1}
    back = (data[0]["x"].double() + 1) / 2 * 65535
    assert np.array_equal(np.rint(back[0].numpy()).astype(np.uint16), levels)


def test_image_folder_flip_augment(tmp_path: Path) -> None:
    _save(_rgb(8, 8), tmp_path / "0.png")
    data = ImageFolder(ImageFolderConfig(root=tmp_path, image_size=8, flip=True))
    image = data[0]["x"]
    torch.manual_seed(0)
    out = data.augment({"x": image.expand(16, -1, -1, -1)})["x"]
    flips = [bool(torch.equal(o, image.flip(-1))) for o in out]
    assert all(f or torch.equal(o, image) for f, o in zip(flips, out, strict=True))
    assert 0 < sum(flips) < 16
    unflipped = ImageFolder(ImageFolderConfig(root=tmp_path, image_size=8)).augment({"x": image[None]})
    assert torch.equal(unflipped["x"][0], image)


def test_missing_empty_and_corrupt_data_name_the_culprit(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="nowhere"):
        ImageFolder(ImageFolderConfig(root=tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no image files.*empty"):
        ImageFolder(ImageFolderConfig(root=tmp_path / "empty"))
    _save(_rgb(8, 8), tmp_path / "some" / "0.png")
    (tmp_path / "some" / "1.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(DataError, match="1.png"):  # found when the folder is described
        ImageFolder(ImageFolderConfig(root=tmp_path / "some", image_size=8))


# --- AlignedPairs --------------------------------------------------------------------------------


def test_aligned_pairs_split_halves_and_direction(tmp_path: Path) -> None:
    arrays = _aligned_tree(tmp_path, count=2, size=16)
    _save(_rgb(16, 32), tmp_path / "test" / "0.png")
    data = AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16))
    assert len(data) == 2 and all(p.parent.name == "train" for p in data.files)
    a = torch.from_numpy(arrays[1][:, :16].transpose(2, 0, 1) / 127.5 - 1).float()
    b = torch.from_numpy(arrays[1][:, 16:].transpose(2, 0, 1) / 127.5 - 1).float()
    sample = data[1]
    assert torch.allclose(sample["cond"], a, atol=1e-6) and torch.allclose(sample["x"], b, atol=1e-6)
    swapped = AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16, direction="BtoA"))[1]
    assert torch.allclose(swapped["cond"], b, atol=1e-6) and torch.allclose(swapped["x"], a, atol=1e-6)
    assert len(AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16, split="test"))) == 1
    spec = data.describe()
    assert (spec.shape, spec.condition, spec.condition_shape) == ((3, 16, 16), "paired", (3, 16, 16))
    assert spec.meta["bit_depth"] == 8


def test_aligned_pairs_jitter_is_identical_for_source_and_target(tmp_path: Path) -> None:
    _aligned_tree(tmp_path, count=4, size=20, same=True)
    data = AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16, load_size=20, flip=True))
    items = [data[i] for i in range(4)]
    assert items[0]["x"].shape == (3, 20, 20)  # resized to load_size per item, cropped per batch
    batch = {key: torch.stack([item[key] for item in items]) for key in ("cond", "x")}
    torch.manual_seed(5)
    out = data.augment(batch)
    assert out["x"].shape == (4, 3, 16, 16) and torch.equal(out["x"], out["cond"])
    torch.manual_seed(5)
    assert torch.equal(data.augment(batch)["x"], out["x"])
    (tmp_path / "val").mkdir()
    for path in sorted((tmp_path / "train").glob("*.png"))[-1:]:
        path.rename(tmp_path / "val" / path.name)
    test_split = AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16, load_size=20, split="val"))
    assert test_split[0]["x"].shape == (3, 16, 16)  # jitter is for training only


def test_aligned_pairs_rejects_load_size_below_image_size(tmp_path: Path) -> None:
    _aligned_tree(tmp_path, count=1)
    with pytest.raises(ConfigError, match="load_size"):
        AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16, load_size=8))


def test_registry_creates_aligned_pairs(tmp_path: Path) -> None:
    _aligned_tree(tmp_path, count=2, size=40)
    data = ganzoo.create("dataset", "aligned-pairs", root=str(tmp_path), image_size=32)
    assert isinstance(data, AlignedPairs) and data[0]["x"].shape == (3, 32, 32)
    assert data.describe().component_defaults("discriminator")["in_channels"] == 6


# --- PairedFolders -------------------------------------------------------------------------------


def _paired_tree(root: Path, names: list[str], a: str = "A", b: str = "B") -> None:
    """1-channel GIF masks in ``root/a`` and RGB TIFF images in ``root/b`` with the same stems."""
    for name in names:
        mask = np.zeros((16, 16), dtype=np.uint8)
        mask[4:12, 2:6] = 255
        (root / a).mkdir(parents=True, exist_ok=True)
        Image.fromarray(mask).convert("P").save(root / a / f"{name}.gif")
        _save(_rgb(16, 16), root / b / f"{name}.tif")


def test_paired_folders_match_stems_across_extensions(tmp_path: Path) -> None:
    _paired_tree(tmp_path, ["02", "01"])
    data = PairedFolders(PairedFoldersConfig(root=tmp_path, image_size=16))
    assert [(a.name, b.name) for a, b in data.pairs] == [("01.gif", "01.tif"), ("02.gif", "02.tif")]
    sample = data[0]
    assert sample["cond"].shape == (1, 16, 16) and sample["x"].shape == (3, 16, 16)
    assert set(sample["cond"].unique().tolist()) == {-1.0, 1.0}  # mask stays binary at full size
    spec = data.describe()
    assert spec.shape == (3, 16, 16) and spec.condition_shape == (1, 16, 16)
    assert spec.component_defaults("generator") == {"image_size": 16, "out_channels": 3, "in_channels": 1}
    reverse = PairedFolders(PairedFoldersConfig(root=tmp_path, image_size=16, direction="BtoA")).describe()
    assert reverse.shape == (1, 16, 16) and reverse.condition_shape == (3, 16, 16)


def test_paired_folders_mismatch_lists_names(tmp_path: Path) -> None:
    _paired_tree(tmp_path, ["01", "02"])
    _save(_rgb(16, 16), tmp_path / "A" / "lonely.png")
    _save(_rgb(8, 8), tmp_path / "B" / "stray.png")
    with pytest.raises(DataError, match=r"no B file for 'lonely'; no A file for 'stray'"):
        PairedFolders(PairedFoldersConfig(root=tmp_path, image_size=16))


def test_paired_folders_layouts_and_missing_folders(tmp_path: Path) -> None:
    _paired_tree(tmp_path / "split_inside", ["a"], a="A/train", b="B/train")
    _paired_tree(tmp_path / "split_inside", ["b", "c"], a="A/test", b="B/test")
    assert len(PairedFolders(PairedFoldersConfig(root=tmp_path / "split_inside", image_size=16))) == 1
    assert len(PairedFolders(PairedFoldersConfig(root=tmp_path / "split_inside", image_size=16, split="test"))) == 2
    _paired_tree(tmp_path / "split_outside" / "train", ["a", "b"])
    assert len(PairedFolders(PairedFoldersConfig(root=tmp_path / "split_outside", image_size=16))) == 2
    (tmp_path / "no_pairs").mkdir()
    with pytest.raises(DataError, match="A/ and B/"):
        PairedFolders(PairedFoldersConfig(root=tmp_path / "no_pairs", image_size=16))


# --- caching -------------------------------------------------------------------------------------


def test_second_epoch_does_not_decode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _aligned_tree(tmp_path, count=3)
    data = AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16))
    calls: list[Path] = []

    def counting(path: Path, channels: int | None = None) -> tuple[torch.Tensor, int]:
        calls.append(path)
        return read_image_with_depth(path, channels)

    monkeypatch.setattr(datasets_module, "read_image_with_depth", counting)
    first = [data[i] for i in range(3)]
    assert len(calls) == 3
    second = [data[i] for i in range(3)]
    assert len(calls) == 3
    assert all(torch.equal(f["x"], s["x"]) for f, s in zip(first, second, strict=True))
    second[0]["x"].fill_(0)  # a consumer writing in place must not corrupt the cache
    assert torch.equal(data[0]["x"], first[0]["x"])

    monkeypatch.setattr(datasets_module, "CACHE_LIMIT_BYTES", 1)
    uncached = AlignedPairs(AlignedPairsConfig(root=tmp_path, image_size=16))
    calls.clear()
    uncached[0], uncached[0]
    assert len(calls) == 2


# --- export --------------------------------------------------------------------------------------


def test_export_16bit_pngs_round_trip(tmp_path: Path) -> None:
    spec = DataSpec(modality="image", shape=(1, 8, 8), meta={"bit_depth": 16, "channels": 1})
    samples = torch.rand(3, 1, 8, 8) * 2 - 1
    paths = ImageFolder.export(samples, tmp_path / "out", spec)
    assert [p.name for p in paths] == ["sample_000000.png", "sample_000001.png", "sample_000002.png"]
    back = read_image(paths[2])
    assert torch.allclose(back, (samples[2] + 1) / 2, atol=1 / 65535)
    with Image.open(paths[0]) as written:
        assert written.mode.startswith("I;16")


def test_paired_export_writes_sources_beside_outputs(tmp_path: Path) -> None:
    spec = DataSpec(modality="image", shape=(3, 4, 4), condition="paired", condition_shape=(1, 4, 4))
    samples, sources = torch.zeros(2, 3, 4, 4), torch.ones(2, 1, 4, 4)
    paths = AlignedPairs.export(samples, tmp_path / "out", spec, conditions=sources)
    assert [p.relative_to(tmp_path / "out").as_posix() for p in paths] == [
        "A/sample_000000.png", "A/sample_000001.png", "B/sample_000000.png", "B/sample_000001.png"]
    assert torch.equal(read_image(paths[0]), torch.ones(1, 4, 4))
    with pytest.raises(ValueError, match=r"expected \(2, 1, 4, 4\)"):
        AlignedPairs.export(samples, tmp_path / "bad", spec, conditions=torch.ones(2, 3, 4, 4))


def test_export_samples_falls_back_and_prefers_the_dataset_exporter(tmp_path: Path) -> None:
    spec = DataSpec(modality="image", shape=(3, 4, 4))
    paths = export_samples(torch.zeros(2, 3, 4, 4), tmp_path / "png", spec)
    assert len(paths) == 2
    with Image.open(paths[0]) as written:
        assert written.mode == "RGB" and np.asarray(written).max() == 128  # 0 in [-1, 1] -> mid grey

    class Custom:
        @classmethod
        def export(
            cls, samples: torch.Tensor, out_dir: Path, spec: DataSpec, conditions: torch.Tensor | None = None
        ) -> list[Path]:
            return [Path(out_dir) / f"custom-{len(samples)}"]

    assert export_samples(torch.zeros(2, 3, 4, 4), tmp_path, spec, dataset_cls=Custom) == [tmp_path / "custom-2"]


def test_export_csv_for_tables_and_series(tmp_path: Path) -> None:
    table = DataSpec(modality="table", shape=(3,), meta={"columns": ["speed", "lanes", "hour"]})
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    (path,) = export_samples(torch.tensor([[1.5, 2.0, 3.0], [4.0, 5.0, 6.25]]), tmp_path / "t", table, labels)
    assert path.name == "samples.csv"
    assert path.read_text().splitlines() == [
        "speed,lanes,hour,cond_0,cond_1", "1.5,2,3,1,0", "4,5,6.25,0,1",
    ]
    series = DataSpec(modality="series", shape=(2, 2), meta={"columns": ["load", "temp"]})
    (path,) = export_samples(torch.arange(4.0).view(1, 2, 2), tmp_path / "s", series)
    assert path.read_text().splitlines() == ["load_0,load_1,temp_0,temp_1", "0,1,2,3"]
    wrong = DataSpec(modality="table", shape=(2,), meta={"columns": ["a", "b", "c"]})
    with pytest.raises(DataError, match="columns"):
        export_samples(torch.zeros(1, 2), tmp_path / "w", wrong)


def test_missing_held_out_split_is_an_error_not_the_training_data(tmp_path: Path) -> None:
    from PIL import Image

    from ganzoo.registry.errors import DataError

    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    for folder in ("A", "B"):
        Image.new("RGB", (8, 8)).save(tmp_path / folder / "1.png")
    Image.new("RGB", (16, 8)).save(tmp_path / "1.png")
    assert len(ganzoo.create("dataset", "paired-folders", root=str(tmp_path), image_size=8)) == 1
    with pytest.raises(DataError, match="no 'val' split"):
        ganzoo.create("dataset", "paired-folders", root=str(tmp_path), image_size=8, split="val")
    with pytest.raises(DataError, match="no 'val' split"):
        ganzoo.create("dataset", "aligned-pairs", root=str(tmp_path), image_size=8, split="val")


def test_training_from_the_root_skips_held_out_folders(tmp_path: Path) -> None:
    from PIL import Image

    for name in ("0.png", "1.png", "val/v.png", "test/t.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (16, 8)).save(tmp_path / name)
    train = ganzoo.create("dataset", "aligned-pairs", root=str(tmp_path), image_size=8)
    val = ganzoo.create("dataset", "aligned-pairs", root=str(tmp_path), image_size=8, split="val")
    assert [p.name for p in train.files] == ["0.png", "1.png"]
    assert [p.name for p in val.files] == ["v.png"]
    for side in ("A", "B"):
        for name in ("t.png", "val/v.png"):
            (tmp_path / "pf" / side / name).parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (8, 8)).save(tmp_path / "pf" / side / name)
    pairs = ganzoo.create("dataset", "paired-folders", root=str(tmp_path / "pf"), image_size=8)
    assert [a.name for a, _ in pairs.pairs] == ["t.png"]


def test_a_folder_of_mixed_depths_is_described_by_its_deepest_file(tmp_path: Path) -> None:
    from ganzoo.data.images import write_png

    write_png(torch.full((1, 8, 8), 0.5), tmp_path / "a.png", bit_depth=8)
    write_png(torch.full((1, 8, 8), 12345 / 65535), tmp_path / "b.png", bit_depth=16)
    dataset = ganzoo.create("dataset", "image-folder", root=str(tmp_path), image_size=8)
    assert dataset.describe().meta["bit_depth"] == 16


# --- held-out splits (val_fraction) ---------------------------------------------------------------


def test_val_fraction_carves_a_seeded_deterministic_split_out_of_the_training_images(tmp_path: Path) -> None:
    for i in range(20):
        _save(_rgb(8, 8), tmp_path / f"{i:02d}.png")
    _save(_rgb(8, 8), tmp_path / "test" / "t.png")

    def names(split: str, seed: int = 0, fraction: float = 0.2) -> list[str]:
        data = ganzoo.create("dataset", "image-folder", root=str(tmp_path), image_size=8,
                             split=split, val_fraction=fraction, split_seed=seed)
        return [p.relative_to(tmp_path).as_posix() for p in data.files]

    train, val = names("train"), names("val")
    assert len(val) == 4 and len(train) == 16 and not set(train) & set(val)
    assert sorted(train + val) == [f"{i:02d}.png" for i in range(20)]  # test/ is never trained on
    assert names("val") == val and names("val", seed=1) != val  # deterministic, seeded
    assert names("test") == ["test/t.png"]
    assert names("train", fraction=0.0) == [f"{i:02d}.png" for i in range(20)]

    moved = tmp_path.parent / f"{tmp_path.name}-moved"
    tmp_path.rename(moved)
    tmp_path = moved
    assert names("val") == val  # ranked by relative path: the split does not depend on where the folder is

    for i in range(20, 24):  # new files move few of the old ones
        _save(_rgb(8, 8), tmp_path / f"{i:02d}.png")
    assert len(set(names("val")) & set(val)) >= 3

    with pytest.raises(DataError, match=r"no 'val' split in .*set dataset.params.val_fraction"):
        names("val", fraction=0.0)
    with pytest.raises(ConfigError, match=r"val_fraction"):
        names("val", fraction=1.0)


def test_paired_datasets_hold_out_whole_pairs(tmp_path: Path) -> None:
    _aligned_tree(tmp_path / "aligned", count=10)
    for i in range(10):
        for side in ("A", "B"):
            _save(_rgb(8, 8), tmp_path / "folders" / side / f"{i}.png")
    aligned = {split: ganzoo.create("dataset", "aligned-pairs", root=str(tmp_path / "aligned"), image_size=16,
                                    split=split, val_fraction=0.3) for split in ("train", "val")}
    assert len(aligned["val"]) == 3 and len(aligned["train"]) == 7
    assert not {p.name for p in aligned["train"].files} & {p.name for p in aligned["val"].files}
    assert aligned["val"].load_size == 16  # held-out items get no training jitter
    folders = {split: ganzoo.create("dataset", "paired-folders", root=str(tmp_path / "folders"), image_size=8,
                                    split=split, val_fraction=0.3) for split in ("train", "val")}
    for pairs in (folders["train"].pairs, folders["val"].pairs):
        assert all(a.name == b.name for a, b in pairs)
    assert len(folders["val"]) == 3 and len(folders["train"]) == 7


def test_evaluation_uses_the_carved_val_split(tmp_path: Path) -> None:
    from ganzoo.metrics.evaluate import held_out_dataset
    from ganzoo.plugins.manager import get_registry
    from ganzoo.registry.config import ExperimentConfig

    for i in range(10):
        _save(_rgb(8, 8), tmp_path / f"{i}.png")
    config = ExperimentConfig.model_validate({
        "generator": {"name": "dcgan"}, "discriminator": {"name": "dcgan"}, "losses": [{"name": "adversarial"}],
        "dataset": {"name": "image-folder", "params": {"root": str(tmp_path), "image_size": 8, "val_fraction": 0.2}},
    })
    dataset, split, note = held_out_dataset(config, get_registry())
    assert split == "val" and note is None and len(dataset) == 2
    train = ganzoo.create("dataset", "image-folder", root=str(tmp_path), image_size=8, val_fraction=0.2)
    assert not set(train.files) & set(dataset.files)
