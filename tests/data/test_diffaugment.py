"""DiffAugment: the reference transforms, seeded, shared by the images of a sample, differentiable."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from ganzoo.data.augment_options import DiffAugmentConfig
from ganzoo.data.diffaugment import diff_augment


def _coordinates(n: int, size: int) -> torch.Tensor:
    """Channel 0 holds row + 1, channel 1 column + 1: a moved pixel says where it came from (0 = fill)."""
    rows = torch.arange(1, size + 1, dtype=torch.float32).view(1, 1, size, 1).expand(n, 1, size, size)
    cols = torch.arange(1, size + 1, dtype=torch.float32).view(1, 1, 1, size).expand(n, 1, size, size)
    return torch.cat([rows, cols], dim=1).contiguous()


def test_translation_shifts_each_sample_by_at_most_an_eighth_with_zero_fill() -> None:
    size = 32
    grid = _coordinates(64, size)
    out = diff_augment([grid], ["translation"], torch.Generator().manual_seed(0))[0]
    shifts = set()
    for sample in out:
        inside = sample[0] > 0
        rows, cols = torch.nonzero(inside, as_tuple=True)
        dy = int(sample[0, rows[0], cols[0]] - 1 - rows[0])
        dx = int(sample[1, rows[0], cols[0]] - 1 - cols[0])
        assert abs(dy) <= 4 and abs(dx) <= 4
        expected = torch.zeros_like(sample)
        src = grid[0, :, max(dy, 0) : size + min(dy, 0), max(dx, 0) : size + min(dx, 0)]
        expected[:, max(-dy, 0) : size + min(-dy, 0), max(-dx, 0) : size + min(-dx, 0)] = src
        assert torch.equal(sample, expected)
        shifts.add((dy, dx))
    assert len(shifts) > 10


def test_cutout_zeroes_one_half_side_square_clipped_at_the_border() -> None:
    x = torch.ones(64, 2, 32, 32)
    out = diff_augment([x], ["cutout"], torch.Generator().manual_seed(1))[0]
    assert set(out.unique().tolist()) == {0.0, 1.0}
    for sample in out:
        holes = torch.nonzero(sample[0] == 0)
        top, left = holes.min(0).values.tolist()
        bottom, right = holes.max(0).values.tolist()
        assert len(holes) == (bottom - top + 1) * (right - left + 1)  # one rectangle
        assert bottom - top + 1 <= 16 and right - left + 1 <= 16
        assert (bottom - top + 1 == 16 or top == 0 or bottom == 31)  # a full side unless clipped
        assert torch.equal(sample[0], sample[1])
    assert (out == 0).float().mean() > 0.1


def test_color_follows_the_reference_formulas() -> None:
    x = torch.rand(16, 3, 8, 8) * 2 - 1
    out = diff_augment([x], ["color"], torch.Generator().manual_seed(2))[0]
    g = torch.Generator().manual_seed(2)
    brightness, saturation, contrast = (torch.rand(16, 1, 1, 1, generator=g) for _ in range(3))
    expected = x + (brightness - 0.5)
    mean = expected.mean(dim=1, keepdim=True)
    expected = (expected - mean) * (saturation * 2) + mean
    mean = expected.mean(dim=(1, 2, 3), keepdim=True)
    expected = (expected - mean) * (contrast + 0.5) + mean
    torch.testing.assert_close(out, expected)


def test_images_of_one_sample_share_parameters_and_seeds_reproduce() -> None:
    policy = ["color", "translation", "cutout"]
    x = torch.rand(8, 3, 16, 16) * 2 - 1
    a, b = diff_augment([x, x.clone()], policy, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    again = diff_augment([x], policy, torch.Generator().manual_seed(3))[0]
    other = diff_augment([x], policy, torch.Generator().manual_seed(4))[0]
    assert torch.equal(a, again) and not torch.equal(a, other)


def test_gradient_reaches_the_images() -> None:
    x = (torch.rand(4, 1, 16, 16) * 2 - 1).requires_grad_(True)
    diff_augment([x], ["color", "translation", "cutout"], torch.Generator().manual_seed(5))[0].sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_policy_is_checked_and_normalised() -> None:
    assert DiffAugmentConfig(kind="diffaugment", policy=" cutout, color").policy == "color,cutout"
    with pytest.raises(ValidationError, match="unknown DiffAugment transform 'colour'"):
        DiffAugmentConfig(kind="diffaugment", policy="colour")
    with pytest.raises(ValidationError, match="name at least one"):
        DiffAugmentConfig(kind="diffaugment", policy=" , ")
