"""ADA's augmentation pipeline (Karras et al. 2020): each transform applied with probability p.

Implemented: the paper's ``bgc`` groups, the ones its ablations find most useful.

* ``blit`` (pixel blitting): horizontal flip, rotation by a multiple of 90 degrees, integer
  translation of up to 1/8 of the side;
* ``geom`` (general geometric): isotropic scaling (log2-normal, sd 0.2), arbitrary rotation
  (applied twice, each with probability ``1 - sqrt(1 - p)``), anisotropic scaling (log2-normal,
  sd 0.2), fractional translation (normal, sd 1/8 of the side);
* ``color``: brightness (normal, sd 0.2), contrast (log2-normal, sd 0.5), luma flip, hue
  rotation (uniform), saturation (log2-normal, sd 1).

Left out: the image-space filtering, additive noise and cutout groups (``fc``/``n``), which the
paper reports as neutral or harmful on their own. Also different from StyleGAN2-ADA: every
geometric transform is composed into one affine map and resampled once with bilinear
``grid_sample`` and reflection padding, without the reference's 2x wavelet up/down-sampling
(which suppresses aliasing of rotations and fractional shifts). Flips, quarter turns and integer
shifts land on pixel centres, so at power-of-two sizes they move pixels exactly (other sizes
add float rounding of the grid coordinates, a few parts in 10^7).

The colour transforms form one 4x4 matrix per sample acting on RGB; a 1-channel (or any
non-RGB) image gets the luma part of it, as in the reference (brightness, contrast and the luma
flip; hue and saturation leave grey images unchanged). As in [`ganzoo.data.diffaugment`][ganzoo.data.diffaugment],
several images of one sample (a paired source and target) share their parameters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor
from torch.nn import functional as F

#: Standard deviations and ranges of StyleGAN2-ADA's ``bgc`` pipeline.
TRANSLATE_INT_MAX = 0.125
SCALE_STD = 0.2
ROTATE_MAX = 1.0  # times pi
ANISO_STD = 0.2
TRANSLATE_FRAC_STD = 0.125
BRIGHTNESS_STD = 0.2
CONTRAST_STD = 0.5
HUE_MAX = 1.0  # times pi
SATURATION_STD = 1.0


class _Draw:
    """Per-sample random draws, each kept only with probability ``prob`` (else the identity)."""

    def __init__(self, n: int, device: torch.device, generator: torch.Generator | None) -> None:
        self.n, self.device, self.generator = n, device, generator

    def uniform(self, shape: tuple[int, ...] = ()) -> Tensor:
        return torch.rand((self.n, *shape), generator=self.generator, device=self.device)

    def normal(self, shape: tuple[int, ...] = ()) -> Tensor:
        return torch.randn((self.n, *shape), generator=self.generator, device=self.device)

    def keep(self, values: Tensor, identity: float, prob: float) -> Tensor:
        """``values`` for the samples that draw below ``prob``, ``identity`` for the others."""
        chosen = self.uniform() < prob
        if values.dim() > 1:
            chosen = chosen.view(-1, *([1] * (values.dim() - 1)))
        return torch.where(chosen, values, torch.full_like(values, identity))


def _matrices(n: int, size: int, device: torch.device) -> Tensor:
    return torch.eye(size, device=device).expand(n, size, size).clone()


def _translate2d(tx: Tensor, ty: Tensor) -> Tensor:
    m = _matrices(tx.shape[0], 3, tx.device)
    m[:, 0, 2], m[:, 1, 2] = tx, ty
    return m


def _scale2d(sx: Tensor, sy: Tensor) -> Tensor:
    m = _matrices(sx.shape[0], 3, sx.device)
    m[:, 0, 0], m[:, 1, 1] = sx, sy
    return m


def _rotate2d(theta: Tensor) -> Tensor:
    m = _matrices(theta.shape[0], 3, theta.device)
    c, s = torch.cos(theta), torch.sin(theta)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
    return m


def _quarter_turns(k: Tensor) -> Tensor:
    """Rotations by ``k * 90`` degrees with exact 0/1 entries (``cos(pi / 2)`` is not 0 in floats)."""
    k = k.long() % 4
    cos = torch.tensor([1.0, 0.0, -1.0, 0.0], device=k.device)[k]
    sin = torch.tensor([0.0, 1.0, 0.0, -1.0], device=k.device)[k]
    m = _matrices(k.shape[0], 3, k.device)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = cos, -sin, sin, cos
    return m


def geometric_inverse(draw: _Draw, groups: Sequence[str], p: float, height: int, width: int) -> Tensor:
    """``(n, 3, 3)`` maps from output to input pixel coordinates (centred), StyleGAN2-ADA's order."""
    g_inv = _matrices(draw.n, 3, draw.device)
    if "blit" in groups:
        flip = draw.keep(torch.floor(draw.uniform() * 2), 0.0, p)
        g_inv = g_inv @ _scale2d(1 - 2 * flip, torch.ones_like(flip))
        quarter = draw.keep(torch.floor(draw.uniform() * 4), 0.0, p)
        g_inv = g_inv @ _quarter_turns(quarter)
        shift = draw.keep((draw.uniform((2,)) * 2 - 1) * TRANSLATE_INT_MAX, 0.0, p)
        g_inv = g_inv @ _translate2d(-torch.round(shift[:, 0] * width), -torch.round(shift[:, 1] * height))
    if "geom" in groups:
        p_rot = 1 - math.sqrt(max(1 - p, 0.0))  # two rotations: total probability p
        scale = draw.keep(torch.exp2(draw.normal() * SCALE_STD), 1.0, p)
        g_inv = g_inv @ _scale2d(1 / scale, 1 / scale)
        theta = draw.keep((draw.uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0.0, p_rot)
        g_inv = g_inv @ _rotate2d(theta)
        aniso = draw.keep(torch.exp2(draw.normal() * ANISO_STD), 1.0, p)
        g_inv = g_inv @ _scale2d(1 / aniso, aniso)
        theta = draw.keep((draw.uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0.0, p_rot)
        g_inv = g_inv @ _rotate2d(theta)
        shift = draw.keep(draw.normal((2,)) * TRANSLATE_FRAC_STD, 0.0, p)
        g_inv = g_inv @ _translate2d(-shift[:, 0] * width, -shift[:, 1] * height)
    return g_inv


def _resample(images: list[Tensor], g_inv: Tensor) -> list[Tensor]:
    """Every image through the inverse maps, bilinear with reflection padding.

    The sampling grid is built in centred pixel coordinates and scaled to ``grid_sample``'s
    [-1, 1] once (``affine_grid``'s own base grid is not exact in floats), so a map that sends
    pixel centres to pixel centres copies pixels exactly at power-of-two sizes.
    """
    _, _, height, width = images[0].shape
    device = g_inv.device
    ys = torch.arange(height, device=device, dtype=torch.float32) - (height - 1) / 2
    xs = torch.arange(width, device=device, dtype=torch.float32) - (width - 1) / 2
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    centres = torch.stack([grid_x, grid_y, torch.ones_like(grid_x)], dim=-1)  # (H, W, 3)
    source = torch.einsum("nij,hwj->nhwi", g_inv, centres)[..., :2]
    grid = source * torch.tensor([2.0 / width, 2.0 / height], device=device)
    out = []
    for x in images:
        out.append(F.grid_sample(x, grid.to(x.dtype), mode="bilinear", padding_mode="reflection",
                                 align_corners=False))
    return out


def color_matrix(draw: _Draw, p: float) -> Tensor:
    """``(n, 4, 4)`` colour transforms on homogeneous RGB, StyleGAN2-ADA's order."""
    c = _matrices(draw.n, 4, draw.device)
    luma = torch.tensor([1.0, 1.0, 1.0, 0.0], device=draw.device) / math.sqrt(3)
    luma_outer = torch.outer(luma, luma)
    brightness = draw.keep(draw.normal() * BRIGHTNESS_STD, 0.0, p)
    step = _matrices(draw.n, 4, draw.device)
    step[:, :3, 3] = brightness[:, None]
    c = step @ c
    contrast = draw.keep(torch.exp2(draw.normal() * CONTRAST_STD), 1.0, p)
    step = _matrices(draw.n, 4, draw.device)
    step[:, :3, :3] *= contrast[:, None, None]
    c = step @ c
    flip = draw.keep(torch.floor(draw.uniform() * 2), 0.0, p)
    c = (torch.eye(4, device=draw.device) - 2 * luma_outer * flip[:, None, None]) @ c
    hue = draw.keep((draw.uniform() * 2 - 1) * math.pi * HUE_MAX, 0.0, p)
    c = _rotate3d(luma[:3], hue) @ c
    saturation = draw.keep(torch.exp2(draw.normal() * SATURATION_STD), 1.0, p)
    identity = torch.eye(4, device=draw.device)
    c = (luma_outer + (identity - luma_outer) * saturation[:, None, None]) @ c
    return c


def _rotate3d(axis: Tensor, theta: Tensor) -> Tensor:
    """Rotations by ``theta`` about the unit ``axis`` (Rodrigues), homogeneous ``(n, 4, 4)``."""
    x, y, z = axis.tolist()
    s, c = torch.sin(theta), torch.cos(theta)
    cc = 1 - c
    m = _matrices(theta.shape[0], 4, theta.device)
    m[:, 0, 0], m[:, 0, 1], m[:, 0, 2] = x * x * cc + c, x * y * cc - z * s, x * z * cc + y * s
    m[:, 1, 0], m[:, 1, 1], m[:, 1, 2] = y * x * cc + z * s, y * y * cc + c, y * z * cc - x * s
    m[:, 2, 0], m[:, 2, 1], m[:, 2, 2] = z * x * cc - y * s, z * y * cc + x * s, z * z * cc + c
    return m


def _apply_color(x: Tensor, c: Tensor) -> Tensor:
    """``c`` on RGB images; its luma part (the mean of its RGB rows) on every other channel."""
    n, channels, height, width = x.shape
    c = c.to(x.dtype)
    flat = x.reshape(n, channels, height * width)
    if channels == 3:
        out = c[:, :3, :3] @ flat + c[:, :3, 3:]
    else:
        grey = c[:, :3, :].mean(dim=1, keepdim=True)  # (n, 1, 4)
        out = flat * grey[:, :, :3].sum(dim=2, keepdim=True) + grey[:, :, 3:]
    return out.reshape(n, channels, height, width)


def ada_augment(
    images: Sequence[Tensor],
    p: float,
    groups: Sequence[str] = ("blit", "geom", "color"),
    generator: torch.Generator | None = None,
) -> list[Tensor]:
    """Apply the ``groups`` with per-transform probability ``p`` to ``(N, C_i, H, W)`` batches.

    At ``p == 0`` the images come back unchanged (no resampling), as StyleGAN2-ADA starts. The
    random numbers are drawn from ``generator`` (torch's global RNG when ``None``) whatever ``p``
    is, so the same seed gives the same parameters at every ``p``.
    """
    out = list(images)
    n, _, height, width = out[0].shape
    draw = _Draw(n, out[0].device, generator)
    geometric = [group for group in groups if group in ("blit", "geom")]
    if geometric:
        g_inv = geometric_inverse(draw, geometric, p, height, width)
        if p > 0:
            out = _resample(out, g_inv)
    if "color" in groups:
        c = color_matrix(draw, p)
        if p > 0:
            out = [_apply_color(x, c) for x in out]
    return out
