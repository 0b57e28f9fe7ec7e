"""Invertible scaling between original units (kW, kWh, any sensor unit) and the model's [-1, 1].

Statistics are computed once on the training split and stored in ``DataSpec.meta``, so held-out
splits share the mapping and ``export`` can undo it in a fresh process without the data.
``minmax`` maps each channel's training range to [-1, 1] and accepts any sign; ``log`` applies
``log1p`` first, which compresses the heavy right tail of household load (appliance spikes) and
needs non-negative data. Statistics are per channel (``per_channel=True``, the generic loaders'
default: a sensor table mixes units and ranges) or one pair for all channels; old checkpoints
store one pair as plain numbers, which still load.
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
    """``x -> 2 * (f(x) - lo) / (hi - lo) - 1`` with ``f`` the identity or ``log1p``.

    ``lo`` and ``hi`` are floats (one pair for every value) or tuples with one entry per
    channel; per-channel statistics apply to arrays shaped ``(..., C, L)``.
    """

    kind: Kind
    lo: float | tuple[float, ...]
    hi: float | tuple[float, ...]

    @classmethod
    def fit(cls, values: np.ndarray, kind: Kind, *, source: str = "data", per_channel: bool = False,
            channels: list[str] | None = None) -> Normaliser:
        """Statistics of ``values``: any shape, or ``(N, C, L)`` with ``per_channel``; finite."""
        values = np.asarray(values, dtype=np.float64)
        if values.size == 0:
            raise DataError(f"{source}: no complete windows to compute normalisation statistics from")
        if kind == "log":
            if values.min() < 0:
                where = ""
                if per_channel and channels:
                    where = f" in channel {channels[int(values.min(axis=(0, 2)).argmin())]!r}"
                raise DataError(
                    f"{source}: normalisation 'log' needs non-negative values "
                    f"(minimum {values.min():g}{where}); use 'minmax'"
                )
            values = np.log1p(values)
        if not per_channel:
            lo, hi = float(values.min()), float(values.max())
            return cls(kind, lo, hi if hi - lo >= 1e-12 else lo + 1.0)  # constant data stays invertible
        lows, highs = values.min(axis=(0, 2)), values.max(axis=(0, 2))
        highs = np.where(highs - lows < 1e-12, lows + 1.0, highs)
        return cls(kind, tuple(float(v) for v in lows), tuple(float(v) for v in highs))

    def _bounds(self, values: np.ndarray) -> tuple[Any, Any]:
        if isinstance(self.lo, tuple):
            lo, hi = np.asarray(self.lo)[:, None], np.asarray(self.hi)[:, None]
            if values.ndim < 2 or values.shape[-2] != len(self.lo):
                raise DataError(f"values of shape {values.shape} do not have the {len(self.lo)} channels "
                                "the normalisation was fitted on")
            return lo, hi
        return self.lo, self.hi

    def forward(self, values: np.ndarray) -> np.ndarray:
        """Original units -> model space (float32)."""
        values = np.asarray(values, dtype=np.float64)
        lo, hi = self._bounds(values)
        if self.kind == "log":
            values = np.log1p(np.maximum(values, 0.0))
        return (2.0 * (values - lo) / (hi - lo) - 1.0).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Model space -> original units (float64)."""
        values = np.asarray(values, dtype=np.float64)
        lo, hi = self._bounds(values)
        values = (values + 1.0) / 2.0 * (hi - lo) + lo
        return np.expm1(values) if self.kind == "log" else values

    def to_meta(self) -> dict[str, Any]:
        pack = (lambda v: list(v)) if isinstance(self.lo, tuple) else (lambda v: v)
        return {"kind": self.kind, "lo": pack(self.lo), "hi": pack(self.hi)}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Normaliser:
        def unpack(v: Any) -> float | tuple[float, ...]:
            return tuple(float(x) for x in v) if isinstance(v, (list, tuple)) else float(v)

        return cls(meta["kind"], unpack(meta["lo"]), unpack(meta["hi"]))
