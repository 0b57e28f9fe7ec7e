"""Runs: ``ganzoo.train`` creates (or resumes) a run directory and drives the engine.

A fresh run gets its own directory (``runs/<name>-<timestamp>`` or the one given) holding the
fully resolved ``config.toml``, ``manifest.json`` (versions, plugins, seed, git revision, the
DataSpec), ``metrics.jsonl``, ``samples/`` and ``checkpoints/``. An existing non-empty directory
is never trained into except by ``resume``, which rebuilds the experiment from the stored
``config.toml`` (only non-architectural ``train`` keys may be overridden) and continues from the
newest complete checkpoint (a run without one is refused unless ``allow_restart`` says to start it
again from step 0).

The process that writes (rank 0) holds the run directory's lock ([`ganzoo.engine.lock`][ganzoo.engine.lock])
from before it reads the run until training ends, so a second trainer on the same directory is
refused at once and changes nothing.

Under ``torchrun`` every process calls [`train`][ganzoo.engine.run.train] with the same arguments. Rank 0 chooses and
creates the run directory and broadcasts its path; it alone gets the callbacks that write
(metrics, progress, samples, evaluation) and writes the checkpoints. Resuming reads the run
directory in every process, so several machines need it on a shared filesystem.
"""

from __future__ import annotations

import contextlib
import json
import platform
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
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
from ganzoo.engine.checkpoint import CHECKPOINTS_DIR, announce_skipped, list_checkpoints
from ganzoo.engine.lock import LOCK_FILE, RunLock
from ganzoo.engine.manifest import PhaseTimes, Timed, add_session, session_record
from ganzoo.engine.seed import deterministic_mode, seed_everything
from ganzoo.files import write_json, write_text
from ganzoo.notices import notice
from ganzoo.registry.config import ExperimentConfig, TrainConfig
from ganzoo.registry.errors import CheckpointError, ConfigError, GanzooError

