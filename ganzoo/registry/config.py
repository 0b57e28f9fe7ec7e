"""Pydantic models for component parameters and experiment files.

An experiment file is validated in two phases. Phase one checks the file's own structure
(:class:`ExperimentConfig`: which tables exist, the ``[train]`` options). Phase two looks up each
``{name, params}`` spec in the live registry and validates ``params`` against that component's
own config model. Errors from both phases carry the dotted path of the offending key
(``generator.params.latent_dim``), so a typo is reported where it was made.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, model_validator

from ganzoo.data.augment_options import AugmentConfig
from ganzoo.registry.errors import ConfigError, did_you_mean


class ComponentConfig(BaseModel):
    """Base class of every component's parameters: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ComponentSpec(BaseModel):
    """``{name, params}`` as written in an experiment file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Registered component name, or provider:name.")
    params: dict[str, Any] = Field(default_factory=dict, description="Component parameters.")


class LossSpec(ComponentSpec):
    """One ``[[losses]]`` entry: a loss component and its weight in the objectives."""

    weight: float = Field(1.0, description="Multiplier applied to the term in D and G objectives.")


class OptimizerConfig(BaseModel):
    """Optimiser settings for one network; unset fields fall back to ``[train]``'s."""

    model_config = ConfigDict(extra="forbid")

    name: Literal["adam", "adamw", "rmsprop", "sgd"] | None = None
    lr: float | None = Field(None, gt=0)
    betas: tuple[float, float] | None = None
    weight_decay: float | None = Field(None, ge=0)


class ScheduleConfig(BaseModel):
    """Learning-rate schedule shared by both optimisers.

    ``linear-decay`` is pix2pix's policy: constant for ``constant`` units, then linear decay
    to zero over ``decay`` units, where a unit is a step, or an epoch when ``unit = "epoch"``
    (pix2pix: 100 + 100 epochs).
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["constant", "linear-decay"] = "constant"
    unit: Literal["step", "epoch"] = "step"
    constant: int = Field(0, ge=0)
    decay: int = Field(0, ge=0)


class EMAConfig(BaseModel):
    """Exponential moving average of the generator weights (used for sampling)."""

    model_config = ConfigDict(extra="forbid")

    decay: float = Field(0.999, gt=0, lt=1)
    start_step: int = Field(0, ge=0)


class TrainConfig(BaseModel):
    """The ``[train]`` table: how the engine trains the chosen components."""

    model_config = ConfigDict(extra="forbid")

    steps: PositiveInt | None = Field(None, description="Number of training steps (G updates).")
    epochs: PositiveInt | None = Field(None, description="Alternative to steps: passes over the data.")
    batch_size: PositiveInt = Field(64, description="Samples per batch (per process under DDP).")
    optimizer: Literal["adam", "adamw", "rmsprop", "sgd"] = Field("adam", description="Optimiser of both networks.")
    lr: float = Field(2e-4, gt=0, description="Learning rate of both networks (DCGAN/pix2pix: 2e-4).")
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam/AdamW betas (DCGAN/pix2pix: 0.5, 0.999).")
    weight_decay: float = Field(0.0, ge=0, description="Weight decay of both networks.")
    generator_optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig, description="Per-network overrides for G.")
    discriminator_optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig, description="Per-network overrides for D.")
    n_critic: PositiveInt = Field(1, description="Discriminator updates per generator update.")
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig, description="Learning-rate schedule.")
    ema: EMAConfig | None = Field(None, description="Generator EMA (off when absent).")
    augment: AugmentConfig | None = Field(
        None, description="DiffAugment or ADA on every image the discriminator scores (off when absent)."
    )
    precision: Literal["fp32", "bf16", "fp16"] = Field(
        "fp32", description="Autocast precision; fp16 uses one gradient scaler per optimiser."
    )
    channels_last: bool = Field(
        False, description="Channels-last memory format for images (4-D weights and batches only)."
    )
    compile: bool = Field(False, description="torch.compile G and D (eager fallback on failure).")
    fused_optimizer: bool = Field(False, description="Fused optimiser kernels where supported.")
    cuda_graphs: bool = Field(
        False, description="CUDA graphs for G and D (torch.compile mode reduce-overhead); one CUDA device only."
    )
    sync_batchnorm: bool = Field(False, description="SyncBatchNorm across torchrun processes (CUDA only).")
    grad_clip: float | None = Field(None, gt=0, description="Clip gradient norm of each network.")
    seed: int = Field(0, description="Seed of every random choice of the run.")
    deterministic: bool = Field(False, description="Deterministic algorithms (bit-exact resume on CPU).")
    device: str = Field("auto", description="auto, cpu, cuda, cuda:N, mps.")
    threads: PositiveInt | None = Field(
        None,
        description="CPU threads for torch (default: torch's choice); 1 is fastest for small "
        "models on a busy machine.",
    )
    num_workers: int = Field(0, ge=0, description="DataLoader worker processes; 0 loads batches in the training process.")
    log_every: PositiveInt = Field(50, description="Steps between metrics.jsonl lines.")
    sample_every: int = Field(0, ge=0, description="Steps between sample grids; 0 = each epoch.")
    checkpoint_every: int = Field(0, ge=0, description="Steps between checkpoints; 0 = end only.")
    keep_checkpoints: PositiveInt = Field(3, description="Keep the last k checkpoints.")
    eval_every: int = Field(0, ge=0, description="Steps between validation; 0 = never.")
    progress: bool = Field(True, description="Show a progress bar (plain lines when not a terminal).")

    @model_validator(mode="after")
    def _steps_or_epochs(self) -> TrainConfig:
        if self.steps is not None and self.epochs is not None:
            raise ValueError("give either steps or epochs, not both")
        if self.steps is None and self.epochs is None:
            self.steps = 1000
        return self


class ExperimentConfig(BaseModel):
    """A whole experiment file (phase-one validation; params are checked in phase two)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="Run name; defaults to the file name.")
    generator: ComponentSpec
    discriminator: ComponentSpec
    dataset: ComponentSpec
    losses: list[LossSpec] = Field(min_length=1)
    train: TrainConfig = Field(default_factory=TrainConfig)
    eval: dict[str, Any] = Field(default_factory=dict, description="Options for ganzoo evaluate.")


def format_validation_error(
    err: ValidationError, prefix: str = "", source: str = "", model: type[BaseModel] | None = None
) -> str:
    """One line naming the dotted path of the most telling error (and how many others there are).

    An unknown key is reported before anything else, because a misspelt key is usually also the
    reason a required one is "missing"; it comes with a did-you-mean from the fields of the
    table it was found in.
    """
    errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = ".".join(str(p) for p in (prefix.split(".") if prefix else []) + list(first["loc"]))
    where = f"{source}: " if source else ""
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        candidates = _field_names(model, first["loc"][:-1]) or [
            str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"][:-1] == first["loc"][:-1]
        ]
        message = "unknown key" + did_you_mean(str(first["loc"][-1]), candidates)
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{where}{loc or '<root>'}: {message}{tail}"


def _field_names(model: Any, path: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model found at ``path``, or [] when it cannot be followed."""
    for part in path:
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return []
        model = _model_in(model.model_fields[part].annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside ``X``, ``X | None`` or ``list[X]`` annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def validate_model(model: type[BaseModel], data: Any, prefix: str = "", source: str = "") -> Any:
    """``model.model_validate(data)`` with errors turned into a one-line :class:`ConfigError`."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, prefix, source, model)) from None
