"""Runs: ``ganzoo.train`` creates (or resumes) a run directory and drives the engine.

A fresh run gets its own directory (``runs/<name>-<timestamp>`` or the one given) holding the
fully resolved ``config.toml``, ``manifest.json`` (versions, plugins, seed, git revision, the
DataSpec), ``metrics.jsonl``, ``samples/`` and ``checkpoints/``. An existing non-empty directory
is never trained into except by ``resume``, which rebuilds the experiment from the stored
``config.toml`` (only non-architectural ``train`` keys may be overridden) and continues from the
newest complete checkpoint.

Under ``torchrun`` every process calls :func:`train` with the same arguments. Rank 0 chooses and
creates the run directory and broadcasts its path; it alone gets the callbacks that write
(metrics, progress, samples, evaluation) and writes the checkpoints. Resuming reads the run
directory in every process, so several machines need it on a shared filesystem.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ganzoo.data.spec import DataSpec
from ganzoo.engine.callbacks import (
    Callback,
    CheckpointCallback,
    EvalCallback,
    MetricsLogger,
    ProgressCallback,
    SampleGridWriter,
)
from ganzoo.engine.checkpoint import CHECKPOINTS_DIR, list_checkpoints
from ganzoo.engine.seed import deterministic_mode, seed_everything
from ganzoo.files import write_json, write_text
from ganzoo.registry.config import ExperimentConfig, validate_model
from ganzoo.registry.errors import CheckpointError, ConfigError

if TYPE_CHECKING:
    from ganzoo.engine.engine import Engine
    from ganzoo.engine.strategy import Strategy
    from ganzoo.experiment.build import Built

CONFIG_FILE = "config.toml"
RUN_MANIFEST = "manifest.json"
METRICS_FILE = "metrics.jsonl"
SAMPLES_DIR = "samples"

#: ``train`` keys that ``--set`` may change when resuming: they alter how long and how
#: visibly the run trains, not what is trained. ``batch_size`` is per process, so a run resumed
#: on another number of processes can keep its global batch (``batch_size * world_size``).
#: The execution switches change where and how fast, not the checkpoint's contents, so a run
#: trained on a GPU can continue on a CPU: ``cuda_graphs`` and ``sync_batchnorm`` are refused
#: off CUDA, and SyncBatchNorm stores the same tensors as BatchNorm.
RESUMABLE_KEYS = frozenset({
    "steps", "epochs", "log_every", "sample_every", "checkpoint_every", "keep_checkpoints",
    "eval_every", "progress", "num_workers", "threads", "device", "batch_size",
    "cuda_graphs", "sync_batchnorm", "compile", "channels_last", "fused_optimizer",
})


@dataclass
class Run:
    """A run directory after training (finished or stopped early)."""

    directory: Path
    config: ExperimentConfig
    spec: DataSpec
    step: int
    total_steps: int
    checkpoint: Path | None

    @property
    def finished(self) -> bool:
        """True when all configured steps are done."""
        return self.step >= self.total_steps

    def metrics(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Records of ``metrics.jsonl`` (only those of ``kind`` if given)."""
        path = self.directory / METRICS_FILE
        if not path.exists():
            return []
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r for r in records if kind is None or r.get("kind") == kind]


