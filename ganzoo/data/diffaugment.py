"""DiffAugment (Zhao et al. 2020): cheap differentiable colour, translation and cutout transforms.

The operations follow the reference ``DiffAugment_pytorch.py`` (mit-han-lab/data-efficient-gans)
for images in ``[-1, 1]``: brightness ``+ U(-0.5, 0.5)``, saturation ``x U(0, 2)`` around the
channel mean, contrast ``x U(0.5, 1.5)`` around the image mean, an integer shift of up to
``translation x side`` pixels with zero fill, and one zeroed square of ``cutout x side`` pixels
(clipped at the border). Every sample draws its own parameters; every op is differentiable in the
image, so the generator learns through the transform and not the transformed distribution.

Two things the reference does not need and ganzoo does: the random numbers come from an explicit
``torch.Generator`` (the engine seeds it per discriminator update, so a resumed run augments
exactly as an uninterrupted one), and several images of one sample (a paired source and its
target) get the *same* parameters, so they stay aligned.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def _uniform(n: int, like: Tensor, generator: torch.Generator | None) -> Tensor:
    """``n`` draws from U(0, 1) shaped ``(n, 1, 1, 1)`` in ``like``'s dtype and device."""
    return torch.rand(n, 1, 1, 1, generator=generator, device=like.device).to(like.dtype)


def _brightness(images: list[Tensor], generator: torch.Generator | None) -> list[Tensor]:
    shift = _uniform(images[0].shape[0], images[0], generator) - 0.5
    return [x + shift.to(x.dtype) for x in images]


def _saturation(images: list[Tensor], generator: torch.Generator | None) -> list[Tensor]:
    factor = _uniform(images[0].shape[0], images[0], generator) * 2
    out = []
    for x in images:
        mean = x.mean(dim=1, keepdim=True)
        out.append((x - mean) * factor.to(x.dtype) + mean)
    return out


def _contrast(images: list[Tensor], generator: torch.Generator | None) -> list[Tensor]:
    factor = _uniform(images[0].shape[0], images[0], generator) + 0.5
    out = []
    for x in images:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        out.append((x - mean) * factor.to(x.dtype) + mean)
    return out


def _offsets(n: int, high: int, device: torch.device, generator: torch.Generator | None, low: int = 0) -> Tensor:
    """``n`` integers in ``[low, high)``."""
    return torch.randint(low, high, (n,), generator=generator, device=device)


def _translation(images: list[Tensor], generator: torch.Generator | None, ratio: float) -> list[Tensor]:
    """Shift each sample by up to ``ratio`` of its height and width; uncovered pixels are 0."""
    n, _, height, width = images[0].shape
    device = images[0].device
    max_y, max_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    shift_y = _offsets(n, max_y + 1, device, generator, low=-max_y)
    shift_x = _offsets(n, max_x + 1, device, generator, low=-max_x)
    rows = torch.arange(height, device=device)[None, :] + shift_y[:, None]  # (n, H): source row
    cols = torch.arange(width, device=device)[None, :] + shift_x[:, None]
    inside = ((rows >= 0) & (rows < height))[:, :, None] & ((cols >= 0) & (cols < width))[:, None, :]
    index = rows.clamp(0, height - 1)[:, :, None] * width + cols.clamp(0, width - 1)[:, None, :]
    out = []
    for x in images:
        flat = x.flatten(2)  # (n, C, H*W)
        gathered = flat.gather(2, index.flatten(1)[:, None, :].expand(-1, x.shape[1], -1))
        out.append(gathered.view_as(x) * inside[:, None].to(x.dtype))
    return out


def _cutout(images: list[Tensor], generator: torch.Generator | None, ratio: float) -> list[Tensor]:
    """Zero one square of ``ratio`` times the image side per sample, centred anywhere."""
    n, _, height, width = images[0].shape
    device = images[0].device
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    centre_y = _offsets(n, height + (1 - size_y % 2), device, generator)
    centre_x = _offsets(n, width + (1 - size_x % 2), device, generator)
    top, left = centre_y - size_y // 2, centre_x - size_x // 2
    rows = torch.arange(height, device=device)[None, :]
    cols = torch.arange(width, device=device)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < (top + size_y)[:, None])
    in_cols = (cols >= left[:, None]) & (cols < (left + size_x)[:, None])
    keep = ~(in_rows[:, :, None] & in_cols[:, None, :])
    return [x * keep[:, None].to(x.dtype) for x in images]


def diff_augment(
    images: Sequence[Tensor],
    policy: Sequence[str],
    generator: torch.Generator | None = None,
    *,
    translation: float = 0.125,
    cutout: float = 0.5,
) -> list[Tensor]:
    """Apply the ``policy`` transforms (``color``, ``translation``, ``cutout``) in that order.

    ``images`` are ``(N, C_i, H, W)`` batches of the same samples (``C_i`` may differ); each
    sample's parameters are drawn once and applied to all of them. Random numbers come from
    ``generator`` (torch's global RNG when ``None``), on the images' device.
    """
    out = list(images)
    for name in policy:
        if name == "color":
            for op in (_brightness, _saturation, _contrast):
                out = op(out, generator)
        elif name == "translation":
            out = _translation(out, generator, translation)
        elif name == "cutout":
            out = _cutout(out, generator, cutout)
        else:
            raise ValueError(f"unknown DiffAugment transform {name!r}")
    return out
