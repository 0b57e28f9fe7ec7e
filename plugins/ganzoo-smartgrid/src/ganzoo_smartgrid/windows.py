"""From per-series readings to complete windows of any length, stride, resolution and channel count.

Steps, per series (a meter, a sensor table, one labelled curve):

1. with timestamps: sort by time; duplicate timestamps keep their first reading (LCL has a few);
   place readings on the native grid (the most common spacing between readings across series,
   timestamps floored to it); without timestamps the rows' order in the file is the time order;
2. aggregate to the target resolution: mean for power (kW) and any other level-type quantity,
   sum for energy (kWh per interval); an interval with any missing native reading is missing;
3. cut windows of ``window`` steps moving by ``stride`` steps. Windows given in days start at
   midnight (calendar days, as load analysts compare them); windows given in steps start at the
   series' first reading;
4. condition columns travel with the readings: a categorical one (class, tariff) labels a window
   with its value at the window's first step, a numeric one (temperature) with its mean over the
   window.

Windows with any missing value (or a numeric condition missing throughout) are **dropped**,
never filled: imputed readings would teach the generator the imputation method. How many were
kept and dropped is recorded so users can see it. Upsampling (a target finer than the data) is
refused because it would invent structure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ganzoo.plugin import DataError
from ganzoo_smartgrid.readers import Readings

MINUTES_PER_DAY = 24 * 60
MINUTE_NS = 60 * 10**9
DAY_NS = MINUTES_PER_DAY * MINUTE_NS
SPACING_SAMPLE = 10_000  # spacings per meter pooled to find the native resolution
#: Label of a window whose categorical condition cell is empty.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Plan:
    """How to cut windows.

    Attributes:
        window: steps per window (at the target resolution), or days with ``align_days``.
        stride: steps (or days) between the starts of consecutive windows.
        resolution_minutes: target minutes per step; ``None`` keeps the data's own spacing.
        align_days: ``window`` and ``stride`` count calendar days, and windows start at midnight.
    """

    window: int
    stride: int
    resolution_minutes: int | None = None
    align_days: bool = False

    def in_steps(self, resolution: int | None) -> tuple[int, int]:
        """``(window, stride)`` in steps of ``resolution`` nanoseconds."""
        if not self.align_days:
            return self.window, self.stride
        assert resolution is not None
        per_day = DAY_NS // resolution
        return self.window * per_day, self.stride * per_day


@dataclass(frozen=True)
class Windows:
    """Complete windows in original units.

    Attributes:
        values: (N, C, window).
        meter: series id per window.
        start: start time per window (``None`` entries without timestamps).
        labels: condition column -> per-window values (categories as str, numbers as float).
        dropped: windows discarded because of missing readings.
        duplicates: readings discarded because their timestamp repeated.
        resolution_minutes: minutes per step (a fraction below a minute; ``None`` without timestamps).
        overlapping: whether consecutive windows share readings (stride shorter than the window).
    """

    values: np.ndarray
    meter: list[str]
    start: list[dt.datetime | None]
    labels: dict[str, np.ndarray] = field(default_factory=dict)
    dropped: int = 0
    duplicates: int = 0
    resolution_minutes: float | None = None
    overlapping: bool = False

    @property
    def days(self) -> list[dt.date]:
        """Calendar day of each window's start (windows with timestamps only)."""
        return [s.date() for s in self.start if s is not None]


def native_step_ns(readings: Readings, source: str) -> int:
    """Most common positive spacing between consecutive readings (nanoseconds), across series."""
    diffs = []
    for times, _ in readings.series.values():
        ordered = np.sort(times)
        step = np.diff(ordered).astype("timedelta64[ns]").astype(np.int64)
        diffs.append(step[step > 0][:SPACING_SAMPLE])
    pooled = np.concatenate(diffs) if diffs else np.empty(0, dtype=np.int64)
    if pooled.size == 0:
        raise DataError(f"{source}: fewer than two readings per meter; cannot tell the time resolution")
    values, counts = np.unique(pooled, return_counts=True)
    return int(values[counts.argmax()])


def _spacing(ns: int) -> str:
    """A spacing for messages: ``30 min`` or ``0.015625 s``."""
    return f"{ns // MINUTE_NS} min" if ns % MINUTE_NS == 0 else f"{ns / 1e9:g} s"


