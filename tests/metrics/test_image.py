"""Paired L1 / PSNR / SSIM on inputs with known answers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch

from ganzoo.data.spec import DataSpec
from ganzoo.metrics.configs import PairedImageConfig
from ganzoo.metrics.image import PSNR_MAX, PairedImageMetric, paired_scores
from ganzoo.registry.errors import ConfigError


def test_identical_images_score_perfectly(paired_ctx: Callable[..., Any]) -> None:
    out = PairedImageMetric(PairedImageConfig()).compute(paired_ctx(0.0))
    assert out["l1"]["value"] == 0.0
    assert out["ssim"]["value"] == pytest.approx(1.0, abs=1e-5)
    assert out["psnr"]["value"] == PSNR_MAX  # capped, documented: never inf
    assert out["l1"]["n_real"] == out["l1"]["n_fake"] == 12
    assert out["l1"]["split"] == "val" and out["l1"]["better"] == "lower"
    assert out["psnr"]["better"] == "higher" and out["ssim"]["feature_extractor"] == "none (pixels)"


def test_constant_offset_gives_exact_l1_and_psnr(paired_ctx: Callable[..., Any]) -> None:
    # +0.2 in [-1, 1] is +0.1 in [0, 1]: L1 0.1, MSE 0.01, PSNR 20 dB (targets stay below 0.6).
    out = PairedImageMetric(PairedImageConfig()).compute(paired_ctx(0.2))
    assert out["l1"]["value"] == pytest.approx(0.1, abs=1e-6)
    assert out["l1"]["sd"] == pytest.approx(0.0, abs=1e-6)
    assert out["psnr"]["value"] == pytest.approx(20.0, abs=1e-4)
    assert out["ssim"]["value"] < 1.0


def test_per_pair_mean_and_sd(paired_ctx: Callable[..., Any]) -> None:
    offsets = torch.tensor([0.1, 0.3] * 6)  # L1 per pair 0.05 and 0.15
    out = PairedImageMetric(PairedImageConfig()).compute(paired_ctx(offsets))
    assert out["l1"]["value"] == pytest.approx(0.10, abs=1e-6)
    assert out["l1"]["sd"] == pytest.approx(0.05, abs=1e-6)
    expected_psnr = (20 * math.log10(1 / 0.05) + 20 * math.log10(1 / 0.15)) / 2
    assert out["psnr"]["value"] == pytest.approx(expected_psnr, abs=1e-3)


def test_known_noise_level_gives_expected_psnr() -> None:
    gen = torch.Generator().manual_seed(0)
    real = torch.full((4, 3, 64, 64), 0.5)
    noise = torch.randn(real.shape, generator=gen) * 0.05
    scores = paired_scores(real + noise, real)
    # PSNR = 10 log10(1 / sigma^2) = 26.02 dB for sigma = 0.05
    assert scores["psnr"].mean().item() == pytest.approx(26.02, abs=0.1)
    assert scores["l1"].mean().item() == pytest.approx(0.05 * math.sqrt(2 / math.pi), rel=0.02)


def test_ssim_window_shrinks_for_tiny_images() -> None:
    x = torch.rand(2, 1, 8, 8)
    assert torch.allclose(paired_scores(x, x)["ssim"], torch.ones(2), atol=1e-5)


def test_unpaired_run_is_refused(paired_ctx: Callable[..., Any]) -> None:
    ctx = paired_ctx(0.0)
    ctx.sampler.spec = DataSpec("image", (3, 32, 32))
    with pytest.raises(ConfigError, match="paired-image needs paired image data"):
        PairedImageMetric(PairedImageConfig()).compute(ctx)


def test_real_subset_and_generation_are_seeded(paired_ctx: Callable[..., Any]) -> None:
    a, b = paired_ctx(0.0, n_samples=5, seed=3), paired_ctx(0.0, n_samples=5, seed=3)
    assert torch.equal(a.real().x, b.real().x) and len(a.real().x) == 5
    assert torch.equal(a.generated(), b.generated())
    c = paired_ctx(0.0, n_samples=5, seed=4)
    assert not torch.equal(a.real().x, c.real().x)


def test_global_rng_untouched(paired_ctx: Callable[..., Any]) -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    PairedImageMetric(PairedImageConfig()).compute(paired_ctx(0.1))
    assert torch.equal(torch.rand(3), expected)


def test_ssim_matches_scikit_image_reference() -> None:
    from skimage.metrics import structural_similarity

    from ganzoo.metrics.image import paired_scores

    generator = torch.Generator().manual_seed(0)
    real = torch.rand(1, 3, 32, 32, generator=generator)
    fake = (real + 0.1 * torch.randn(1, 3, 32, 32, generator=generator)).clamp(0, 1)
    reference = structural_similarity(
        real[0].permute(1, 2, 0).numpy(), fake[0].permute(1, 2, 0).numpy(), channel_axis=2,
        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0,
    )
    assert paired_scores(fake, real)["ssim"].item() == pytest.approx(reference, abs=1e-5)
