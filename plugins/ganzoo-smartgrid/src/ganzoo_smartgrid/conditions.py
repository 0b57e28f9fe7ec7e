"""Condition label vectors: concatenated blocks, one per condition (class, calendar, weather ...).

A block is either **categorical** (one-hot over its values: a customer class, the month, the day
type) or **numeric** (one value scaled from the training range to [-1, 1]: the mean temperature
of a window). The same codec encodes labels for training, travels in ``DataSpec.meta["conditions"]``
and decodes generated conditions at export time, so what is written next to a curve always
agrees with the condition it was generated for.

Sampling conditions for generation (when the user names none, or only some) draws whole rows
of the training conditions (``condition_table`` in the meta): blocks that depend on each other
(class and month of seasonal classes, temperature and month) keep their joint distribution, and
fixing one block (``--condition class=winter``) draws the others from the training rows that
have it. Runs saved before the table existed draw each categorical block on its own at its
training frequency, as they always did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ganzoo.plugin import ConfigError, DataError
from ganzoo_smartgrid.daytypes import DAY_TYPES

MONTHS: tuple[int, ...] = tuple(range(1, 13))
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOURS: tuple[int, ...] = tuple(range(24))
#: Calendar blocks derivable from timestamps, with their values.
CALENDAR: dict[str, tuple[Any, ...]] = {"month": MONTHS, "daytype": DAY_TYPES, "weekday": WEEKDAYS, "hour": HOURS}
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")
#: Other spellings of block names and day types accepted in condition text.
_BLOCK_ALIASES = {"day_type": "daytype", "day-type": "daytype", "customer_class": "class", "customer": "class"}
_DAY_ALIASES = {"sunday": "sunday-holiday", "holiday": "sunday-holiday", "weekday": "workday"}
#: Most distinct training condition rows kept in the meta for joint sampling.
TABLE_ROWS = 2000


@dataclass(frozen=True)
class Block:
    """One condition: ``values`` (categorical) or the training range ``numeric = (lo, hi)``."""

    name: str
    values: tuple[Any, ...] = ()
    numeric: tuple[float, float] | None = None

    @property
    def width(self) -> int:
        return 1 if self.numeric is not None else len(self.values)

    def scale(self, value: float) -> float:
        """Original value -> [-1, 1] over the training range."""
        assert self.numeric is not None
        lo, hi = self.numeric
        return 2.0 * (value - lo) / (hi - lo) - 1.0 if hi > lo else 0.0

    def unscale(self, value: float) -> float:
        assert self.numeric is not None
        lo, hi = self.numeric
        return (value + 1.0) / 2.0 * (hi - lo) + lo

    def to_meta(self) -> list[Any]:
        if self.numeric is not None:
            return [self.name, {"min": self.numeric[0], "max": self.numeric[1]}]
        return [self.name, list(self.values)]


class ConditionCodec:
    """Ordered condition blocks; a label vector is the concatenation of the blocks' encodings.

    ``ConditionCodec(classes)`` is the smart-meter codec of the BDEW and meter-file datasets:
    month, day type and (when ``classes`` is not empty) customer class. ``ConditionCodec(blocks=
    [...])`` is any other combination (the generic CSV datasets).

    Attributes:
        parts: the [`Block`][ganzoo_smartgrid.conditions.Block] objects, in vector order.
    """

    def __init__(self, classes: Sequence[str] = (), *, blocks: Sequence[Block] | None = None) -> None:
        if blocks is None:
            blocks = [Block("month", MONTHS), Block("daytype", DAY_TYPES)]
            if classes:
                blocks.append(Block("class", tuple(classes)))
        self.parts: tuple[Block, ...] = tuple(blocks)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConditionCodec) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    @property
    def classes(self) -> tuple[str, ...]:
        """Values of the ``class`` block (empty without one)."""
        return next((tuple(b.values) for b in self.parts if b.name == "class"), ())

    @property
    def blocks(self) -> list[tuple[str, tuple[Any, ...]]]:
        """``[(block name, values)]`` of the categorical blocks, in vector order (numeric: ``()``)."""
        return [(b.name, b.values) for b in self.parts]

    @property
    def dim(self) -> int:
        """Length of one label vector."""
        return sum(b.width for b in self.parts)

    @property
    def block_sizes(self) -> list[int]:
        """Width of each block, in vector order."""
        return [b.width for b in self.parts]

    @property
    def names(self) -> list[str]:
        """``block=value`` name of every vector entry (numeric blocks: the block name)."""
        return [b.name if b.numeric is not None else f"{b.name}={v}" for b in self.parts for v in (b.values or [0])]

    def categorical(self) -> list[tuple[int, Block]]:
        """``(start offset, block)`` of every categorical block."""
        out, start = [], 0
        for block in self.parts:
            if block.numeric is None:
                out.append((start, block))
            start += block.width
        return out

    # -- encoding --------------------------------------------------------------------------------
    def encode(self, months: Sequence[int], day_types: Sequence[str], classes: Sequence[str] | None = None) -> np.ndarray:
        """Label vectors (N, dim) of the month / day type / class codec."""
        columns: dict[str, Sequence[Any]] = {"month": months, "daytype": day_types}
        if self.classes:
            if classes is None:
                raise ValueError("this codec has a class block; pass classes")
            columns["class"] = classes
        return self.encode_columns(columns)

    def encode_columns(self, columns: Mapping[str, Sequence[Any]]) -> np.ndarray:
        """Label vectors (N, dim) from per-window values of every block (categories or numbers)."""
        n = len(next(iter(columns.values()))) if columns else 0
        out = np.zeros((n, self.dim), dtype=np.float32)
        rows, start = np.arange(n), 0
        for block in self.parts:
            values = columns[block.name]
            if block.numeric is not None:
                out[:, start] = [block.scale(float(v)) for v in values]
            else:
                index = {value: i for i, value in enumerate(block.values)}
                out[rows, start + np.asarray([index[v] for v in values], dtype=int)] = 1.0
            start += block.width
        return out

    def decode(self, vectors: np.ndarray) -> list[dict[str, Any]]:
        """Per row ``{block: value}`` (arg-max per categorical block; numbers in original units).

        ``"class"`` is always present (``None`` without a class block), as exports expect.
        """
        vectors = np.asarray(vectors, dtype=float)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise DataError(
                f"conditions have shape {tuple(vectors.shape)}; expected (N, {self.dim}) "
                f"with blocks {', '.join(b.name for b in self.parts)}"
            )
        decoded: list[dict[str, Any]] = [{"class": None} for _ in range(len(vectors))]
        start = 0
        for block in self.parts:
            part = vectors[:, start : start + block.width]
            for row, values in zip(decoded, part, strict=True):
                row[block.name] = (block.unscale(float(values[0])) if block.numeric is not None
                                   else block.values[int(values.argmax())])
            start += block.width
        return decoded

    # -- sampling --------------------------------------------------------------------------------
    def sampling_meta(self, vectors: np.ndarray, *, joint: bool = False) -> dict[str, Any]:
        """``label_blocks``, per-block ``label_frequencies`` (and with ``joint`` the ``condition_table``).

        Frequencies of a numeric block are 1. The table holds the distinct training rows with
        their counts (at most [`TABLE_ROWS`][ganzoo_smartgrid.conditions.TABLE_ROWS], the most frequent), for joint sampling.
        """
        vectors = np.asarray(vectors, dtype=np.float64)
        counts = vectors.sum(axis=0)
        freqs: list[float] = []
        start = 0
        for block in self.parts:
            if block.numeric is not None:
                freqs.append(1.0)
            else:
                part = counts[start : start + block.width]
                total = part.sum()
                freqs += (part / total if total else np.full(block.width, 1.0 / block.width)).round(6).tolist()
            start += block.width
        meta: dict[str, Any] = {"label_blocks": self.block_sizes, "label_frequencies": freqs}
        if joint and len(vectors):
            rows, row_counts = np.unique(vectors.round(4), axis=0, return_counts=True)
            keep = np.argsort(-row_counts, kind="stable")[:TABLE_ROWS]
            meta["condition_table"] = {"rows": rows[keep].tolist(), "counts": row_counts[keep].tolist()}
        return meta

    def block_frequencies(self, meta: Mapping[str, Any]) -> list[np.ndarray]:
        """Per block, the training frequency of each value (uniform where ``meta`` records none)."""
        flat = meta.get("label_frequencies")
        sizes = self.block_sizes
        if not isinstance(flat, (list, tuple)) or len(flat) != sum(sizes) or meta.get("label_blocks") != sizes:
            flat = [1.0] * sum(sizes)
        out, start = [], 0
        for size in sizes:
            block = np.clip(np.asarray(flat[start : start + size], dtype=np.float64), 0.0, None)
            out.append(block / block.sum() if block.sum() > 0 else np.full(size, 1.0 / size))
            start += size
        return out

    def sample(self, meta: Mapping[str, Any], n: int, generator: torch.Generator | None = None,
               fixed: Mapping[str, Any] | None = None) -> torch.Tensor:
        """``n`` label vectors drawn like the training conditions, with ``fixed`` blocks set.

        ``fixed`` maps block names to a value index (categorical) or a number in original units
        (numeric), as [`parse`][ganzoo_smartgrid.conditions.ConditionCodec.parse] returns. With a ``condition_table`` in ``meta``, whole training
        rows are drawn (among those that agree with the fixed categorical blocks, when any do);
        otherwise each categorical block is drawn at its training frequency and numeric blocks
        at the middle of their range. Draws use ``generator`` (torch), so a seeded generator
        gives the same labels every time.
        """
        fixed = dict(fixed or {})
        table = meta.get("condition_table")
        if isinstance(table, Mapping) and table.get("rows"):
            out = self._sample_table(table, n, generator, fixed)
        else:
            out = torch.zeros(n, self.dim)
            start = 0
            for block, freqs in zip(self.parts, self.block_frequencies(meta), strict=True):
                if block.numeric is None and block.name not in fixed:
                    picks = torch.multinomial(torch.from_numpy(freqs), n, replacement=True, generator=generator)
                    out[torch.arange(n), start + picks] = 1.0
                start += block.width
        start = 0
        for block in self.parts:
            if block.name in fixed:
                out[:, start : start + block.width] = 0.0
                if block.numeric is not None:
                    out[:, start] = block.scale(float(fixed[block.name]))
                else:
                    out[:, start + int(fixed[block.name])] = 1.0
            start += block.width
        return out

    def _sample_table(self, table: Mapping[str, Any], n: int, generator: torch.Generator | None,
                      fixed: Mapping[str, Any]) -> torch.Tensor:
        rows = torch.tensor(table["rows"], dtype=torch.float32)
        weights = torch.tensor(table["counts"], dtype=torch.float64)
        if rows.ndim != 2 or rows.shape[1] != self.dim:
            raise DataError(f"condition_table rows have shape {tuple(rows.shape)}; expected (R, {self.dim})")
        agree = torch.ones(len(rows), dtype=torch.bool)
        for start, block in self.categorical():
            if block.name in fixed:
                agree &= rows[:, start + int(fixed[block.name])] > 0.5
        if agree.any():
            weights = weights * agree
        picks = torch.multinomial(weights, n, replacement=True, generator=generator)
        return rows[picks].clone()

    # -- condition text ----------------------------------------------------------------------------
    def parse(self, text: str) -> dict[str, Any]:
        """``"month=3,daytype=saturday,class=h25,temperature=12.5"`` -> ``{block: index or number}``.

        Months may be numbers or English names (``3``, ``mar``, ``March``); day types accept
        ``sunday``/``holiday`` for ``sunday-holiday``; matching is case-insensitive. Raises
        ConfigError (one line naming the block or value) for anything else.
        """
        blocks = {b.name.lower(): b for b in self.parts}
        chosen: dict[str, Any] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if "=" not in part:
                raise ConfigError(f"condition {part!r}: write BLOCK=VALUE, e.g. {self._example()} "
                                  f"(blocks: {', '.join(b.name for b in self.parts)})")
            key, value = (s.strip() for s in part.split("=", 1))
            name = _BLOCK_ALIASES.get(key.lower(), key.lower())
            if name not in blocks:
                raise ConfigError(f"condition {key!r}: unknown label block; this run has "
                                  f"{', '.join(b.name for b in self.parts)}")
            block = blocks[name]
            if block.name in chosen:
                raise ConfigError(f"condition {key!r}: given twice")
            if block.numeric is not None:
                try:
                    chosen[block.name] = float(value)
                except ValueError:
                    raise ConfigError(f"condition {key}={value!r}: {block.name} is a number "
                                      f"(training range {block.numeric[0]:g} to {block.numeric[1]:g})") from None
                continue
            index = _value_index(block.name, value, block.values)
            if index is None:
                shown = ", ".join(str(v) for v in block.values)
                raise ConfigError(f"condition {key}={value!r}: unknown {block.name}; choose one of {shown}")
            chosen[block.name] = index
        return chosen

    def _example(self) -> str:
        block = self.parts[0]
        return f"{block.name}={block.values[0] if block.values else 0}"

    def to_meta(self) -> dict[str, Any]:
        """JSON-ready description for ``DataSpec.meta``."""
        return {"blocks": [b.to_meta() for b in self.parts], "names": self.names}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> ConditionCodec:
        """Inverse of [`to_meta`][ganzoo_smartgrid.conditions.ConditionCodec.to_meta] (also reads the month / day type / class meta of old runs)."""
        blocks = []
        for name, values in meta["blocks"]:
            if isinstance(values, Mapping):
                blocks.append(Block(str(name), numeric=(float(values["min"]), float(values["max"]))))
            else:
                cast = str if name not in ("month", "hour") else int
                blocks.append(Block(str(name), tuple(cast(v) for v in values)))
        return cls(blocks=blocks)


def _value_index(block: str, text: str, values: tuple[Any, ...]) -> int | None:
    """Index of ``text`` among a block's values (see [`ConditionCodec.parse`][ganzoo_smartgrid.conditions.ConditionCodec.parse]), or None."""
    word = text.strip().lower()
    if block in ("month", "hour") and word.isdigit():
        return values.index(int(word)) if int(word) in values else None
    if block == "month":
        return next((i for i, name in enumerate(_MONTH_NAMES) if len(word) >= 3 and name.startswith(word)), None)
    if block == "daytype":
        word = _DAY_ALIASES.get(word, word)
    return next((i for i, value in enumerate(values) if str(value).lower() == word), None)