def train(
    config: str | Path | Mapping[str, Any] | None = None,
    *,
    run_dir: str | Path | None = None,
    overrides: Sequence[str] = (),
    preset: str | None = None,
    until: int | None = None,
    resume: str | Path | None = None,
    progress: bool | None = None,
    callbacks: Sequence[Callback] = (),
) -> Run:
    """Train an experiment (file, mapping or ``preset``), or ``resume`` a run directory.

    Args:
        config: experiment TOML path or mapping (not with ``preset`` or ``resume``).
        run_dir: directory of a new run (must not exist or be empty); default
            ``runs/<name>-<timestamp>``.
        overrides: ``key.path=value`` strings, applied after the file (``--set``).
        preset: name of a registered preset instead of ``config``.
        until: stop after this many steps (with a checkpoint) instead of the configured total.
        resume: run directory to continue; its stored config is used.
        progress: show progress (default: the config's ``train.progress``).
        callbacks: extra :class:`~ganzoo.engine.callbacks.Callback` objects; under torchrun
            they run in every process (``engine.strategy.is_main`` is true in the one that
            should write).

    Raises:
        TrainingInterrupted: Ctrl-C or SIGTERM stopped a single-process run at a step boundary
            after its checkpoint was written (:mod:`ganzoo.engine.interrupt`); it is a
            ``KeyboardInterrupt`` whose message names the checkpoint.
    """
    from ganzoo.engine.strategy import create_strategy
    from ganzoo.experiment.build import build_experiment
    from ganzoo.experiment.load import read_experiment
    from ganzoo.plugins.manager import get_manager

    if until is not None and until < 1:
        raise ConfigError(f"--until {until}: must be a positive step count")
    manager = get_manager()
    registry = manager.registry
    if resume is not None:
        if config is not None or preset is not None or run_dir is not None:
            raise ConfigError("--resume continues a run with its stored config; give no config, preset or run dir")
        directory = Path(resume)
        if not (directory / CONFIG_FILE).is_file():
            raise CheckpointError(f"{directory}: not a ganzoo run directory (no {CONFIG_FILE})")
        _check_resume_overrides(overrides)
        raw, label = read_experiment(directory / CONFIG_FILE, registry=registry)
    else:
        raw, label = read_experiment(config, preset=preset, registry=registry)
        directory = Path(run_dir) if run_dir is not None else None
    apply_overrides(raw, overrides)
    experiment = validate_model(ExperimentConfig, raw, source=label)
    strategy = create_strategy(experiment.train.device)
    engine: Engine | None = None
    try:
        if resume is None and directory is not None:
            _raise_from_main(strategy, lambda: _check_new_run_dir(directory))
        if experiment.train.threads is not None:
            torch.set_num_threads(experiment.train.threads)
        with deterministic_mode(experiment.train.deterministic):
            seed_everything(experiment.train.seed)  # component initialisation depends on it
            built = build_experiment(raw, registry, source=label)
            if resume is None:
                directory = _agree_run_dir(strategy, directory, built, manager)
            assert directory is not None
            engine = _engine(built, directory, strategy, manager, progress, callbacks)
            main = strategy.is_main
            if resume is not None:
                checkpoints = list_checkpoints(directory / CHECKPOINTS_DIR)
                if checkpoints:
                    engine.restore(checkpoints[-1])
                elif any((directory / CHECKPOINTS_DIR).glob("step_*")):
                    # damaged checkpoints only: restarting would silently discard the run's history
                    raise CheckpointError(
                        f"{directory / CHECKPOINTS_DIR}: no complete checkpoint (the ones there are damaged); "
                        "move them away to restart this run from step 0"
                    )
                elif main and (built.config.train.progress if progress is None else progress):
                    print(f"{directory}: no complete checkpoint yet; starting from step 0", file=sys.stderr)
                if main:
                    _trim_metrics(directory / METRICS_FILE, engine.step)
            if until is not None and until <= engine.step:
                raise ConfigError(f"--until {until}: the run is already at step {engine.step}")
            if engine.step > engine.total_steps:
                raise ConfigError(
                    f"train.steps/epochs: {engine.total_steps} steps in all, but the run is already at step {engine.step}"
                )
            engine.fit(until=until)
            strategy.barrier()  # rank 0's last checkpoint is complete before anyone returns
            result = Run(directory, built.config, built.spec, engine.step, engine.total_steps,
                         engine.last_checkpoint)
    finally:
        del engine  # its DDP wrappers use the process group: release them before it is closed
        strategy.close()
    return result


def _engine(built: Built, directory: Path, strategy: Strategy, manager: Any, progress: bool | None,
            callbacks: Sequence[Callback]) -> Engine:
    """The engine with the run's callbacks: the writing ones in rank 0 only."""
    from ganzoo.engine.engine import Engine

    train_config = built.config.train
    show = train_config.progress if progress is None else progress
    writers: list[Callback] = []
    if strategy.is_main:
        writers = [
            *([ProgressCallback()] if show else []),
            MetricsLogger(directory / METRICS_FILE),
            SampleGridWriter(directory / SAMPLES_DIR, train_config.sample_every),
            EvalCallback(directory, train_config.eval_every),
        ]
    return Engine(
        built,
        run_dir=directory,
        callbacks=[*writers, *callbacks, CheckpointCallback(train_config.checkpoint_every)],
        manifest=_versions(manager),
        strategy=strategy,
    )


