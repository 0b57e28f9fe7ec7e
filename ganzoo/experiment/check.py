"""``ganzoo validate``: everything ``ganzoo train`` checks before step 1, without training.

The same steps as a training start, in the same order and with the same errors: the file's
structure and each component's parameters, the ``[eval]`` table (metric names and parameters),
the dataset built and its DataSpec filling the parameters left unset, the dry-run of two samples
through the generator and the discriminator, then the engine's own checks (device and its
options, optimisers, batch size against the dataset size). Nothing is written and no run
directory is created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.data.spec import DataSpec
from ganzoo.metrics.configs import EvalConfig
from ganzoo.registry.config import ExperimentConfig

if TYPE_CHECKING:
    from ganzoo.registry.registry import Registry


@dataclass
class CheckedExperiment:
    """What a successful check found out.

    Attributes:
        source: the experiment file, ``preset:NAME`` or ``<experiment>``.
        config: the resolved experiment (parameters filled from the data, defaults written out).
        spec: the dataset's DataSpec.
        samples: number of training samples.
        filled: ``{"generator.params.in_channels": 3, ...}``: the values taken from the DataSpec.
        eval: the validated ``[eval]`` table.
        device: the device training would use.
        total_steps: steps the run would train.
        batches_per_epoch: global batches in one pass over the data.
        losses: ``(name, weight)`` of each loss term.
    """

    source: str
    config: ExperimentConfig
    spec: DataSpec
    samples: int
    filled: dict[str, Any]
    eval: EvalConfig
    device: str
    total_steps: int
    batches_per_epoch: int
    losses: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON data for ``ganzoo validate --json``."""
        from ganzoo.experiment.build import resolved_dict

        return {
            "ok": True,
            "source": self.source,
            "samples": self.samples,
            "data_spec": self.spec.to_dict(),
            "filled_from_data": self.filled,
            "device": self.device,
            "total_steps": self.total_steps,
            "batches_per_epoch": self.batches_per_epoch,
            "losses": [{"name": name, "weight": weight} for name, weight in self.losses],
            "eval": self.eval.model_dump(mode="json"),
            "config": resolved_dict(self.config),
        }


def check_experiment(
    config: str | Path | Mapping[str, Any] | None = None,
    *,
    preset: str | None = None,
    overrides: Sequence[str] = (),
    registry: Registry | None = None,
) -> CheckedExperiment:
    """Check an experiment as a training start would (see the module docstring).

    Raises:
        GanzooError: the first problem, as one line naming the culprit (a ``ConfigError``,
            ``DataError`` or ``IncompatibleComponentsError``).
    """
    from ganzoo.engine.engine import Engine
    from ganzoo.engine.run import overridden_experiment
    from ganzoo.experiment.build import build_experiment
    from ganzoo.experiment.load import read_experiment
    from ganzoo.metrics.check import check_eval_table

    if registry is None:
        from ganzoo.plugins.manager import get_registry

        registry = get_registry()
    raw, label = read_experiment(config, preset=preset, registry=registry)
    experiment = overridden_experiment(raw, overrides, registry, label)
    eval_table = check_eval_table(experiment, registry, source=label)
    built = build_experiment(raw, registry, source=label)
    engine = Engine(built)
    return CheckedExperiment(
        source=label,
        config=built.config,
        spec=built.spec,
        samples=len(built.dataset),
        filled=_filled(experiment, built.config, built.spec),
        eval=eval_table,
        device=str(engine.device),
        total_steps=engine.total_steps,
        batches_per_epoch=engine.batches_per_epoch,
        losses=[(term.name, term.weight) for term in built.losses],
    )


def _filled(written: ExperimentConfig, resolved: ExperimentConfig, spec: DataSpec) -> dict[str, Any]:
    """Generator and discriminator parameters the experiment left unset and the data filled."""
    filled = {}
    for role in ("generator", "discriminator"):
        given, params = getattr(written, role).params, getattr(resolved, role).params
        for key in spec.component_defaults(role):
            if key in params and key not in given:
                filled[f"{role}.params.{key}"] = params[key]
    return filled
