"""Parameter layout shared by the built-in networks: initialisation, norm layers, counting.

DCGAN (pytorch/examples ``weights_init``) and pix2pix (``networks.init_weights`` with
``init_type='normal'``) both draw convolution weights from N(0, 0.02) and normalisation scales
from N(1, 0.02), with zero biases. The built-in networks call [`init_gan_weights`][ganzoo.components.weights.init_gan_weights] at the
end of their constructors, so a network built under a seeded RNG matches the references'
initialisation; plugin networks can call it to get the same starting point.
"""

from __future__ import annotations

from typing import Literal

from torch import nn

#: The ``norm`` choices of the built-in networks' configs.
NormKind = Literal["batch", "instance", "none"]

#: Layers whose weight is a linear map: N(0, std).
LINEAR_LAYERS: tuple[type[nn.Module], ...] = (
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
    nn.Linear,
)
#: Normalisation layers whose (optional, affine) weight is a scale: N(1, std).
_NORM_LAYERS: tuple[type[nn.Module], ...] = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.SyncBatchNorm,
    nn.InstanceNorm1d,
    nn.InstanceNorm2d,
    nn.InstanceNorm3d,
    nn.GroupNorm,
)


def init_gan_weights(module: nn.Module, std: float = 0.02) -> None:
    """Initialise ``module`` and all its submodules in place, the DCGAN/pix2pix way.

    Convolutions (1-3 d, transposed too) and linear layers get weights ~ N(0, ``std``); the
    scales of batch, instance and group norms get N(1, ``std``); every bias becomes zero.
    Norm layers without affine parameters are left alone.

    Raises:
        ValueError: if ``std`` is negative.
    """
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    for m in module.modules():
        if isinstance(m, LINEAR_LAYERS):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _NORM_LAYERS):
            if m.weight is not None:
                nn.init.normal_(m.weight, 1.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters of ``module`` (only those with ``requires_grad`` if asked).

    Buffers (batch-norm running statistics) are not parameters and are not counted, which is
    the convention behind the reference counts (e.g. 54,413,955 for pix2pix's unet_256).
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def norm_layer(kind: NormKind, channels: int) -> nn.Module | None:
    """The normalisation layer named by a config's ``norm`` field (``None`` for ``"none"``).

    Instance norm is pix2pix's ``InstanceNorm2d(affine=False, track_running_stats=False)``: no
    parameters and the same behaviour in train and eval mode. Convolutions in front of a batch
    norm carry no bias (the norm's shift replaces it); the networks give every other
    convolution a bias, which is pix2pix's rule for instance norm.
    """
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if kind == "none":
        return None
    raise ValueError(f"norm must be 'batch', 'instance' or 'none', got {kind!r}")


def image_size_log2(image_size: int, low: int, high: int) -> int:
    """``log2(image_size)``, checking that it is a power of two in ``low..high``.

    The configs validate the same rule; this repeats it for networks built without them.
    """
    if image_size < low or image_size > high or image_size & (image_size - 1):
        raise ValueError(
            f"image_size must be a power of two between {low} and {high}, got {image_size}"
        )
    return image_size.bit_length() - 1
