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

from ganzoo.registry.errors import DataError
from ganzoo_smartgrid.daytypes import DAY_TYPES

MONTHS: tuple[int, ...] = tuple(range(1, 13))


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

    def to_meta(self) -> dict[str, Any]:
        """JSON-ready description for ``DataSpec.meta``."""
        return {"blocks": [[block, list(values)] for block, values in self.blocks], "names": self.names}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> ConditionCodec:
        """Inverse of :meth:`to_meta`."""
        blocks = {block: values for block, values in meta["blocks"]}
        return cls(classes=tuple(str(c) for c in blocks.get("class", ())))
