"""What the image-to-image generators (pix2pix's U-Net, CycleGAN's ResNet) share: no noise, and a
source image of a checked shape.

Both translate ``cond`` and ignore ``z``; a wrong source shape would otherwise surface deep in a
convolution as a size mismatch that names no input, so it is refused here with the shape expected.
"""

from __future__ import annotations

import torch
from torch import nn


class ImageTranslator(nn.Module):
    """Base of generators that translate a source image ``(N, in_channels, H, W)``; subclasses set
    ``in_channels`` and call [`source`][ganzoo.components.translator.ImageTranslator.source] first in ``forward``."""

    in_channels: int

    def sample_latent(
        self,
        n: int,
        *,
        device: torch.device | str = "cpu",
        generator: torch.Generator | None = None,
    ) -> None:
        """``None``: the network draws no noise (any randomness is its dropout)."""
        return None

    def source(self, cond: torch.Tensor | None, multiple: int, why: str = "") -> torch.Tensor:
        """``cond`` after checking it is ``(N, in_channels, H, W)`` with H and W multiples of
        ``multiple``; ``why`` is appended to the error (what sets the multiple)."""
        name = type(self).__name__
        if cond is None:
            raise ValueError(f"{name} translates a source image: pass it as cond (N, C, H, W); z is ignored")
        if cond.dim() != 4 or cond.shape[1] != self.in_channels or cond.shape[2] % multiple or cond.shape[3] % multiple:
            raise ValueError(
                f"{name} expects cond shaped (N, {self.in_channels}, H, W) with H and W multiples "
                f"of {multiple}{why}, got {tuple(cond.shape)}"
            )
        return cond