if TYPE_CHECKING:
    from ganzoo.engine.engine import Engine
    from ganzoo.engine.strategy import Strategy
    from ganzoo.experiment.build import Built
    from ganzoo.registry.protocols import Logger
    from ganzoo.registry.registry import Registry

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
    "cuda_graphs", "sync_batchnorm", "compile", "channels_last", "fused_optimizer", "loggers", "nonfinite",
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
    stop_reason: str | None = None  # why training ended before total_steps (early stopping)

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
    allow_restart: bool = False,
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
        callbacks: extra [`Callback`][ganzoo.engine.callbacks.Callback] objects; under torchrun
            they run in every process (``engine.strategy.is_main`` is true in the one that
            should write).
        allow_restart: with ``resume``, train a run that has no checkpoint yet (killed before
            its first one) from step 0 instead of refusing.

    Raises:
        TrainingInterrupted: Ctrl-C or SIGTERM stopped a single-process run at a step boundary
            after its checkpoint was written ([`ganzoo.engine.interrupt`][ganzoo.engine.interrupt]); it is a
            ``KeyboardInterrupt`` whose message names the checkpoint.
    """
    from ganzoo.engine.strategy import create_strategy
    from ganzoo.plugins.manager import get_manager

    if until is not None and until < 1:
        raise ConfigError(f"--until {until}: must be a positive step count")
    manager = get_manager()
    if resume is not None:
        if config is not None or preset is not None or run_dir is not None:
            raise ConfigError("--resume continues a run with its stored config; give no config, preset or run dir")
        experiment = _stored_experiment(Path(resume), overrides, manager.registry)
    else:
        experiment = _new_experiment(config, preset, run_dir, overrides, manager.registry)
    options = _Options(until, experiment.config.train.progress if progress is None else progress, callbacks,
                       allow_restart)
    strategy = create_strategy(experiment.config.train.device)
    try:
        with _held_run_dir(strategy, experiment, resuming=resume is not None) as directory:
            experiment = replace(experiment, directory=directory)
            # the engine lives in these calls only: its DDP wrappers are gone before the group closes
            if resume is not None:
                return _continue_run(experiment, options, strategy, manager)
            return _start_run(experiment, options, strategy, manager)
    finally:
        strategy.close()


@dataclass(frozen=True)
class _Experiment:
    """What to train: the raw mapping (overrides applied), its validated config, where from."""

    raw: dict[str, Any]
    label: str
    config: ExperimentConfig
    directory: Path | None  # a new run without --run-dir gets a default name in rank 0


@dataclass(frozen=True)
class _Options:
    """How to train it: where to stop, whether to show progress, extra callbacks."""

    until: int | None
    progress: bool
    callbacks: Sequence[Callback]
    allow_restart: bool = False


def _new_experiment(config: str | Path | Mapping[str, Any] | None, preset: str | None, run_dir: str | Path | None,
                    overrides: Sequence[str], registry: Registry) -> _Experiment:
    """The experiment of a new run, from a file, a mapping or a preset."""
    from ganzoo.experiment.load import read_experiment

    raw, label = read_experiment(config, preset=preset, registry=registry)
    return _validated(raw, label, overrides, Path(run_dir) if run_dir is not None else None, registry)


def _stored_experiment(directory: Path, overrides: Sequence[str], registry: Registry) -> _Experiment:
    """The experiment a run directory stores; ``--set`` may change only [`RESUMABLE_KEYS`][ganzoo.engine.run.RESUMABLE_KEYS]."""
    from ganzoo.experiment.load import read_experiment

    if not directory.exists():
        raise CheckpointError(f"{directory}: no such run directory")
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: is a file, not a run directory")
    if not (directory / CONFIG_FILE).is_file():
        raise CheckpointError(f"{directory}: not a ganzoo run directory (no {CONFIG_FILE})")
    from ganzoo.experiment.paths import locate_data

    _check_resume_overrides(overrides)
    raw, label = read_experiment(directory / CONFIG_FILE, registry=registry)
    locate_data(raw, directory, registry)
    return _validated(raw, label, overrides, directory, registry)


def _validated(raw: dict[str, Any], label: str, overrides: Sequence[str], directory: Path | None,
               registry: Registry) -> _Experiment:
    config = overridden_experiment(raw, overrides, registry, label)
    return _Experiment(raw, label, config, directory)


def _start_run(experiment: _Experiment, options: _Options, strategy: Strategy, manager: Any) -> Run:
    """A new run in its claimed, empty directory: build, write the run files, train from step 0."""
    times, started = PhaseTimes(), datetime.now(UTC)
    with _process_settings(experiment.config.train):
        assert experiment.directory is not None
        with times.measure("build"):
            built = _build(experiment, manager)
            loggers = _loggers(built, strategy, manager)  # a missing extra fails before the run files exist
            engine = _engine(built, experiment.directory, strategy, manager, options, loggers, times)  # its checks come first
        _write_run_files(strategy, experiment.directory, built, manager)
        return _fit(engine, options.until, times, started)


def _continue_run(experiment: _Experiment, options: _Options, strategy: Strategy, manager: Any) -> Run:
    """An existing run: build it again, restore its newest checkpoint, train on from there."""
    assert experiment.directory is not None
    times, started = PhaseTimes(), datetime.now(UTC)
    with _process_settings(experiment.config.train):
        with times.measure("build"):
            built = _build(experiment, manager)
            loggers = _loggers(built, strategy, manager)
            engine = _engine(built, experiment.directory, strategy, manager, options, loggers, times)
            _restore_newest(engine, experiment.directory, options.progress, options.allow_restart)
        return _fit(engine, options.until, times, started)


@contextlib.contextmanager
def _process_settings(train: TrainConfig) -> Iterator[None]:
    """This process as ``[train]`` asks while the run is built and trained: its thread count,
    deterministic algorithms, and the seed that component initialisation depends on."""
    if train.threads is not None:
        torch.set_num_threads(train.threads)
    with deterministic_mode(train.deterministic):
        seed_everything(train.seed)
        yield


def _build(experiment: _Experiment, manager: Any) -> Built:
    from ganzoo.experiment.build import build_experiment

    return build_experiment(experiment.raw, manager.registry, source=experiment.label)


def _loggers(built: Built, strategy: Strategy, manager: Any) -> list[tuple[str, Logger]]:
    """The ``train.loggers`` of rank 0 (the process that writes), built."""
    from ganzoo.engine.tracking import build_loggers

    return build_loggers(built.config, manager.registry) if strategy.is_main else []


def _engine(built: Built, directory: Path, strategy: Strategy, manager: Any, options: _Options,
            loggers: Sequence[tuple[str, Logger]] = (), times: PhaseTimes | None = None) -> Engine:
    """The engine with the run's callbacks: the writing ones in rank 0 only; checkpoints,
    evaluation and sample grids count their wall time in ``times`` (the manifest's phases)."""
    from ganzoo.engine.best import tracking_callbacks
    from ganzoo.engine.engine import Engine
    from ganzoo.engine.tracking import LoggerCallback

    train_config = built.config.train
    times = times if times is not None else PhaseTimes()
    writers: list[Callback] = []
    if strategy.is_main:
        tracker = LoggerCallback(loggers) if loggers else None
        writers = [
            *([ProgressCallback()] if options.progress else []),
            MetricsLogger(directory / METRICS_FILE),
            *([tracker] if tracker is not None else []),
            Timed(SampleGridWriter(directory / SAMPLES_DIR, train_config.sample_every,
                                   on_write=tracker.log_image if tracker is not None else None), "samples", times),
            Timed(EvalCallback(directory, train_config.eval_every), "eval", times),
        ]
    checkpoints = Timed(CheckpointCallback(train_config.checkpoint_every), "checkpoint", times)
    # after the writers (evaluation emits what they watch), before checkpoints (which store their state)
    watchers = tracking_callbacks(train_config)
    return Engine(
        built,
        run_dir=directory,
        callbacks=[*writers, *watchers, *options.callbacks, checkpoints],
        manifest=_versions(manager),
        strategy=strategy,
    )


def _restore_newest(engine: Engine, directory: Path, progress: bool, allow_restart: bool) -> None:
    """Load the run's newest complete checkpoint (none yet: step 0 if ``allow_restart``, else
    refuse) and drop the metrics records logged after it."""
    main = engine.strategy.is_main
    checkpoints = list_checkpoints(directory / CHECKPOINTS_DIR)
    if checkpoints:
        if main:  # a newer, damaged checkpoint is passed over: say which and why
            announce_skipped(directory / CHECKPOINTS_DIR, checkpoints[-1])
        engine.restore(checkpoints[-1])
    elif any((directory / CHECKPOINTS_DIR).glob("step_*")):
        # damaged checkpoints only: restarting would silently discard the run's history
        raise CheckpointError(
            f"{directory / CHECKPOINTS_DIR}: no complete checkpoint (the ones there are damaged); "
            "move them away to restart this run from step 0"
        )
    elif not allow_restart:
        raise CheckpointError(
            f"{directory}: no checkpoint yet (the run stopped before its first one); pass --allow-restart "
            "to train it again from step 0"
        )
    elif main and progress:
        print(f"{directory}: no complete checkpoint yet; starting from step 0", file=sys.stderr)
    if main:
        _trim_metrics(directory / METRICS_FILE, engine.step)


def _fit(engine: Engine, until: int | None, times: PhaseTimes | None = None, started: datetime | None = None) -> Run:
    """Train to ``until`` (default: the end) and wait until rank 0's last checkpoint is complete;
    rank 0 then adds this session (command, device, phases) to the run's manifest."""
    if until is not None and until <= engine.step:
        raise ConfigError(f"--until {until}: the run is already at step {engine.step}")
    if engine.step > engine.total_steps:
        raise ConfigError(
            f"train.steps/epochs: {engine.total_steps} steps in all, but the run is already at step {engine.step}"
        )
    times = times if times is not None else PhaseTimes()
    first = engine.step
    try:
        with times.measure("train"):
            engine.fit(until=until)
    finally:
        if engine.strategy.is_main and engine.run_dir is not None:
            session = session_record(started or datetime.now(UTC), engine.device, (first, engine.step), times)
            add_session(engine.run_dir / RUN_MANIFEST, session)
    engine.strategy.barrier()
    assert engine.run_dir is not None
    return Run(engine.run_dir, engine.config, engine.spec, engine.step, engine.total_steps, engine.last_checkpoint,
               engine.stop_reason)


@contextlib.contextmanager
def _held_run_dir(strategy: Strategy, experiment: _Experiment, *, resuming: bool) -> Iterator[Path]:
    """The run directory, locked by rank 0 until the block ends; every process gets its path.

    A new run claims its directory here, before anything is built: ``--run-dir`` must be
    missing or empty, a default name is the first free ``runs/<name>-<timestamp>[-N]``.
    """
    lock, error, path = None, None, None
    if strategy.is_main:
        try:
            lock = _claim_run_dir(experiment, resuming)
            path = str(lock.directory)
        except GanzooError as err:
            error = err
    path, message = strategy.broadcast_object((path, None if error is None else str(error)))
    if error is not None:
        raise error
    if message is not None:
        raise ConfigError(message)
    try:
        yield Path(path)
    finally:
        if lock is not None:
            lock.release()


def _claim_run_dir(experiment: _Experiment, resuming: bool) -> RunLock:
    """Rank 0's lock on the run directory; a new run's directory is created or checked empty."""
    if resuming:
        assert experiment.directory is not None
        lock = RunLock(experiment.directory)
        lock.acquire()
        return lock
    if experiment.directory is None:
        return _claim_default_dir(experiment.config.name or "experiment")
    _check_new_run_dir(experiment.directory)
    lock = RunLock(experiment.directory, create=True)
    lock.acquire()
    try:
        _check_new_run_dir(experiment.directory)  # again, now that no other trainer can fill it
    except ConfigError:
        lock.release()
        raise
    return lock


def _claim_default_dir(name: str) -> RunLock:
    """Lock a new ``runs/<name>-<timestamp>[-N]`` (created here, so two runs never share one)."""
    candidate = _default_run_dir(name)
    base, n = candidate, 1
    parents = [folder for folder in candidate.parents if not folder.exists()]  # runs/, the first time
    while True:
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
            continue
        lock = RunLock(candidate, created=[candidate, *parents])  # removed again if the run writes nothing
        lock.acquire()
        return lock


def _check_new_run_dir(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: --run-dir is a file, not a directory")
    if directory.exists() and any(p.name != LOCK_FILE for p in directory.iterdir()):
        raise ConfigError(
            f"{directory}: run directory exists and is not empty; use --resume {directory} to continue "
            "it or choose another --run-dir"
        )


def _write_run_files(strategy: Strategy, directory: Path, built: Built, manager: Any) -> None:
    """Rank 0 writes the new run's ``config.toml``, ``manifest.json`` and folders."""
    from ganzoo.experiment.build import resolved_dict

    if strategy.is_main:
        _create_run_dir(directory, resolved_dict(built.config), built.spec, manager, _data_manifest(built, directory))


def apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> list[str]:
    """Apply ``--set`` overrides; setting ``train.steps`` drops ``train.epochs`` and vice versa,
    and either drops ``train.min_epochs``.

    (``steps`` and ``epochs`` exclude each other, so ``--preset pix2pix --set train.steps=10``
    would otherwise be an error; a length set on the command line is the length trained, not
    raised to a preset's ``min_epochs``.) Likewise ``--set dataset.name=OTHER`` (or ``generator.name``,
    ``discriminator.name``) drops the file's ``params`` of that table before any override is
    applied: they belong to the component being replaced, so ``--preset traffic-ctgan --set
    dataset.name=table-csv --set dataset.params.path=x.csv`` does not fail on the simulator's
    ``n_rows``. Returns a line per table whose params went, naming them, for the caller to say
    once the experiment validates: some may matter to the new component too (``retina-dcgan``'s
    ``paired = false``).
    """
    from ganzoo.experiment.load import apply_override, parse_override

    parsed = [parse_override(override) for override in overrides]
    notes = []
    for path, value in parsed:
        table = raw.get(path[0])
        replaced = isinstance(table, dict) and table.get("name") != value
        if path[1:] == ["name"] and path[0] in _COMPONENT_TABLES and replaced:
            dropped = table.pop("params", None)
            if dropped:
                listed = ", ".join(f"{key} = {json.dumps(val, default=str)}" for key, val in dropped.items())
                notes.append(f"--set {path[0]}.name={value}: dropped {path[0]}.params of {table.get('name')!r} "
                             f"({listed}); set again with --set {path[0]}.params.KEY=VALUE those that {value!r} "
                             "needs too")
    for path, value in parsed:
        if path[0] == "train" and len(path) == 2 and path[1] in ("steps", "epochs"):
            table = raw.get("train")
            if isinstance(table, dict):
                table.pop("epochs" if path[1] == "steps" else "steps", None)
                table.pop("min_epochs", None)
        apply_override(raw, path, value)
    return notes


def overridden_experiment(raw: dict[str, Any], overrides: Sequence[str], registry: Registry,
                          source: str) -> ExperimentConfig:
    """``raw`` with its ``--set`` overrides applied, validated with every section's errors at once,
    ``[eval]`` included (a misspelt metric fails now, not after training); the params an override
    of a component's name dropped are said once the result validates."""
    from ganzoo.experiment.build import validate_experiment

    notes = apply_overrides(raw, overrides)
    config = validate_experiment(raw, registry, source=source, with_eval=True)
    for note in notes:
        notice(note)
    return config


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


def _data_manifest(built: Built, directory: Path) -> dict[str, Any]:
    """Platform, package versions and the ``data`` section ([`ganzoo.engine.manifest`][ganzoo.engine.manifest])."""
    from ganzoo.engine.manifest import data_details, package_versions, platform_details

    data = data_details(built.config.dataset.name, built.data_paths, built.config.dataset.params,
                        len(built.dataset), directory)
    return {"platform": platform_details(), "packages": package_versions(), "data": data}


def _create_run_dir(directory: Path, resolved: dict[str, Any], spec: DataSpec, manager: Any,
                    extra: Mapping[str, Any] | None = None) -> None:
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
        **(extra or {}),
    }
    write_json(directory / RUN_MANIFEST, manifest)


def _trim_metrics(path: Path, step: int) -> None:
    """Drop records logged after ``step`` (a killed run may have logged past its checkpoint),
    saying how many on stderr."""
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
    if len(kept) < len(lines):
        print(f"ganzoo: note: {path}: dropped {len(lines) - len(kept)} record(s) logged after step {step}, the "
              "checkpoint training continues from", file=sys.stderr)
        write_text(path, "".join(f"{line}\n" for line in kept))
