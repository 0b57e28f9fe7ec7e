"""What sets runs apart: their resolved configs flattened to dotted keys and compared.

Two runs that differ only in ``train.seed`` look identical in a table of metrics; listing the
settings whose values differ says what a comparison actually compares, and runs that differ in
nothing but the seed are repeats of one configuration, whose spread is the yardstick for any
difference between configurations.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ganzoo.report.rundata import RunData

#: Keys that name a run rather than configure it.
IGNORED = frozenset({"name"})
SEED_KEY = "train.seed"


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"train": {"lr": 1e-3}, "losses": [{"name": "l1"}]}`` -> ``{"train.lr": 1e-3, "losses.0.name": "l1"}``.

    Lists of tables are numbered like ``--set`` addresses them; lists of plain values (Adam's
    betas) stay one setting.
    """
    if isinstance(value, Mapping):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list) and any(isinstance(v, (Mapping, list)) for v in value):
        items = [(str(i), v) for i, v in enumerate(value)]
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else key))
    return flat


def settings(run: RunData) -> dict[str, Any]:
    """The run's resolved config, flattened, without the keys in [`IGNORED`][ganzoo.report.settings.IGNORED]."""
    return {k: v for k, v in flatten(run.config).items() if k.split(".", 1)[0] not in IGNORED}


def differing_settings(runs: Sequence[RunData]) -> dict[str, list[Any]]:
    """``{dotted key: [value of each run]}`` for every setting not equal in all runs (``None``
    where a run does not have the key), in the order the keys first appear."""
    flat = [settings(run) for run in runs]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    values = {key: [f.get(key) for f in flat] for key in keys}
    return {key: vals for key, vals in values.items() if any(_same(v) != _same(vals[0]) for v in vals)}


def seed_groups(runs: Sequence[RunData]) -> list[list[int]]:
    """Indices of runs grouped by configuration: equal in every setting but ``train.seed``,
    with distinct seeds (a run repeating a seed already in the group starts another group)."""
    groups: list[tuple[str, list[int], set[str]]] = []
    for i, run in enumerate(runs):
        flat = settings(run)
        seed = _same(flat.pop(SEED_KEY, None))
        key = _same(flat)
        target = next((g for g in groups if g[0] == key and not {seed, "null"} & g[2] and seed != "null"), None)
        if target is None:
            groups.append((key, [i], {seed}))
        else:
            target[1].append(i)
            target[2].add(seed)
    return [members for _, members, _ in groups]


def seed_of(run: RunData) -> Any:
    """The run's ``train.seed`` (``None`` when its config does not say)."""
    return settings(run).get(SEED_KEY)


def _same(value: Any) -> str:
    """A canonical text of ``value``, so equal settings compare equal whatever their key order."""
    return json.dumps(value, sort_keys=True, default=str)
