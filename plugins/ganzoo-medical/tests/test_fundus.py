"""fundus: layout detection, pairing, splits and FOV on tiny trees in each published layout."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from ganzoo_medical.configs import FundusConfig
from ganzoo_medical.fundus import Fundus
from ganzoo_medical.layouts import detect_layout
from PIL import Image

import ganzoo
from ganzoo.plugin import DataError

Eye = tuple[np.ndarray, np.ndarray, np.ndarray]


def _fundus(root: Path, **params: Any) -> Fundus:
    return Fundus(FundusConfig(root=root, **params))


def _rgb(image: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(image, 0, 1) * 255).round().astype(np.uint8))


def _grey(mask: np.ndarray) -> Image.Image:
    return Image.fromarray(mask.astype(np.uint8) * 255)


def _save(img: Image.Image, path: Path, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:  # STARE ships .ppm.gz
        buffer = io.BytesIO()
        img.save(buffer, format="PPM")
        path.write_bytes(gzip.compress(buffer.getvalue()))
    else:
        img.save(path)


def _crop(eye: Eye) -> Eye:
    """48 x 40 (W x H): not square, like every real fundus camera frame."""
    mask, image, fov = eye
    return mask[4:44], image[4:44], fov[4:44]


def make_drive(root: Path, eye: Eye) -> Eye:
    mask, image, fov = _crop(eye)
    small_fov = fov.copy()
    small_fov[:, :12] = False  # differs from the derived FOV: proves the mask file is used
    for n in range(21, 26):
        _save(_rgb(image), root / "training/images" / f"{n}_training.tif")
        _save(_grey(mask), root / "training/1st_manual" / f"{n}_manual1.gif")
        _save(_grey(small_fov), root / "training/mask" / f"{n}_training_mask.gif")
    for n in ("01", "02"):  # grand-challenge release: no test vessel labels
        _save(_rgb(image), root / "test/images" / f"{n}_test.tif")
        _save(_grey(fov), root / "test/mask" / f"{n}_test_mask.gif")
    return mask, image, small_fov


def make_stare(root: Path, eye: Eye) -> None:
    mask, image, _ = _crop(eye)
    for n in range(1, 6):
        _save(_rgb(image), root / "stare-images" / f"im{n:04d}.ppm.gz", gz=True)
        if n != 3:  # only some STARE images are labelled
            _save(_grey(mask), root / "labels-ah" / f"im{n:04d}.ah.ppm.gz", gz=True)


def make_chase(root: Path, eye: Eye) -> None:
    mask, image, _ = _crop(eye)
    for child in ("01", "02"):
        for side in "LR":
            _save(_rgb(image), root / f"Image_{child}{side}.jpg")
            _save(_grey(mask), root / f"Image_{child}{side}_1stHO.png")
            _save(_grey(mask), root / f"Image_{child}{side}_2ndHO.png")


def make_hrf(root: Path, eye: Eye) -> None:
    mask, image, fov = _crop(eye)
    for name, ext in (("01_h", "jpg"), ("01_dr", "JPG"), ("01_g", "jpg"), ("02_h", "jpg")):
        _save(_rgb(image), root / "images" / f"{name}.{ext}")
        _save(_grey(mask), root / "manual1" / f"{name}.tif")
        _save(_grey(fov), root / "mask" / f"{name}_mask.tif")


def make_vess2ret(root: Path, eye: Eye) -> None:
    mask, image, _ = eye
    for split, names in (("train", ("a", "b", "c")), ("val", ("d",)), ("test", ("e",))):
        for name in names:
            _save(_grey(mask), root / split / "A" / f"{name}.png")
            _save(_rgb(image), root / split / "B" / f"{name}.png")


def test_drive_pairs_masks_and_uses_fov_files(tmp_path: Path, eye: Eye) -> None:
    mask, image, fov = make_drive(tmp_path, eye)
    ds = ganzoo.create("dataset", "fundus", root=tmp_path, image_size=48)
    assert ds.layout.name == "drive"
    assert [r.key for r in ds.records] == ["21", "22", "23", "24"]  # 25 is val
    assert [r.key for r in _fundus(tmp_path, image_size=48, split="val").records] == ["25"]
    item = ds[0]
    assert item["x"].shape == (3, 48, 48) and item["cond"].shape == (1, 48, 48)
    # padded to a square (4 black rows above and below), no resize at 48 px: exact pairing
    assert torch.equal(item["fov"][0, 4:44] > 0.5, torch.from_numpy(fov))
    assert not item["fov"][0, :4].any()
    assert torch.equal(item["cond"][0, 4:44] > 0, torch.from_numpy(mask & fov))
    expected = torch.from_numpy(np.round(image * 255) / 255).permute(2, 0, 1) * 2 - 1
    assert torch.allclose(item["x"][:, 4:44], expected, atol=1e-5)


def test_drive_test_split_without_labels(tmp_path: Path, eye: Eye) -> None:
    make_drive(tmp_path, eye)
    with pytest.raises(DataError, match="test split has no images with vessel annotations"):
        _fundus(tmp_path, split="test")
    unpaired = _fundus(tmp_path, image_size=32, split="test", paired=False)
    assert len(unpaired) == 2 and set(unpaired[0]) == {"x", "fov"}
    assert unpaired.describe().condition == "none"


def test_drive_evaluation_pools_val_and_test_for_unpaired_runs(tmp_path: Path, eye: Eye) -> None:
    from ganzoo.metrics.evaluate import held_out_dataset
    from ganzoo.plugins.manager import get_registry
    from ganzoo.registry.config import ExperimentConfig

    make_drive(tmp_path, eye)

    def held_out(paired: bool) -> tuple[Any, str, str | None]:
        config = ExperimentConfig.model_validate({
            "generator": {"name": "dcgan"}, "discriminator": {"name": "dcgan"}, "losses": [{"name": "adversarial"}],
            "dataset": {"name": "fundus", "params": {"root": str(tmp_path), "image_size": 32, "paired": paired}},
        })
        return held_out_dataset(config, get_registry(), "val+test")

    pooled, split, _ = held_out(paired=False)
    assert split == "val+test" and len(pooled) == 1 + 2  # image 25 of training/, both test images
    assert pooled[2]["x"].shape == (3, 32, 32)
    with pytest.raises(DataError, match="cannot build split 'test'.*no images with vessel annotations"):
        held_out(paired=True)  # DRIVE's test folder has no vessel masks to pair


def test_stare_gz_labels_and_derived_fov(tmp_path: Path, eye: Eye) -> None:
    make_stare(tmp_path, eye)
    splits = {s: _fundus(tmp_path, image_size=48, split=s) for s in ("train", "val", "test")}
    assert splits["train"].layout.name == "stare"
    keys = {s: [r.key for r in d.records] for s, d in splits.items()}
    assert keys == {"train": ["im0001", "im0002"], "val": ["im0004"], "test": ["im0005"]}
    assert len(_fundus(tmp_path, paired=False, split="train", image_size=48)) + 2 == 5  # im0003 unlabelled
    item = splits["train"][0]
    _, _, fov = _crop(eye)
    derived = item["fov"][0, 4:44].numpy() > 0.5
    assert (derived ^ fov).mean() < 0.05
    assert item["cond"].max() == 1.0


def test_chase_keeps_both_eyes_of_a_child_in_one_split(tmp_path: Path, eye: Eye) -> None:
    make_chase(tmp_path, eye)
    train = _fundus(tmp_path, image_size=32, test_fraction=0.5, val_fraction=0.0)
    test = _fundus(tmp_path, image_size=32, test_fraction=0.5, val_fraction=0.0, split="test")
    assert train.layout.name == "chase_db1"
    assert [r.key for r in train.records] == ["Image_01L", "Image_01R"]
    assert [r.key for r in test.records] == ["Image_02L", "Image_02R"]
    assert train.split_groups == ["01", "01"] and test.split_groups == ["02", "02"]  # a child is one draw
    assert train.records[0].vessels.name == "Image_01L_1stHO.png"
    second = _fundus(tmp_path, image_size=32, annotator=2, test_fraction=0.5)
    assert second.records[0].vessels.name == "Image_01L_2ndHO.png"
    assert train[0]["x"].shape == (3, 32, 32)


def test_hrf_upper_case_extensions(tmp_path: Path, eye: Eye) -> None:
    make_hrf(tmp_path, eye)
    layout = detect_layout(tmp_path)
    assert layout.name == "hrf"
    assert sorted(r.key for r in layout.records) == ["01_dr", "01_g", "01_h", "02_h"]
    dr = next(r for r in layout.records if r.key == "01_dr")
    assert dr.image.name == "01_dr.JPG" and dr.vessels.name == "01_dr.tif" and dr.fov.name == "01_dr_mask.tif"
    ds = _fundus(tmp_path, image_size=32, val_fraction=0.0, test_fraction=0.25)
    assert len(ds) == 3 and ds[0]["fov"].sum() > 0
    with pytest.raises(DataError, match="annotator = 1"):
        _fundus(tmp_path, annotator=2)


def test_vess2ret_official_splits(tmp_path: Path, eye: Eye) -> None:
    make_vess2ret(tmp_path, eye)
    sizes = {s: len(_fundus(tmp_path, image_size=48, split=s)) for s in ("train", "val", "test")}
    assert sizes == {"train": 3, "val": 1, "test": 1}
    item = _fundus(tmp_path, image_size=48, split="val")[0]
    mask, _, fov = eye
    assert (item["cond"][0] > 0).sum() > 0.8 * mask.sum()


def test_nested_folder_is_found(tmp_path: Path, eye: Eye) -> None:
    make_drive(tmp_path / "DRIVE", eye)
    layout = detect_layout(tmp_path)
    assert layout.name == "drive" and layout.root == tmp_path / "DRIVE"


def test_unknown_layout_lists_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a dataset")
    with pytest.raises(DataError) as info:
        ganzoo.create("dataset", "fundus", root=tmp_path)
    message = str(info.value)
    assert "\n" not in message
    for name in ("DRIVE", "STARE", "CHASE_DB1", "HRF", "vess2ret"):
        assert name in message
    with pytest.raises(DataError, match="does not exist"):
        _fundus(tmp_path / "missing")


def test_sixteen_bit_grey_images_keep_their_precision(tmp_path: Path, eye: Eye) -> None:
    mask, image, fov = eye
    grey = np.round(image.mean(axis=2) * 65535).astype(np.uint16)
    grey[fov] |= 1  # odd levels: an 8-bit round trip could not produce them
    for name in ("01_h", "02_h"):
        _save(Image.fromarray(grey), tmp_path / "images" / f"{name}.png")
        _save(_grey(mask), tmp_path / "manual1" / f"{name}.tif")
        _save(_grey(fov), tmp_path / "mask" / f"{name}_mask.tif")
    ds = _fundus(tmp_path, image_size=48, val_fraction=0.0, test_fraction=0.0)
    assert ds.describe().shape == (1, 48, 48)
    assert ds.describe().meta["bit_depth"] == 16
    levels = (ds[0]["x"][0] + 1) / 2 * 65535
    assert torch.allclose(levels, torch.from_numpy(grey.astype(np.float32)), atol=0.05)
