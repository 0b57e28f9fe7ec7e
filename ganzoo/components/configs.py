"""Parameters of the built-in components (pydantic only: importing this stays cheap).

Defaults follow the reference implementations: pytorch/examples ``dcgan/main.py`` for DCGAN and
junyanz/pytorch-CycleGAN-and-pix2pix for the U-Net generator and the PatchGAN discriminator.
Fields named ``in_channels``, ``out_channels``, ``image_size`` and ``condition_dim`` are filled
from the dataset's [`DataSpec`][ganzoo.data.spec.DataSpec] when an experiment leaves them unset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PositiveInt, field_validator, model_validator

from ganzoo.registry.config import ComponentConfig, ComponentSpec

Norm = Literal["batch", "instance", "none"]


def _power_of_two(value: int, low: int, high: int) -> int:
    if value < low or value > high or value & (value - 1):
        raise ValueError(f"must be a power of two between {low} and {high}, got {value}")
    return value


#: DCGAN sizes: stride-2 stages from 4x4 up to the image, 32..256.
DCGANSize = Annotated[int, AfterValidator(lambda v: _power_of_two(v, 32, 256))]
#: U-Net sizes: one down/up stage per factor two, 32..1024.
UNetSize = Annotated[int, AfterValidator(lambda v: _power_of_two(v, 32, 1024))]


class DiscriminatorOptions(ComponentConfig):
    """Switches every built-in discriminator offers against overfitting and collapse."""

    spectral_norm: bool = Field(
        False, description="Spectral normalisation of every weight (Miyato et al. 2018); usually with norm = 'none'."
    )
    minibatch_std: int = Field(
        0,
        ge=0,
        description="Group size of a minibatch standard deviation feature map before the output layer "
        "(Karras et al. 2018: 4), which shows D how varied a batch is, against mode collapse; 0 = off.",
    )


class DCGANGeneratorConfig(ComponentConfig):
    """DCGAN generator (Radford et al. 2015): transposed convolutions from noise to image."""

    latent_dim: PositiveInt = Field(100, description="Noise dimension (nz).")
    out_channels: PositiveInt = Field(3, description="Image channels (nc).")
    image_size: DCGANSize = Field(64, description="Output size, a power of two in 32..256.")
    base_channels: PositiveInt = Field(64, description="Width of the last hidden layer (ngf).")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")


class DCGANDiscriminatorConfig(DiscriminatorOptions):
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


class PatchGANDiscriminatorConfig(DiscriminatorOptions):
    """PatchGAN discriminator: a map of logits, one per overlapping patch (70x70 with 3 layers)."""

    in_channels: PositiveInt = Field(6, description="Source + target channels for paired data.")
    base_channels: PositiveInt = Field(64, description="Width of the first layer (ndf).")
    n_layers: PositiveInt = Field(3, description="Stride-2 layers; 3 gives the 70x70 PatchGAN.")
    norm: Norm = Field("batch", description="Normalisation of the hidden layers.")


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


class CycleConfig(ComponentConfig):
    """Cycle consistency (CycleGAN): L1 between a source and its round trip through both directions."""


class IdentityConfig(ComponentConfig):
    """Identity mapping (CycleGAN): L1 between a target-domain sample and its own translation."""


class HeldOutConfig(ComponentConfig):
    """How an image dataset splits off held-out data for evaluation."""

    split: str = Field(
        "train",
        description="Part to read: train, or held-out val/test (sub-folders of root, or val carved out by val_fraction).",
    )
    val_fraction: float = Field(
        0.0, ge=0, lt=1,
        description="Hold out this fraction of the training files as the val split (seeded, deterministic); 0 = none.",
    )
    split_seed: int = Field(0, description="Seed of the val_fraction split.")


class ImageFolderConfig(HeldOutConfig):
    """Unpaired images from a folder (recursively): PNG, JPEG, TIFF, BMP, GIF; 8 or 16 bit."""

    root: Path = Field(description="Folder of images (with optional train/, val/, test/ sub-folders).")
    image_size: PositiveInt = Field(64, description="Images are resized (shorter side) and centre-cropped to this.")
    channels: Literal[1, 3] | None = Field(None, description="1 or 3; default: from the first image.")
    flip: bool = Field(False, description="Random horizontal flips during training.")
    labels: Literal["none", "subfolders"] = Field(
        "none", description="'subfolders': each top-level folder of root is a class, and samples carry its label."
    )


class PairedImagesConfig(HeldOutConfig):
    """Shared options of the paired (source -> target) image datasets."""

    root: Path = Field(description="Dataset folder.")
    image_size: PositiveInt = Field(256, description="Crop size the models see.")
    load_size: PositiveInt | None = Field(
        None, description="Resize to this before a random crop (pix2pix: 286 for 256). Default: no jitter."
    )
    flip: bool = Field(True, description="Random horizontal flip, identical for source and target.")
    direction: Literal["AtoB", "BtoA"] = Field("AtoB", description="Which side is the source.")


class AlignedPairsConfig(PairedImagesConfig):
    """pix2pix aligned pairs: each file holds A and B side by side (A left, B right)."""


class PairedFoldersConfig(PairedImagesConfig):
    """Paired folders: ``A/`` and ``B/`` hold files with matching names."""


class ResnetGeneratorConfig(ComponentConfig):
    """CycleGAN's ResNet generator: 7x7 stem, two stride-2 downs, residual blocks, two ups, tanh."""

    in_channels: PositiveInt = Field(3, description="Source image channels.")
    out_channels: PositiveInt = Field(3, description="Target image channels.")
    base_channels: PositiveInt = Field(64, description="Width of the stem (ngf); the blocks are 4x as wide.")
    n_blocks: int = Field(9, ge=0, description="Residual blocks (CycleGAN: 9 at 256 px, 6 at 128 px).")
    norm: Norm = Field("instance", description="CycleGAN uses instance norm.")
    dropout: bool = Field(False, description="Dropout(0.5) inside each residual block (CycleGAN: off).")
    padding: Literal["reflect", "replicate", "zero"] = Field(
        "reflect", description="Padding of the residual blocks' 3x3 convolutions."
    )


