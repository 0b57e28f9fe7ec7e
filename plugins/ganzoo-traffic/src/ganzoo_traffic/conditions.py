"""Conditional vectors: their layout, parsing ``severity=1``, and sampling them like CTGAN.

A conditional vector concatenates one one-hot block per condition column (the discrete columns
of the table and, with ``condition_on_modes``, the modes of its numeric columns, in
``DataSpec.meta["table"]["condition_columns"]`` order); exactly one entry is 1, naming one
category (or mode) of one column, as in training. Everything here works from the DataSpec
alone, so ``ganzoo generate RUN --condition severity=1`` needs neither data nor dataset.

API for the CLI and the Sampler::

    from ganzoo_traffic.conditions import condition_vector, sample_conditions
    cond = condition_vector(spec, "severity=1", n)   # (n, cond_dim), every row asks for code 1
    cond = sample_conditions(spec, n, seed=0)        # (n, cond_dim), empirical frequencies

A column is named exactly, case-insensitively, or by an unambiguous part (``severity`` finds
``accident_severity``); a value by its code or text (``1``, ``Fatal`` for text categories), a
whole number of an integer column with few values (``year=1985``), or any number of a continuous
column, which names the mode whose centre is nearest (``weight=120`` asks for rows of that mode).
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
    """Where one condition column sits in the conditional vector and in the encoded row.

    A discrete column's categories are its one-hot span. A numeric column's "categories" are
    its modes (CTAB-GAN's extension of the conditional vector), plus a last ``None`` for its
    gaps when it has a missing indicator: conditioning on them lets training-by-sampling show
    the critic rare modes (a rare year, the tail of a weight) as often as rare classes.
    """

    column: str
    offset: int  # first index in the conditional vector
    x_index: tuple[int, ...]  # per category: its entry in the encoded row
    categories: list[Any]
    counts: list[float]  # training rows per category (relative frequencies would do)
    numeric: bool = False  # modes of a numeric column, not categories

    @property
    def size(self) -> int:
        return len(self.categories)

    def row_categories(self, x: np.ndarray) -> np.ndarray:
        """Each encoded row's category index (-1 where the entry is unobserved, masked)."""
        values = x[:, list(self.x_index)]
        out = np.where(values.sum(axis=1) > 0, values.argmax(axis=1), -1)
        if self.numeric and self.categories[-1] is None:
            # a gap is encoded with the mode of the column mean as well: the gap wins
            out = np.where(values[:, -1] > 0.5, self.size - 1, out)
        return out


def condition_layout(transformer: TableTransformer, columns: Sequence[str]) -> list[ConditionBlock]:
    """The blocks of the conditional vector for ``columns`` (discrete or numeric columns)."""
    blocks = []
    offset = 0
    for column in columns:
        if column in transformer.discrete_columns:
            span = transformer.span_of(column)
            block = ConditionBlock(column, offset, tuple(range(span.start, span.stop)),
                                   transformer.categories(column), list(transformer.category_counts(column)))
        else:
            modes = transformer.span_of(column, "mode")
            index, categories = list(range(modes.start, modes.stop)), transformer.mode_centres(column)
            gaps = [s for s in transformer.output_info if s.column == column and s.role == "missing"]
            if gaps:
                index.append(gaps[0].stop - 1)
                categories.append(None)
            block = ConditionBlock(column, offset, tuple(index), categories, transformer.mode_counts(column), True)
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
    if block.numeric and isinstance(block.categories[0], float):
        try:  # a continuous column's value names the mode whose centre is nearest
            number = float(text)
        except ValueError:
            pass
        else:
            centres = np.array([np.inf if c is None else c for c in block.categories])
            return int(np.abs(centres - number).argmin())
    known = ", ".join(str(c) for c in block.categories if c is not None)
    raise DataError(f"column {block.column!r} has no category {value!r} (known: {known})")


def sample_conditions(spec: DataSpec, n: int, seed: int | None = None) -> torch.Tensor:
    """``(n, cond_dim)`` conditions drawn as CTGAN samples them for unconditional generation.

    A column is chosen uniformly (or, with ``target_share``, the outcome column that often: the
    shares recorded in ``spec.meta["label_frequencies"]``), then a category with its training
    frequency (not the log frequency used in training), so each column is asked for at its real
    frequencies in the rows conditioned on it. The other columns of a row are the generator's:
    a rare outcome class comes out too often in rows conditioned on another column (RESULTS.md
    §12), which is what curation ([`ganzoo_traffic.curation`][ganzoo_traffic.curation]) corrects.
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
