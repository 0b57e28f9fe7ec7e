"""PatchGAN discriminator (pix2pix's ``NLayerDiscriminator``; the 70x70 PatchGAN at ``n_layers=3``).

Instead of one verdict per image it returns a map of logits, one per overlapping receptive
field, which pushes the generator towards sharp local texture while the L1 term takes care of
low frequencies. Layout, as in pix2pix: a 4x4 stride-2 conv with bias and no norm, then
``n_layers - 1`` further stride-2 convs and one stride-1 conv, each followed by the norm and
LeakyReLU(0.2), widths ``base_channels * min(2**n, 8)``; a final 4x4 stride-1 conv (with bias)
gives one channel of logits. With 3 layers, 6 input channels and batch norm it has 2,768,705
parameters and maps 256x256 to 30x30, pix2pix's numbers.

Hidden convolutions have a bias unless batch norm follows them. pix2pix gives them one only
with instance norm; with ``norm="none"`` ganzoo keeps the biases too, because a convolution
feeding straight into LeakyReLU has no norm shift to stand in for its offset. Submodule names match the
bare-PyTorch baseline (``net``), so its weights load with ``load_state_dict``.
``spectral_norm = true`` normalises every convolution ([`ganzoo.components.spectral`][ganzoo.components.spectral]);
``minibatch_std = G > 0`` gives the output convolution one more input channel, the minibatch
standard deviation map ([`ganzoo.components.minibatch_std`][ganzoo.components.minibatch_std]).
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.components.configs import PatchGANDiscriminatorConfig
from ganzoo.components.minibatch_std import output_layer
from ganzoo.components.spectral import apply_spectral_norm
from ganzoo.components.weights import init_gan_weights, norm_layer

#: Stage widths are base_channels times this at most (pix2pix's min(2**n, 8)).
_MAX_WIDTH_MULTIPLIER = 8


class PatchGANDiscriminator(nn.Module):
    """Scores every patch of ``cat(source, image)`` (or of an image alone) with a logit.

    For paired data ``in_channels`` counts both: source channels + target channels.
    """

    def __init__(self, config: PatchGANDiscriminatorConfig) -> None:
        super().__init__()
        self.in_channels = in_channels = config.in_channels
        base_channels, n_layers, norm = config.base_channels, config.n_layers, config.norm
        bias = norm != "batch"
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, base_channels, 4, 2, 1, bias=True),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        width = base_channels
        for n in range(1, n_layers + 1):
            stride = 2 if n < n_layers else 1  # the last hidden layer keeps the resolution
            next_width = base_channels * min(2**n, _MAX_WIDTH_MULTIPLIER)
            layers.append(nn.Conv2d(width, next_width, 4, stride, 1, bias=bias))
            normalise = norm_layer(norm, next_width)
            if normalise is not None:
                layers.append(normalise)
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            width = next_width
        layers.append(output_layer(nn.Conv2d(width + bool(config.minibatch_std), 1, 4, 1, 1, bias=True),
                                   config.minibatch_std))
        self.net = nn.Sequential(*layers)
        init_gan_weights(self)
        if config.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Logit map ``(N, 1, h, w)``; ``cond`` (the paired source image) goes before ``x``."""
        if cond is not None:
            if cond.dim() != 4 or cond.shape[0] != x.shape[0] or cond.shape[2:] != x.shape[2:]:
                raise ValueError(
                    "PatchGANDiscriminator takes a paired source image as cond, shaped like x "
                    f"{tuple(x.shape)} up to channels; got {tuple(cond.shape)}"
                )
            x = torch.cat([cond, x], dim=1)
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"PatchGANDiscriminator has in_channels={self.in_channels} (source + target for paired "
                f"data), got input shaped {tuple(x.shape)}"
            )
        return self.net(x)
