"""Parameters of the smart-grid components (pydantic only: importing this never imports torch).

Model fields use the DataSpec names (``out_channels``/``in_channels``, ``length``,
``condition_dim``) so an experiment can leave them unset and have them filled from the dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PositiveInt, field_validator, model_validator

from ganzoo.plugin import ComponentConfig
from ganzoo_smartgrid.bdew import PROFILES

Split = Literal["train", "val", "test"]
Normalisation = Literal["minmax", "log"]


# -- datasets ---------------------------------------------------------------------------------
class LoadProfilesConfig(ComponentConfig):
    """BDEW standard load profiles x stochastic customers: seeded daily load curves, no download."""

    profiles: list[str] = Field(
        default_factory=lambda: ["h25", "g25", "l25", "p25", "s25"],
        description=f"Customer classes (BDEW profiles): {', '.join(PROFILES)}.",
    )
    n_samples: PositiveInt = Field(4096, description="Windows in the split.")
    n_meters: PositiveInt = Field(100, description="Synthetic customers, spread evenly over the profiles.")
    year: int = Field(2023, ge=1990, le=2100, description="Calendar year (seasons, weekdays, German holidays).")
    resolution_minutes: Literal[15, 30, 60] = Field(30, description="Minutes per time step.")
    window_days: int = Field(1, ge=1, le=14, description="Consecutive days per sample.")
    conditional: bool = Field(True, description="Label each window with month, day type and class.")
    normalisation: Normalisation = Field("log", description="Scaling to [-1, 1]: 'log' (log1p then min-max) or 'minmax'.")
    seed: int = Field(0, description="Seed of the customers and the training split.")
    split: Split = Field("train", description="train, val or test: same customers, independent days and noise.")

    @field_validator("profiles")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("give at least one profile")
        unknown = [p for p in value if p not in PROFILES]
        if unknown:
            raise ValueError(f"unknown profile {unknown[0]!r} (available: {', '.join(PROFILES)})")
        if len(set(value)) != len(value):
            raise ValueError("profiles must not repeat")
        return value


class SeriesFileConfig(ComponentConfig):
    """Options shared by the smart-meter file loaders."""

    path: Path = Field(description="Data file (or folder of CSV files where the format allows).")
    resolution_minutes: PositiveInt = Field(30, description="Minutes per step; a multiple of the data's own spacing.")
    window_days: int = Field(1, ge=1, le=31, description="Consecutive days per sample.")
    stride_days: PositiveInt = Field(1, description="Days between the starts of consecutive windows.")
    conditional: bool = Field(False, description="Label windows with month, day type (and class if the data has one).")
    normalisation: Normalisation = Field("log", description="'log' (log1p then min-max) or 'minmax'; fitted on the train split.")
    split: Split = Field("train", description="Chronological split over window start days.")
    val_fraction: float = Field(0.1, ge=0, lt=1, description="Share of the (latest) days for validation.")
    test_fraction: float = Field(0.1, ge=0, lt=1, description="Share of the latest days for testing.")
    max_meters: PositiveInt | None = Field(None, description="Read only the first N meters (quick experiments).")

    @field_validator("resolution_minutes")
    @classmethod
    def _divides_day(cls, value: int) -> int:
        if 1440 % value:
            raise ValueError(f"must divide a day (1440 minutes), got {value}")
        return value

    @model_validator(mode="after")
    def _fractions(self) -> SeriesFileConfig:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError("val_fraction + test_fraction must leave days for training")
        return self


class LCLConfig(SeriesFileConfig):
    """London LCL smart meters (UK Power Networks): original or Kaggle block layout, kWh per half hour."""


class UCIElectricityConfig(SeriesFileConfig):
    """UCI ElectricityLoadDiagrams20112014 (LD2011_2014.txt): 370 clients, kW per quarter-hour."""


class UCIHouseholdConfig(SeriesFileConfig):
    """UCI Individual household electric power consumption: one house, one-minute readings."""

    column: Literal["Global_active_power", "Global_reactive_power", "Sub_metering_1", "Sub_metering_2",
                    "Sub_metering_3"] = Field("Global_active_power", description="Load column to model.")


class GenericCSVConfig(SeriesFileConfig):
    """Options shared by the generic long and wide CSV loaders."""

    unit: str = Field("kWh", description="Unit of the values (written back on export).")
    quantity: Literal["power", "energy"] = Field(
        "energy", description="'energy' per interval (resampling sums) or mean 'power' (resampling averages)."
    )
    sep: str = Field(",", min_length=1, description="Field separator.")
    decimal: str = Field(".", min_length=1, max_length=1, description="Decimal mark.")
    nonfinite: Literal["error", "missing"] = Field(
        "error", description="Infinite readings (inf, -Infinity): an error naming line and column, or 'missing' "
        "(dropped with their windows, like gaps).",
    )


class LongCSVConfig(GenericCSVConfig):
    """Generic long CSV: one reading per row (meter, timestamp, value)."""

    meter_column: str = "meter"
    timestamp_column: str = "timestamp"
    value_column: str = "value"
    class_column: str | None = Field(None, description="Optional per-meter class column (a condition label).")


class WideCSVConfig(GenericCSVConfig):
    """Generic wide CSV: a timestamp column and one column per meter."""

    timestamp_column: str = "timestamp"


# -- models -----------------------------------------------------------------------------------
def _odd(value: int) -> int:
    if value % 2 == 0:
        raise ValueError(f"must be odd, got {value}")
    return value


#: A convolution kernel size that keeps the length ("same" padding needs an odd kernel).
OddKernel = Annotated[int, AfterValidator(_odd)]


class SeriesConvGeneratorConfig(ComponentConfig):
    """1-D convolutional generator: noise (+ label) -> linear seed -> upsampling conv blocks -> (C, L)."""

    latent_dim: PositiveInt = Field(64, description="Noise dimension.")
    out_channels: PositiveInt = Field(1, description="Channels of a sample.")
    length: PositiveInt = Field(48, description="Time steps of a sample.")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")
    base_channels: PositiveInt = Field(64, description="Channels of the last hidden block (doubling towards the seed).")
    n_blocks: int = Field(3, ge=1, le=6, description="Upsampling blocks (each doubles the length).")
    kernel_size: OddKernel = Field(5, ge=1, description="Odd convolution kernel size.")
    norm: Literal["batch", "none"] = Field("batch", description="Normalisation inside the generator.")
    upsample: Literal["nearest", "linear"] = Field(
        "nearest",
        description="Doubling before each conv: 'linear' interpolation avoids the step-to-step zig-zag that "
        "'nearest' (copying each step twice, kept as the default for old checkpoints) produces.",
    )
    step_noise: bool = Field(
        False,
        description="Per-step noise (StyleGAN-style, learned per-channel scale starting at 0) after the conv of the "
        "last two blocks, for day-specific texture such as spikes; the noise is part of sample_latent.",
    )


class SeriesConvDiscriminatorConfig(ComponentConfig):
    """1-D convolutional critic: (C + label channels, L) -> strided convs -> one logit."""

    in_channels: PositiveInt = Field(1, description="Channels of a sample.")
    length: PositiveInt = Field(48, description="Time steps of a sample.")
    condition_dim: int = Field(0, ge=0, description="Label-vector size, broadcast as extra channels.")
    base_channels: PositiveInt = Field(64, description="Channels of the first block (doubling per block).")
    n_blocks: int = Field(3, ge=1, le=6, description="Stride-2 blocks.")
    kernel_size: OddKernel = Field(5, ge=1, description="Odd convolution kernel size.")
    norm: Literal["none", "layer", "batch", "spectral"] = Field(
        "none", description="'none' or 'layer' for WGAN-GP critics; 'batch' only with non-Wasserstein losses."
    )
    downsample: Literal["stride", "pool"] = Field(
        "stride",
        description="Halving per block: 'pool' (stride-1 conv, then average pairs of steps) gives every step "
        "the same gradient weight; 'stride' (stride-2 conv, the default for old checkpoints) alternates.",
    )


class SeriesRNNGeneratorConfig(ComponentConfig):
    """Recurrent generator: per-step noise (+ label, + time of day) -> GRU/LSTM -> (C, L)."""

    latent_dim: PositiveInt = Field(8, description="Noise features per time step.")
    out_channels: PositiveInt = Field(1, description="Channels of a sample.")
    length: PositiveInt = Field(48, description="Time steps of a sample.")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")
    hidden_dim: PositiveInt = Field(64, description="Recurrent state size.")
    num_layers: int = Field(2, ge=1, le=4, description="Stacked recurrent layers.")
    cell: Literal["gru", "lstm"] = "gru"


class SeriesRNNDiscriminatorConfig(ComponentConfig):
    """Recurrent critic: (x_t, label) -> GRU/LSTM -> mean of per-step scores."""

    in_channels: PositiveInt = Field(1, description="Channels of a sample.")
    length: PositiveInt = Field(48, description="Time steps of a sample.")
    condition_dim: int = Field(0, ge=0, description="Label-vector size (0 = unconditional).")
    hidden_dim: PositiveInt = Field(64, description="Recurrent state size.")
    num_layers: int = Field(1, ge=1, le=4, description="Stacked recurrent layers.")
    cell: Literal["gru", "lstm"] = "gru"


# -- metrics ----------------------------------------------------------------------------------
class DiscriminativeScoreConfig(ComponentConfig):
    """TimeGAN discriminative score: post-hoc GRU classifier real vs synthetic, |accuracy - 0.5|."""

    iterations: PositiveInt = Field(2000, description="Classifier training iterations (TimeGAN: 2000).")
    batch_size: PositiveInt = Field(128, description="TimeGAN: 128.")
    runs: PositiveInt = Field(10, description="Repetitions averaged (TimeGAN metric_iteration: 10).")
    hidden_dim: PositiveInt | None = Field(None, description="GRU size; default TimeGAN's int(dim/2) (4 for univariate series).")


class PredictiveScoreConfig(ComponentConfig):
    """TimeGAN predictive score: GRU trained on synthetic, next-step MAE on real (plus train-on-real)."""

    iterations: PositiveInt = Field(5000, description="Predictor training iterations (TimeGAN: 5000).")
    batch_size: PositiveInt = Field(128, description="TimeGAN: 128.")
    runs: PositiveInt = Field(10, description="Repetitions averaged (TimeGAN metric_iteration: 10).")
    hidden_dim: PositiveInt | None = Field(None, description="GRU size; default TimeGAN's int(dim/2) (4 for univariate series).")
    train_on_real: bool = Field(True, description="Also report the score of a predictor trained on real data.")


class KMeansAgreementConfig(ComponentConfig):
    """k-means fitted on real daily profiles: cluster-share JS divergence, Hungarian centroid distance."""

    k: int | None = Field(None, ge=2, description="Clusters; default: best silhouette in 4..8.")
    n_init: PositiveInt = Field(10, description="k-means restarts.")


class ForecastConfig(ComponentConfig):
    """Day-ahead forecasting, train-on-synthetic vs train-on-real, tested on real (ridge regression)."""

    alpha: float = Field(1.0, gt=0, description="Ridge regularisation.")
    test_fraction: float = Field(0.3, gt=0, lt=1, description="Share of the real data held out for testing.")


class LoadStatisticsConfig(ComponentConfig):
    """Autocorrelation and daily-profile statistics of real vs synthetic curves."""

    max_lag: PositiveInt | None = Field(None, description="Largest autocorrelation lag (default: one day).")
