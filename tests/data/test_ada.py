"""ADA's pipeline: identity at p = 0, exact pixel blits, colour as StyleGAN2-ADA builds it."""

from __future__ import annotations

import math

import pytest
import torch
from pydantic import ValidationError

from ganzoo.data.ada import (
    _Draw,
    _quarter_turns,
    _resample,
    _rotate3d,
    _scale2d,
    _translate2d,
    ada_augment,
    color_matrix,
)
from ganzoo.data.augment_options import ADAConfig

GROUPS = ("blit", "geom", "color")


def test_p_zero_changes_nothing_and_p_one_changes_every_sample() -> None:
    x = torch.rand(32, 3, 16, 16) * 2 - 1
    assert torch.equal(ada_augment([x], 0.0, GROUPS, torch.Generator().manual_seed(0))[0], x)
    out = ada_augment([x], 1.0, GROUPS, torch.Generator().manual_seed(0))[0]
    assert out.shape == x.shape
    assert all(not torch.equal(a, b) for a, b in zip(out, x, strict=True))


def test_probability_p_leaves_the_expected_share_of_samples_untouched() -> None:
    # the colour group has five transforms, each applied with probability p
    x = torch.rand(2000, 3, 2, 2)
    out = ada_augment([x], 0.2, ("color",), torch.Generator().manual_seed(1))[0]
    untouched = sum(bool(torch.equal(a, b)) for a, b in zip(out, x, strict=True)) / len(x)
    assert untouched == pytest.approx(0.8**5, abs=0.04)


def test_integer_translations_flips_and_quarter_turns_are_exact() -> None:
    x = torch.arange(2 * 8 * 8, dtype=torch.float32).view(2, 1, 8, 8)
    shift = _translate2d(torch.tensor([-2.0, 0.0]), torch.tensor([0.0, 1.0]))  # output -> input map
    out = _resample([x], shift)[0]
    assert torch.equal(out[0, 0, :, 2:], x[0, 0, :, :6])  # moved right by 2
    assert torch.equal(out[1, 0, :7], x[1, 0, 1:])  # moved up by 1
    flip = _scale2d(torch.tensor([-1.0, -1.0]), torch.tensor([1.0, 1.0]))
    assert torch.equal(_resample([x], flip)[0], x.flip(-1))
    turned = _resample([x], _quarter_turns(torch.tensor([1.0, 1.0])))[0]
    assert any(torch.equal(turned, x.rot90(k, dims=(2, 3))) for k in (1, 3))
    assert torch.equal(_resample([x], _quarter_turns(torch.tensor([2.0, 2.0])))[0], x.rot90(2, dims=(2, 3)))


def test_blit_only_moves_pixels_at_power_of_two_sizes() -> None:
    x = torch.rand(16, 3, 16, 16)
    out = ada_augment([x], 1.0, ("blit",), torch.Generator().manual_seed(2))[0]
    for a, b in zip(out, x, strict=True):
        assert torch.isin(a, b).all()


def test_hue_rotation_keeps_grey_and_luma_and_grey_images_get_the_luma_part() -> None:
    luma = torch.tensor([1.0, 1.0, 1.0]) / math.sqrt(3)
    m = _rotate3d(luma, torch.tensor([0.3, 2.0, -1.0]))[:, :3, :3]
    torch.testing.assert_close(m @ m.transpose(1, 2), torch.eye(3).expand(3, 3, 3))
    torch.testing.assert_close(m @ luma, luma.expand(3, 3))
    grey = torch.rand(64, 1, 6, 6)
    out = ada_augment([grey], 1.0, ("color",), torch.Generator().manual_seed(3))[0]
    c = color_matrix(_Draw(64, torch.device("cpu"), torch.Generator().manual_seed(3)), 1.0)[:, :3, :].mean(1)
    expected = grey * c[:, :3].sum(1).view(-1, 1, 1, 1) + c[:, 3].view(-1, 1, 1, 1)
    torch.testing.assert_close(out, expected)


def test_images_of_one_sample_share_parameters_and_gradients_flow() -> None:
    x = (torch.rand(8, 3, 16, 16) * 2 - 1).requires_grad_(True)
    a, b = ada_augment([x, x], 0.8, GROUPS, torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_groups_and_ranges_are_checked() -> None:
    assert ADAConfig(kind="ada", groups="color,blit").groups == "blit,color"
    with pytest.raises(ValidationError, match="unknown ADA group 'noise'"):
        ADAConfig(kind="ada", groups="noise")
    with pytest.raises(ValidationError, match="target"):
        ADAConfig(kind="ada", target=1.5)
