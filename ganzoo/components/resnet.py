"""CycleGAN's ResNet generator (Zhu et al. 2017; junyanz/pytorch-CycleGAN-and-pix2pix ``ResnetGenerator``).

Johnson et al.'s style-transfer network as CycleGAN uses it, layer for layer: reflection padding
3 and a 7x7 convolution to ``base_channels`` (ngf), two stride-2 3x3 convolutions doubling the
width each time, ``n_blocks`` residual blocks at ``4 * ngf`` (each: pad 1, 3x3 conv, norm, ReLU,
optional Dropout(0.5), pad 1, 3x3 conv, norm, added to its input), two stride-2 3x3 transposed
convolutions back to ``ngf`` (``output_padding=1``, so the size doubles exactly), reflection
padding 3, a 7x7 convolution to ``out_channels`` and tanh. Every normalised layer is followed by
ReLU except the second convolution of a block. Convolutions carry a bias only with instance norm
(the reference's ``use_bias = norm_layer == InstanceNorm2d``); the output convolution always has
one. Weights start at N(0, 0.02) (``init_type='normal'``).

With 9 blocks, 64 base channels, instance norm and 3 -> 3 channels it has 11,378,179
parameters, the reference count (``resnet_9blocks``); ``resnet_6blocks`` is ``n_blocks = 6``.
The network is fully convolutional: any height and width divisible by 4 works, so it takes no
``image_size``. Submodule names follow the reference (``model``, ``conv_block``), so with
instance or batch norm its ``state_dict`` loads into a reference ``ResnetGenerator`` and back
(the reference keeps an ``Identity`` placeholder for ``norm='none'``; ganzoo leaves it out).
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.components.configs import Norm, ResnetGeneratorConfig
from ganzoo.components.translator import ImageTranslator
from ganzoo.components.weights import init_gan_weights, norm_layer

#: Stride-2 stages down (and up again): the blocks run at 1/4 of the resolution, 4x the width.
_DOWNSAMPLINGS = 2

_PADDING_LAYERS: dict[str, type[nn.Module]] = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d}


def _normalised(layers: list[nn.Module], norm: Norm, channels: int) -> list[nn.Module]:
    layer = norm_layer(norm, channels)
    return layers + ([layer] if layer is not None else [])


class ResnetBlock(nn.Module):
    """``x + conv_block(x)``: two 3x3 convolutions at constant width (the reference's block)."""

    def __init__(self, channels: int, *, padding: str, norm: Norm, dropout: bool, bias: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for second in (False, True):
            pad = 0
            if padding in _PADDING_LAYERS:
                layers.append(_PADDING_LAYERS[padding](1))
            else:
                pad = 1
            layers = _normalised(layers + [nn.Conv2d(channels, channels, 3, padding=pad, bias=bias)], norm, channels)
            if not second:
                layers.append(nn.ReLU(True))
                if dropout:
                    layers.append(nn.Dropout(0.5))
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(ImageTranslator):
    """Translates a source image (``cond``) into a target image of the same size; no noise input."""

    def __init__(self, config: ResnetGeneratorConfig) -> None:
        super().__init__()
        self.in_channels = config.in_channels
        self.out_channels = config.out_channels
        ngf, norm = config.base_channels, config.norm
        bias = norm == "instance"
        layers = _normalised(
            [nn.ReflectionPad2d(3), nn.Conv2d(config.in_channels, ngf, 7, padding=0, bias=bias)], norm, ngf
        )
        layers.append(nn.ReLU(True))
        for i in range(_DOWNSAMPLINGS):
            width = ngf * 2**i
            layers = _normalised(layers + [nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=bias)], norm, 2 * width)
            layers.append(nn.ReLU(True))
        width = ngf * 2**_DOWNSAMPLINGS
        layers += [
            ResnetBlock(width, padding=config.padding, norm=norm, dropout=config.dropout, bias=bias)
            for _ in range(config.n_blocks)
        ]
        for i in range(_DOWNSAMPLINGS):
            width = ngf * 2 ** (_DOWNSAMPLINGS - i)
            up = nn.ConvTranspose2d(width, width // 2, 3, stride=2, padding=1, output_padding=1, bias=bias)
            layers = _normalised(layers + [up], norm, width // 2)
            layers.append(nn.ReLU(True))
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, config.out_channels, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        init_gan_weights(self)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Translate ``cond`` ``(N, in_channels, H, W)`` (H, W divisible by 4) to ``(N, out_channels, H, W)``.

        ``z`` is ignored (pass ``None``).
        """
        cond = self.source(cond, 2**_DOWNSAMPLINGS)
        return self.model(cond)
