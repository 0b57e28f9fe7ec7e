"""Parameters of the traffic plugin's components (pydantic only, so listing stays torch-free).

Defaults follow Xu et al. 2019 (CTGAN): embedding 128, residual generator (256, 256), critic
(256, 256) with LeakyReLU 0.2 and dropout 0.5, PacGAN pac 10, Gumbel-softmax temperature 0.2.
Fields named ``out_features``, ``in_features`` and ``condition_dim`` are filled from the
dataset's DataSpec; ``spans`` (the encoded row layout) from ``DataSpec.meta["spans"]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, PositiveInt, field_validator, model_validator

from ganzoo.plugin import ComponentConfig
from ganzoo_traffic.rules import parse_rule

SpanLayout = list[tuple[Literal["tanh", "softmax"], PositiveInt]]
MissingHandling = Literal["indicator", "mask", "drop"]
Split = Literal["train", "val", "test"]
Classifier = Literal["svm", "knn", "ridge", "mlp"]
#: The augmentation test's classifiers, in the order reported (Chen et al. 2021, MLP for the CNN).
CLASSIFIERS: tuple[str, ...] = get_args(Classifier)


class CTGANGeneratorConfig(ComponentConfig):
    """CTGAN generator: residual MLP from noise + conditional vector to an encoded table row."""

    latent_dim: PositiveInt = Field(128, description="Noise dimension (CTGAN embedding_dim).")
    hidden: list[PositiveInt] = Field([256, 256], description="Widths of the residual blocks.")
    out_features: PositiveInt = Field(1, description="Width of an encoded row (from the DataSpec).")
    condition_dim: int = Field(0, ge=0, description="Conditional-vector width (from the DataSpec).")
    spans: SpanLayout | None = Field(
        None,
        description="[[activation, width], ...] per output span (from DataSpec.meta['spans']); "
        "unset = tanh on every output.",
    )
    tau: float = Field(0.2, gt=0, description="Gumbel-softmax temperature of one-hot spans.")

    @model_validator(mode="after")
    def _spans_cover_the_row(self) -> CTGANGeneratorConfig:
        # out_features is a placeholder until the DataSpec (or the user) sets it
        if self.spans is not None and "out_features" in self.model_fields_set:
            covered = sum(width for _, width in self.spans)
            if covered != self.out_features:
                raise ValueError(f"spans cover {covered} outputs, expected out_features = {self.out_features}")
        return self


class PacGANDiscriminatorConfig(ComponentConfig):
    """PacGAN critic (CTGAN's): ``pac`` rows scored jointly by a LeakyReLU/dropout MLP."""

    in_features: PositiveInt = Field(1, description="Width of an encoded row (from the DataSpec).")
    condition_dim: int = Field(0, ge=0, description="Conditional-vector width (from the DataSpec).")
    hidden: list[PositiveInt] = Field([256, 256], description="Widths of the hidden layers.")
    pac: PositiveInt = Field(10, description="Rows packed into one critic input (PacGAN).")
    negative_slope: float = Field(0.2, ge=0, description="LeakyReLU slope.")
    dropout: float = Field(0.5, ge=0, lt=1, description="Dropout after each hidden layer.")


class ConditionalCEConfig(ComponentConfig):
    """Cross-entropy that makes the generator honour the conditional vector (CTGAN)."""

    tau: float | None = Field(
        None,
        gt=0,
        description="The generator's Gumbel-softmax temperature: the cross-entropy is then taken on "
        "softmax(tau * log p) over the conditioned column's span, i.e. on the generator's (noisy) logits at "
        "temperature 1, as CTGAN takes it on raw logits (a 1/tau times gentler gradient); unset = on the "
        "generated probabilities p themselves.",
    )
    spans: SpanLayout | None = Field(
        None, description="[[activation, width], ...] of an encoded row (from DataSpec.meta['spans']); needed with tau."
    )


class TargetClassifierConfig(ComponentConfig):
    """Auxiliary classifier of the outcome column (CTAB-GAN+): generated rows must be labelled as
    a classifier trained on real rows would label them."""

    target_span: tuple[int, PositiveInt] | None = Field(
        None, description="[start, width] of the target's one-hot span in an encoded row (from the DataSpec: set "
        "dataset.params.target; unset = the term does nothing)."
    )
    hidden: list[PositiveInt] = Field([128, 128], description="Widths of the classifier's hidden layers.")
    lr: float = Field(2e-4, gt=0, description="Adam learning rate of the classifier (trained on real rows).")


class MaskedWassersteinConfig(ComponentConfig):
    """Wasserstein critic loss on observed entries only (MaWGAN); plain WGAN without a mask."""


class MaskedGradientPenaltyConfig(ComponentConfig):
    """WGAN-GP on packed, masked interpolates (CTGAN's penalty with MaWGAN's mask)."""

    pac: PositiveInt = Field(1, description="Pack size of the critic (the penalty is per pack).")
    target: float = Field(1.0, ge=0, description="Gradient norm the penalty pulls towards.")
    share: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Share of the batch's packs the penalty is estimated on (the first ones; batches are "
        "random rows), a cheaper, noisier estimate. 1 = every pack, as WGAN-GP and CTGAN.",
    )


