"""Read an experiment from a TOML file, a preset or a mapping, and apply ``--set`` overrides."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a missing or malformed file is a one-line [`ConfigError`][ganzoo.registry.errors.ConfigError]."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: experiment file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected an experiment .toml file") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML ({err})") from None
    except UnicodeDecodeError as err:  # an image or a binary file given as the experiment
        raise ConfigError(f"{path}: not a UTF-8 text file (byte {err.start}), so not an experiment .toml file") from None


def read_experiment(
    source: str | Path | Mapping[str, Any] | None,
    *,
    preset: str | None = None,
    overrides: Sequence[str] = (),
    registry: Registry,
) -> tuple[dict[str, Any], str]:
    """Return the raw experiment mapping (overrides applied) and a label for error messages.

    Exactly one of ``source`` and ``preset`` is given. A preset's experiment is a mapping or the
    path of a TOML file registered by a plugin.
    """
    if (source is None) == (preset is None):
        raise ConfigError("give an experiment file or --preset NAME (exactly one)")
    if preset is not None:
        entry = registry.get("preset", preset)
        label = f"preset:{entry.name}"
        target = entry.target
        raw = copy.deepcopy(dict(target)) if isinstance(target, Mapping) else read_toml(target)
        raw.setdefault("name", entry.name)
    elif isinstance(source, Mapping):
        raw, label = copy.deepcopy(dict(source)), "<experiment>"
    else:
        path = Path(source)  # type: ignore[arg-type]
        raw, label = read_toml(path), str(path)
        raw.setdefault("name", path.stem)
    for override in overrides:
        apply_override(raw, *parse_override(override))
    return raw, label


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``a.b.c=value``; the value is read as TOML (numbers, booleans, arrays) or a string."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {text!r}: expected key.path=value")
    return key.split("."), parse_value(value.strip())


def parse_value(text: str) -> Any:
    """TOML scalar/array/inline-table if it parses as one, otherwise the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(data: dict[str, Any], path: list[str], value: Any) -> None:
    """Set ``data[path...] = value``, creating tables; list items are addressed by index."""
    node: Any = data
    for depth, part in enumerate(path[:-1]):
        dotted = ".".join(path[: depth + 1])
        if isinstance(node, list):
            node = node[_index(node, part, dotted)]
            continue
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, (dict, list)):
            raise ConfigError(f"--set {'.'.join(path)}: {dotted} is a value, not a table")
        node = child
    last = path[-1]
    if isinstance(node, list):
        node[_index(node, last, ".".join(path))] = value
    else:
        node[last] = value


def _index(items: list[Any], part: str, dotted: str) -> int:
    if not part.isdigit() or int(part) >= len(items):
        raise ConfigError(f"--set {dotted}: index {part!r} out of range (list has {len(items)} items)")
    return int(part)
