"""Turn mixed-type tables into the numeric matrices scikit-learn classifiers need.

The encoding is fitted on one reference table and applied to every other, so real and
synthetic rows land in the same feature space: numeric columns standardised by the reference's
mean and deviation, categories one-hot over the reference's categories (unseen ones all zero),
gaps as zeros plus an indicator column wherever the reference has gaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ganzoo_traffic.metrics.fidelity import NUMERIC_KINDS


def _numbers(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        seconds = (values - pd.Timestamp(0, tz=values.dt.tz)) / pd.Timedelta(seconds=1)
        return seconds.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


@dataclass
class FeatureEncoder:
    """One-hot + standardisation fitted on a reference table."""

    kinds: Mapping[str, str]
    numeric: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)

    def fit(self, frame: pd.DataFrame) -> FeatureEncoder:
        for column, kind in self.kinds.items():
            if kind in NUMERIC_KINDS:
                x = _numbers(frame[column])
                observed = x[~np.isnan(x)]
                mean = float(observed.mean()) if observed.size else 0.0
                std = float(observed.std()) if observed.size and observed.std() > 0 else 1.0
                self.numeric[column] = (mean, std, bool(np.isnan(x).any()))
            else:
                self.categories[column] = sorted(frame[column].dropna().astype(str).unique().tolist())
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        parts: list[np.ndarray] = []
        for column, (mean, std, gaps) in self.numeric.items():
            x = (_numbers(frame[column]) - mean) / std
            missing = np.isnan(x)
            parts.append(np.where(missing, 0.0, x)[:, None])
            if gaps:
                parts.append(missing.astype(float)[:, None])
        for column, categories in self.categories.items():
            values = frame[column].astype(object).where(frame[column].notna(), None)
            text = np.asarray([None if v is None else str(v) for v in values], dtype=object)
            parts.append(np.stack([text == c for c in categories], axis=1).astype(float) if categories else np.zeros((len(frame), 0)))
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(frame), 0))


def encode_pair(
    reference: pd.DataFrame, others: Sequence[pd.DataFrame], kinds: Mapping[str, str]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Encode ``reference`` and ``others`` with an encoder fitted on ``reference``."""
    encoder = FeatureEncoder(kinds).fit(reference)
    return encoder.transform(reference), [encoder.transform(o) for o in others]
