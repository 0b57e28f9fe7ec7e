"""retina-procedural: shapes, ranges, determinism, split disjointness, anatomy.

Rendering speed is measured by ``plugins/ganzoo-medical/benchmarks/render_speed.py``, not asserted here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from ganzoo_medical.configs import RetinaProceduralConfig
from ganzoo_medical.procedural import RetinaProcedural, render_sample
from ganzoo_medical.vessel_tree import (
    MIN_RADIUS,
    _bifurcate,
    _Walker,
    grow_vessel_tree,
    make_anatomy,
)

import ganzoo
from ganzoo.plugin import ConfigError, Dataset, DataSpec


def test_created_through_the_registry_paired() -> None:
    ds = ganzoo.create("dataset", "retina-procedural", image_size=32, length=3)
    assert isinstance(ds, Dataset)
    assert len(ds) == 3
    spec = ds.describe()
    assert spec == DataSpec("image", (3, 32, 32), condition="paired", condition_shape=(1, 32, 32), meta=spec.meta)
    item = ds[1]
    assert set(item) == {"x", "cond", "fov"}
    assert item["x"].shape == (3, 32, 32) and item["x"].dtype == torch.float32
    assert item["x"].min() >= -1.0 and item["x"].max() <= 1.0
    assert set(item["cond"].unique().tolist()) == {-1.0, 1.0}
    assert set(item["fov"].unique().tolist()) == {0.0, 1.0}
    # vessels only inside the FOV, black outside it
    assert not ((item["cond"] > 0) & (item["fov"] == 0)).any()
    assert torch.all(item["x"][:, item["fov"][0] == 0] == -1.0)


def test_unpaired_has_no_condition() -> None:
    ds = ganzoo.create("dataset", "retina-procedural", image_size=32, length=2, paired=False)
    assert ds.describe().condition == "none"
    assert set(ds[0]) == {"x", "fov"}


def test_unaligned_masks_belong_to_other_eyes_of_the_split() -> None:
    paired = ganzoo.create("dataset", "retina-procedural", image_size=32, length=6)
    unaligned = ganzoo.create("dataset", "retina-procedural", image_size=32, length=6, unaligned=True)
    spec = unaligned.describe()
    assert (spec.condition, spec.condition_shape, spec.shape) == ("unpaired", (1, 32, 32), (3, 32, 32))
    masks = [paired[i]["cond"] for i in range(6)]
    partners = []
    for i in range(6):
        assert torch.equal(unaligned[i]["x"], paired[i]["x"])  # the photograph stays
        partners.append(next(j for j in range(6) if torch.equal(unaligned[i]["cond"], masks[j])))
    assert sorted(partners) == list(range(6))  # every mask once per epoch ...
    assert all(p != i for i, p in enumerate(partners))  # ... never with its own eye
    with pytest.raises(ConfigError, match="unaligned = true needs paired = true"):
        ganzoo.create("dataset", "retina-procedural", paired=False, unaligned=True)


def test_sample_is_a_pure_function_of_seed_split_index() -> None:
    a = RetinaProcedural(RetinaProceduralConfig(image_size=32, length=4, cache=False))
    b = RetinaProcedural(RetinaProceduralConfig(image_size=32, length=4, cache=True))
    for i in range(2):
        assert torch.equal(a[i]["x"], b[i]["x"])
    assert torch.equal(b[0]["x"], b[0]["x"])  # cached copy is the same
    assert not torch.equal(a[0]["x"], a[1]["x"])
    other_seed = RetinaProcedural(RetinaProceduralConfig(image_size=32, length=4, seed=1))
    assert not torch.equal(a[0]["x"], other_seed[0]["x"])


def test_splits_draw_different_eyes() -> None:
    images = {
        split: np.stack([render_sample(0, split, i, 32)[1] for i in range(4)]) for split in ("train", "val", "test")
    }
    for s1, s2 in (("train", "val"), ("train", "test"), ("val", "test")):
        for i in range(4):
            for j in range(4):
                assert not np.array_equal(images[s1][i], images[s2][j])


def test_same_eye_at_any_size() -> None:
    small_mask, small, _ = render_sample(3, "train", 0, 32)
    big_mask, big, _ = render_sample(3, "train", 0, 128)
    down = big.reshape(32, 4, 32, 4, 3).mean(axis=(1, 3))
    assert np.abs(down - small).mean() < 0.04
    assert render_sample(3, "train", 0, 100)[1].shape == (100, 100, 3)
    assert big_mask.mean() > small_mask.mean() * 0.5  # vessels exist at both sizes


def test_fundus_anatomy_and_colour() -> None:
    rng = np.random.default_rng(5)
    anatomy = make_anatomy(rng)
    mask, image, fov = render_sample(0, "train", 7, 128)
    inside = image[fov]
    red, green, blue = inside.mean(axis=0)
    assert red > green > blue  # orange-red fundus
    vessel, background = image[mask & fov, 1].mean(), image[~mask & fov, 1].mean()
    assert vessel < 0.85 * background  # vessels are darker in green
    assert 0.04 < mask[fov].mean() < 0.25  # DRIVE annotations: about 12 % vessel
    assert abs(fov.mean() - math.pi * anatomy.fov_radius**2) < 0.02


def test_disc_bright_fovea_dark_and_macula_avoided() -> None:
    rng = np.random.default_rng(11)
    anatomy = make_anatomy(rng)
    tree = grow_vessel_tree(anatomy, rng)
    fovea = np.asarray(anatomy.fovea)
    assert np.hypot(*(tree.xy - fovea).T).min() > 0.4 * anatomy.disc_radius
    assert np.all(np.hypot(*(tree.xy - 0.5).T) < anatomy.fov_radius * 1.03 + 0.01)
    assert abs(min(anatomy.disc[0], 1 - anatomy.disc[0]) - 0.25) <= 0.03 + 1e-9
    # render through the dataset path with the same generator state
    from ganzoo_medical.render import render_fundus

    _, image, _ = render_fundus(anatomy, tree, 128, np.random.default_rng(0))
    def at(point: tuple[float, float]) -> np.ndarray:
        x, y = int(point[0] * 128), int(point[1] * 128)
        return image[y - 1 : y + 2, x - 1 : x + 2].mean(axis=(0, 1))

    assert at(anatomy.disc).sum() > 1.3 * image[64 - 20 : 64 + 20, 64 - 20 : 64 + 20].mean(axis=(0, 1)).sum()
    assert at(anatomy.fovea)[1] < 0.9 * np.median(image[..., 1][image[..., 0] > 0.2])


def test_bifurcation_follows_murrays_law_and_branch_angles() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        parent = _Walker(0.5, 0.5, 0.3, 0.005, 0, 3, None)
        children = _bifurcate(parent, rng)
        assert len(children) == 2
        r1, r2 = children[0].radius, children[1].radius
        assert math.isclose(r1**3 + r2**3, parent.radius**3, rel_tol=1e-9)
        minor = min(children, key=lambda c: c.radius)
        assert 25 - 1e-9 <= abs(math.degrees(minor.heading - parent.heading)) <= 45 + 1e-9
    tiny = _Walker(0.5, 0.5, 0.0, MIN_RADIUS * 1.1, 0, 3, None)
    assert all(c.radius >= MIN_RADIUS for c in _bifurcate(tiny, rng))


def test_invalid_params_are_config_errors() -> None:
    with pytest.raises(ganzoo.GanzooError, match="split"):
        ganzoo.create("dataset", "retina-procedural", split="holdout")
    with pytest.raises(ganzoo.GanzooError, match="length"):
        ganzoo.create("dataset", "retina-procedural", length=0)


def test_index_out_of_range() -> None:
    ds = RetinaProcedural(RetinaProceduralConfig(image_size=32, length=2))
    with pytest.raises(IndexError):
        ds[2]