def make_windows(readings: Readings, plan: Plan, *, source: str) -> Windows:
    """Resample every series and cut complete windows (see the module docstring)."""
    if not readings.series:
        raise DataError(f"{source}: no meters with readings")
    timed = readings.timed
    native = resolution = factor = None
    if timed:
        native = native_step_ns(readings, source)
        resolution = plan.resolution_minutes * MINUTE_NS if plan.resolution_minutes else native
        if resolution % native:
            finer = "finer than" if resolution < native else "not a multiple of"
            raise DataError(f"{source}: resolution {_spacing(resolution)} is {finer} the data's "
                            f"{_spacing(native)} readings")
        factor = resolution // native
        if plan.align_days and DAY_NS % resolution:
            raise DataError(f"{source}: readings every {_spacing(resolution)} do not divide a day; "
                            "use window_steps or resolution_minutes")
    elif plan.resolution_minutes is not None or plan.align_days:
        raise DataError(f"{source}: resampling and whole-day windows need timestamps; the data has none")
    window, stride = plan.in_steps(resolution)
    out_values, out_meter, out_start = [], [], []
    out_labels: dict[str, list[Any]] = {name: [] for name in readings.label_columns}
    dropped = duplicates = 0
    for meter, (times, values) in readings.series.items():
        values = values.reshape(len(values), -1)
        labels = readings.labels.get(meter, {})
        if timed:
            assert native is not None and factor is not None and resolution is not None
            grid, label_grid, origin, repeated = _on_grid(times, values, labels, native, factor, resolution, plan,
                                                          readings.quantity)
            duplicates += repeated
        else:
            grid, label_grid, origin = values, dict(labels), None
        if len(grid) < window:
            continue
        windows = sliding_window_view(grid, window, axis=0)[::stride]  # (n, C, window)
        complete = np.isfinite(windows).all(axis=(1, 2))
        per_window = {}
        for name, column in label_grid.items():
            if column.dtype == object:
                first = column[: len(column) - window + 1 : stride]
                per_window[name] = np.asarray([UNKNOWN if v is None else str(v) for v in first], dtype=object)
            else:
                view = sliding_window_view(column, window)[::stride]
                with np.errstate(invalid="ignore"):
                    finite = np.isfinite(view)
                    mean = np.where(finite.any(axis=1), np.nansum(view, axis=1) / np.maximum(finite.sum(1), 1), np.nan)
                per_window[name] = mean
                complete &= np.isfinite(mean)
        dropped += int((~complete).sum())
        keep = np.flatnonzero(complete)
        out_values.append(windows[keep])
        out_meter += [meter] * len(keep)
        if origin is not None:
            assert resolution is not None
            out_start += [origin + dt.timedelta(microseconds=int(k) * stride * resolution / 1000) for k in keep]
        else:
            out_start += [None] * len(keep)
        for name in out_labels:
            out_labels[name].append(per_window[name][keep])
    channels = len(readings.channels)
    values = np.concatenate(out_values) if out_values else np.empty((0, channels, window))
    labels = {name: (np.concatenate(parts) if parts else np.empty(0)) for name, parts in out_labels.items()}
    minutes = None if resolution is None else (resolution // MINUTE_NS if resolution % MINUTE_NS == 0
                                                 else resolution / MINUTE_NS)
    return Windows(values, out_meter, out_start, labels, dropped, duplicates, minutes, stride < window)


