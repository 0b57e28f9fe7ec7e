"""Conditional vectors: their layout, parsing ``severity=1``, and sampling them like CTGAN.

A conditional vector concatenates one one-hot block per condition column (the discrete columns
of the table, in ``DataSpec.meta["table"]["condition_columns"]`` order); exactly one entry is 1,
naming one category of one column, as in training. Everything here works from the DataSpec
alone, so ``ganzoo generate RUN --condition severity=1`` needs neither data nor dataset.

API for the CLI and the Sampler::

    from ganzoo_traffic.conditions import condition_vector, sample_conditions
    cond = condition_vector(spec, "severity=1", n)   # (n, cond_dim), every row asks for code 1
    cond = sample_conditions(spec, n, seed=0)        # (n, cond_dim), empirical frequencies

A column is named exactly, case-insensitively, or by an unambiguous part (``severity`` finds
``accident_severity``); a value by its code or text (``1``, ``Fatal`` for text categories).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ganzoo.plugin import ConfigError, DataError, DataSpec, TableTransformer


@dataclass(frozen=True)
class ConditionBlock:
    """Where one condition column sits in the conditional vector and in the encoded row."""

    column: str
    offset: int  # first index in the conditional vector
    x_offset: int  # first index of the column's one-hot span in the encoded row
    categories: list[Any]
    counts: list[int]

    @property
    def size(self) -> int:
        return len(self.categories)


def condition_layout(transformer: TableTransformer, columns: Sequence[str]) -> list[ConditionBlock]:
    """The blocks of the conditional vector for ``columns`` (discrete columns of the table)."""
    blocks = []
    offset = 0
    for column in columns:
        span = transformer.span_of(column)
        block = ConditionBlock(
            column, offset, span.start, transformer.categories(column), transformer.category_counts(column)
        )
        blocks.append(block)
        offset += block.size
    return blocks


def layout_from_spec(spec: DataSpec) -> list[ConditionBlock]:
    """The conditional-vector layout saved in a table dataset's DataSpec."""
    table = spec.meta.get("table")
    if not isinstance(table, Mapping) or "transformer" not in table:
        raise ConfigError("this model was not trained on a ganzoo-traffic table (no meta['table'])")
    if spec.condition != "label":
        raise ConfigError("this model is unconditional: train with dataset.params.conditional = true")
    transformer = TableTransformer.from_dict(table["transformer"])
    return condition_layout(transformer, table["condition_columns"])


def _find_column(blocks: Sequence[ConditionBlock], name: str) -> ConditionBlock:
    wanted = name.strip()
    for test in (
        lambda c: c == wanted,
        lambda c: c.lower() == wanted.lower(),
        lambda c: wanted.lower() in c.lower(),
    ):
        matches = [b for b in blocks if test(b.column)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(b.column for b in matches)
            raise ConfigError(f"condition {name!r} is ambiguous: it matches {names}")
    known = ", ".join(b.column for b in blocks)
    raise ConfigError(f"condition column {name!r} is not a condition column (choose from: {known})")


def parse_condition(text: str) -> tuple[str, str]:
    """``"severity=1"`` -> ``("severity", "1")``."""
    column, sep, value = text.partition("=")
    if not sep or not column.strip() or not value.strip():
        raise ConfigError(f"condition {text!r}: write COLUMN=VALUE, e.g. severity=1")
    return column.strip(), value.strip()


def condition_vector(
    spec: DataSpec, condition: str | Mapping[str, Any] | Sequence[str], n: int = 1
) -> torch.Tensor:
    """``(n, cond_dim)`` conditional vectors that all ask for one category of one column.

    ``condition`` is ``"column=value"``, a one-item mapping ``{column: value}`` or a one-item
    list of such strings: CTGAN conditions on one column at a time, as it was trained.
    """
    blocks = layout_from_spec(spec)
    if isinstance(condition, str):
        pairs = [parse_condition(condition)]
    elif isinstance(condition, Mapping):
        pairs = [(str(k), v) for k, v in condition.items()]
    else:
        pairs = [parse_condition(c) for c in condition]
    if len(pairs) != 1:
        raise ConfigError(
            f"give exactly one condition (got {len(pairs)}): the generator was trained to honour one column at a time"
        )
    column, value = pairs[0]
    block = _find_column(blocks, column)
    try:
        index = _category_index(block, value)
    except DataError as err:
        raise ConfigError(f"condition {column}={value}: {err}") from None
    out = torch.zeros(n, spec.condition_dim)
    out[:, block.offset + index] = 1.0
    return out


def _category_index(block: ConditionBlock, value: Any) -> int:
    text = str(value).strip()
    for i, category in enumerate(block.categories):
        if category is not None and (category == value or str(category).lower() == text.lower()):
            return i
    known = ", ".join(str(c) for c in block.categories if c is not None)
    raise DataError(f"column {block.column!r} has no category {value!r} (known: {known})")


def sample_conditions(spec: DataSpec, n: int, seed: int | None = None) -> torch.Tensor:
    """``(n, cond_dim)`` conditions drawn as CTGAN samples them for unconditional generation.

    A column is chosen uniformly (or, with ``target_share``, the outcome column that often: the
    shares recorded in ``spec.meta["label_frequencies"]``), then a category with its training
    frequency (not the log frequency used in training), so generated tables keep the real class
    balance.
    """
    blocks = layout_from_spec(spec)
    rng = np.random.default_rng(seed)
    out = torch.zeros(n, spec.condition_dim)
    frequencies = np.asarray(spec.meta.get("label_frequencies", []), dtype=float)
    shares = [frequencies[b.offset : b.offset + b.size].sum() for b in blocks] if frequencies.size else []
    if shares and not np.allclose(shares, shares[0]):
        chosen = rng.choice(len(blocks), size=n, p=np.asarray(shares) / sum(shares))
    else:
        chosen = rng.integers(len(blocks), size=n)
    for b, block in enumerate(blocks):
        rows = np.flatnonzero(chosen == b)
        if rows.size:
            probs = np.asarray(block.counts, dtype=float)
            cats = rng.choice(block.size, size=rows.size, p=probs / probs.sum())
            out[rows, block.offset + cats] = 1.0
    return out
