"""Checkpoints: safetensors for every tensor, JSON for everything else, written atomically.

Layout of ``RUN/checkpoints/step_000123/``::

    manifest.json                   written last; lists every file with its size
    generator.safetensors           state_dict incl. buffers (BatchNorm running stats)
    discriminator.safetensors
    generator_ema.safetensors       when an EMA generator is trained
    optim_<role>.safetensors        optimiser state tensors keyed "<param name>.<key>"
    optim_<role>.json               param_groups (params as names) and non-tensor state
    scaler.json                     fp16 GradScaler state per optimiser
    rng.safetensors + rng.json      global RNG states

A checkpoint is written into a temporary sibling directory, every file is fsynced, the manifest
goes last, then the directory is renamed to its final name and the parent fsynced. A process
killed at any moment therefore leaves either the complete new checkpoint or none; a directory
without a readable manifest, or whose files do not match the sizes the manifest lists, is not a
checkpoint and is skipped when looking for the latest one (saying so on stderr, with the reason,
when a newer damaged one is passed over: [`find_checkpoint`][ganzoo.engine.checkpoint.find_checkpoint], [`announce_skipped`][ganzoo.engine.checkpoint.announce_skipped]). Old
checkpoints are pruned only
after the new one is complete, and are renamed away before deletion so a half-deleted directory
never looks complete. Nothing here unpickles: loading reads safetensors and JSON only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn

from ganzoo.files import make_temp_dir, write_json
from ganzoo.registry.errors import CheckpointError, describe_error

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKPOINTS_DIR = "checkpoints"
_STEP_DIR = re.compile(r"^step_(\d+)$")
_TEMP_PREFIX = ".tmp-"
_TRASH_PREFIX = ".trash-"
_ALIASES_KEY = "ganzoo.aliases"


def checkpoint_name(step: int) -> str:
    """Directory name of the checkpoint after ``step`` training steps."""
    return f"step_{step:06d}"


# -- tensors of modules and optimisers --------------------------------------------------------
def module_tensors(module: nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """``state_dict`` (parameters and buffers) as safetensors-ready tensors plus aliases.

    Tied weights (two names, one tensor) are stored once; ``aliases`` maps the extra names to
    the stored one. Views that only partly overlap are copied.
    """
    tensors: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    seen: dict[tuple[Any, ...], str] = {}
    storages: set[tuple[str, int]] = set()
    for name, value in module.state_dict().items():
        value = value.detach()
        identity = (value.device.type, value.untyped_storage().data_ptr(), value.storage_offset(),
                    tuple(value.shape), value.stride(), value.dtype)
        if identity in seen:
            aliases[name] = seen[identity]
            continue
        seen[identity] = name
        storage = (value.device.type, value.untyped_storage().data_ptr())
        shared = storage in storages
        storages.add(storage)
        value = value.to("cpu")
        # safetensors stores contiguous row-major tensors only; channels_last weights are not.
        tensors[name] = value.clone(memory_format=torch.contiguous_format) if shared else value.contiguous()
    return tensors, aliases


def load_module(module: nn.Module, tensors: Mapping[str, torch.Tensor], aliases: Mapping[str, str], *, what: str) -> None:
    """Load tensors written by [`module_tensors`][ganzoo.engine.checkpoint.module_tensors] (strict: names must match exactly)."""
    state = dict(tensors)
    for alias, target in aliases.items():
        state[alias] = state[target]
    try:
        result = module.load_state_dict(state, strict=False)
    except RuntimeError as err:  # e.g. size mismatch: the manifest's parameters do not fit the weights
        raise CheckpointError(f"{what}: checkpoint does not match the model ({describe_error(err)})") from None
    problems = list(result.missing_keys) + list(result.unexpected_keys)
    if problems:
        raise CheckpointError(
            f"{what}: checkpoint does not match the model ({len(result.missing_keys)} missing, "
            f"{len(result.unexpected_keys)} unexpected tensors, e.g. {problems[0]!r})"
        )


def _param_names(optimizer: torch.optim.Optimizer, module: nn.Module) -> list[str]:
    names = {id(p): n for n, p in module.named_parameters()}
    try:
        return [names[id(p)] for group in optimizer.param_groups for p in group["params"]]
    except KeyError:
        raise CheckpointError("optimizer holds a parameter that is not in its module") from None


def optimizer_tensors(
    optimizer: torch.optim.Optimizer, module: nn.Module
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Optimiser state keyed by parameter *name* (tensors) plus JSON (groups, scalars).

    ``torch.optim.Optimizer.state_dict`` keys state by position; names survive a change in
    parameter order and make the files readable.
    """
    names = _param_names(optimizer, module)
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{names[index]}.{key}"] = value.detach().to("cpu").contiguous()
            else:
                scalars.setdefault(names[index], {})[key] = value
    groups = [
        {**{k: v for k, v in group.items() if k != "params"}, "params": [names[i] for i in group["params"]]}
        for group in state["param_groups"]
    ]
    return tensors, {"param_groups": groups, "scalar_state": scalars}


