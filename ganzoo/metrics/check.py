"""Check an experiment's ``[eval]`` table before anything trains (torch-free).

``ganzoo evaluate`` reads ``[eval]`` only after training, so a misspelt metric name used to
surface hours late. ``ganzoo train`` and ``ganzoo validate`` call [`check_eval_table`][ganzoo.metrics.check.check_eval_table]
first: the table's keys, each metric's name (with a did-you-mean) and its parameters against the
metric's own config, each error naming its dotted path (``eval.metrics.1.params.window_size``).
"""

from __future__ import annotations

from ganzoo.metrics.configs import EvalConfig
from ganzoo.registry.config import ComponentSpec, ExperimentConfig, validate_model
from ganzoo.registry.errors import ConfigError, RegistryConflictError, UnknownComponentError
from ganzoo.registry.registry import Registry


def check_eval_table(config: ExperimentConfig, registry: Registry, *, source: str = "") -> EvalConfig:
    """The validated ``[eval]`` table; a bad key, metric name or metric parameter is a
    [`ConfigError`][ganzoo.registry.errors.ConfigError] naming its path."""
    cfg: EvalConfig = validate_model(EvalConfig, dict(config.eval), prefix="eval", source=source)
    where = f"{source}: " if source else ""
    for i, item in enumerate(cfg.metrics or []):
        spec = item if isinstance(item, ComponentSpec) else ComponentSpec(name=item)
        try:
            entry = registry.get("metric", spec.name)
        except (UnknownComponentError, RegistryConflictError) as err:
            raise ConfigError(f"{where}eval.metrics.{i}: {err}") from None
        assert entry.config is not None
        validate_model(entry.config, spec.params, prefix=f"eval.metrics.{i}.params", source=source)
    return cfg
