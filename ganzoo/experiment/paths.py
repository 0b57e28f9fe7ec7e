"""Data paths that survive a change of working directory or a moved run directory.

Every field of a dataset's config annotated with `Path` (also ``Path | None``
and ``list[Path]``) is a data path; nothing is special-cased per dataset. When a run starts,
each is made absolute against the working directory and stored so in ``config.toml``, while
the run's manifest keeps the path as written and the path relative to the run directory
([`path_record`][ganzoo.experiment.paths.path_record]). When a stored run is read again (``ganzoo evaluate RUN``, ``ganzoo train
--resume RUN``), [`locate_data`][ganzoo.experiment.paths.locate_data] uses each stored absolute path if it exists, else the
path relative to the run directory (the run moved together with its data), else stops with
one line naming the key, the path and the run.
"""

from __future__ import annotations

import json
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganzoo.registry.errors import DataError
from ganzoo.registry.registry import Registry


def path_fields(config: type) -> list[str]:
    """Names of the fields of pydantic model ``config`` that hold paths."""
    return [name for name, field in config.model_fields.items() if _holds_path(field.annotation)]  # type: ignore[attr-defined]


def _holds_path(annotation: Any) -> bool:
    if annotation is Path or (isinstance(annotation, type) and issubclass(annotation, Path)):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, typing.Annotated):
        return any(_holds_path(arg) for arg in typing.get_args(annotation))
    return False


def _absolute(value: Any, base: Path) -> Any:
    if isinstance(value, (list, tuple)):
        return [_absolute(item, base) for item in value]
    if isinstance(value, (str, os.PathLike)):
        path = Path(value).expanduser()
        return os.path.normpath(path if path.is_absolute() else base / path)
    return value


def absolute_paths(config: type, params: Mapping[str, Any], base: Path | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``params`` with every path field made absolute (against ``base``, default the working
    directory), and ``{field: value as written}`` for the path fields that were set."""
    base = Path.cwd() if base is None else base
    resolved, written = dict(params), {}
    for name in path_fields(config):
        if params.get(name) is not None:
            written[name] = params[name] if isinstance(params[name], (list, tuple)) else str(params[name])
            resolved[name] = _absolute(params[name], base)
    return resolved, written


def path_record(written: Mapping[str, Any], resolved: Mapping[str, Any], run_dir: Path) -> dict[str, Any]:
    """``{field: {"written", "absolute", "from_run"}}`` for the run manifest (single paths only)."""
    record = {}
    for name, as_written in written.items():
        absolute = resolved[name]
        if isinstance(absolute, str):
            from_run = os.path.relpath(absolute, os.path.abspath(run_dir))
            record[name] = {"written": as_written, "absolute": absolute, "from_run": Path(from_run).as_posix()}
        else:
            record[name] = {"written": as_written, "absolute": absolute}
    return record


def locate_data(raw: dict[str, Any], run_dir: Path, registry: Registry) -> None:
    """Point the stored experiment ``raw`` of ``run_dir`` at data that exists (see the module docstring).

    Old runs whose stored paths are relative keep meaning what they meant: relative to the
    working directory. An unknown dataset is left for validation to report.
    """
    dataset = raw.get("dataset")
    if not isinstance(dataset, dict) or not isinstance(dataset.get("params", {}), dict):
        return
    try:
        entry = registry.get("dataset", str(dataset.get("name")))
    except Exception:  # an unknown or conflicting name: validation names it properly
        return
    params = dataset.setdefault("params", {})
    recorded = _recorded_paths(run_dir)
    for name in path_fields(entry.config):
        value = params.get(name)
        if not isinstance(value, str) or Path(value).exists():
            continue
        record = recorded.get(name, {})
        if record.get("from_run") and (moved := run_dir / record["from_run"]).exists():
            params[name] = os.path.normpath(moved.absolute())
            continue
        written = f" (written as {record['written']!r})" if record.get("written") not in (None, value) else ""
        raise DataError(
            f"{run_dir}: dataset.params.{name} = {value}{written} does not exist here, and not at the same place "
            "relative to the run directory either; move the data back, or the run next to its data"
        )


def _recorded_paths(run_dir: Path) -> dict[str, Any]:
    """``data.paths`` of the run's manifest (``{}`` for runs made before it was recorded)."""
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    paths = manifest.get("data", {}).get("paths", {}) if isinstance(manifest, dict) else {}
    return paths if isinstance(paths, dict) else {}