class TableDataConfig(ComponentConfig):
    """Options every table dataset shares: encoding, missing values, conditioning, split."""

    missing: MissingHandling = Field(
        "indicator",
        description="indicator: model gaps explicitly; mask: train on observed entries only "
        "(MaWGAN; needs masked-wasserstein); drop: discard incomplete rows.",
    )
    conditional: bool = Field(True, description="Condition on discrete columns (CTGAN's conditional vector).")
    condition_columns: list[str] | None = Field(
        None,
        description="Columns the conditional vector covers: discrete columns by their categories, numeric "
        "columns by their modes (default: every discrete column, and every numeric one with condition_on_modes).",
    )
    condition_on_modes: bool = Field(
        False,
        description="Also condition on the modes (and gaps) of numeric columns, as CTAB-GAN does: "
        "training-by-sampling then shows the critic rare values (a rare year, a long tail) as often as rare "
        "classes, and generated rows keep each column's mode frequencies.",
    )
    training_by_sampling: bool = Field(
        True, description="Resample each batch by condition with log-frequency (CTGAN)."
    )
    target_share: float | Literal["uniform"] = Field(
        0.5,
        description="Share of conditional vectors that name the outcome column (the dataset's target), in "
        "training batches and when generating; the other condition columns share the rest equally. "
        "'uniform': the outcome is one condition column among the others (CTGAN). Without a target: no effect.",
    )
    oversample: int = Field(
        4,
        ge=1,
        le=16,
        description="Generated candidates per row `ganzoo generate` writes when it draws the conditions itself: "
        "the rows kept give every column its training frequencies (ganzoo_traffic.curation). 1: write the "
        "generator's rows as they come.",
    )
    split: Split = Field("train", description="train, val or test rows.")
    val_fraction: float = Field(0.1, ge=0, lt=1, description="Share of rows held out for validation.")
    test_fraction: float = Field(0.2, ge=0, lt=1, description="Share of rows held out for testing.")
    split_seed: int = Field(0, description="Seeds the row split.")
    max_modes: PositiveInt = Field(10, description="Mixture modes per continuous column.")
    max_fit_rows: PositiveInt = Field(20_000, description="Rows used to fit each mixture.")
    constraints: list[str] = Field(
        default_factory=list,
        description="Rules every generated row keeps, e.g. ['yearVeh <= yearacc + 1', 'ageOFocc >= 0']: "
        "a numeric column compared (<=, >=, <, >) with a numeric column or a number, optionally + or - a "
        "number. Every training row must keep them; generated rows that break one are repaired (the left "
        "column moved onto the boundary) and the count is reported.",
    )

    @field_validator("target_share")
    @classmethod
    def _share_in_range(cls, share: float | str) -> float | str:
        if isinstance(share, float) and not 0 <= share <= 1:
            raise ValueError(f"target_share must be between 0 and 1 or 'uniform' (got {share})")
        return share

    @field_validator("constraints")
    @classmethod
    def _rules_parse(cls, rules: list[str]) -> list[str]:
        for rule in rules:
            parse_rule(rule)
        return rules

    @model_validator(mode="after")
    def _fractions(self) -> TableDataConfig:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError("val_fraction + test_fraction must be below 1")
        return self