def load_optimizer(
    optimizer: torch.optim.Optimizer,
    module: nn.Module,
    tensors: Mapping[str, torch.Tensor],
    meta: Mapping[str, Any],
    *,
    what: str,
) -> None:
    """Inverse of [`optimizer_tensors`][ganzoo.engine.checkpoint.optimizer_tensors]."""
    if not (isinstance(meta, dict) and isinstance(meta.get("scalar_state"), dict)
            and isinstance(meta.get("param_groups"), list)):
        raise CheckpointError(f"{what}: optimiser state JSON is damaged (needs scalar_state and param_groups)")
    names = _param_names(optimizer, module)
    index_of = {name: i for i, name in enumerate(names)}
    state: dict[int, dict[str, Any]] = {}

    def slot(name: str) -> dict[str, Any]:
        if name not in index_of:
            raise CheckpointError(f"{what}: checkpoint has optimiser state for unknown parameter {name!r}")
        return state.setdefault(index_of[name], {})

    for key, value in tensors.items():
        name, _, leaf = key.rpartition(".")
        slot(name)[leaf] = value
    for name, values in meta["scalar_state"].items():
        slot(name).update(values)
    current = optimizer.state_dict()["param_groups"]
    saved = meta["param_groups"]
    if len(saved) != len(current):
        raise CheckpointError(f"{what}: checkpoint has {len(saved)} parameter groups, optimiser {len(current)}")
    groups = []
    for stored, live in zip(saved, current, strict=True):
        group = {k: tuple(v) if isinstance(live.get(k), tuple) else v for k, v in stored.items()}
        group["params"] = [index_of[n] for n in stored["params"] if n in index_of]
        if len(group["params"]) != len(live["params"]):
            raise CheckpointError(f"{what}: checkpoint parameters do not match the optimiser's")
        groups.append(group)
    optimizer.load_state_dict({"state": state, "param_groups": groups})


# -- writing ----------------------------------------------------------------------------------
def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems / platforms cannot fsync a directory
        _fsync_path(path)


