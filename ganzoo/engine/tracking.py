"""The callback that drives a run's loggers (``train.loggers``): one place, every tracker.

Each metrics record becomes one ``log_scalars`` call at the record's step: train records as
they are (``loss/d``, ``loss/g/l1``, ``lr/g``, ``it_s``, ``samples_s``), epoch records under
``epoch/`` and evaluation records under ``eval/``. Sample grids reach ``log_image`` as the PNG
files [`SampleGridWriter`][ganzoo.engine.callbacks.SampleGridWriter] writes. A logger that fails to start
stops the run before its first step (a one-line [`ConfigError`][ganzoo.registry.errors.ConfigError]); one that fails later is
reported once and switched off, because a tracker outage must not end a long training run.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ganzoo.engine.callbacks import Callback
from ganzoo.engine.state import TrainerState
from ganzoo.experiment.build import resolved_dict
from ganzoo.loggers.base import RunInfo, flatten_hyperparameters
from ganzoo.registry.errors import ConfigError, describe_error
from ganzoo.registry.protocols import Logger

#: Record keys that are bookkeeping, not measurements.
_NOT_SCALARS = frozenset({"kind", "step", "epoch", "time"})
#: Tag prefix per record kind (train records keep their keys).
_PREFIX = {"train": "", "epoch": "epoch/", "eval": "eval/"}


def record_scalars(record: dict[str, Any]) -> dict[str, float]:
    """The numbers of a metrics record as ``{tag: value}`` (see the module docstring)."""
    prefix = _PREFIX.get(record.get("kind", ""), f"{record.get('kind')}/")
    return {
        f"{prefix}{key}": float(value)
        for key, value in record.items()
        if key not in _NOT_SCALARS and isinstance(value, (int, float)) and not isinstance(value, bool)
    }


class LoggerCallback(Callback):
    """Feeds ``(name, logger)`` pairs with the run's records and sample grids."""

    def __init__(self, loggers: Sequence[tuple[str, Logger]]) -> None:
        self.loggers = list(loggers)

    def on_train_start(self, engine: TrainerState) -> None:
        assert engine.run_dir is not None
        info = RunInfo(
            run_dir=Path(engine.run_dir).resolve(),
            name=engine.config.name or Path(engine.run_dir).name,
            step=engine.step,
            total_steps=engine.total_steps,
            seed=engine.seed,
        )
        hyperparameters = flatten_hyperparameters(resolved_dict(engine.config))
        for name, logger in self.loggers:
            try:
                logger.start(info, hyperparameters)
            except Exception as err:
                raise ConfigError(f"train.loggers: {name} could not start ({describe_error(err)})") from err

    def on_log(self, engine: TrainerState, record: dict[str, Any]) -> None:
        scalars = record_scalars(record)
        if scalars:
            self._each("log_scalars", int(record["step"]), scalars)

    def log_image(self, step: int, name: str, image: Path) -> None:
        """A sample grid was written (the `SampleGridWriter` listener)."""
        self._each("log_image", step, name, image)

    def on_train_end(self, engine: TrainerState) -> None:
        self._each("finish", "finished" if engine.step >= engine.total_steps else "stopped")

    def _each(self, method: str, *args: Any) -> None:
        for name, logger in list(self.loggers):
            try:
                getattr(logger, method)(*args)
            except Exception as err:
                self.loggers.remove((name, logger))
                warnings.warn(f"train.loggers: {name} failed in {method} ({describe_error(err)}); "
                              "it logs nothing more in this run", RuntimeWarning, stacklevel=2)


def build_loggers(config: Any, registry: Any) -> list[tuple[str, Logger]]:
    """The loggers ``config.train.loggers`` names, built (a missing extra fails here, before step 1)."""
    return [
        (spec.name, registry.create("logger", spec.name, **spec.params))
        for spec in config.train.logger_specs()
    ]
