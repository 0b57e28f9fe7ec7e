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
SplitBy = Literal["block", "time", "random", "meter"]
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
    split: Split = Field("train", description="Which split to read (split_by says how the windows are split).")
    split_by: SplitBy = Field(
        "block", description="'block': each meter's runs of consecutive days (block_days) assigned to the "
        "splits by a seeded shuffle, so held-out days are drawn like training days (as the privacy metrics' "
        "0.5 ideals assume) and share no reading with a training window; 'time': the latest days are held "
        "out (forecasting's split); 'random': a seeded shuffle of the windows (overlapping windows then share "
        "days across splits); 'meter': whole meters held out (seeded), so held-out days come from households "
        "the model never saw (privacy per household).")
    block_days: PositiveInt | None = Field(
        None, description="Days per block of split_by = 'block' (default: one window, which splits at random; "
        "four windows when windows overlap); overlapping windows crossing into another split's block are dropped.")
    seed: int = Field(0, description="Seed of the block, random or per-meter split.")
    val_fraction: float = Field(0.1, ge=0, lt=1, description="Share of the days for validation (split by time: the "
                                "days before the test days).")
    test_fraction: float = Field(0.1, ge=0, lt=1, description="Share of the days for testing (split by time: the "
                                 "latest days).")
    max_meters: PositiveInt | None = Field(None, description="Read only the first N meters (quick experiments).")

    @field_validator("resolution_minutes")
    @classmethod
    def _divides_day(cls, value: int | None) -> int | None:
        if value is not None and 1440 % value:
            raise ValueError(f"must divide a day (1440 minutes), got {value}")
        return value

    @model_validator(mode="after")
    def _fractions(self) -> SeriesFileConfig:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError("val_fraction + test_fraction must leave days for training")
        if self.block_days is not None and self.split_by not in ("block", None):
            raise ValueError(f"block_days goes with split_by = 'block' (split_by is {self.split_by!r})")
        return self


class LCLConfig(SeriesFileConfig):
    """London LCL smart meters (UK Power Networks): original or Kaggle block layout, kWh per half hour."""


class UCIElectricityConfig(SeriesFileConfig):
    """UCI ElectricityLoadDiagrams20112014 (LD2011_2014.txt): 370 clients, kW per quarter-hour."""


class UCIHouseholdConfig(SeriesFileConfig):
    """UCI Individual household electric power consumption: one house, one-minute readings."""

    column: Literal["Global_active_power", "Global_reactive_power", "Sub_metering_1", "Sub_metering_2",
                    "Sub_metering_3"] = Field("Global_active_power", description="Load column to model.")


Calendar = Literal["month", "daytype", "weekday", "hour"]