class AccidentsSimConfig(TableDataConfig):
    """Seeded STATS19-like road-accident simulator (no download), with injectable gaps."""

    n_rows: PositiveInt = Field(10_000, description="Rows simulated (before the split).")
    seed: int = Field(0, description="Simulator seed.")
    missing_rate: float = Field(0.0, ge=0, lt=1, description="Share of entries removed from missing_columns.")
    missingness: Literal["mcar", "mar", "mnar"] = Field("mcar", description="Mechanism of the removed entries.")
    missing_columns: list[str] | None = Field(None, description="Columns that lose entries (default: a STATS19-like set).")

    @field_validator("missing_columns")
    @classmethod
    def _target_keeps_its_values(cls, columns: list[str] | None) -> list[str] | None:
        if columns is not None and "accident_severity" in columns:
            raise ValueError("accident_severity is the target and cannot have gaps")
        return columns


class Stats19Config(TableDataConfig):
    """UK DfT STATS19 collision/accident CSV (old Title_Case or new snake_case schema)."""

    path: Path = Field(description="Collision (accident) CSV file.")
    columns: list[str] | None = Field(None, description="Canonical columns to model (default: a standard set).")


class USAccidentsConfig(TableDataConfig):
    """US Accidents (Moosavi et al., Kaggle, CC BY-NC-SA) CSV."""

    path: Path = Field(description="US_Accidents CSV file (or a sample of it).")
    columns: list[str] | None = Field(None, description="Columns to model (default: a standard set).")


class TableCSVConfig(TableDataConfig):
    """Any CSV table with a declared or inferred schema."""

    path: Path = Field(description="CSV file.")
    columns: list[str] | None = Field(None, description="Columns to model (default: all).")
    categorical: list[str] | None = Field(
        None, description="Categorical columns (default: inferred: text, and whole numbers with few values)."
    )
    kinds: dict[str, Literal["continuous", "integer", "categorical", "boolean", "datetime"]] = Field(
        default_factory=dict, description="Explicit kind per column (overrides inference)."
    )
    required: list[str] = Field(default_factory=list, description="Columns that must have no gaps.")
    target: str | None = Field(None, description="Label column for the augmentation metric.")
    missing_values: list[str] = Field(["", "NA", "N/A", "NaN", "null", "NULL"], description="Tokens read as missing.")
    max_categories: int = Field(
        2,
        ge=0,
        description="Whole-number columns with at most this many distinct values are inferred categorical "
        "(default 2: 0/1 flags); others are integers (a year with six values stays numeric). Declare code "
        "columns in `categorical`.",
    )


class TableFidelityConfig(ComponentConfig):
    """Column-wise tests (KS, chi-squared, Holm), KS/TV complements, pair-trend similarity."""

    alpha: float = Field(0.05, gt=0, lt=1, description="Family-wise significance level (Holm).")
    bins: PositiveInt = Field(10, description="Quantile bins of continuous columns in contingency tables.")


class TableDetectionConfig(ComponentConfig):
    """Real-vs-synthetic detection: cross-validated classifier AUC (0.5 = indistinguishable)."""

    classifier: Literal["logistic", "gradient-boosting"] = "logistic"
    folds: PositiveInt = Field(3, description="Stratified cross-validation folds.")


class TableAugmentationConfig(ComponentConfig):
    """Augmentation test: classifiers trained on real vs real + synthetic, tested on held-out real."""

    target: str | None = Field(None, description="Label column (default: the dataset's target).")
    classifiers: list[Classifier] = Field(
        list(CLASSIFIERS), min_length=1, description="Classifiers trained and scored (all four by default)."
    )
    seeds: PositiveInt = Field(5, description="Repetitions (synthetic subsample and model seeds).")
    ratio: float = Field(1.0, gt=0, description="Synthetic rows per real training row.")
    positive: str | None = Field(None, description="Class whose false-positive rate is reported (default: macro one-vs-rest).")
