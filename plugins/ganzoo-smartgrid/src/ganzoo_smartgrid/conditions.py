"""Condition label vectors: month, day type and customer class as concatenated one-hot blocks.

The same codec encodes labels for training, travels in ``DataSpec.meta["conditions"]`` and decodes
generated conditions at export time, so the synthetic date and meter name written next to a curve
always agree with the label it was generated for.
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
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")
#: Other spellings of block names and day types accepted in condition text.
_BLOCK_ALIASES = {"day_type": "daytype", "day-type": "daytype", "customer_class": "class", "customer": "class"}
_DAY_ALIASES = {"sunday": "sunday-holiday", "holiday": "sunday-holiday", "weekday": "workday"}


@dataclass(frozen=True)
class ConditionCodec:
    """Ordered one-hot blocks; a label vector is the concatenation of one one-hot per block.

    Attributes:
        classes: customer classes (profile names, tariffs ...); an empty tuple means the vector
            has no class block (data with a single, unnamed class).
    """

    classes: tuple[str, ...] = ()

    @property
    def blocks(self) -> list[tuple[str, tuple[Any, ...]]]:
        """``[(block name, values)]`` in vector order."""
        blocks: list[tuple[str, tuple[Any, ...]]] = [("month", MONTHS), ("daytype", DAY_TYPES)]
        if self.classes:
            blocks.append(("class", self.classes))
        return blocks

    @property
    def dim(self) -> int:
        """Length of one label vector."""
        return sum(len(values) for _, values in self.blocks)

    @property
    def names(self) -> list[str]:
        """``block=value`` name of every vector entry (for reports)."""
        return [f"{block}={value}" for block, values in self.blocks for value in values]

    def encode(self, months: Sequence[int], day_types: Sequence[str], classes: Sequence[str] | None = None) -> np.ndarray:
        """Label vectors (N, dim) float32 from per-sample month, day type and class."""
        n = len(months)
        out = np.zeros((n, self.dim), dtype=np.float32)
        rows = np.arange(n)
        out[rows, np.asarray(months, dtype=int) - 1] = 1.0
        out[rows, 12 + np.asarray([DAY_TYPES.index(t) for t in day_types], dtype=int)] = 1.0
        if self.classes:
            if classes is None:
                raise ValueError("this codec has a class block; pass classes")
            index = {name: i for i, name in enumerate(self.classes)}
            out[rows, 15 + np.asarray([index[c] for c in classes], dtype=int)] = 1.0
        return out

    def decode(self, vectors: np.ndarray) -> list[dict[str, Any]]:
        """Per row ``{"month": int, "daytype": str, "class": str | None}`` (arg-max per block)."""
        vectors = np.asarray(vectors, dtype=float)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise DataError(
                f"conditions have shape {tuple(vectors.shape)}; expected (N, {self.dim}) "
                f"with blocks {', '.join(b for b, _ in self.blocks)}"
            )
        decoded: list[dict[str, Any]] = [{"class": None} for _ in range(len(vectors))]
        start = 0
        for block, values in self.blocks:
            picks = vectors[:, start : start + len(values)].argmax(axis=1)
            for row, pick in zip(decoded, picks, strict=True):
                row[block] = values[int(pick)]
            start += len(values)
        return decoded

    @property
    def block_sizes(self) -> list[int]:
        """Length of each one-hot block, in vector order."""
        return [len(values) for _, values in self.blocks]

    def sampling_meta(self, vectors: np.ndarray) -> dict[str, Any]:
        """``label_blocks`` and per-block ``label_frequencies`` of ``vectors`` (for ``DataSpec.meta``).

        A sampler that draws labels for a multi-hot vector draws one entry per block with these
        frequencies, so generated label mixes follow the training data.
        """
        counts = np.asarray(vectors, dtype=np.float64).sum(axis=0)
        freqs: list[float] = []
        start = 0
        for size in self.block_sizes:
            block = counts[start : start + size]
            total = block.sum()
            freqs += (block / total if total else np.full(size, 1.0 / size)).round(6).tolist()
            start += size
        return {"label_blocks": self.block_sizes, "label_frequencies": freqs}

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
               fixed: Mapping[str, int] | None = None) -> torch.Tensor:
        """``n`` label vectors: one one-hot per block, drawn at the frequencies in ``meta``.

        ``fixed`` maps block names to a value index that every vector gets instead of a draw.
        Draws use ``generator`` (torch), so a seeded generator gives the same labels every time.
        """
        fixed = fixed or {}
        out = torch.zeros(n, self.dim)
        start = 0
        for (block, values), freqs in zip(self.blocks, self.block_frequencies(meta), strict=True):
            if block in fixed:
                picks = torch.full((n,), fixed[block], dtype=torch.long)
            else:
                picks = torch.multinomial(torch.from_numpy(freqs), n, replacement=True, generator=generator)
            out[torch.arange(n), start + picks] = 1.0
            start += len(values)
        return out

    def parse(self, text: str) -> dict[str, int]:
        """``"month=3,daytype=saturday,class=h25"`` -> ``{block: value index}``.

        Months may be numbers or English names (``3``, ``mar``, ``March``); day types accept
        ``sunday``/``holiday`` for ``sunday-holiday``; matching is case-insensitive. Raises
        ConfigError (one line naming the block or value) for anything else.
        """
        blocks = dict(self.blocks)
        chosen: dict[str, int] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if "=" not in part:
                raise ConfigError(f"condition {part!r}: write BLOCK=VALUE, e.g. month=3 (blocks: {', '.join(blocks)})")
            key, value = (s.strip() for s in part.split("=", 1))
            block = _BLOCK_ALIASES.get(key.lower(), key.lower())
            if block not in blocks:
                raise ConfigError(f"condition {key!r}: unknown label block; this run has {', '.join(blocks)}")
            if block in chosen:
                raise ConfigError(f"condition {key!r}: given twice")
            index = _value_index(block, value, blocks[block])
            if index is None:
                shown = ", ".join(str(v) for v in blocks[block])
                raise ConfigError(f"condition {key}={value!r}: unknown {block}; choose one of {shown}")
            chosen[block] = index
        return chosen

    def to_meta(self) -> dict[str, Any]:
        """JSON-ready description for ``DataSpec.meta``."""
        return {"blocks": [[block, list(values)] for block, values in self.blocks], "names": self.names}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> ConditionCodec:
        """Inverse of [`to_meta`][ganzoo_smartgrid.conditions.ConditionCodec.to_meta]."""
        blocks = {block: values for block, values in meta["blocks"]}
        return cls(classes=tuple(str(c) for c in blocks.get("class", ())))


def _value_index(block: str, text: str, values: tuple[Any, ...]) -> int | None:
    """Index of ``text`` among a block's values (see [`ConditionCodec.parse`][ganzoo_smartgrid.conditions.ConditionCodec.parse]), or None."""
    word = text.strip().lower()
    if block == "month":
        if word.isdigit() and int(word) in values:
            return values.index(int(word))
        return next((i for i, name in enumerate(_MONTH_NAMES) if len(word) >= 3 and name.startswith(word)), None)
    if block == "daytype":
        word = _DAY_ALIASES.get(word, word)
    return next((i for i, value in enumerate(values) if str(value).lower() == word), None)
