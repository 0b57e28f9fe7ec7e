"""From per-meter readings to complete windows of whole days at one resolution.

Steps, per meter:

1. sort by time; duplicate timestamps keep their first reading (LCL has a few);
2. place readings on the native grid (the most common spacing between readings across meters,
   timestamps floored to it) starting at midnight of the first day;
3. aggregate to the target resolution: mean for power (kW), sum for energy (kWh per interval);
   an interval with any missing native reading is missing;
4. cut into windows of ``window_days`` consecutive calendar days (midnight to midnight), moving
   by ``stride_days``.

Windows with any missing value are **dropped**, never filled: imputed readings would teach the
generator the imputation method. How many were kept and dropped is recorded so users can see it.
Upsampling (a target finer than the data) is refused because it would invent structure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ganzoo.plugin import DataError
from ganzoo_smartgrid.readers import Readings

MINUTES_PER_DAY = 24 * 60
SPACING_SAMPLE = 10_000  # spacings per meter pooled to find the native resolution


@dataclass(frozen=True)
class Windows:
    """Complete windows in original units.

    Attributes:
        values: (N, window_days * steps_per_day).
        meter: meter id per window.
        start: first calendar day per window.
        dropped: windows discarded because of missing readings.
        duplicates: readings discarded because their timestamp repeated.
    """

    values: np.ndarray
    meter: list[str]
    start: list[dt.date]
    dropped: int
    duplicates: int


def native_step_minutes(readings: Readings, source: str) -> int:
    """Most common positive spacing between consecutive readings (minutes), across meters."""
    diffs = []
    for times, _ in readings.series.values():
        ordered = np.sort(times)
        step = np.diff(ordered).astype("timedelta64[s]").astype(np.int64)
        diffs.append(step[step > 0][:SPACING_SAMPLE])
    pooled = np.concatenate(diffs) if diffs else np.empty(0, dtype=np.int64)
    if pooled.size == 0:
        raise DataError(f"{source}: fewer than two readings per meter; cannot tell the time resolution")
    values, counts = np.unique(pooled, return_counts=True)
    seconds = int(values[counts.argmax()])
    if seconds % 60 or MINUTES_PER_DAY % (seconds // 60):
        raise DataError(f"{source}: readings every {seconds} s do not divide a day into whole minutes")
    return seconds // 60


def make_windows(
    readings: Readings, *, resolution_minutes: int, window_days: int, stride_days: int, source: str
) -> Windows:
    """Resample every meter and cut complete day windows (see the module docstring)."""
    if not readings.series:
        raise DataError(f"{source}: no meters with readings")
    native = native_step_minutes(readings, source)
    if resolution_minutes % native:
        finer = "finer than" if resolution_minutes < native else "not a multiple of"
        raise DataError(
            f"{source}: resolution {resolution_minutes} min is {finer} the data's {native} min readings"
        )
    factor = resolution_minutes // native
    native_per_day = MINUTES_PER_DAY // native
    steps = MINUTES_PER_DAY // resolution_minutes
    out_values, out_meter, out_start = [], [], []
    dropped = duplicates = 0
    for meter, (times, values) in readings.series.items():
        order = np.argsort(times, kind="stable")
        times, values = times[order], values[order]
        day0 = times[0].astype("datetime64[D]")
        slot = ((times - day0).astype("timedelta64[m]").astype(np.int64)) // native
        unique = np.ones(len(slot), dtype=bool)
        unique[1:] = slot[1:] != slot[:-1]
        duplicates += int((~unique).sum())
        slot, values = slot[unique], values[unique]
        n_days = int(slot[-1] // native_per_day) + 1
        grid = np.full(n_days * native_per_day, np.nan)
        grid[slot] = values
        grouped = grid.reshape(-1, factor)
        coarse = grouped.mean(axis=1) if readings.quantity == "power" else grouped.sum(axis=1)
        coarse[np.isnan(grouped).any(axis=1)] = np.nan
        days = coarse.reshape(n_days, steps)
        if n_days < window_days:
            continue
        windows = sliding_window_view(days, (window_days, steps))[::stride_days, 0].reshape(-1, window_days * steps)
        complete = np.isfinite(windows).all(axis=1)
        dropped += int((~complete).sum())
        first = dt.date.fromisoformat(str(day0))
        for k in np.flatnonzero(complete):
            out_values.append(windows[k])
            out_meter.append(meter)
            out_start.append(first + dt.timedelta(days=int(k) * stride_days))
    values = np.stack(out_values) if out_values else np.empty((0, window_days * steps))
    return Windows(values, out_meter, out_start, dropped, duplicates)


def split_by_date(start: list[dt.date], split: str, val_fraction: float, test_fraction: float) -> np.ndarray:
    """Indices of the windows in ``split``: chronological cut over the distinct start days.

    The earliest days train, the next ``val_fraction`` validate, the last ``test_fraction``
    test, so held-out data always lies after the training data (as in real forecasting).
    """
    days = np.asarray(sorted(set(start)), dtype="datetime64[D]")
    n = len(days)
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    n_train = n - n_val - n_test
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n)}
    lo, hi = bounds[split]
    chosen = set(days[lo:hi].tolist())
    return np.asarray([i for i, s in enumerate(start) if s in chosen], dtype=np.int64)