def write_checkpoint(
    root: Path,
    step: int,
    *,
    tensors: Mapping[str, Mapping[str, torch.Tensor]],
    jsons: Mapping[str, Any],
    manifest: Mapping[str, Any],
    aliases: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write ``root/step_XXXXXX`` atomically and return its path.

    ``tensors`` maps a file stem to the tensors of ``<stem>.safetensors``; ``jsons`` a file
    stem to the data of ``<stem>.json``; ``aliases`` per tensor file (see
    [`module_tensors`][ganzoo.engine.checkpoint.module_tensors]). The manifest gains ``format_version`` and ``files``.
    """
    root.mkdir(parents=True, exist_ok=True)
    final = root / checkpoint_name(step)
    if final.exists():
        if is_complete(final):
            raise CheckpointError(f"{final}: checkpoint already exists; refusing to overwrite it")
        _set_aside(final)
    temp = make_temp_dir(root, f"{_TEMP_PREFIX}{final.name}-")
    try:
        files: dict[str, int] = {}
        for stem, content in tensors.items():
            path = temp / f"{stem}.safetensors"
            metadata = {_ALIASES_KEY: json.dumps(dict((aliases or {}).get(stem, {})))}
            save_file(dict(content), path, metadata=metadata)
            _fsync_path(path)
            files[path.name] = path.stat().st_size
        for stem, data in jsons.items():
            path = temp / f"{stem}.json"
            write_json(path, data)
            files[path.name] = path.stat().st_size
        write_json(temp / MANIFEST, {"format_version": FORMAT_VERSION, **manifest, "files": files})
        _fsync_dir(temp)
        os.rename(temp, final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return final


def _set_aside(path: Path) -> None:
    """Rename an incomplete directory out of the way (kept, never deleted: it may be evidence)."""
    target = path.with_name(f".broken-{path.name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    os.rename(path, target)


#: File in ``checkpoints/`` naming the best checkpoint (``train.keep_best``), e.g. ``step_000120``.
BEST_POINTER = "best"


def read_best(root: Path) -> Path | None:
    """The checkpoint ``root/best`` names, when the file and the checkpoint exist."""
    try:
        name = (root / BEST_POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return root / name if _STEP_DIR.match(name) and (root / name).is_dir() else None


def write_best(root: Path, step: int) -> None:
    """Point ``root/best`` at the checkpoint of ``step`` (atomically)."""
    from ganzoo.files import write_text

    write_text(root / BEST_POINTER, checkpoint_name(step) + "\n")


def prune_checkpoints(root: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete checkpoints, and stale temp directories.

    The checkpoint ``root/best`` names is never deleted (nor counted among the ``keep``).
    Call only after the newest checkpoint is complete. Returns the removed checkpoint paths.
    """
    removed = []
    best = read_best(root)
    candidates = [c for c in list_checkpoints(root) if c.path != best]
    for checkpoint in candidates[:-keep] if keep > 0 else []:
        trash = root / f"{_TRASH_PREFIX}{checkpoint.path.name}-{os.getpid()}"
        os.rename(checkpoint.path, trash)
        shutil.rmtree(trash, ignore_errors=True)
        removed.append(checkpoint.path)
    for leftover in root.iterdir():
        if leftover.name.startswith((_TEMP_PREFIX, _TRASH_PREFIX)) and leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    return removed


# -- reading ----------------------------------------------------------------------------------
@dataclass
class Checkpoint:
    """A complete checkpoint directory and its manifest."""

    path: Path
    manifest: dict[str, Any]
    _aliases: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    @property
    def step(self) -> int:
        return int(self.manifest["step"])

    def has(self, stem: str) -> bool:
        """True when ``<stem>.safetensors`` or ``<stem>.json`` is part of the checkpoint."""
        files = self.manifest["files"]
        return f"{stem}.safetensors" in files or f"{stem}.json" in files

    def tensors(self, stem: str, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
        """Tensors of ``<stem>.safetensors`` (aliases available through [`aliases`][ganzoo.engine.checkpoint.Checkpoint.aliases])."""
        path = self.path / f"{stem}.safetensors"
        if not path.is_file():
            raise CheckpointError(f"{self.path}: missing {path.name}")
        try:
            with safe_open(path, framework="pt", device=str(device)) as fh:
                metadata = fh.metadata() or {}
                self._aliases[stem] = json.loads(metadata.get(_ALIASES_KEY, "{}"))
                return {key: fh.get_tensor(key) for key in fh.keys()}  # noqa: SIM118 (safe_open has no __iter__)
        except Exception as err:  # SafetensorError, OSError, JSON errors: a damaged file
            raise CheckpointError(f"{path}: unreadable safetensors file ({describe_error(err)})") from None

    def aliases(self, stem: str) -> dict[str, str]:
        """Alias names of ``<stem>.safetensors`` (read it with [`tensors`][ganzoo.engine.checkpoint.Checkpoint.tensors] first)."""
        return self._aliases.get(stem, {})

    def json(self, stem: str) -> Any:
        """Data of ``<stem>.json``."""
        path = self.path / f"{stem}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CheckpointError(f"{path}: unreadable ({err})") from None

    def load_module(self, module: nn.Module, stem: str, device: str | torch.device = "cpu") -> None:
        """Load ``<stem>.safetensors`` into ``module`` (strict)."""
        tensors = self.tensors(stem, device)
        load_module(module, tensors, self.aliases(stem), what=f"{self.path / stem}")


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest of a complete checkpoint directory, else ``None``."""
    return inspect_checkpoint(path)[0]


def inspect_checkpoint(path: Path) -> tuple[dict[str, Any] | None, str]:
    """``(manifest, "")`` for a complete checkpoint directory, else ``(None, why not)``."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"no {MANIFEST} (written last: the checkpoint was never finished)"
    except (OSError, ValueError) as err:
        return None, f"{MANIFEST} is unreadable ({describe_error(err)})"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None, f"{MANIFEST} lists no files"
    if not isinstance(manifest.get("step"), int) or isinstance(manifest["step"], bool):
        return None, f"{MANIFEST} has no step number"
    for name, size in manifest["files"].items():
        try:
            actual = (path / name).stat().st_size
        except OSError:
            return None, f"{name} is missing"
        if actual != size:
            return None, f"{name} has {actual} bytes, the manifest says {size}"
    return manifest, ""


def is_complete(path: Path) -> bool:
    """True when ``path`` is a checkpoint whose manifest and files are all present."""
    return read_manifest(path) is not None


def list_checkpoints(root: Path) -> list[Checkpoint]:
    """Complete checkpoints under ``root`` (a ``checkpoints`` directory), oldest first."""
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        if not _STEP_DIR.match(child.name) or not child.is_dir():
            continue
        manifest = read_manifest(child)
        if manifest is not None:
            found.append(Checkpoint(child, manifest))
    return sorted(found, key=lambda c: c.step)


def announce_skipped(root: Path, used: Checkpoint) -> list[Path]:
    """Say on stderr which ``step_*`` directories under ``root`` newer than ``used`` are not
    complete checkpoints, and why (the fallback to an older checkpoint); return them."""
    skipped = []
    for child in sorted(root.iterdir()):
        match = _STEP_DIR.match(child.name)
        if not match or not child.is_dir() or int(match.group(1)) <= used.step:
            continue
        manifest, why = inspect_checkpoint(child)
        if manifest is None:
            print(f"ganzoo: warning: skipped checkpoint {child}: {why}; using {used.path.name}", file=sys.stderr)
            skipped.append(child)
    return skipped


def find_checkpoint(path: str | Path) -> Checkpoint:
    """A checkpoint directory itself, or the newest complete checkpoint of a run directory
    (newer damaged ones are announced on stderr, see [`announce_skipped`][ganzoo.engine.checkpoint.announce_skipped])."""
    path = Path(path)
    if path.name == BEST_POINTER and path.is_file():  # RUN/checkpoints/best
        best = read_best(path.parent)
        if best is None:
            raise CheckpointError(f"{path}: names no existing checkpoint")
        path = best
    if not path.exists():
        raise CheckpointError(f"{path}: no such run or checkpoint directory")
    if not (path / CHECKPOINTS_DIR).is_dir() and (path / MANIFEST).is_file():
        manifest = read_manifest(path)
        if manifest is None:
            raise CheckpointError(f"{path}: not a complete checkpoint (manifest or files missing)")
        return Checkpoint(path, manifest)
    checkpoints = list_checkpoints(path / CHECKPOINTS_DIR)
    if not checkpoints:
        raise CheckpointError(f"{path}: no complete checkpoint (expected {path / CHECKPOINTS_DIR}/step_*/)")
    announce_skipped(path / CHECKPOINTS_DIR, checkpoints[-1])
    return checkpoints[-1]
