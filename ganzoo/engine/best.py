"""Keeping the best checkpoint and stopping early, on any tracked metric (``train.keep_best``,
``train.early_stop``).

A watched metric is either an in-training evaluation result (``eval`` records, every
``train.eval_every`` steps) or a value of the ``train`` records (``loss/g``, every
``train.log_every`` steps). Decisions are taken only at those scheduled steps, so an
uninterrupted run and a stopped-and-resumed one decide alike; the watcher's state (best value
and step, observations without improvement) travels in every checkpoint. Under torchrun the
value seen by rank 0 (which alone evaluates) is broadcast, so every process saves the same
checkpoints and stops at the same step.

* [`KeepBest`][ganzoo.engine.best.KeepBest] saves a checkpoint when the metric improves (unless one exists for that
  step) and points ``checkpoints/best`` at it; pruning (``keep_checkpoints``) never deletes it.
  ``ganzoo.load("RUN/checkpoints/best")`` and ``ganzoo generate RUN/checkpoints/best`` use it.
* [`EarlyStop`][ganzoo.engine.best.EarlyStop] ends training (with the usual final checkpoint) after ``patience``
  observations without improvement; a resumed run that had stopped early stays stopped.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ganzoo.engine.callbacks import Callback
from ganzoo.engine.checkpoint import CHECKPOINTS_DIR, write_best
from ganzoo.engine.state import TrainerState
from ganzoo.registry.config import EarlyStopConfig, TrackedMetricConfig


class _Watch(Callback):
    """Observes one metric at its scheduled steps and keeps the best value seen."""

    state_key = ""  # the [train] key: keep_best or early_stop

    def __init__(self, config: TrackedMetricConfig, log_every: int, eval_every: int) -> None:
        assert config.metric is not None
        self.metric = config.metric
        self.mode = config.mode
        self.min_delta = config.min_delta
        self.kind = "eval" if config.from_evaluation else "train"
        self.every = eval_every if config.from_evaluation else log_every
        self.pending: tuple[int, float] | None = None
        self.best: float | None = None
        self.best_step: int | None = None
        self.bad = 0
        self._warned = False

    def state_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "best": self.best, "best_step": self.best_step, "bad": self.bad}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("metric") == self.metric:
            self.best, self.best_step, self.bad = state["best"], state["best_step"], int(state["bad"])

    def on_log(self, engine: TrainerState, record: dict[str, Any]) -> None:
        if record.get("kind") != self.kind:
            return
        value = record.get(self.metric)
        if isinstance(value, (int, float)) and math.isfinite(value):
            self.pending = (int(record["step"]), float(value))
        elif not self._warned:
            self._warned = True
            known = ", ".join(k for k in record if k not in ("kind", "step", "epoch", "time"))
            warnings.warn(f"train.{self.state_key}.metric: {self.metric!r} is not among the {self.kind} results "
                          f"({known}); it is not tracked", RuntimeWarning, stacklevel=2)

    def on_step_end(self, engine: TrainerState) -> None:
        if not self.every or engine.step % self.every:
            return
        value = self.pending[1] if self.pending is not None and self.pending[0] == engine.step else None
        if engine.strategy.world_size > 1:
            value = engine.strategy.broadcast_object(value)
        self.pending = None
        if value is None:
            return
        improved = self.best is None or (
            value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        )
        if improved:
            self.best, self.best_step, self.bad = value, engine.step, 0
        else:
            self.bad += 1
        self.observed(engine, improved)

    def observed(self, engine: TrainerState, improved: bool) -> None:
        """React to an observation (the state is already updated)."""


class KeepBest(_Watch):
    """Checkpoints each improvement and names the best one in ``checkpoints/best``."""

    state_key = "keep_best"

    def observed(self, engine: TrainerState, improved: bool) -> None:
        if not improved or engine.run_dir is None:
            return
        if engine.checkpoint_step != engine.step:
            engine.save_checkpoint()
        if engine.strategy.is_main:
            write_best(engine.run_dir / CHECKPOINTS_DIR, engine.step)


class EarlyStop(_Watch):
    """Requests the end of training after ``patience`` observations without improvement."""

    state_key = "early_stop"

    def __init__(self, config: EarlyStopConfig, log_every: int, eval_every: int) -> None:
        super().__init__(config, log_every, eval_every)
        self.patience = config.patience

    def on_train_start(self, engine: TrainerState) -> None:
        if self.bad >= self.patience:  # resumed from the checkpoint of a run that stopped early
            engine.request_stop(self.reason())

    def observed(self, engine: TrainerState, improved: bool) -> None:
        if self.bad >= self.patience:
            engine.request_stop(self.reason())

    def reason(self) -> str:
        return (f"early stop: {self.metric} did not improve for {self.bad} observations "
                f"(best {self.best:.6g} at step {self.best_step})")


def tracking_callbacks(train: Any) -> list[Callback]:
    """The callbacks ``train.keep_best`` and ``train.early_stop`` ask for, in the order they must
    run: early stopping first, so a best checkpoint saved at the same step holds both states."""
    callbacks: list[Callback] = []
    if train.early_stop is not None:
        callbacks.append(EarlyStop(train.early_stop, train.log_every, train.eval_every))
    if train.keep_best is not None:
        callbacks.append(KeepBest(train.keep_best, train.log_every, train.eval_every))
    return callbacks
