"""Atomic file writes: a reader (or a crash) never sees half a file.

Everything ganzoo rewrites in place (a run's ``config.toml`` and ``manifest.json``, the trimmed
``metrics.jsonl`` on resume, ``eval.json``, reports, benchmark results) goes through here: the
text is written to a temporary sibling, fsynced, then renamed over the target. A process killed
at any moment leaves either the old file or the new one, which is what "nothing already written
is lost or corrupted" needs.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically, creating its parent directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any, *, default: Callable[[Any], Any] | None = None) -> None:
    """Replace ``path`` with ``data`` as indented JSON, atomically.

    ``default`` is `json.dumps`'s: leave it unset where the file must load back exactly
    (checkpoints), so an unserialisable value fails here rather than being stringified.
    """
    write_text(path, json.dumps(data, indent=2, default=default) + "\n")
