"""Callbacks: everything around the training step that is not the step itself.

The engine calls, in this order, ``on_train_start`` once; then after every step ``on_log`` for
each record it emits (a ``train`` record at log steps, an ``epoch`` record when an epoch ends,
``eval`` records), ``on_epoch_end`` when an epoch ended, and ``on_step_end``; finally
``on_train_end``. Callbacks are the extension point for progress display, logging, samples,
checkpoints and evaluation (a ``ganzoo-rich`` package could ship a rich progress bar); there are
no per-step plugin hooks, which would cost a pluggy dispatch every step.

Callbacks see the trainer through [`TrainerState`][ganzoo.engine.state.TrainerState] (progress, run,
data, ``sampler()``, ``emit()``, ``save_checkpoint()``), not through the engine class, which
imports this module. They must not touch the global RNGs or model state in ways that outlive the
call: the stop-and-resume guarantee relies on each step depending only on (seed, step) and the
weights.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import torch

from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY
from ganzoo.engine.guard import json_record
from ganzoo.engine.loader import fixed_batch
from ganzoo.engine.seed import STREAM_SAMPLES, derive_seed
from ganzoo.engine.state import TrainerState
from ganzoo.registry.errors import GanzooError
from ganzoo.report.samples import render_samples


class Callback:
    """Base class with no-op methods; override the ones you need.

    A callback with state that a resumed run must continue from (early stopping's patience
    count) sets [`state_key`][ganzoo.engine.callbacks.Callback.state_key]; its [`state_dict`][ganzoo.engine.callbacks.Callback.state_dict] is stored in every checkpoint and
    handed back to [`load_state_dict`][ganzoo.engine.callbacks.Callback.load_state_dict] when the run resumes from that checkpoint.
    """

    #: Name of this callback's state in checkpoints; ``None``: nothing to keep.
    state_key: str | None = None

    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable state for checkpoints (when [`state_key`][ganzoo.engine.callbacks.Callback.state_key] is set)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what [`state_dict`][ganzoo.engine.callbacks.Callback.state_dict] returned, from the checkpoint the run resumes from."""

    def on_train_start(self, engine: TrainerState) -> None:
        """Before the first step of this process (also after a resume)."""

    def on_log(self, engine: TrainerState, record: dict[str, Any]) -> None:
        """A metrics record (``kind``: train, epoch or eval) was emitted."""

    def on_epoch_end(self, engine: TrainerState, epoch: int) -> None:
        """1-based ``epoch`` just ended (also the partial last epoch of a finished run)."""

    def on_step_end(self, engine: TrainerState) -> None:
        """``engine.step`` steps are done."""

    def on_train_end(self, engine: TrainerState) -> None:
        """Training stopped (finished, or reached ``until``)."""


#: Epoch-end grids and console lines per run at most; runs of many short epochs (small data
#: sets) report evenly spaced epochs, always including the first and the last.
MAX_EPOCH_REPORTS = 20


def reported_epoch(engine: TrainerState, epoch: int) -> bool:
    """Whether ``epoch`` gets an epoch-end sample grid and console line."""
    stride = max(1, math.ceil(engine.total_epochs / MAX_EPOCH_REPORTS))
    return epoch == 1 or epoch % stride == 0 or engine.step >= engine.total_steps


def _format_losses(record: dict[str, Any]) -> str:
    return " ".join(
        f"{key}={value:.4g}" for key, value in record.items() if key.startswith("loss/") and key.count("/") == 1
    )


class ProgressCallback(Callback):
    """A tqdm bar on a terminal; plain periodic log lines when stderr is not a TTY."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.bar: Any = None

    def on_train_start(self, engine: TrainerState) -> None:
        if self.stream.isatty():
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=engine.total_steps,
                initial=engine.step,
                file=self.stream,
                dynamic_ncols=True,
                unit="step",
                desc=engine.config.name or "train",
            )
        else:
            print(f"training {engine.config.name or 'experiment'}: step {engine.step}/{engine.total_steps}",
                  file=self.stream, flush=True)

    def on_log(self, engine: TrainerState, record: dict[str, Any]) -> None:
        if self.bar is not None:
            if record["kind"] == "train":
                self.bar.set_postfix_str(f"epoch {record['epoch']} {_format_losses(record)}", refresh=False)
            return
        if record["kind"] == "train":
            line = (f"step {record['step']}/{engine.total_steps} epoch {record['epoch']} "
                    f"{_format_losses(record)} {record['it_s']:.3g} it/s")
        elif record["kind"] == "epoch":
            if not reported_epoch(engine, record["epoch"]):
                return
            line = f"epoch {record['epoch']} done (step {record['step']}): {_format_losses(record)}"
        else:
            values = " ".join(f"{k}={v:.4g}" for k, v in record.items()
                              if isinstance(v, float) and k not in ("time",))
            line = f"eval at step {record['step']}: {values}"
        print(line, file=self.stream, flush=True)

    def on_step_end(self, engine: TrainerState) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def on_train_end(self, engine: TrainerState) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class MetricsLogger(Callback):
    """Appends every record to ``metrics.jsonl`` (one JSON object per line, flushed).

    A NaN or infinite value is written as ``null`` and its key listed under ``"nonfinite"``
    ([`json_record`][ganzoo.engine.guard.json_record]): the file stays JSON that any reader accepts.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] | None = None

    def on_train_start(self, engine: TrainerState) -> None:
        self.file = self.path.open("a", encoding="utf-8")

    def on_log(self, engine: TrainerState, record: dict[str, Any]) -> None:
        assert self.file is not None
        self.file.write(json.dumps(json_record(record)) + "\n")
        self.file.flush()

    def on_train_end(self, engine: TrainerState) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class CheckpointCallback(Callback):
    """Checkpoints every ``every`` steps (0: only at the end) and when training stops, unless it
    stopped on non-finite values (``engine.failure``): that state must not become a checkpoint."""

    def __init__(self, every: int) -> None:
        self.every = every

    def on_step_end(self, engine: TrainerState) -> None:
        if self.every and engine.step % self.every == 0 and engine.checkpoint_step != engine.step:
            engine.save_checkpoint()

    def on_train_end(self, engine: TrainerState) -> None:
        if engine.checkpoint_step != engine.step and engine.failure is None:
            engine.save_checkpoint()


