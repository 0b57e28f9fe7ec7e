"""Missing values at the real rate: the decoding threshold of the ``indicator`` policy, calibrated.

Under ``missing = "indicator"`` a gap is one more outcome the generator draws: the ``missing``
half of a numeric column's observed/missing one-hot, or the missing category of a categorical
column. A GAN reproduces rare or conditional outcomes poorly after a short training (half the
real rate of the one gappy column of a crash table; a quarter of it for a cause of death that is
missing for 73 % of patients), and reading each row's outcome by argmax carries that error
straight into the output.

So training records, for every column with gaps, the share of gaps among training rows *given
each condition* of the conditional vector (``crash year = 1999``, ``dead = no``, ...) and overall.
Decoding then groups the generated rows by the condition they were generated with and, inside
each group, marks as gaps the rows with the highest missing score (the generator's Gumbel-perturbed
preference for the gap over the best value), as many as the group's real rate asks for (the
fractional row drawn at random, seeded). The *rate* of gaps per column and condition is thereby
the real one by construction, the *pattern* (which rows, jointly with which other values) is the
generator's; a hard ``--condition dead=no`` gets the gap rate of the living. Rows generated
without conditions (an unconditional model, or the Python API without them) get the overall rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ganzoo.plugin import TableTransformer

#: seeds the stochastic rounding of each group's gap count (decoding stays reproducible)
_ROUNDING_SEED = 0


def gap_slots(transformer: TableTransformer) -> dict[str, tuple[int, int]]:
    """Per column with gaps: (index of its gap entry, first index of its span) in an encoded row.

    The gap entry is the ``missing`` half of a numeric column's indicator or the missing
    (``None``) category of a categorical column; the span's other entries are its values.
    """
    slots = {}
    for span in transformer.output_info:
        if span.role == "missing":
            slots[span.column] = (span.stop - 1, span.start)
        elif span.role == "category":
            categories = transformer.categories(span.column)
            if None in categories:
                slots[span.column] = (span.start + categories.index(None), span.start)
    return slots


def _span_stop(transformer: TableTransformer, column: str, start: int) -> int:
    return next(s.stop for s in transformer.output_info if s.column == column and s.start == start)


def gap_rates(
    transformer: TableTransformer, encoded: np.ndarray, row_conditions: np.ndarray, condition_dim: int
) -> dict[str, dict[str, Any]]:
    """Real gap rates per column: ``overall`` and ``given`` each condition slot (``None`` = no row).

    ``row_conditions`` holds, per training row and condition column, the row's category as an
    index into the conditional vector (-1 where unobserved), so a row counts towards the slot of
    each of its observed categories.
    """
    rates: dict[str, dict[str, Any]] = {}
    for column, (gap, _) in gap_slots(transformer).items():
        missing = encoded[:, gap] > 0.5
        given: list[float | None] = [None] * condition_dim
        for slot in range(condition_dim):
            rows = (row_conditions == slot).any(axis=1)
            if rows.any():
                given[slot] = float(missing[rows].mean())
        rates[column] = {"overall": float(missing.mean()), "given": given}
    return rates


def calibrate_gaps(
    encoded: np.ndarray,
    transformer: TableTransformer,
    rates: Mapping[str, Mapping[str, Any]],
    conditions: np.ndarray | None = None,
) -> np.ndarray:
    """``encoded`` (generated rows) with each gappy column's gaps set at the real rate per condition."""
    out = np.array(encoded, dtype=np.float64, copy=True)
    n = len(out)
    if n == 0:
        return out
    if conditions is not None and conditions.shape[1] and (conditions.sum(axis=1) > 0).all():
        groups = conditions.argmax(axis=1)
    else:
        groups = np.full(n, -1)
    rng = np.random.default_rng(_ROUNDING_SEED)
    for column, (gap, start) in gap_slots(transformer).items():
        if column not in rates:
            continue
        stop = _span_stop(transformer, column, start)
        others = [i for i in range(start, stop) if i != gap]
        best_other = out[:, others].max(axis=1)
        score = out[:, gap] - best_other
        missing = np.zeros(n, dtype=bool)
        for group in np.unique(groups):
            rows = np.flatnonzero(groups == group)
            rate = _rate(rates[column], int(group))
            exact = rate * len(rows)
            count = int(np.floor(exact)) + int(rng.random() < exact - np.floor(exact))
            if count:
                missing[rows[np.argsort(-score[rows], kind="stable")[:count]]] = True
        chosen = np.array(others)[out[:, others].argmax(axis=1)]
        out[:, start:stop] = 0.0
        out[np.flatnonzero(~missing), chosen[~missing]] = 1.0
        out[missing, gap] = 1.0
    return out


def _rate(rates: Mapping[str, Any], slot: int) -> float:
    given: Sequence[float | None] = rates.get("given", [])
    if 0 <= slot < len(given) and given[slot] is not None:
        return float(given[slot])
    return float(rates["overall"])
