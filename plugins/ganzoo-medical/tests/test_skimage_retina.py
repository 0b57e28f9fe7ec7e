"""retina-skimage: real patches, vesselness masks, pixel-disjoint splits, augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ganzoo_medical.configs import RetinaSkimageConfig
from ganzoo_medical.skimage_retina import RetinaSkimage, load_photograph

import ganzoo

SMALL = {"image_size": 32, "scale": 0.25, "length": 40}


def _footprint(ds: RetinaSkimage) -> np.ndarray:
    side = ds.photo.fov.shape[0]
    covered = np.zeros((side, side), dtype=bool)
    for top, left in ds.boxes:
        covered[top : top + ds.image_size, left : left + ds.image_size] = True
    return covered


def test_photograph_mask_matches_the_research_recipe() -> None:
    photo = load_photograph(0.25)
    assert photo.image.shape == (353, 353, 3)
    fraction = photo.vessels[photo.fov].mean()
    assert 0.04 < fraction < 0.15  # the recipe gives about 8 % inside the FOV
    assert not photo.vessels[~photo.fov].any()
    green = photo.image[..., 1]
    assert green[photo.vessels].mean() < green[photo.fov & ~photo.vessels].mean()
    assert load_photograph(0.25) is photo  # computed once per process


def test_flatten_removes_illumination_and_keeps_vessels_and_mask() -> None:
    raw, flat = load_photograph(0.25), load_photograph(0.25, True)
    assert np.array_equal(raw.vessels, flat.vessels) and np.array_equal(raw.fov, flat.fov)
    assert flat.image.min() >= 0 and flat.image.max() <= 1 and not flat.image[~flat.fov].any()
    # channel means inside the FOV are kept; brightness differences between regions shrink
    assert np.allclose(flat.image[flat.fov].mean(0), raw.image[raw.fov].mean(0), atol=0.03)
    def block_spread(image: np.ndarray) -> float:
        blocks = image[88:264, 88:264, 1].reshape(4, 44, 4, 44).mean((1, 3))
        return float(blocks.std())
    assert block_spread(flat.image) < 0.5 * block_spread(raw.image)
    green = flat.image[..., 1]
    assert green[flat.vessels].mean() < green[flat.fov & ~flat.vessels].mean() - 0.03
    ds = ganzoo.create("dataset", "retina-skimage", flatten=True, **SMALL)
    assert ds.describe().meta["flatten"] is True and ds.photo is flat


def test_patches_through_the_registry() -> None:
    ds = ganzoo.create("dataset", "retina-skimage", **SMALL)
    item = ds[0]
    assert item["x"].shape == (3, 32, 32) and item["cond"].shape == (1, 32, 32)
    assert item["fov"].mean() >= 0.5
    assert ds.describe().meta["vessel_threshold"] == pytest.approx(ds.photo.threshold)
    assert "same photograph" in ds.describe().meta["held_out"]  # privacy results say so (held-out cells of one eye)
    assert len(ds) == 40
    assert ganzoo.create("dataset", "retina-skimage", paired=False, **SMALL).describe().condition == "none"


def test_splits_are_pixel_disjoint() -> None:
    footprints = {s: _footprint(RetinaSkimage(RetinaSkimageConfig(split=s, **SMALL))) for s in ("train", "val", "test")}
    assert not (footprints["train"] & footprints["val"]).any()
    assert not (footprints["train"] & footprints["test"]).any()
    assert not (footprints["val"] & footprints["test"]).any()
    cells = {s: RetinaSkimage(RetinaSkimageConfig(split=s, **SMALL)).cells() for s in ("train", "val", "test")}
    assert all(cells.values())
    assert len(cells["train"]) > len(cells["val"])


def test_patch_positions_are_seeded() -> None:
    assert RetinaSkimage(RetinaSkimageConfig(**SMALL)).boxes == RetinaSkimage(RetinaSkimageConfig(**SMALL)).boxes
    assert RetinaSkimage(RetinaSkimageConfig(**SMALL)).boxes != RetinaSkimage(RetinaSkimageConfig(seed=1, **SMALL)).boxes


def test_augment_transforms_image_mask_and_fov_together() -> None:
    ds = RetinaSkimage(RetinaSkimageConfig(**SMALL))
    batch = {k: torch.stack([ds[i][k] for i in range(8)]) for k in ("x", "cond", "fov")}
    torch.manual_seed(0)
    out = ds.augment(batch)
    assert not torch.equal(out["x"], batch["x"])
    for i in range(8):
        for k in range(4):
            for flip in (False, True):
                cand = torch.rot90(batch["x"][i], k, dims=(-2, -1))
                cand = cand.flip(-1) if flip else cand
                if torch.equal(cand, out["x"][i]):
                    mask = torch.rot90(batch["cond"][i], k, dims=(-2, -1))
                    assert torch.equal(mask.flip(-1) if flip else mask, out["cond"][i])
                    break
            else:
                continue
            break
        else:
            pytest.fail(f"sample {i} is not a flip/rotation of its input")
    val = RetinaSkimage(RetinaSkimageConfig(split="val", **SMALL))
    assert val.augment(batch) is batch


def test_patch_too_large_for_scale_is_a_config_error() -> None:
    with pytest.raises(ganzoo.GanzooError, match="image_size"):
        ganzoo.create("dataset", "retina-skimage", image_size=128, scale=0.25)
