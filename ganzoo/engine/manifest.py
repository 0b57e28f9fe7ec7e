"""What ``RUN/manifest.json`` records beyond versions: where, how and on what data a run trained.

Written when the run directory is created:

* ``platform``: operating system, machine, Python, CPU count;
* ``packages``: versions of the libraries that decide the numbers (read from the installed
  distributions' metadata, nothing imported);
* ``data``: the dataset's path parameters as written, absolute and relative to the run
  directory ([`ganzoo.experiment.paths.path_record`][ganzoo.experiment.paths.path_record]), the number of training samples, and a
  **fingerprint** of each path: the SHA-256 of the sorted list of its files with their sizes and
  modification times (``relative path, size, mtime_ns`` per line). It reads no file contents, so
  it costs one ``stat`` per file; it changes when a file is added, removed, resized or rewritten,
  and also when the data is copied elsewhere with new modification times.

Appended for every training session (the first one and each ``--resume``) under ``sessions``:
the command line and working directory, the resolved device with its accelerator details
(CUDA and cuDNN versions, GPU name, capability and memory), the steps trained and the wall time
per phase: ``build`` (experiment and components), ``train`` (the loop without the phases that
follow), ``checkpoint``, ``eval`` (in-training evaluation) and ``samples`` (sample grids).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shlex
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from ganzoo import invocation
from ganzoo.engine.callbacks import Callback
from ganzoo.engine.state import TrainerState
from ganzoo.files import write_json

#: Distributions whose versions the manifest records (those installed; plugins are listed apart).
PACKAGES = ("torch", "numpy", "pydantic", "safetensors", "torch-fidelity", "kornia", "pillow", "pluggy",
            "pandas", "scikit-learn", "tensorboard", "mlflow-skinny")


def platform_details() -> dict[str, Any]:
    """Operating system, machine and Python of this process."""
    return {
        "system": platform.system(),
        "release": platform.release(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
    }


def package_versions() -> dict[str, str]:
    """Installed versions of [`PACKAGES`][ganzoo.engine.manifest.PACKAGES] (missing ones are left out)."""
    versions = {}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def device_details(device: torch.device) -> dict[str, Any]:
    """The resolved device, torch's threads, and the accelerator's facts when it is one."""
    details: dict[str, Any] = {"device": str(device), "torch_threads": torch.get_num_threads()}
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        details.update({
            "cuda_version": torch.version.cuda,
            "cudnn_version": torch.backends.cudnn.version(),
            "gpu_name": props.name,
            "gpu_capability": f"{props.major}.{props.minor}",
            "gpu_memory_gib": round(props.total_memory / 2**30, 2),
            "gpu_count": torch.cuda.device_count(),
        })
    elif device.type == "mps":
        details["mps_built"] = torch.backends.mps.is_built()
    return details


def command_line() -> dict[str, str]:
    """How this process was started and from where (``ganzoo train exp.toml --set ...``)."""
    return {"command": shlex.join(invocation.command_line()), "cwd": os.getcwd()}


def fingerprint(path: str | Path) -> dict[str, Any]:
    """``{files, bytes, sha256}`` of a data file or folder (see the module docstring), or
    ``{"missing": true}``."""
    root = Path(path)
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())
    else:
        return {"missing": True}
    digest, total = hashlib.sha256(), 0
    for file in files:
        stat = file.stat()
        name = file.name if file == root else file.relative_to(root).as_posix()
        digest.update(f"{name}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
        total += stat.st_size
    return {"files": len(files), "bytes": total, "sha256": digest.hexdigest(),
            "method": "sha256 of sorted (relative path, size, mtime_ns); contents not read"}


def data_details(dataset_name: str, paths: Mapping[str, Any], resolved: Mapping[str, Any], train_samples: int,
                 run_dir: Path) -> dict[str, Any]:
    """The manifest's ``data`` section: paths, fingerprints, sample count."""
    from ganzoo.experiment.paths import path_record

    record = path_record(paths, resolved, run_dir)
    fingerprints = {
        name: fingerprint(entry["absolute"]) for name, entry in record.items() if isinstance(entry["absolute"], str)
    }
    return {"dataset": dataset_name, "samples": {"train": train_samples}, "paths": record,
            "fingerprints": fingerprints}


class PhaseTimes:
    """Wall seconds per phase of a training session."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def measure(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start

    def rounded(self) -> dict[str, float]:
        """``train`` is the measured loop minus the phases that ran inside it."""
        seconds = dict(self.seconds)
        if "train" in seconds:
            inner = sum(seconds.get(p, 0.0) for p in ("checkpoint", "eval", "samples"))
            seconds["train"] = max(0.0, seconds["train"] - inner)
        return {phase: round(value, 3) for phase, value in seconds.items()}


class Timed(Callback):
    """Runs a callback and counts the time it takes as ``phase`` (checkpoints, evaluation, grids)."""

    def __init__(self, inner: Callback, phase: str, times: PhaseTimes) -> None:
        self.inner, self.phase, self.times = inner, phase, times

    def on_train_start(self, engine: TrainerState) -> None:
        with self.times.measure(self.phase):
            self.inner.on_train_start(engine)

    def on_log(self, engine: TrainerState, record: dict[str, Any]) -> None:
        with self.times.measure(self.phase):
            self.inner.on_log(engine, record)

    def on_epoch_end(self, engine: TrainerState, epoch: int) -> None:
        with self.times.measure(self.phase):
            self.inner.on_epoch_end(engine, epoch)

    def on_step_end(self, engine: TrainerState) -> None:
        with self.times.measure(self.phase):
            self.inner.on_step_end(engine)

    def on_train_end(self, engine: TrainerState) -> None:
        with self.times.measure(self.phase):
            self.inner.on_train_end(engine)


def add_session(manifest_path: Path, session: Mapping[str, Any]) -> None:
    """Append one training session to ``manifest.json`` (atomically; a missing file is left alone)."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    manifest.setdefault("sessions", []).append(dict(session))
    write_json(manifest_path, manifest)


def session_record(started: datetime, device: torch.device, steps: tuple[int, int], times: PhaseTimes) -> dict[str, Any]:
    """One entry of the manifest's ``sessions``."""
    return {
        **command_line(),
        "started": started.isoformat(timespec="seconds"),
        "ended": datetime.now(UTC).isoformat(timespec="seconds"),
        "device": device_details(device),
        "steps": {"from": steps[0], "to": steps[1]},
        "phases_s": times.rounded(),
    }
