"""Inject missing values with a known mechanism, to study training on incomplete tables.

Real accident records have gaps (STATS19 writes -1). To compare dropping incomplete rows with
masked training (MaWGAN) the gaps must be controlled, so the simulator can remove entries:

* ``mcar`` (missing completely at random): every entry of the chosen columns with probability
  ``rate`` (MaWGAN's assumption);
* ``mar`` (at random given observed data): the probability depends on an always-observed column
  (``driver``; rural accidents and night hours lose more) with the same average rate;
* ``mnar`` (not at random): larger values of the column itself are more likely to be missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ganzoo.plugin import DataError

Mechanism = Literal["mcar", "mar", "mnar"]


def inject_missing(
    frame: pd.DataFrame,
    columns: Sequence[str],
    rate: float,
    mechanism: Mechanism = "mcar",
    *,
    seed: int = 0,
    driver: str | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with about ``rate`` of the entries of ``columns`` set to NaN.

    Args:
        driver: for ``mar``, the column whose values drive missingness (default: the first
            column of ``frame`` not in ``columns``); it is never made missing.
    """
    if not 0 <= rate < 1:
        raise DataError(f"missing rate must be in [0, 1), got {rate}")
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise DataError(f"missing_columns: column {unknown[0]!r} is not in the table")
    out = frame.copy()
    if rate == 0:
        return out
    rng = np.random.default_rng(seed)
    weights = np.ones(len(frame))
    if mechanism == "mar":
        driver = driver or next((c for c in frame.columns if c not in columns), None)
        if driver is None or driver in columns:
            raise DataError("MAR missingness needs a driver column that stays observed")
        weights = _rank_weights(frame[driver])
    for column in columns:
        if mechanism == "mnar":
            weights = _rank_weights(frame[column])
        probability = np.clip(rate * weights / weights.mean(), 0, 1)
        gaps = rng.random(len(frame)) < probability
        if column in out and not pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].astype(float if pd.api.types.is_numeric_dtype(out[column]) else object)
        out.loc[gaps, column] = np.nan
    return out


def _rank_weights(values: pd.Series) -> np.ndarray:
    """Weights from 0.5 (smallest value) to 1.5 (largest): missingness grows with the value."""
    ranks = values.rank(method="average", na_option="keep").fillna(values.rank().mean()).to_numpy()
    return 0.5 + (ranks - 1) / max(len(ranks) - 1, 1)
