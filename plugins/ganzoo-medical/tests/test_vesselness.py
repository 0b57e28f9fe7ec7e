"""Vesselness extraction and FOV derivation on synthetic images."""

from __future__ import annotations

import numpy as np
from ganzoo_medical.vesselness import extract_vessels, fov_from_image, remove_small, sigmas_for


def _line_image(size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    image = np.full((size, size, 3), [0.8, 0.4, 0.2], dtype=np.float32)
    truth = np.zeros((size, size), dtype=bool)
    truth[30:33, 8:56] = True  # a dark horizontal vessel, 3 px wide
    image[truth] *= 0.5
    return image, truth


def test_extracts_a_dark_line() -> None:
    image, truth = _line_image()
    found = extract_vessels(image, np.ones((64, 64), dtype=bool), sigmas=(1.0, 2.0))
    overlap = (found & truth).sum()
    assert overlap / truth.sum() > 0.8
    assert found.sum() < 2.5 * truth.sum()


def test_flat_image_has_no_vessels() -> None:
    image = np.full((32, 32, 3), 0.5, dtype=np.float32)
    assert not extract_vessels(image, np.ones((32, 32), dtype=bool), sigmas=(1.0,)).any()


def test_sigmas_scale_with_resolution() -> None:
    assert sigmas_for(512) == (1.0, 2.0, 3.0, 4.0)
    assert sigmas_for(1024) == (2.0, 4.0, 6.0, 8.0)
    assert sigmas_for(64) == (0.5,)


def test_fov_from_image_finds_the_disc() -> None:
    size = 64
    yy, xx = np.mgrid[:size, :size]
    disc = np.hypot(yy - 31.5, xx - 31.5) < 28
    image = np.zeros((size, size, 3), dtype=np.float32)
    image[disc] = [0.7, 0.3, 0.1]
    image[30:34, 30:34] = 0.02  # a dark spot inside must not punch a hole
    image[0:2, 0:2] = 0.9  # a bright speck outside is not the fundus
    fov = fov_from_image(image)
    assert (fov ^ disc).sum() < 0.03 * disc.sum()
    assert fov[31, 31] and not fov[0, 0]


def test_remove_small() -> None:
    mask = np.zeros((10, 10), dtype=bool)
    mask[1, 1] = True
    mask[5, 2:9] = True
    kept = remove_small(mask, 3)
    assert not kept[1, 1] and kept[5, 2:9].all()