class UnpairedFoldersConfig(ComponentConfig):
    """Two unpaired image domains: folders ``A/`` and ``B/`` (or CycleGAN's ``trainA/``, ``trainB/``)."""

    root: Path = Field(description="Dataset folder.")
    image_size: PositiveInt = Field(256, description="Crop size the models see.")
    load_size: PositiveInt | None = Field(
        None, description="Resize to this before a random crop (CycleGAN: 286 for 256). Default: no jitter."
    )
    flip: bool = Field(True, description="Random horizontal flips (A and B independently).")
    direction: Literal["AtoB", "BtoA"] = Field("AtoB", description="Which domain is the source (cond).")
    split: str = Field("train", description="Split to read: trainA/ + trainB/, or A/ and B/ under root/<split>.")
    pairing_seed: int = Field(
        0, description="Seed of the random, unaligned choice of the other domain's image for each item."
    )

    @model_validator(mode="after")
    def _load_size_fits(self) -> UnpairedFoldersConfig:
        if self.load_size is not None and self.load_size < self.image_size:
            raise ValueError(f"load_size ({self.load_size}) must be >= image_size ({self.image_size})")
        return self


#: Parameters a two-way network sets on its sub-networks itself, per direction.
TWO_WAY_CHANNELS = frozenset({"in_channels", "out_channels"})


def _check_network(kind: str, spec: ComponentSpec) -> ComponentSpec:
    """Validate a two-way network's ``network`` spec against the live registry (so ``ganzoo
    validate`` catches a misspelt sub-network or parameter before anything is built)."""
    from ganzoo.plugins.manager import get_registry
    from ganzoo.registry.errors import GanzooError

    taken = sorted(TWO_WAY_CHANNELS & spec.params.keys())
    if taken:
        raise ValueError(f"params.{taken[0]}: set channels on the two-way {kind} itself, per domain")
    try:
        get_registry().validate_params(kind, spec.name, spec.params, prefix="params")
    except GanzooError as err:
        raise ValueError(str(err)) from None
    return spec


class CycleGANGeneratorConfig(ComponentConfig):
    """Two generators, A->B and B->A (CycleGAN's G_A and G_B), trained by one optimiser."""

    network: ComponentSpec = Field(
        default_factory=lambda: ComponentSpec(name="resnet"),
        description="The registered generator built for each direction, with its params (channels excepted).",
    )
    in_channels: PositiveInt = Field(3, description="Channels of domain A (the data's cond).")
    out_channels: PositiveInt = Field(3, description="Channels of domain B (the data's x).")
    image_size: PositiveInt | None = Field(None, description="Passed to sub-networks that have this field.")
    length: PositiveInt | None = Field(None, description="Passed to sub-networks that have this field.")

    @field_validator("network")
    @classmethod
    def _network_exists(cls, network: ComponentSpec) -> ComponentSpec:
        return _check_network("generator", network)


class CycleGANDiscriminatorConfig(ComponentConfig):
    """Two discriminators, one per domain (CycleGAN's D_B judges B, D_A judges A), one optimiser."""

    network: ComponentSpec = Field(
        default_factory=lambda: ComponentSpec(name="patchgan", params={"norm": "instance"}),
        description="The registered discriminator built for each domain, with its params (channels excepted).",
    )
    in_channels: PositiveInt = Field(3, description="Channels domain B's judge sees: B's (the data's x), plus A's for paired data.")
    source_channels: PositiveInt = Field(
        3, description="Channels domain A's judge sees: A's (the data's cond), plus B's for paired data."
    )
    image_size: PositiveInt | None = Field(None, description="Passed to sub-networks that have this field.")
    length: PositiveInt | None = Field(None, description="Passed to sub-networks that have this field.")

    @field_validator("network")
    @classmethod
    def _network_exists(cls, network: ComponentSpec) -> ComponentSpec:
        return _check_network("discriminator", network)