class GenericCSVConfig(SeriesFileConfig):
    """Options shared by the generic long and wide CSV loaders: windows of any shape, any conditions.

    Windows are ``window_steps`` steps (moving by ``stride_steps``) or ``window_days`` calendar
    days (midnight to midnight, moving by ``stride_days``); give one of the two. Without
    timestamps only steps work. Conditions are optional and combine freely: categorical
    ``condition_columns`` (class labels), ``numeric_condition_columns`` (weather: the window's
    mean), ``calendar`` blocks from the timestamps.
    """

    timestamp_column: str | None = Field(
        "timestamp", description="Column of reading times; none (null or '') when rows are in time order without times.")
    resolution_minutes: PositiveInt | None = Field(  # type: ignore[assignment]
        None, description="Minutes per step, a multiple of the data's spacing (resampled); default the data's own.")
    window_days: int | None = Field(  # type: ignore[assignment]
        None, ge=1, le=31, description="Calendar days per window (default 1 when neither this nor window_steps is set).")
    stride_days: PositiveInt | None = Field(  # type: ignore[assignment]
        None, description="Days between window starts (default: window_days, i.e. consecutive windows).")
    window_steps: PositiveInt | None = Field(None, description="Steps per window (any length; instead of window_days).")
    stride_steps: PositiveInt | None = Field(
        None, description="Steps between window starts (default: window_steps; 1 = every window, as TimeGAN).")
    normalisation: Normalisation = Field(
        "minmax", description="'minmax' (any sign) or 'log' (log1p then min-max, non-negative data); fitted on train.")
    per_channel: bool = Field(True, description="Scale every channel by its own training range (else one range for all).")
    condition_columns: list[str] = Field(
        default_factory=list, description="Categorical condition columns (class labels ...): one-hot blocks.")
    numeric_condition_columns: list[str] = Field(
        default_factory=list, description="Numeric condition columns (temperature ...): the window mean, scaled.")
    calendar: list[Calendar] | None = Field(
        None, description="Calendar conditions from the timestamps: month, daytype, weekday, hour (of the window "
        "start). Default: month and daytype with conditional = true, else none.")
    split_by: SplitBy | None = Field(  # type: ignore[assignment]
        None, description="'block' (each series' blocks of consecutive windows, seeded), 'time' (chronological), "
        "'random' (seeded) or 'meter' (whole series ids, seeded) split of the windows; default block if the "
        "data has timestamps, else random.")
    unit: str = Field("kWh", description="Unit of the values (written back on export).")
    quantity: Literal["power", "energy"] = Field(
        "energy", description="'energy' per interval (resampling sums) or a level such as 'power' (resampling averages).")
    sep: str = Field(",", min_length=1, description="Field separator.")
    decimal: str = Field(".", min_length=1, max_length=1, description="Decimal mark.")
    nonfinite: Literal["error", "missing"] = Field(
        "error", description="Infinite readings (inf, -Infinity): an error naming line and column, or 'missing' "
        "(dropped with their windows, like gaps).",
    )

    @field_validator("timestamp_column")
    @classmethod
    def _none_is_empty(cls, value: str | None) -> str:
        """No timestamps is stored as '' (stored params drop None, which would read back as the default)."""
        return value or ""

    @field_validator("calendar")
    @classmethod
    def _no_repeats(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("calendar blocks must not repeat")
        return value

    @model_validator(mode="after")
    def _window(self) -> GenericCSVConfig:
        if self.window_days is not None and self.window_steps is not None:
            raise ValueError("give window_days or window_steps, not both")
        if self.window_steps is None and self.stride_steps is not None:
            raise ValueError("stride_steps needs window_steps")
        if self.window_days is None and self.stride_days is not None and self.window_steps is not None:
            raise ValueError("stride_days goes with window_days; use stride_steps with window_steps")
        if not self.timestamp_column:
            if self.window_steps is None and not self.whole_rows:
                raise ValueError("without timestamps give window_steps (whole days need times)")
            if self.calendar or (self.conditional and self.calendar is None):
                raise ValueError("calendar conditions need a timestamp_column (set calendar = [] for none)")
            if self.resolution_minutes is not None:
                raise ValueError("resolution_minutes needs a timestamp_column to resample")
        if self.split_by in ("time", "block") and not self.timestamp_column:
            raise ValueError(f"split_by = {self.split_by!r} needs a timestamp_column")
        if self.split_by is None:  # stored resolved, so that the run's config says which split it trained on
            object.__setattr__(self, "split_by", "block" if self.timestamp_column else "random")
        return self

    @property
    def whole_rows(self) -> bool:
        """Whether every row is one curve (its length is then the default window)."""
        return False

    @property
    def calendar_blocks(self) -> list[str]:
        """The calendar blocks in use (month and day type for ``conditional = true`` by default)."""
        if self.calendar is not None:
            return list(self.calendar)
        return ["month", "daytype"] if self.conditional else []


class LongCSVConfig(GenericCSVConfig):
    """Generic long CSV: one reading per row (series id, [timestamp,] value column(s), [conditions])."""

    meter_column: str = Field("meter", description="Column identifying each series (meter, house, curve).")
    value_column: str | list[str] = Field(
        "value", description="Value column, or a list of columns: the channels of each series.")
    class_column: str | None = Field(
        None, description="Per-series class column; a 'class' condition block with conditional = true.")

    @property
    def value_columns(self) -> list[str]:
        return [self.value_column] if isinstance(self.value_column, str) else list(self.value_column)

    @field_validator("value_column")
    @classmethod
    def _some_values(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("give at least one value column")
        return value


class WideCSVConfig(GenericCSVConfig):
    """Generic wide CSV: [a timestamp column,] value columns (meters or channels), [condition columns]."""

    value_columns: list[str] | None = Field(
        None, description="Value columns to use (default: every column that is not a timestamp or condition).")
    columns_are: Literal["meters", "channels", "steps"] | None = Field(
        None, description="'channels': the value columns are the channels of one series (a sensor table); "
        "'meters': each is its own one-channel series; 'steps': every row is one curve, the value columns its "
        "steps (date, h00 ... h23). Required with more than one value column.")

    @property
    def whole_rows(self) -> bool:
        return self.columns_are == "steps"


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


class ResConvGeneratorConfig(ComponentConfig):
    """Full-resolution residual conv generator: MLP seed per step, dilated residual blocks, FiLM conditions."""

    latent_dim: PositiveInt = Field(32, description="Noise per window.")
    step_noise: int = Field(4, ge=0, description="Noise channels per time step (texture); 0 for none.")
    out_channels: PositiveInt = Field(1, description="Channels of a sample.")
    length: PositiveInt = Field(48, description="Time steps of a sample.")
    condition_dim: int = Field(0, ge=0, description="Condition-vector size (0 = unconditional).")
    hidden: PositiveInt = Field(32, description="Channels of the residual blocks.")
    mlp_hidden: PositiveInt = Field(256, description="Hidden units of the seed MLP.")
    embed_dim: PositiveInt = Field(32, description="Size of the condition embedding (FiLM input).")
    n_blocks: int = Field(3, ge=0, le=8, description="Residual blocks; block i has dilation 2**i.")
    kernel_size: OddKernel = Field(3, ge=1, description="Odd convolution kernel size.")
    position_frequencies: int = Field(3, ge=0, le=16, description="Sine/cosine pairs of the step's phase fed in.")
    output: Literal["linear", "tanh"] = Field(
        "linear", description="Output activation; linear reaches the ends of the [-1, 1] scale, where tanh saturates.")


class ResConvDiscriminatorConfig(ComponentConfig):
    """Full-resolution residual conv critic with minibatch std and projection conditioning."""

    in_channels: PositiveInt = Field(1, description="Channels of a sample.")
    length: PositiveInt = Field(48, description="Time steps of a sample.")
    condition_dim: int = Field(0, ge=0, description="Condition-vector size (0 = unconditional).")
    hidden: PositiveInt = Field(32, description="Channels of the residual blocks.")
    features: PositiveInt = Field(256, description="Width of the feature MLP whose output is scored and projected.")
    n_blocks: int = Field(
        0, ge=0, le=8, description="Residual blocks (block i has dilation 2**i) before the MLP; 0 (default): an MLP "
        "critic on the whole window, as good on the curves measured and half the CPU time per step.")
    kernel_size: OddKernel = Field(3, ge=1, description="Odd convolution kernel size.")
    position_frequencies: int = Field(3, ge=0, le=16, description="Sine/cosine pairs of the step's phase fed in.")
    mbstd_group: int = Field(4, ge=1, description="Group size of the minibatch-std channel (1 = off).")


class SeriesMomentsConfig(ComponentConfig):
    """Generator term: match per-step mean and sd of generated to real batches (TimeGAN's moment loss)."""

    per_condition: bool = Field(
        True, description="Also match them within each one-hot condition entry (class, month ...) of the batch.")
    min_count: int = Field(8, ge=2, description="Fewest samples of an entry (in both batches) to compare it.")
    differences: bool = Field(True, description="Also match the sd of step-to-step changes (texture, smoothness).")


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


class ConditionRecoveryConfig(ComponentConfig):
    """Per-class recovery by a real-trained classifier, and train-on-synthetic/test-on-real accuracy."""


class ClassProfilesConfig(ComponentConfig):
    """Per-class per-step mean and sd profile errors and the synthetic/real sd ratio."""


class CoverageConfig(ComponentConfig):
    """Coverage and density (Naeem et al. 2020) of synthetic windows around the real ones."""

    k: PositiveInt = Field(5, description="Nearest neighbours that set each real window's radius.")
