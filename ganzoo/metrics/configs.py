"""Parameters of the built-in metrics and of the ``[eval]`` table (pydantic only, no torch).

Kept import-cheap because [`ganzoo.components.builtin`][ganzoo.components.builtin] registers the metrics with these
models, and ``ganzoo list`` must not import torch.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from ganzoo.registry.config import ComponentConfig, ComponentSpec, Seed


class PairedImageConfig(ComponentConfig):
    """Paired L1, PSNR and SSIM of generated vs. true target images (per pair, then mean and sd)."""

    window_size: int = Field(11, description="SSIM Gaussian window size (odd; shrunk for tiny images).")

    @field_validator("window_size")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value < 3 or value % 2 == 0:
            raise ValueError(f"must be an odd number >= 3, got {value}")
        return value


class FidelityConfig(ComponentConfig):
    """Shared options of the torch-fidelity metrics."""

    feature_extractor: str | None = Field(
        None,
        description="inception-v3-compat (needs Inception weights) or a ganzoo extractor such as "
        "ganzoo-test-random-conv; default: [eval] feature_extractor, else inception-v3-compat.",
    )


class FIDConfig(FidelityConfig):
    """Frechet Inception Distance between held-out real and generated images (torch-fidelity)."""


class KIDConfig(FidelityConfig):
    """Kernel Inception Distance between held-out real and generated images (torch-fidelity)."""


class InceptionScoreConfig(FidelityConfig):
    """Inception Score of the generated images (torch-fidelity)."""


class PrecisionRecallConfig(FidelityConfig):
    """Improved precision and recall of generated vs. real images (torch-fidelity)."""


class PrivacyConfig(ComponentConfig):
    """Options the privacy metrics share (see [`ganzoo.metrics.privacy`][ganzoo.metrics.privacy])."""

    max_train: PositiveInt | None = Field(
        None,
        description="Training samples compared with (a seeded random subset when there are more: copies of "
        "the others look like unseen samples); default: 1,000 for images (each needs a feature pass), "
        "100,000 for series, 50,000 for tables.",
    )
    max_holdout: PositiveInt | None = Field(
        None,
        description="Held-out samples compared with (a seeded random subset when there are more); default: "
        "max_train, so that both sides of the share are alike in size. Not [eval] n_samples, which sizes the "
        "fidelity metrics: a few hundred held-out samples leave the DCR share an sd of 0.05-0.1.",
    )
    n_synthetic: PositiveInt | None = Field(
        None,
        description="Generated samples (the release an attacker sees); default: as many as training "
        "samples are compared with. Paired models translate held-out sources, one sample each.",
    )
    feature_extractor: str | None = Field(
        None,
        description="Image features the distances are measured in: a fidelity-metric extractor; default: "
        "[eval] feature_extractor, else inception-v3-compat when Inception weights are available, else "
        "ganzoo-test-random-conv.",
    )


class DCRConfig(PrivacyConfig):
    """Distance to closest record: the share of generated samples nearer to training than to held-out data (0.5 is ideal)."""


class TrainingCopiesConfig(PrivacyConfig):
    """Exact and near copies of training samples among the generated ones, against the held-out rate."""

    near_quantile: float = Field(
        0.05,
        gt=0,
        lt=0.5,
        description="Near-copy threshold: this quantile of the held-out samples' distances to their closest training sample.",
    )


class MembershipInferenceConfig(PrivacyConfig):
    """AUC of a distance-to-synthetic attack telling training members from held-out samples (0.5 is ideal)."""


class EvalConfig(BaseModel):
    """The experiment's ``[eval]`` table: what ``ganzoo evaluate`` and in-training validation run.

    ``metrics`` entries are metric names or ``{name, params}`` tables; when unset, a default per
    modality and condition is used (paired images: paired L1/PSNR/SSIM; images: FID and KID
    when Inception weights are given) plus plugin metrics that declare they apply.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    metrics: list[str | ComponentSpec] | None = Field(None, description="Metrics to compute.")
    n_samples: PositiveInt = Field(
        1000, description="Real and generated samples of the fidelity metrics in `ganzoo evaluate` (the privacy "
        "metrics size their sets with their own max_train and max_holdout)."
    )
    n_samples_during_training: PositiveInt = Field(
        64, description="Samples per validation during training (train.eval_every)."
    )
    batch_size: PositiveInt = Field(32, description="Generation and feature-extraction batch size.")
    seed: Seed = Field(0, description="Seed of the real-subset choice and of generation.")
    split: str | None = Field(
        None, description="Held-out split of the dataset, or held-out splits pooled with '+' ('val+test'); default: "
        "val, then test, else the training data."
    )
    inception_weights: Path | None = Field(
        None,
        description="Safetensors file of torch-fidelity's Inception weights (FID/KID/IS/PR); default: "
        "the ones `ganzoo weights fetch inception` cached.",
    )
    feature_extractor: str | None = Field(None, description="Feature extractor of the fidelity metrics.")
    device: str | None = Field(None, description="Evaluation device; default: the run's train.device.")
