"""Parameters of the built-in components (pydantic only: importing this stays cheap).

Defaults follow the reference implementations: pytorch/examples ``dcgan/main.py`` for DCGAN and
junyanz/pytorch-CycleGAN-and-pix2pix for the U-Net generator and the PatchGAN discriminator.
Fields named ``in_channels``, ``out_channels``, ``image_size`` and ``condition_dim`` are filled
from the dataset's :class:`~ganzoo.data.spec.DataSpec` when an experiment leaves them unset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PositiveInt

from ganzoo.registry.config import ComponentConfig

Norm = Literal["batch", "instance", "none"]


def _power_of_two(value: int, low: int, high: int) -> int:
    if value < low or value > high or value & (value - 1):
        raise ValueError(f"must be a power of two between {low} and {high}, got {value}")
    return value


#: DCGAN sizes: stride-2 stages from 4x4 up to the image, 32..256.
DCGANSize = Annotated[int, AfterValidator(lambda v: _power_of_two(v, 32, 256))]
#: U-Net sizes: one down/up stage per factor two, 32..1024.
UNetSize = Annotated[int, AfterValidator(lambda v: _power_of_two(v, 32, 1024))]


class DCGANGeneratorConfig(ComponentConfig):
    """DCGAN generator (Radford et al. 2015): transposed convolutions from noise to image."""

    latent_dim: PositiveInt = Field(100, description="Noise dimension (nz).")
    out_channels: PositiveInt = Field(3, description="Image channels (nc).")
    image_size: DCGANSize = Field(64, description="Output size, a power of two in 32..256.")
    base_channels: PositiveInt = Field(64, description="Width of the last hidden layer (ngf).")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")


class DCGANDiscriminatorConfig(ComponentConfig):
    """DCGAN discriminator: strided convolutions from image to one logit."""

    in_channels: PositiveInt = Field(3, description="Image channels (nc).")
    image_size: DCGANSize = Field(64, description="Input size, a power of two in 32..256.")
    base_channels: PositiveInt = Field(64, description="Width of the first layer (ndf).")
    norm: Norm = Field("batch", description="Normalisation of the hidden layers ('none' for WGAN-GP critics).")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")
    conditioning: Literal["concat", "projection"] = Field(
        "concat",
        description="How labels reach D: 'concat' as constant feature maps before the image (cGAN), "
        "'projection' as the inner product of a label embedding with the pooled last features "
        "(Miyato & Koyama 2018).",
    )
    spectral_norm: bool = Field(
        False, description="Spectral normalisation of every weight (Miyato et al. 2018); usually with norm = 'none'."
    )


class UNetGeneratorConfig(ComponentConfig):
    """pix2pix U-Net generator: encoder-decoder with skip connections, depth from image size."""

    in_channels: PositiveInt = Field(3, description="Source image channels.")
    out_channels: PositiveInt = Field(3, description="Target image channels.")
    image_size: UNetSize = Field(256, description="Image size, a power of two in 32..1024 (8 downsamplings at 256).")
    base_channels: PositiveInt = Field(64, description="Width of the first layer (ngf).")
    norm: Literal["batch", "instance"] = Field("batch", description="pix2pix uses batch norm.")
    dropout: bool = Field(
        True,
        description="Dropout(0.5) in the widest decoder stages below the bottleneck "
        "(pix2pix: num_downs - 5 of them, i.e. three at 256 px).",
    )


class PatchGANDiscriminatorConfig(ComponentConfig):
    """PatchGAN discriminator: a map of logits, one per overlapping patch (70x70 with 3 layers)."""

    in_channels: PositiveInt = Field(6, description="Source + target channels for paired data.")
    base_channels: PositiveInt = Field(64, description="Width of the first layer (ndf).")
    n_layers: PositiveInt = Field(3, description="Stride-2 layers; 3 gives the 70x70 PatchGAN.")
    norm: Norm = Field("batch", description="Normalisation of the hidden layers.")
    spectral_norm: bool = Field(
        False, description="Spectral normalisation of every weight (Miyato et al. 2018); usually with norm = 'none'."
    )


class AdversarialLossConfig(ComponentConfig):
    """Adversarial loss in one of five classic forms.

    ``vanilla`` is the original minimax game (the generator minimises log(1 - D(G(z))), which
    saturates); ``nonsaturating`` has the generator maximise log D(G(z)) and is what the DCGAN and
    pix2pix references train with (pix2pix calls it ``--gan_mode vanilla``); ``lsgan`` uses least
    squares, ``hinge`` the hinge loss and ``wasserstein`` the critic difference (pair it with
    ``gradient-penalty``).
    """

    mode: Literal["vanilla", "nonsaturating", "lsgan", "hinge", "wasserstein"] = "nonsaturating"
    d_reduction: Literal["sum", "mean"] = Field(
        "sum", description="Combine the real and fake discriminator terms by sum (DCGAN) or mean (pix2pix)."
    )


class GradientPenaltyConfig(ComponentConfig):
    """WGAN-GP gradient penalty on real/fake interpolates: (||grad D|| - target)^2."""

    target: float = Field(1.0, ge=0, description="Gradient norm the penalty pulls towards.")


class R1Config(ComponentConfig):
    """R1 regulariser: 0.5 * ||grad D(real)||^2 (Mescheder et al. 2018)."""

    every: PositiveInt = Field(1, description="Apply every k discriminator steps (lazy R1), scaled by k.")


class L1Config(ComponentConfig):
    """L1 distance between generated and real samples (pix2pix's reconstruction term)."""


class ImageFolderConfig(ComponentConfig):
    """Unpaired images from a folder (recursively): PNG, JPEG, TIFF, BMP, GIF; 8 or 16 bit."""

    root: Path = Field(description="Folder of images.")
    image_size: PositiveInt = Field(64, description="Images are resized (shorter side) and centre-cropped to this.")
    channels: Literal[1, 3] | None = Field(None, description="1 or 3; default: from the first image.")
    flip: bool = Field(False, description="Random horizontal flips during training.")
    labels: Literal["none", "subfolders"] = Field(
        "none", description="'subfolders': each top-level folder of root is a class, and samples carry its label."
    )


class PairedImagesConfig(ComponentConfig):
    """Shared options of the paired (source -> target) image datasets."""

    root: Path = Field(description="Dataset folder.")
    image_size: PositiveInt = Field(256, description="Crop size the models see.")
    load_size: PositiveInt | None = Field(
        None, description="Resize to this before a random crop (pix2pix: 286 for 256). Default: no jitter."
    )
    flip: bool = Field(True, description="Random horizontal flip, identical for source and target.")
    direction: Literal["AtoB", "BtoA"] = Field("AtoB", description="Which side is the source.")
    split: str = Field("train", description="Sub-folder to read when the root has split folders.")


class AlignedPairsConfig(PairedImagesConfig):
    """pix2pix aligned pairs: each file holds A and B side by side (A left, B right)."""


class PairedFoldersConfig(PairedImagesConfig):
    """Paired folders: ``A/`` and ``B/`` hold files with matching names."""
