"""Logic tests of benchmarks/cyclegan_quality.py (no training is run).

What could silently go wrong: held-out patches overlapping the training region, a B domain that
is not the restaining of the same tissue (the ground truth of the held-out error), the two sides
getting different settings, and the Frechet distance itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("cyclegan_quality")


def _found(patch: np.ndarray, image: np.ndarray) -> bool:
    """Whether ``patch`` is a window of ``image`` (candidates by the first row, then checked)."""
    size = patch.shape[0]
    rows = np.lib.stride_tricks.sliding_window_view(image, (size, 3), axis=(1, 2))[..., 0, :, :]
    first = np.argwhere((rows == patch[0][None, None]).all(axis=(-2, -1)))
    return any(np.array_equal(image[y : y + size, x : x + size], patch) for y, x in first if y + size <= len(image))


def test_held_out_patches_are_both_stains_of_unseen_tissue(bench: ModuleType, tmp_path: Path) -> None:
    counts = bench.make_data(tmp_path, size=32, load_size=36, n_train=4, seed=0)
    assert counts == {"trainA": 4, "testA": 217, "trainB": 4, "testB": 217}
    images = bench.domains()
    a0 = np.asarray(Image.open(tmp_path / "testA" / "0000.png"))
    b0 = np.asarray(Image.open(tmp_path / "testB" / "0000.png"))
    assert np.array_equal(a0, images["A"][384:416, 0:32]) and np.array_equal(b0, images["B"][384:416, 0:32])
    assert np.abs(a0.astype(int) - b0.astype(int)).mean() > 5  # a different stain of the same tissue
    # every training patch lies in the top three quarters, A's in the left half, B's in the right
    for domain, half in (("A", slice(0, 256)), ("B", slice(256, 512))):
        top = images[domain][:384, half]
        for path in (tmp_path / f"train{domain}").iterdir():
            assert _found(np.asarray(Image.open(path)), top), (domain, path.name)

def test_both_sides_get_the_same_settings(bench: ModuleType, tmp_path: Path) -> None:
    args = argparse.Namespace(size=32, load_size=36, ngf=16, ndf=8, n_blocks=6, threads=1)
    ganzoo = " ".join(bench.ganzoo_command(args, tmp_path, tmp_path / "g", seed=3, steps=10))
    baseline = bench.baseline_command(args, tmp_path, tmp_path / "b", seed=3, steps=10)
    for needle in ("image_size=32", "load_size=36", "generator.params.network.params.base_channels=16",
                   "n_blocks=6", "discriminator.params.network.params.base_channels=8", "train.steps=10",
                   "train.seed=3", "constant=5, decay=5"):
        assert needle in ganzoo
    pairs = dict(zip(baseline[2::2], baseline[3::2], strict=False))
    assert {k: pairs[k] for k in ("--size", "--load-size", "--ngf", "--ndf", "--n-blocks", "--iters",
                                  "--decay-start", "--seed")} == {
        "--size": "32", "--load-size": "36", "--ngf": "16", "--ndf": "8", "--n-blocks": "6", "--iters": "10",
        "--decay-start": "5", "--seed": "3"}


def test_frechet_distance_is_zero_for_one_set_and_grows_with_a_shift(bench: ModuleType) -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 4))
    assert bench.frechet(a, a) == pytest.approx(0.0, abs=1e-6)
    assert bench.frechet(a, a + 1.0) == pytest.approx(4.0, rel=1e-6)
