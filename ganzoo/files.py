"""Atomic file writes: a reader (or a crash) never sees half a file.

Everything ganzoo rewrites in place (a run's ``config.toml`` and ``manifest.json``, the trimmed
``metrics.jsonl`` on resume, ``eval.json``, reports, benchmark results) goes through here: the
text is written to a temporary sibling, fsynced, then renamed over the target. A process killed
at any moment leaves either the old file or the new one, which is what "nothing already written
is lost or corrupted" needs.

New files and folders get the permissions the process's umask gives (``0o666`` / ``0o777``
masked), as ``open`` and ``mkdir`` would: a run directory shared by a group stays readable to
it. (``tempfile.mkstemp`` and ``mkdtemp`` would make them private, ``0o600`` / ``0o700``.)
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Attempts at a fresh temporary name before giving up (a clash needs 64 random bits to repeat).
_ATTEMPTS = 100


def _fresh_name(directory: Path, prefix: str, suffix: str) -> Path:
    return directory / f"{prefix}{secrets.token_hex(8)}{suffix}"


def make_temp_dir(directory: Path, prefix: str) -> Path:
    """A new, empty folder ``directory/<prefix><random>`` with umask permissions (not 0o700)."""
    for _ in range(_ATTEMPTS):
        path = _fresh_name(directory, prefix, "")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{directory}: no free temporary name with prefix {prefix!r}")


def _open_temp_file(directory: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """A new file, open for writing, with umask permissions (``O_EXCL``: never an old one)."""
    for _ in range(_ATTEMPTS):
        path = _fresh_name(directory, prefix, suffix)
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory}: no free temporary name with prefix {prefix!r}")


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically, creating its parent directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _open_temp_file(path.parent, f".{path.name}.", ".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any, *, default: Callable[[Any], Any] | None = None) -> None:
    """Replace ``path`` with ``data`` as indented JSON, atomically.

    ``default`` is `json.dumps`'s: leave it unset where the file must load back exactly
    (checkpoints), so an unserialisable value fails here rather than being stringified.
    """
    write_text(path, json.dumps(data, indent=2, default=default) + "\n")
