"""DCGAN generator and discriminator (Radford et al. 2015; pytorch/examples ``dcgan/main.py``).

At ``image_size=64`` with ``condition_dim=0`` both networks are layer for layer the reference
ones (same ``main`` Sequential, same state-dict keys, same N(0, 0.02) / N(1, 0.02)
initialisation): 3,576,704 generator and 2,765,568 discriminator parameters for 3 channels and
a 100-d latent. Only the discriminator's final sigmoid is gone: it returns logits, and the
adversarial losses apply BCE-with-logits, which is the reference's sigmoid + ``BCELoss``
computed without its overflow at saturated outputs.

Other sizes (powers of two, 32..256) add or remove stride-2 stages. The network always has
``log2(image_size) - 2`` hidden stages; counting from the image side, stage ``j`` is
``base_channels * min(2**j, 8)`` wide, pix2pix's ``min(2**n, 8)`` rule, so the widest layer
never exceeds ``8 * base_channels`` (32 px: 256-128-64; 128 px: 512-512-256-128-64).

Label conditioning (``condition_dim = K > 0``) follows Mirza & Osindero's cGAN: the generator
reads ``[z, y]`` and the discriminator sees ``y`` as K constant feature maps placed before the
image channels (the same "condition first" order used for paired data). With
``conditioning = "projection"`` the discriminator instead follows Miyato & Koyama's projection
discriminator: ``D(x, y) = psi(phi(x)) + <E y, sum_hw phi(x)>``, where ``phi(x)`` are the last
hidden features (4x4), ``psi`` the unconditional output convolution and ``E`` a learned
embedding of the label vector (a bias-free linear map, which is an embedding lookup for one-hot
labels). ``spectral_norm = true`` normalises every weight of the discriminator, embedding
included ([`ganzoo.components.spectral`][ganzoo.components.spectral]).
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.components.configs import DCGANDiscriminatorConfig, DCGANGeneratorConfig
from ganzoo.components.minibatch_std import output_layer
from ganzoo.components.spectral import apply_spectral_norm
from ganzoo.components.weights import image_size_log2, init_gan_weights, norm_layer
from ganzoo.registry.errors import ConfigError

#: Stage widths are base_channels times this at most (pix2pix's min(2**n, 8)).
_MAX_WIDTH_MULTIPLIER = 8


def _widths(image_size: int, base_channels: int) -> list[int]:
    """Hidden widths from the image side inwards: 64, 128, 256, 512 for 64 px."""
    stages = image_size_log2(image_size, 32, 256) - 2
    return [base_channels * min(2**j, _MAX_WIDTH_MULTIPLIER) for j in range(stages)]


def _check_labels(cond: torch.Tensor | None, n: int, condition_dim: int, who: str) -> None:
    """Refuse a missing, superfluous or misshaped label vector with one clear line."""
    if condition_dim == 0:
        if cond is not None:
            raise ValueError(f"{who} is unconditional (condition_dim=0) but got a condition")
        return
    if cond is None:
        raise ValueError(
            f"{who} has condition_dim={condition_dim} and needs cond, an (N, {condition_dim}) label vector"
        )
    if tuple(cond.shape) != (n, condition_dim):
        raise ValueError(
            f"{who} expects cond shaped ({n}, {condition_dim}), got {tuple(cond.shape)}"
        )


class DCGANGenerator(nn.Module):
    """Noise (plus an optional label vector) to image through 4x4 transposed convolutions.

    The first transposed convolution maps the 1x1 input to 4x4 (stride 1, no padding); each
    further one doubles the size (stride 2, padding 1). BatchNorm + ReLU follow every hidden
    layer, tanh the last; no layer has a bias (the norms' shifts replace them), as in the
    reference.
    """

    def __init__(self, config: DCGANGeneratorConfig) -> None:
        super().__init__()
        self.latent_dim = config.latent_dim
        self.out_channels = config.out_channels
        self.image_size = config.image_size
        self.condition_dim = config.condition_dim
        widths = _widths(config.image_size, config.base_channels)[::-1]
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(config.latent_dim + config.condition_dim, widths[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        ]
        for cin, cout in zip(widths[:-1], widths[1:], strict=True):
            layers += [
                nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ConvTranspose2d(widths[-1], config.out_channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        init_gan_weights(self)

    def sample_latent(
        self,
        n: int,
        *,
        device: torch.device | str = "cpu",
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Standard normal noise shaped ``(n, latent_dim, 1, 1)``, as the reference draws it."""
        return torch.randn(n, self.latent_dim, 1, 1, device=device, generator=generator)

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Images in [-1, 1] shaped ``(N, out_channels, image_size, image_size)``.

        ``z`` is ``(N, latent_dim, 1, 1)`` (or ``(N, latent_dim)``); ``cond`` the ``(N, K)``
        label vector when ``condition_dim = K > 0``, else ``None``.
        """
        if z is None:
            raise ValueError("DCGANGenerator needs noise z: call sample_latent(n) to draw it")
        if z.dim() == 2:
            z = z[:, :, None, None]
        _check_labels(cond, z.shape[0], self.condition_dim, "DCGANGenerator")
        if cond is not None:
            z = torch.cat([z, cond.to(z.dtype)[:, :, None, None]], dim=1)
        return self.main(z)


class DCGANDiscriminator(nn.Module):
    """Image (plus an optional label vector) to one logit per sample.

    4x4 stride-2 convolutions halve the image down to 4x4, each followed by LeakyReLU(0.2) and,
    except the first, by the chosen norm; a 4x4 valid convolution gives the logit. With
    ``norm="batch"`` no layer has a bias, as in the reference; with ``"instance"`` or
    ``"none"`` (WGAN-GP critics, where batch norm breaks the per-sample gradient penalty)
    every convolution has one, since no norm shift takes its place.
    """

    def __init__(self, config: DCGANDiscriminatorConfig) -> None:
        super().__init__()
        self.in_channels = config.in_channels
        self.image_size = config.image_size
        self.condition_dim = config.condition_dim
        widths = _widths(config.image_size, config.base_channels)
        norm = config.norm
        bias = norm != "batch"
        project = config.conditioning == "projection"
        if project and config.condition_dim == 0:
            # Not a config validator: condition_dim is filled from the data after validation.
            raise ConfigError(
                "discriminator.params.conditioning = 'projection' needs class labels, but the data has none "
                "(condition_dim = 0); use a labelled dataset such as image-folder with labels = 'subfolders'"
            )
        label_maps = 0 if project else config.condition_dim
        layers: list[nn.Module] = [
            nn.Conv2d(config.in_channels + label_maps, widths[0], 4, 2, 1, bias=bias),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for cin, cout in zip(widths[:-1], widths[1:], strict=True):
            layers.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=bias))
            normalise = norm_layer(norm, cout)
            if normalise is not None:
                layers.append(normalise)
            layers.append(nn.LeakyReLU(0.2, inplace=True))
        layers.append(output_layer(nn.Conv2d(widths[-1] + bool(config.minibatch_std), 1, 4, 1, 0, bias=bias),
                                   config.minibatch_std))
        self.main = nn.Sequential(*layers)
        self.embed = nn.Linear(config.condition_dim, widths[-1], bias=False) if project else None
        init_gan_weights(self)
        if config.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Raw logits shaped ``(N,)`` for images ``(N, in_channels, image_size, image_size)``."""
        if x.dim() != 4 or tuple(x.shape[1:]) != (
            self.in_channels,
            self.image_size,
            self.image_size,
        ):
            expected = (self.in_channels, self.image_size, self.image_size)
            raise ValueError(
                f"DCGANDiscriminator expects images shaped (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        _check_labels(cond, x.shape[0], self.condition_dim, "DCGANDiscriminator")
        if cond is None:
            return self.main(x).reshape(-1)
        if self.embed is None:
            maps = cond.to(x.dtype)[:, :, None, None].expand(-1, -1, *x.shape[2:])
            return self.main(torch.cat([maps, x], dim=1)).reshape(-1)
        *body, head = self.main
        for layer in body:
            x = layer(x)
        projection = (self.embed(cond.to(x.dtype)) * x.sum(dim=(2, 3))).sum(dim=1)
        return head(x).reshape(-1) + projection
