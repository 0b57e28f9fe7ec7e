"""Invertible scaling between original units (kW, kWh) and the model's [-1, 1].

Statistics are computed once on the training split and stored in ``DataSpec.meta``, so held-out
splits share the mapping and ``export`` can undo it in a fresh process without the data.
``log`` applies ``log1p`` before the min-max step; it compresses the heavy right tail of
household load (appliance spikes) and needs non-negative data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ganzoo.plugin import DataError

Kind = Literal["minmax", "log"]


@dataclass(frozen=True)
class Normaliser:
    """``x -> 2 * (f(x) - lo) / (hi - lo) - 1`` with ``f`` the identity or ``log1p``."""

    kind: Kind
    lo: float
    hi: float

    @classmethod
    def fit(cls, values: np.ndarray, kind: Kind, *, source: str = "data") -> Normaliser:
        """Statistics of ``values`` (any shape, finite)."""
        values = np.asarray(values, dtype=np.float64)
        if values.size == 0:
            raise DataError(f"{source}: no complete windows to compute normalisation statistics from")
        if kind == "log":
            if values.min() < 0:
                raise DataError(
                    f"{source}: normalisation 'log' needs non-negative values "
                    f"(minimum {values.min():g}); use 'minmax'"
                )
            values = np.log1p(values)
        lo, hi = float(values.min()), float(values.max())
        if hi - lo < 1e-12:
            hi = lo + 1.0  # constant data: any positive span keeps the mapping invertible
        return cls(kind, lo, hi)

    def forward(self, values: np.ndarray) -> np.ndarray:
        """Original units -> model space (float32)."""
        values = np.asarray(values, dtype=np.float64)
        if self.kind == "log":
            values = np.log1p(np.maximum(values, 0.0))
        return (2.0 * (values - self.lo) / (self.hi - self.lo) - 1.0).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Model space -> original units (float64)."""
        values = (np.asarray(values, dtype=np.float64) + 1.0) / 2.0 * (self.hi - self.lo) + self.lo
        return np.expm1(values) if self.kind == "log" else values

    def to_meta(self) -> dict[str, Any]:
        return {"kind": self.kind, "lo": self.lo, "hi": self.hi}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Normaliser:
        return cls(meta["kind"], float(meta["lo"]), float(meta["hi"]))