class EvalCallback(Callback):
    """Every ``every`` steps, calls the metrics package's training-time evaluation if installed.

    The hook is ``ganzoo.metrics.evaluate.evaluate_during_training(run_dir, sampler, config)``
    returning ``{metric: float}`` (or ``{metric: {"value": float, ...}}``); without it,
    evaluation is skipped silently. An evaluation that fails with a user error (say, no
    held-out split) is reported once and switched off rather than ending the training run.
    """

    def __init__(self, run_dir: Path, every: int) -> None:
        self.run_dir = run_dir
        self.every = every
        self.hook: Any = None

    def on_train_start(self, engine: TrainerState) -> None:
        if not self.every:
            return
        try:
            from ganzoo.metrics.evaluate import evaluate_during_training
        except ImportError:
            return
        self.hook = evaluate_during_training

    def on_step_end(self, engine: TrainerState) -> None:
        if self.hook is None or engine.step % self.every:
            return
        try:
            results = self.hook(self.run_dir, engine.sampler(), engine.config)
        except GanzooError as err:  # e.g. no held-out split: keep training, say why once
            warnings.warn(f"train.eval_every: evaluation failed ({err}); no more evaluation in this run",
                          RuntimeWarning, stacklevel=2)
            self.hook = None
            return
        values = {
            name: float(value["value"] if isinstance(value, dict) else value)
            for name, value in results.items()
        }
        engine.emit({"kind": "eval", "step": engine.step, "epoch": engine.epoch, **values})


class SampleGridWriter(Callback):
    """PNG grids of samples from fixed noise and conditions, per epoch and every ``every`` steps.

    Rendering is [`ganzoo.report.samples.render_samples`][ganzoo.report.samples.render_samples] (images tiled, series as line
    plots, tables as a scatter of the first two features, generated over real). The fixed
    inputs come from their own RNG stream, so writing grids never changes training.
    """

    def __init__(self, directory: Path, every: int, count: int | None = None,
                 on_write: Callable[[int, str, Path], None] | None = None) -> None:
        self.directory = directory
        self.every = every
        self.count = count
        self.on_write = on_write  # e.g. the loggers': (step, "samples", png path)
        self.inputs: dict[str, Any] = {}

    def on_train_start(self, engine: TrainerState) -> None:
        spec = engine.spec
        translating = spec.condition in ("paired", "unpaired")
        default = {"image": 4 if translating else 16, "series": 16, "table": 512}[spec.modality]
        count = min(self.count or default, len(engine.dataset))
        generator = torch.Generator().manual_seed(derive_seed(engine.seed, STREAM_SAMPLES))
        indices = torch.randperm(len(engine.dataset), generator=generator)[:count].tolist()
        batch = fixed_batch(engine.dataset, indices, derive_seed(engine.seed, STREAM_SAMPLES, 2))
        self.inputs = {
            "real": batch[SAMPLE_KEY],
            "cond": batch[CONDITION_KEY] if spec.condition != "none" else None,
            "seed": derive_seed(engine.seed, STREAM_SAMPLES, 1),
        }
        self.directory.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, engine: TrainerState, epoch: int) -> None:
        if reported_epoch(engine, epoch):
            self.write(engine, self.directory / f"epoch_{epoch:04d}.png")

    def on_step_end(self, engine: TrainerState) -> None:
        if self.every and engine.step % self.every == 0:
            self.write(engine, self.directory / f"step_{engine.step:06d}.png")

    def write(self, engine: TrainerState, path: Path) -> Path:
        cond = self.inputs["cond"]
        fake = engine.sampler().sample(len(self.inputs["real"]), condition=cond, seed=self.inputs["seed"])
        image = render_samples(fake, engine.spec, real=self.inputs["real"], cond=cond)
        image.save(path)
        if self.on_write is not None:
            self.on_write(engine.step, "samples", path)
        return path