def _raise_from_main(strategy: Strategy, check: Callable[[], None]) -> None:
    """Run ``check`` in rank 0 and raise its :class:`ConfigError` in every process (a rank
    that raised alone would leave the others waiting at the next collective)."""
    message = None
    if strategy.is_main:
        try:
            check()
        except ConfigError as err:
            message = str(err)
    message = strategy.broadcast_object(message)
    if message is not None:
        raise ConfigError(message)


def _check_new_run_dir(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: --run-dir is a file, not a directory")
    if directory.exists() and any(directory.iterdir()):
        raise ConfigError(
            f"{directory}: run directory exists and is not empty; use --resume {directory} to continue "
            "it or choose another --run-dir"
        )


def _agree_run_dir(strategy: Strategy, directory: Path | None, built: Built, manager: Any) -> Path:
    """Rank 0 names (default: timestamped) and creates the run directory; all get its path."""
    from ganzoo.experiment.build import resolved_dict

    path = None
    if strategy.is_main:
        path = directory if directory is not None else _default_run_dir(built.config.name or "experiment")
        _create_run_dir(path, resolved_dict(built.config), built.spec, manager)
        path = str(path)
    return Path(strategy.broadcast_object(path))


def apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> None:
    """Apply ``--set`` overrides; setting ``train.steps`` drops ``train.epochs`` and vice versa.

    (``steps`` and ``epochs`` exclude each other, so ``--preset pix2pix --set train.steps=10``
    would otherwise be an error.) Likewise ``--set dataset.name=OTHER`` (or ``generator.name``,
    ``discriminator.name``) drops the file's ``params`` of that table before any override is
    applied: they belong to the component being replaced, so ``--preset traffic-ctgan --set
    dataset.name=table-csv --set dataset.params.path=x.csv`` does not fail on the simulator's
    ``n_rows``.
    """
    from ganzoo.experiment.load import apply_override, parse_override

    parsed = [parse_override(override) for override in overrides]
    for path, value in parsed:
        table = raw.get(path[0])
        replaced = isinstance(table, dict) and table.get("name") != value
        if path[1:] == ["name"] and path[0] in _COMPONENT_TABLES and replaced:
            table.pop("params", None)
    for path, value in parsed:
        if path[0] == "train" and len(path) == 2 and path[1] in ("steps", "epochs"):
            table = raw.get("train")
            if isinstance(table, dict):
                table.pop("epochs" if path[1] == "steps" else "steps", None)
        apply_override(raw, path, value)


#: Experiment tables naming one component whose ``params`` follow a ``--set X.name`` override.
_COMPONENT_TABLES = ("generator", "discriminator", "dataset")


def _check_resume_overrides(overrides: Sequence[str]) -> None:
    from ganzoo.experiment.load import parse_override

    for override in overrides:
        path, _ = parse_override(override)
        if len(path) != 2 or path[0] != "train" or path[1] not in RESUMABLE_KEYS:
            allowed = ", ".join(f"train.{k}" for k in sorted(RESUMABLE_KEYS))
            raise ConfigError(f"--set {'.'.join(path)}: cannot change on resume (allowed: {allowed})")


def _default_run_dir(name: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "experiment"
    base = Path("runs") / f"{slug}-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _versions(manager: Any) -> dict[str, Any]:
    import torch

    from ganzoo import __version__

    plugins = {p.distribution: p.version for p in manager.plugins if p.status == "ok"}
    return {"ganzoo_version": __version__, "torch_version": torch.__version__, "plugins": plugins}


def _git_revision() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def _create_run_dir(directory: Path, resolved: dict[str, Any], spec: DataSpec, manager: Any) -> None:
    import tomli_w

    directory.mkdir(parents=True, exist_ok=True)
    (directory / CHECKPOINTS_DIR).mkdir(exist_ok=True)
    (directory / SAMPLES_DIR).mkdir(exist_ok=True)
    write_text(directory / CONFIG_FILE, tomli_w.dumps(resolved))
    manifest = {
        **_versions(manager),
        "python": platform.python_version(),
        "seed": resolved["train"]["seed"],
        "git_revision": _git_revision(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "name": resolved.get("name"),
        "data_spec": spec.to_dict(),
    }
    write_json(directory / RUN_MANIFEST, manifest)


def _trim_metrics(path: Path, step: int) -> None:
    """Drop records logged after ``step`` (a killed run may have logged past its checkpoint)."""
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by the kill
        if isinstance(record, dict) and isinstance(record.get("step", 0), int) and record.get("step", 0) <= step:
            kept.append(line)
    write_text(path, "".join(f"{line}\n" for line in kept))
