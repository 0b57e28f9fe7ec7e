"""Parameters of ganzoo-medical's components (pydantic only, so listing stays free of torch).

``image_size`` follows ganzoo's naming convention; ``paired`` switches every retina dataset between
vessel mask -> fundus pairs (pix2pix) and fundus images alone (unconditional GANs), and
``unaligned`` makes the masks and photographs two unpaired domains (CycleGAN); ``split`` selects
held-out data (``train`` / ``val`` / ``test``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from ganzoo.plugin import ComponentConfig

Split = Literal["train", "val", "test"]


class RetinaDataConfig(ComponentConfig):
    """Options every retina dataset shares."""

    image_size: int = Field(64, ge=8, le=2048, description="Side of the square images in pixels.")
    paired: bool = Field(True, description="True: vessel mask -> fundus pairs; False: fundus images only.")
    unaligned: bool = Field(
        False, description="With paired: each photograph comes with the mask of another eye, so masks and "
        "photographs are two unpaired domains (CycleGAN)."
    )
    split: Split = Field("train", description="train, val or test (disjoint data).")

    @model_validator(mode="after")
    def _unaligned_needs_masks(self) -> RetinaDataConfig:
        if self.unaligned and not self.paired:
            raise ValueError("unaligned = true needs paired = true (it pairs photographs with other eyes' masks)")
        return self


class RetinaProceduralConfig(RetinaDataConfig):
    """Procedural fundus photographs grown from seeded vessel trees (unlimited, no download)."""

    length: PositiveInt = Field(1024, description="Samples per epoch.")
    seed: int = Field(0, ge=0, description="Base seed; sample i of a split is a pure function of (seed, split, i).")
    vessel_width: float = Field(1.0, gt=0, le=4, description="Multiplier of the vessel radii (>1 thickens vessels).")
    cache: bool = Field(True, description="Keep rendered samples in memory when they fit in 256 MiB.")


class RetinaSkimageConfig(RetinaDataConfig):
    """Patches of scikit-image's bundled fundus photograph with a vesselness-filter vessel mask."""

    length: PositiveInt = Field(512, description="Patches per epoch.")
    scale: float = Field(0.5, gt=0, le=1, description="Downsample the 1411 px photograph by this first.")
    seed: int = Field(0, ge=0, description="Seed of the patch positions.")
    augment: bool = Field(True, description="Random flips and 90-degree rotations of training batches.")
    flatten: bool = Field(
        False,
        description="Divide out the illumination (a Gaussian background of 4 x the largest vessel scale) "
        "so patches differ by vessels and texture, not by where they lie on the fundus.",
    )

    @model_validator(mode="after")
    def _patch_fits(self) -> RetinaSkimageConfig:
        side = round(1411 * self.scale)
        if side < 3 * self.image_size:
            raise ValueError(
                f"image_size {self.image_size} is too large for the photograph at scale {self.scale} "
                f"({side} px); use a larger scale or a smaller image_size"
            )
        return self


class FundusConfig(RetinaDataConfig):
    """Public fundus datasets (DRIVE, STARE, CHASE_DB1, HRF, vess2ret A/B), layout auto-detected."""

    root: Path = Field(description="Folder of the extracted dataset.")
    layout: Literal["auto", "drive", "stare", "chase_db1", "hrf", "vess2ret"] = Field(
        "auto", description="Dataset layout; auto detects it from the files."
    )
    annotator: Literal[1, 2] = Field(1, description="Which manual vessel annotation to pair with (1st or 2nd).")
    val_fraction: float = Field(0.2, ge=0, lt=1, description="Share of the training images held out for val.")
    test_fraction: float = Field(
        0.25, ge=0, lt=1, description="Share held out for test when the dataset has no official test split."
    )


class VesselAgreementConfig(ComponentConfig):
    """Dice between input vessel masks and vessels re-extracted from generated fundus images."""

    threshold: float | None = Field(
        None, gt=0, description="Vesselness threshold; default: Otsu per image inside the FOV."
    )
    max_pairs: PositiveInt = Field(64, description="Held-out pairs to generate and score.")