def _on_grid(times: np.ndarray, values: np.ndarray, labels: dict[str, np.ndarray], native: int, factor: int,
             resolution: int, plan: Plan, quantity: str) -> tuple[np.ndarray, dict[str, np.ndarray], dt.datetime, int]:
    """Readings on the target grid ``(steps, C)``, labels on the same steps, the grid's origin.

    ``native`` and ``resolution`` are spacings in nanoseconds.
    """
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    labels = {name: column[order] for name, column in labels.items()}
    day0 = times[0].astype("datetime64[D]")
    since = (times - day0).astype("timedelta64[ns]").astype(np.int64)
    offset = 0 if plan.align_days else int(since[0] // resolution * resolution)
    slot = (since - offset) // native
    unique = np.ones(len(slot), dtype=bool)
    unique[1:] = slot[1:] != slot[:-1]
    repeated = int((~unique).sum())
    slot, values = slot[unique], values[unique]
    labels = {name: column[unique] for name, column in labels.items()}
    n_native = int(slot[-1]) + 1
    per = factor if not plan.align_days else DAY_NS // native
    n_native = -(-n_native // per) * per  # whole coarse steps (whole days when aligned)
    grid = np.full((n_native, values.shape[1]), np.nan)
    grid[slot] = values
    grouped = grid.reshape(-1, factor, values.shape[1])
    coarse = grouped.mean(axis=1) if quantity == "power" else grouped.sum(axis=1)
    coarse[np.isnan(grouped).any(axis=1)] = np.nan
    label_grid: dict[str, np.ndarray] = {}
    for name, column in labels.items():
        if column.dtype == object:
            full = np.full(n_native, None, dtype=object)
            full[slot] = column
            blocks = full.reshape(-1, factor)
            label_grid[name] = np.asarray([next((v for v in row if v is not None), None) for row in blocks], dtype=object)
        else:
            full = np.full(n_native, np.nan)
            full[slot] = column
            with np.errstate(invalid="ignore"):
                label_grid[name] = np.nanmean(full.reshape(-1, factor), axis=1) if factor > 1 else full
    origin = (day0 + np.timedelta64(offset, "ns")).astype("datetime64[us]").item()
    return coarse, label_grid, origin, repeated


def split_by_date(start: list[Any], split: str, val_fraction: float, test_fraction: float) -> np.ndarray:
    """Indices of the windows in ``split``: chronological cut over the distinct start times.

    The earliest starts train, the next ``val_fraction`` validate, the last ``test_fraction``
    test, so held-out data always lies after the training data (as in real forecasting).
    """
    days = sorted(set(start))
    lo, hi = split_bounds(len(days), split, val_fraction, test_fraction)
    chosen = set(days[lo:hi])
    return np.asarray([i for i, s in enumerate(start) if s in chosen], dtype=np.int64)


def split_at_random(n: int, split: str, val_fraction: float, test_fraction: float, seed: int) -> np.ndarray:
    """Indices of the windows in ``split`` after a seeded shuffle (data without a time order)."""
    order = np.random.default_rng([seed, 13]).permutation(n)
    lo, hi = split_bounds(n, split, val_fraction, test_fraction)
    return np.sort(order[lo:hi])


def split_by_meter(meter: list[str], split: str, val_fraction: float, test_fraction: float, seed: int) -> np.ndarray:
    """Indices of the windows in ``split``: whole meters, chosen by a seeded shuffle of their ids.

    No meter has days on both sides, so held-out days come from households the model never saw:
    the privacy metrics then ask whether a household's membership shows, which is what smart-meter
    privacy is about, rather than whether one of its days does.
    """
    ids = sorted(set(meter))
    order = np.random.default_rng([seed, 17]).permutation(len(ids))
    lo, hi = split_bounds(len(ids), split, val_fraction, test_fraction)
    chosen = {ids[i] for i in order[lo:hi]}
    return np.asarray([i for i, m in enumerate(meter) if m in chosen], dtype=np.int64)


#: Windows per block of ``split_by = "block"`` by default when windows overlap: a window that would
#: cross into a block of another split is dropped, and with blocks four windows long at most about
#: a tenth of them are.
BLOCK_WINDOWS = 4


def block_of(meter: list[str], start: list[dt.datetime], block_ns: int, window_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """The blocks of each window's first and last reading: its meter's runs of ``block_ns`` (from
    the earliest start), one integer per (meter, run)."""
    ids = np.unique(np.asarray(meter), return_inverse=True)[1].astype(np.int64)
    ns = np.asarray(start, dtype="datetime64[ns]").astype(np.int64)
    ns = ns - ns.min()
    runs = int((ns.max() + window_ns) // block_ns) + 1
    return ids * runs + ns // block_ns, ids * runs + (ns + window_ns - 1) // block_ns


def split_by_block(meter: list[str], start: list[dt.datetime], window_ns: int, block_ns: int, split: str,
                   val_fraction: float, test_fraction: float, seed: int, *, overlapping: bool) -> np.ndarray:
    """Indices of the windows in ``split``: each meter's runs of ``block_ns`` consecutive time
    assigned to the splits by a seeded shuffle; a window belongs to the block of its first reading.

    With blocks of one window and windows that do not overlap this is a split at random. With
    ``overlapping`` windows a split at random would put readings of one meter in windows of two
    splits (a held-out window then nearly repeats a training one); here a window is dropped when
    its last reading lies in a block of another split.
    """
    first, last = block_of(meter, start, block_ns, window_ns)
    blocks = np.unique(first)
    lo, hi = split_bounds(len(blocks), split, val_fraction, test_fraction)
    chosen = blocks[np.random.default_rng([seed, 19]).permutation(len(blocks))[lo:hi]]
    inside = np.isin(first, chosen)
    if overlapping:
        inside &= np.isin(last, chosen) | ~np.isin(last, blocks)
    return np.flatnonzero(inside)


def split_bounds(n: int, split: str, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    """``[lo, hi)`` of ``split`` among ``n`` ordered units: train first, then val, then test."""
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    n_train = n - n_val - n_test
    return {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n)}[split]
