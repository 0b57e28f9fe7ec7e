"""Parameters of the example components (pydantic only, no torch: ``ganzoo list`` stays fast).

Fields named ``out_features``, ``in_features`` and ``condition_dim`` follow ganzoo's DataSpec
convention: when an experiment leaves them unset, ganzoo fills them from the dataset.
"""

from __future__ import annotations

from typing import Literal

from ganzoo import ComponentConfig
from pydantic import Field, PositiveInt


class MLPGeneratorConfig(ComponentConfig):
    """MLP generator for table rows: noise (+ label vector) -> hidden layers -> tanh."""

    latent_dim: PositiveInt = Field(8, description="Noise dimension.")
    out_features: PositiveInt = Field(2, description="Columns of a generated row.")
    hidden: PositiveInt = Field(64, description="Width of each hidden layer.")
    layers: PositiveInt = Field(2, description="Number of hidden layers.")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")


class MLPDiscriminatorConfig(ComponentConfig):
    """MLP discriminator for table rows: row (+ label vector) -> hidden layers -> one logit."""

    in_features: PositiveInt = Field(2, description="Columns of a row.")
    hidden: PositiveInt = Field(64, description="Width of each hidden layer.")
    layers: PositiveInt = Field(2, description="Number of hidden layers.")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")


class RingsConfig(ComponentConfig):
    """Points from Gaussians evenly spaced on a ring: a 2-column table with known modes."""

    n_samples: PositiveInt = Field(2048, description="Rows in the split.")
    modes: int = Field(8, ge=2, description="Number of Gaussians on the ring.")
    radius: float = Field(0.7, gt=0, lt=1, description="Ring radius (rows live in [-1, 1]).")
    std: float = Field(0.05, gt=0, description="Standard deviation of each Gaussian.")
    seed: int = Field(0, description="Seed of the draw; each split uses its own stream.")
    split: Literal["train", "val", "test"] = Field("train", description="Which split to draw.")


class RingCoverageConfig(ComponentConfig):
    """Share of the ring's modes that generated rows cover, and share of rows near a mode."""

    radius_std: float = Field(3.0, gt=0, description="A row is near a mode within this many std.")
    min_share: float = Field(
        0.2, ge=0, le=1, description="A mode counts as covered with this share of its expected rows."
    )
