"""Check an experiment's ``[eval]`` table before anything trains (torch-free).

``ganzoo evaluate`` reads ``[eval]`` only after training, so a misspelt metric name used to
surface hours late. ``ganzoo train`` and ``ganzoo validate`` check it first, with the rest of the
experiment ([`eval_table_problems`][ganzoo.metrics.check.eval_table_problems]): the table's keys, each metric's name (with a
did-you-mean) and its parameters against the metric's own config, each error naming its dotted
path (``eval.metrics.1.params.window_size``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ganzoo.metrics.configs import EvalConfig
from ganzoo.registry.config import (
    ComponentSpec,
    ExperimentConfig,
    join_errors,
    validate_into,
)
from ganzoo.registry.errors import ConfigError, RegistryConflictError, UnknownComponentError
from ganzoo.registry.registry import Registry


def check_eval_table(config: ExperimentConfig, registry: Registry, *, source: str = "") -> EvalConfig:
    """The validated ``[eval]`` table; a bad key, metric name or metric parameter is a
    [`ConfigError`][ganzoo.registry.errors.ConfigError] naming its path (all of them on one line)."""
    cfg, problems = eval_table_problems(config.eval, registry)
    if problems:
        raise ConfigError(join_errors(problems, source))
    assert cfg is not None
    return cfg


def eval_table_problems(table: Mapping[str, Any], registry: Registry) -> tuple[EvalConfig | None, list[str]]:
    """The validated ``[eval]`` table (``None`` when its own keys are wrong) and every error in it,
    as ``dotted.path: message`` lines for [`validate_experiment`][ganzoo.experiment.build.validate_experiment] to report with the rest.
    The metrics are checked even when another key of the table is wrong."""
    problems: list[str] = []
    cfg = validate_into(problems, EvalConfig, dict(table), "eval")
    for i, spec in _metric_specs(table.get("metrics")):
        try:
            entry = registry.get("metric", spec.name)
        except (UnknownComponentError, RegistryConflictError) as err:
            problems.append(f"eval.metrics.{i}: {err}")
            continue
        assert entry.config is not None
        validate_into(problems, entry.config, spec.params, f"eval.metrics.{i}.params")
    return cfg, problems


def _metric_specs(items: Any) -> list[tuple[int, ComponentSpec]]:
    """``(index, spec)`` of the entries of ``metrics`` that name a metric (a name, or a table with
    ``name`` and ``params``); malformed ones are the table's own errors."""
    specs = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            specs.append((i, ComponentSpec(name=item) if isinstance(item, str) else ComponentSpec.model_validate(item)))
        except ValidationError:
            continue
    return specs
