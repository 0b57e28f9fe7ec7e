"""pix2pix U-Net generator (Isola et al. 2017; junyanz/pytorch-CycleGAN-and-pix2pix ``unet_256``).

The network has ``depth = log2(image_size)`` stride-2 stages, so the bottleneck is 1x1
(8 stages at 256 px, pix2pix's ``unet_256``; 7 at 128, its ``unet_128``). Encoder widths are
``base_channels * min(2**i, 8)`` (64-128-256-512-512-512-512-512 at 256 px). Structure, exactly
pix2pix's ``UnetSkipConnectionBlock`` nesting unrolled into two lists:

* encoder stage 0 is a bare 4x4 conv; stages 1..depth-2 are LeakyReLU(0.2) + conv + norm; the
  bottleneck stage is LeakyReLU + conv without norm (a 1x1 map has no statistics);
* decoder stage i (depth-1 down to 1) is ReLU + 4x4 transposed conv + norm back to the width of
  encoder stage i-1, with Dropout(0.5) on the 8*base-wide stages below the bottleneck
  (pix2pix's ``num_downs - 5`` dropout blocks: three at 256 px, two at 128, none at 32);
* each decoder output is concatenated after the *activated* encoder tensor of the same size
  (pix2pix's in-place LeakyReLU makes the skip the activated tensor);
* the head is ReLU + transposed conv (with bias) + tanh.

Convolutions carry a bias only with instance norm, as in pix2pix (``use_bias = norm_layer ==
InstanceNorm2d``); the head always has one. With batch norm, 3 -> 3 channels and 256 px the
network has 54,413,955 parameters, pix2pix's count. Submodule names match the bare-PyTorch
baseline (``enc``, ``dec``, ``head``), so its weights load with ``load_state_dict``.
"""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.components.configs import UNetGeneratorConfig
from ganzoo.components.translator import ImageTranslator
from ganzoo.components.weights import image_size_log2, init_gan_weights, norm_layer

#: Encoder widths are base_channels times this at most (pix2pix's ngf * 8).
_MAX_WIDTH_MULTIPLIER = 8
#: First decoder stage whose output is 8*base wide (it outputs widths[3]): dropout candidates start here.
_FIRST_WIDEST_DECODER_STAGE = _MAX_WIDTH_MULTIPLIER.bit_length()


class UNetGenerator(ImageTranslator):
    """Translates a source image (``cond``) into a target image; no noise input.

    pix2pix's stochasticity is its dropout, kept active at test time in the paper (sample in
    train mode to reproduce that), so [`sample_latent`][ganzoo.components.translator.ImageTranslator.sample_latent] returns ``None`` and ``forward``
    ignores ``z``. Input height and width must be multiples of ``2**depth`` (normally both
    are ``image_size``).
    """

    def __init__(self, config: UNetGeneratorConfig) -> None:
        super().__init__()
        self.in_channels = in_channels = config.in_channels
        self.out_channels = out_channels = config.out_channels
        self.image_size = config.image_size
        self.depth = depth = image_size_log2(config.image_size, 32, 1024)
        base_channels, norm, dropout = config.base_channels, config.norm, config.dropout
        widths = [base_channels * min(2**i, _MAX_WIDTH_MULTIPLIER) for i in range(depth)]
        bias = norm == "instance"

        def make_norm(channels: int) -> nn.Module:
            # never None: the config allows only batch and instance norm
            return cast(nn.Module, norm_layer(norm, channels))

        encoder: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 4, 2, 1, bias=bias)]
        for i in range(1, depth):
            conv = nn.Conv2d(widths[i - 1], widths[i], 4, 2, 1, bias=bias)
            encoder.append(conv if i == depth - 1 else nn.Sequential(conv, make_norm(widths[i])))
        self.enc = nn.ModuleList(encoder)

        # decoder[i - 1] is stage i, mapping widths[i] back to widths[i - 1]
        decoder: list[nn.Module] = []
        for i in range(1, depth):
            cin = widths[i] if i == depth - 1 else 2 * widths[i]
            layers: list[nn.Module] = [
                nn.ConvTranspose2d(cin, widths[i - 1], 4, 2, 1, bias=bias),
                make_norm(widths[i - 1]),
            ]
            if dropout and _FIRST_WIDEST_DECODER_STAGE <= i <= depth - 2:
                layers.append(nn.Dropout(0.5))
            decoder.append(nn.Sequential(*layers))
        self.dec = nn.ModuleList(decoder)
        self.head = nn.ConvTranspose2d(2 * widths[0], out_channels, 4, 2, 1, bias=True)
        init_gan_weights(self)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Translate ``cond`` ``(N, in_channels, H, W)`` to ``(N, out_channels, H, W)`` in [-1, 1].

        ``z`` is ignored (pass ``None``).
        """
        cond = self.source(cond, 2**self.depth, f" (image_size={self.image_size})")
        h = self.enc[0](cond)
        skips: list[torch.Tensor] = []
        for stage in self.enc[1:]:
            h = F.leaky_relu(h, 0.2, inplace=True)  # the activated tensor is also the skip
            skips.append(h)
            h = stage(h)
        for stage, skip in zip(reversed(self.dec), reversed(skips), strict=True):
            h = torch.cat([skip, stage(F.relu(h, inplace=True))], dim=1)
        return torch.tanh(self.head(F.relu(h, inplace=True)))
