"""Turn a raw experiment mapping into built components, checking everything before step one.

Phase one validates the file's structure, phase two each component's parameters against its own
config model; both report the dotted path of the culprit. Then the dataset is built, its
[`DataSpec`][ganzoo.data.spec.DataSpec] fills the parameters the user left unset, and a dry-run batch
checks that generator, discriminator and data fit together, and each loss's ``requires`` is
checked against the data ([`ganzoo.experiment.requirements`][ganzoo.experiment.requirements]) — an incompatibility is reported
with both sides named, before any training starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.engine.directions import check_directions
from ganzoo.experiment.requirements import check_loss_requirements
from ganzoo.registry.config import (
    ComponentSpec,
    ExperimentConfig,
    join_errors,
    validate_into,
    validate_model,
)
from ganzoo.registry.errors import (
    ConfigError,
    DataError,
    IncompatibleComponentsError,
    RegistryConflictError,
    UnknownComponentError,
    describe_error,
)
from ganzoo.registry.protocols import Augmenting
from ganzoo.registry.registry import Entry, Registry

ROLES = ("generator", "discriminator", "dataset")


@dataclass(frozen=True)
class WeightedLoss:
    """A loss term of the experiment with its weight."""

    name: str
    weight: float
    module: Any
    directions: tuple[str, ...] | None = None


@dataclass
class Built:
    """Everything the engine needs, built and checked."""

    config: ExperimentConfig
    dataset: Any
    spec: DataSpec
    generator: nn.Module
    discriminator: nn.Module
    losses: list[WeightedLoss]
    providers: dict[str, tuple[str, str]]
    #: ``{field: value as written}`` of the dataset's path parameters (stored absolute).
    data_paths: dict[str, Any] = field(default_factory=dict)


def validate_experiment(raw: Mapping[str, Any], registry: Registry, *, source: str = "",
                        with_eval: bool = False) -> ExperimentConfig:
    """Both validation phases (without the DataSpec fill), and the ``[eval]`` table with
    ``with_eval`` (what ``ganzoo train`` and ``ganzoo validate`` check before training); returns
    the phase-one model.

    Every error is raised in one [`ConfigError`][ganzoo.registry.errors.ConfigError]: a typo in ``train`` must not hide one
    in ``dataset.params`` or ``[eval]`` until the next attempt. When phase one fails, phase two
    still checks the raw sections that name a component.
    """
    from ganzoo.metrics.check import eval_table_problems

    problems: list[str] = []
    config = validate_into(problems, ExperimentConfig, dict(raw))
    for path, kind, name, params in _component_sections(config, raw):
        try:
            entry = registry.get(kind, name)
        except (UnknownComponentError, RegistryConflictError) as err:
            problems.append(f"{path}.name: {err}")
            continue
        validate_into(problems, entry.config, params, f"{path}.params")
    eval_table = raw.get("eval", {})
    if with_eval and isinstance(eval_table, Mapping):
        problems += eval_table_problems(eval_table, registry)[1]
    if problems:
        raise ConfigError(join_errors(problems, source))
    assert config is not None  # phase one added no problem
    return config


def _component_sections(config: ExperimentConfig | None, raw: Mapping[str, Any]) -> list[tuple[str, str, str, Any]]:
    """``(path, kind, name, params)`` of every component the experiment names: from the validated
    model, or from the raw sections that still name one when phase one failed."""
    if config is not None:
        specs = [(role, role, getattr(config, role)) for role in ROLES]
        specs += [(f"losses.{i}", "loss", loss) for i, loss in enumerate(config.losses)]
        specs += [(f"train.loggers.{i}", "logger", spec) for i, spec in enumerate(config.train.logger_specs())]
        return [(path, kind, spec.name, spec.params) for path, kind, spec in specs]
    losses = raw.get("losses")
    sections = [(role, role, raw.get(role)) for role in ROLES]
    sections += [(f"losses.{i}", "loss", loss) for i, loss in enumerate(losses)] if isinstance(losses, list) else []
    return [(path, kind, section["name"], section.get("params", {})) for path, kind, section in sections
            if isinstance(section, Mapping) and isinstance(section.get("name"), str)]


def build_experiment(raw: Mapping[str, Any], registry: Registry, *, source: str = "") -> Built:
    """Validate, build the dataset, fill parameters from its DataSpec, build and check the rest."""
    from ganzoo.experiment.paths import absolute_paths

    config = validate_experiment(raw, registry, source=source)
    dataset_params, data_paths = absolute_paths(registry.get("dataset", config.dataset.name).config,
                                                config.dataset.params)
    dataset = build_component(registry, "dataset", config.dataset.name, dataset_params)
    spec = dataset.describe()
    if len(dataset) == 0:
        raise DataError(f"dataset {config.dataset.name!r} is empty")

    resolved: dict[str, dict[str, Any]] = {}
    providers: dict[str, tuple[str, str]] = {}
    for role in ROLES:
        component: ComponentSpec = getattr(config, role)
        entry = registry.get(role, component.name)
        params = dataset_params if role == "dataset" else fill_params(entry, component.params, spec)
        model = validate_model(entry.config, params, prefix=f"{role}.params", source=source)
        resolved[role] = {"name": component.name, "params": model.model_dump(mode="json")}
        providers[role] = (entry.provider, entry.version)

    generator = build_component(registry, "generator", config.generator.name, resolved["generator"]["params"])
    discriminator = build_component(
        registry, "discriminator", config.discriminator.name, resolved["discriminator"]["params"]
    )
    losses = []
    resolved_losses = []
    for loss in config.losses:
        entry = registry.get("loss", loss.name)
        filled = fill_params(entry, loss.params, spec)  # e.g. a table's target span for its classifier
        module = build_component(registry, "loss", loss.name, filled)
        directions = tuple(loss.directions) if loss.directions is not None else None
        losses.append(WeightedLoss(loss.name, loss.weight, module, directions))
        params = validate_model(entry.config, filled).model_dump(mode="json")
        resolved_loss: dict[str, Any] = {"name": loss.name, "weight": loss.weight, "params": params}
        if directions is not None:
            resolved_loss["directions"] = list(directions)
        resolved_losses.append(resolved_loss)
        providers.setdefault(f"loss:{loss.name}", (entry.provider, entry.version))

    full = config.model_dump(mode="json")
    full.update(resolved)
    full["losses"] = resolved_losses
    config = ExperimentConfig.model_validate(full)
    check_directions(generator, discriminator, (config.generator.name, config.discriminator.name), spec,
                     [loss.directions for loss in losses])
    check_combination(config, dataset, spec, generator, discriminator)
    check_loss_requirements([(term.name, term.module) for term in losses], spec, set(dataset[0]),
                            config.dataset.name)
    return Built(config, dataset, spec, generator, discriminator, losses, providers, data_paths)


def fill_params(entry: Entry, params: Mapping[str, Any], spec: DataSpec) -> dict[str, Any]:
    """``params`` plus the DataSpec-derived values of fields the user left unset."""
    assert entry.config is not None
    fields = entry.config.model_fields
    filled = dict(params)
    for key, value in spec.component_defaults(entry.kind).items():
        if key in fields and key not in params:
            filled[key] = value
    return filled


def build_component(registry: Registry, kind: str, name: str, params: Mapping[str, Any]) -> Any:
    """Create one component from a (resolved) spec."""
    return registry.create(kind, name, **dict(params))


def resolved_dict(config: ExperimentConfig) -> dict[str, Any]:
    """The experiment as plain JSON/TOML data (``None`` values dropped: TOML has no null).

    Dropping is safe because a field that accepts ``None`` defaults to ``None`` or maps ``None``
    to a storable value in a validator (a rule test checks every registered component), so a
    dropped ``None`` reads back as ``None``.
    """
    return _drop_none(config.model_dump(mode="json"))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def check_combination(
    config: ExperimentConfig, dataset: Any, spec: DataSpec, generator: nn.Module, discriminator: nn.Module
) -> None:
    """Dry-run two samples through G and D (eval mode, no grad, state untouched)."""
    g_name = f"generator {config.generator.name!r}"
    d_name = f"discriminator {config.discriminator.name!r}"
    data_name = f"dataset {config.dataset.name!r}"
    g_params, d_params = config.generator.params, config.discriminator.params
    if spec.condition == "label":
        for who, params in ((g_name, g_params), (d_name, d_params)):
            if params.get("condition_dim", None) == 0 or "condition_dim" not in params:
                raise IncompatibleComponentsError(
                    f"{data_name} is label-conditional ({spec.condition_dim} labels) but {who} "
                    "takes no labels (no condition_dim)"
                )
    if spec.condition in ("paired", "unpaired") and "in_channels" not in g_params:
        raise IncompatibleComponentsError(
            f"{data_name} gives {spec.condition} source images but {g_name} does not translate a source "
            "(it has no in_channels); use an image-to-image generator such as 'unet', 'resnet' or 'cyclegan'"
        )
    samples = [dataset[i] for i in range(min(2, len(dataset)))]
    batch = {key: torch.stack([s[key] for s in samples]) for key in samples[0]}
    if isinstance(dataset, Augmenting):  # e.g. pix2pix jitter: load 286, crop to 256
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            batch = dataset.augment(batch)
    x, cond = batch[SAMPLE_KEY], batch.get(CONDITION_KEY)
    if tuple(x.shape[1:]) != spec.shape:
        raise DataError(f"{data_name} yields samples of shape {tuple(x.shape[1:])} but describes {spec.shape}")
    modes = (generator.training, discriminator.training)
    generator.eval()
    discriminator.eval()
    # the discriminator never sees an unpaired source (see ganzoo.engine.directions)
    d_cond = None if spec.condition == "unpaired" else cond
    # (direction, source, target, what D sees beside a sample, target shape, source shape, D judges it)
    views = [(None, cond, x, d_cond, spec.shape, spec.condition_shape, True)]
    g_directions = getattr(generator, "directions", ())
    if len(g_directions) == 2 and cond is not None:  # the reverse direction: x -> cond
        reverse = g_directions[1]
        judged = reverse in getattr(discriminator, "directions", ())  # else only first-direction terms judge
        views.append((reverse, x, cond, None if d_cond is None else x, spec.condition_shape, spec.shape, judged))
    try:
        with torch.no_grad():
            for direction, source, target, seen, shape, source_shape, judged in views:
                extra = () if direction is None else (direction,)
                what = "" if direction is None else f" in direction {direction!r}"
                try:
                    fake = generator(generator.sample_latent(len(x)), source, *extra)
                except Exception as err:
                    raise IncompatibleComponentsError(
                        f"{g_name} cannot generate{what} for {data_name} (condition {spec.condition!r}, "
                        f"source shape {source_shape}): {describe_error(err)}"
                    ) from None
                if tuple(fake.shape[1:]) != shape:
                    raise IncompatibleComponentsError(
                        f"{g_name} produces samples of shape {tuple(fake.shape[1:])}{what} but {data_name} "
                        f"has samples of shape {shape} there"
                    )
                if not judged:
                    continue
                for kind, tensor in (("real", target), ("generated", fake)):
                    try:
                        logits = discriminator(tensor, seen, *extra)
                    except Exception as err:
                        raise IncompatibleComponentsError(
                            f"{d_name} cannot score {kind} samples{what} of {data_name} (shape {shape}, "
                            f"condition {spec.condition!r}): {describe_error(err)}"
                        ) from None
                    if logits.shape[0] != len(x):
                        raise IncompatibleComponentsError(
                            f"{d_name} returned {logits.shape[0]} scores for a batch of {len(x)}"
                        )
    finally:
        generator.train(modes[0])
        discriminator.train(modes[1])
