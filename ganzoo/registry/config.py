"""Pydantic models for component parameters and experiment files.

An experiment file is validated in two phases. Phase one checks the file's own structure
([`ExperimentConfig`][ganzoo.registry.config.ExperimentConfig]: which tables exist, the ``[train]`` options). Phase two looks up each
``{name, params}`` spec in the live registry and validates ``params`` against that component's
own config model. Errors from both phases carry the dotted path of the offending key
(``generator.params.latent_dim``), so a typo is reported where it was made.

No number in an experiment may be NaN or infinite (TOML can write ``nan`` and ``inf``): every
model here, and every component config, refuses them (``allow_inf_nan=False``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from ganzoo.data.augment_options import AugmentConfig
from ganzoo.registry.errors import ConfigError, did_you_mean

#: A seed torch's generators accept (a 64-bit integer, signed or not).
Seed = Annotated[int, Field(ge=-(2**63), le=2**64 - 1)]

#: An Adam/AdamW beta: a decay rate in [0, 1) (torch refuses others only when the optimiser is built).
Beta = Annotated[float, Field(ge=0, lt=1)]

#: Largest loss weight: far above any published one (pix2pix's L1 weighs 100), far below what
#: turns a float32 loss into infinity.
MAX_LOSS_WEIGHT = 1e6


class ComponentConfig(BaseModel):
    """Base class of every component's parameters: unknown keys are errors, instances are frozen.

    A component declares each parameter once, here, with its type, bounds, default and
    description (``ganzoo show`` and the catalogue print them); its constructor takes the
    validated config object and nothing else. Checks that involve several fields belong in
    validators, so ``ganzoo validate`` catches them before training.

    Examples:
        >>> from pydantic import Field
        >>> from ganzoo.plugin import ComponentConfig
        >>> class TinyGeneratorConfig(ComponentConfig):
        ...     '''A two-layer MLP generator.'''
        ...     latent_dim: int = Field(16, gt=0, description="Noise dimension.")
        ...     out_features: int = Field(2, gt=0, description="Row width (filled from the DataSpec).")
        >>> TinyGeneratorConfig(latent_dim=8)
        TinyGeneratorConfig(latent_dim=8, out_features=2)

        The component takes the validated object:

        ```python
        class TinyGenerator(torch.nn.Module):
            def __init__(self, config: TinyGeneratorConfig) -> None:
                super().__init__()
                self.latent_dim = config.latent_dim
                self.net = torch.nn.Sequential(torch.nn.Linear(config.latent_dim, 64), torch.nn.ReLU(),
                                               torch.nn.Linear(64, config.out_features))
        ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ComponentSpec(BaseModel):
    """``{name, params}`` as written in an experiment file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(description="Registered component name, or provider:name.")
    params: dict[str, Any] = Field(default_factory=dict, description="Component parameters.")


class LossSpec(ComponentSpec):
    """One ``[[losses]]`` entry: a loss component and its weight in the objectives."""

    weight: float = Field(
        1.0, ge=0, le=MAX_LOSS_WEIGHT,
        description="Multiplier applied to the term in D and G objectives (0 switches the term off).",
    )
    directions: list[str] | None = Field(
        None, description="For a two-way generator (cyclegan): the directions the term trains; default: all."
    )


class OptimizerConfig(BaseModel):
    """Optimiser settings for one network; unset fields fall back to ``[train]``'s."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: Literal["adam", "adamw", "rmsprop", "sgd"] | None = None
    lr: float | None = Field(None, gt=0)
    betas: tuple[Beta, Beta] | None = None
    weight_decay: float | None = Field(None, ge=0)


class ScheduleConfig(BaseModel):
    """Learning-rate schedule shared by both optimisers.

    ``linear-decay`` is pix2pix's policy: constant for ``constant`` units, then linear decay
    to zero over ``decay`` units, where a unit is a step, or an epoch when ``unit = "epoch"``
    (pix2pix: 100 + 100 epochs).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    kind: Literal["constant", "linear-decay"] = "constant"
    unit: Literal["step", "epoch"] = "step"
    constant: int = Field(0, ge=0)
    decay: int = Field(0, ge=0)


class EMAConfig(BaseModel):
    """Exponential moving average of the generator weights (used for sampling)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    decay: float = Field(0.999, gt=0, lt=1)
    start_step: int = Field(0, ge=0)


#: Keys of the ``train`` records (logged every ``log_every`` steps) a tracked metric may name
#: besides the loss terms (``loss/...``); any other name is an in-training evaluation result.
TRAIN_RECORD_KEYS = frozenset({"lr/g", "lr/d", "it_s", "samples_s"})


class TrackedMetricConfig(BaseModel):
    """A metric that training watches: an in-training evaluation result or a logged loss."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(
        description="An in-training evaluation result (train.eval_every), e.g. fid or l1, or a logged "
        "value such as loss/g (observed every log_every steps)."
    )
    mode: Literal["min", "max"] = Field("min", description="Whether lower (min) or higher (max) is better.")
    min_delta: float = Field(0.0, ge=0, description="Smallest change that counts as an improvement.")

    @property
    def from_evaluation(self) -> bool:
        """True when the metric comes from in-training evaluation, not from the train records."""
        return not (self.metric.startswith("loss/") or self.metric in TRAIN_RECORD_KEYS)


class EarlyStopConfig(TrackedMetricConfig):
    """Stop training when the watched metric has not improved for ``patience`` observations."""

    metric: str | None = Field(  # type: ignore[assignment]
        None, description="The metric to watch; default: train.keep_best's metric."
    )
    patience: PositiveInt = Field(
        description="Observations of the metric (evaluations, or log steps for logged values) without improvement."
    )


class TrainConfig(BaseModel):
    """The ``[train]`` table: how the engine trains the chosen components."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    steps: PositiveInt | None = Field(None, description="Number of training steps (G updates).")
    epochs: PositiveInt | None = Field(None, description="Alternative to steps: passes over the data.")
    min_epochs: PositiveInt | None = Field(
        None, description="With steps: train at least this many passes over the data, so that a step count "
        "chosen on small data does not under-train a large data set (the run trains the larger of the two)."
    )
    batch_size: PositiveInt = Field(64, description="Samples per batch (per process under DDP).")
    optimizer: Literal["adam", "adamw", "rmsprop", "sgd"] = Field("adam", description="Optimiser of both networks.")
    lr: float = Field(2e-4, gt=0, description="Learning rate of both networks (DCGAN/pix2pix: 2e-4).")
    betas: tuple[Beta, Beta] = Field((0.5, 0.999), description="Adam/AdamW betas (DCGAN/pix2pix: 0.5, 0.999).")
    weight_decay: float = Field(0.0, ge=0, description="Weight decay of both networks.")
    generator_optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig, description="Per-network overrides for G.")
    discriminator_optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig, description="Per-network overrides for D.")
    n_critic: PositiveInt = Field(1, description="Discriminator updates per generator update.")
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig, description="Learning-rate schedule.")
    ema: EMAConfig | None = Field(None, description="Generator EMA (off when absent or false).")
    augment: AugmentConfig | None = Field(
        None, description="DiffAugment or ADA on every image the discriminator scores (off when absent or false)."
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
    fake_pool: int = Field(
        0, ge=0, description="Pool of earlier fakes the discriminator also sees (CycleGAN: 50); 0 = off."
    )
    update_order: Literal["discriminator-first", "generator-first"] = Field(
        "discriminator-first",
        description="discriminator-first: D update, then G against the new D (DCGAN, pix2pix); generator-first: "
        "G update, then D on the same fakes (CycleGAN's loop; needs n_critic = 1).",
    )
    nonfinite: Literal["stop", "skip"] = Field(
        "stop",
        description="On NaN/Inf: 'stop' the run (the last finite checkpoint is kept, exit status 3) or "
        "'skip' updates whose objective or gradients are not finite.",
    )
    seed: Seed = Field(0, description="Seed of every random choice of the run.")
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
    loggers: list[str | ComponentSpec] = Field(
        default_factory=list,
        description='Experiment trackers (ganzoo list loggers): names or {name, params} tables, e.g. ["tensorboard"].',
    )

    keep_best: TrackedMetricConfig | None = Field(
        None,
        description='Keep the checkpoint with the best value of a metric, e.g. {metric = "fid"}: never pruned, '
        "named by checkpoints/best.",
    )
    early_stop: EarlyStopConfig | None = Field(
        None, description="Stop when a metric stops improving, e.g. {patience = 5} (keep_best's metric)."
    )

    @field_validator("ema", "augment", "keep_best", "early_stop", mode="before")
    @classmethod
    def _false_is_off(cls, value: Any) -> Any:
        """``false`` switches an optional table off: TOML has no null, so this is how
        ``--set train.ema=false`` undoes a preset's ``ema = {...}``."""
        return None if value is False else value

    @model_validator(mode="after")
    def _tracked_metrics(self) -> TrainConfig:
        if self.early_stop is not None and self.early_stop.metric is None:
            if self.keep_best is None:
                raise ValueError("early_stop.metric: give the metric to watch (or set train.keep_best)")
            self.early_stop.metric = self.keep_best.metric
            for inherited in ("mode", "min_delta"):  # the same metric is better the same way
                if inherited not in self.early_stop.model_fields_set:
                    setattr(self.early_stop, inherited, getattr(self.keep_best, inherited))
        for key, tracked in (("keep_best", self.keep_best), ("early_stop", self.early_stop)):
            if tracked is not None and tracked.from_evaluation and not self.eval_every:
                raise ValueError(
                    f"{key}.metric: {tracked.metric!r} is an evaluation result, but train.eval_every is 0 "
                    "(no in-training evaluation); set train.eval_every, or watch a logged value such as loss/g"
                )
        return self

    def logger_specs(self) -> list[ComponentSpec]:
        """``loggers`` with every plain name turned into a ``{name, params}`` spec."""
        return [item if isinstance(item, ComponentSpec) else ComponentSpec(name=item) for item in self.loggers]

    @model_validator(mode="after")
    def _steps_or_epochs(self) -> TrainConfig:
        if self.steps is not None and self.epochs is not None:
            raise ValueError("give either steps or epochs, not both")
        if self.steps is None and self.epochs is None:
            self.steps = 1000
        if self.min_epochs is not None and self.epochs is not None:
            raise ValueError("min_epochs goes with steps; epochs already counts passes over the data")
        if self.update_order == "generator-first" and self.n_critic != 1:
            raise ValueError("update_order 'generator-first' trains D once per step; set n_critic = 1")
        return self


class ExperimentConfig(BaseModel):
    """A whole experiment file (phase-one validation; params are checked in phase two)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str | None = Field(None, description="Run name; defaults to the file name.")
    generator: ComponentSpec
    discriminator: ComponentSpec
    dataset: ComponentSpec
    losses: list[LossSpec] = Field(min_length=1)
    train: TrainConfig = Field(default_factory=TrainConfig)
    eval: dict[str, Any] = Field(default_factory=dict, description="Options for ganzoo evaluate.")

    @field_validator("losses")
    @classmethod
    def _something_is_trained(cls, losses: list[LossSpec]) -> list[LossSpec]:
        if losses and all(loss.weight == 0 for loss in losses):
            raise ValueError("every loss weight is 0, so nothing would be trained")
        return losses


def format_validation_error(
    err: ValidationError, prefix: str = "", source: str = "", model: type[BaseModel] | None = None
) -> str:
    """Every error of ``err`` on one line: ``source: path: msg; also path: msg (2 errors)``."""
    return join_errors(validation_error_lines(err, prefix, model), source)


def validation_error_lines(err: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> list[str]:
    """``dotted.path: message`` for each error of ``err``, the most telling first.

    An unknown key is reported before anything else, because a misspelt key is usually also the
    reason a required one is "missing"; it comes with a did-you-mean from the fields of the
    table it was found in.
    """
    errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    return [_error_line(e, errors, prefix, model) for e in errors]


def join_errors(parts: list[str], source: str = "") -> str:
    """Several errors as one line, so a user fixing a config sees all of them at once instead of
    one per attempt, and the CLI's errors stay one line each."""
    where = f"{source}: " if source else ""
    count = f" ({len(parts)} errors)" if len(parts) > 1 else ""
    return f"{where}{'; also '.join(parts)}{count}"


def _error_line(error: Any, errors: list[Any], prefix: str, model: type[BaseModel] | None) -> str:
    """``dotted.path: message`` for one pydantic error (unknown keys with a did-you-mean)."""
    loc = ".".join(_key_text(p) for p in (prefix.split(".") if prefix else []) + list(error["loc"]))
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        candidates = _field_names(model, error["loc"][:-1]) or [
            str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"][:-1] == error["loc"][:-1]
        ]
        message = "unknown key" + did_you_mean(str(error["loc"][-1]), candidates)
    return f"{loc or '<root>'}: {message}"


def _key_text(part: Any) -> str:
    """A key of the dotted path as written, or quoted when it holds line breaks or other
    unprintable characters (the message stays one line)."""
    text = str(part)
    return text if text.isprintable() else repr(text)


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
    """``model.model_validate(data)`` with errors turned into a one-line [`ConfigError`][ganzoo.registry.errors.ConfigError]."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, prefix, source, model)) from None


def validate_into(problems: list[str], model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    """``model.model_validate(data)``, or ``None`` with its errors appended to ``problems`` as
    ``dotted.path: message`` lines: for checks that report every error at once ([`join_errors`][ganzoo.registry.config.join_errors])."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems.extend(validation_error_lines(err, prefix, model))
        return None
