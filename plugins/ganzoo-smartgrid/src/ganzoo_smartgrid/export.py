"""Write generated series as one long CSV in original units.

Only the DataSpec is used (its ``meta`` holds unit, channels, resolution, normalisation and the
condition codec), so export works in a fresh process without the training data.

Two layouts, chosen by the dataset that trained the run:

* load curves (``load-profiles`` and the meter formats): ``timestamp, meter, value``, every sample
  its own synthetic meter;
* generic windows (``long-csv``, ``wide-csv``; ``meta["format"] == "windows"``): one row per time
  step, ``window, timestamp`` (``step`` when the data had no timestamps), one column per
  condition block with the decoded condition (``class``, ``month``, ``temperature`` ...), then
  one column per channel named as in the training data.

Channels that were never negative in the training data are clipped at 0: a generator with a
linear output may overshoot the training range a little, and a negative load is unphysical.

A sample's date agrees with its label: a sample generated for "March, Saturday" is dated on a
Saturday in March of the reference year (public holidays count as Sundays where the dataset uses
a holiday calendar; a ``weekday`` block picks that weekday, an ``hour`` block the start hour).
Unlabelled samples get consecutive dates from the data's start.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from ganzoo.plugin import DataError, DataSpec
from ganzoo_smartgrid.conditions import WEEKDAYS, ConditionCodec
from ganzoo_smartgrid.daytypes import dates_matching, german_holidays
from ganzoo_smartgrid.normalise import Normaliser

FILENAME = "synthetic_load.csv"


def _array(values: Any) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().float().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def _calendar_date(year: int, label: dict[str, Any], index: int, holidays: frozenset[dt.date]) -> dt.date | None:
    """A date of ``year`` matching the label's month / day type / weekday blocks (None if it has none)."""
    if not any(key in label for key in ("month", "daytype", "weekday")):
        return None
    months = [int(label["month"])] if "month" in label else list(range(1, 13))
    candidates = []
    for month in months:
        if "daytype" in label:
            days = dates_matching(year, month, str(label["daytype"]), holidays)
        else:
            first = dt.date(year, month, 1)
            days = [first + dt.timedelta(days=k) for k in range(31) if (first + dt.timedelta(days=k)).month == month]
        if "weekday" in label:
            days = [d for d in days if WEEKDAYS[d.weekday()] == label["weekday"]]
        candidates += days
    return candidates[index % len(candidates)] if candidates else None


def sample_dates(spec: DataSpec, n: int, conditions: Any | None, start: int = 0) -> tuple[list[dt.datetime], list[str]]:
    """A start time and a series id per sample (numbered from ``start``), consistent with the
    conditions when given."""
    meta = spec.meta
    year = int(meta.get("reference_year", 2023))
    first = dt.datetime.fromisoformat(str(meta.get("start", f"{year}-01-01")))
    indices = range(start, start + n)
    if meta.get("format") == "windows":  # consecutive windows from the data's start
        span = dt.timedelta(minutes=int(meta.get("resolution_minutes") or 0) * spec.shape[-1])
        starts = [first + (i % 365) * span for i in indices]
    else:  # one day per sample
        starts = [first + dt.timedelta(days=i % 365) for i in indices]
    names = [f"synthetic-{i:05d}" for i in indices]
    if spec.condition != "label" or conditions is None or "conditions" not in meta:
        return starts, names
    codec = ConditionCodec.from_meta(meta["conditions"])
    labels = codec.decode(_array(conditions))
    if len(labels) != n:
        raise DataError(f"{len(labels)} conditions for {n} samples")
    holidays = german_holidays(year) if meta.get("holidays") == "de" else frozenset()
    class_block = meta.get("class_block", "class")
    for i, label in enumerate(labels):
        day = _calendar_date(year, label, start + i, holidays)
        if day is not None or "hour" in label:
            base = day if day is not None else starts[i].date()
            starts[i] = dt.datetime.combine(base, dt.time(int(label.get("hour", 0))))
        cls = label.get(class_block) if class_block else None
        if cls is not None:
            names[i] = f"synthetic-{cls}-{start + i:05d}"
    return starts, names


def export_csv(samples: Any, out_dir: Path, spec: DataSpec, conditions: Any | None = None, start: int = 0) -> list[Path]:
    """Denormalise ``samples`` (N, C, L) and write ``out_dir/synthetic_load.csv`` (see the module
    docstring), appending from sample ``start`` > 0 on, as ``ganzoo generate`` streams batches."""
    values = _array(samples)
    windows = spec.meta.get("format") == "windows"
    channels = list(spec.meta.get("channels", ["value"]))
    if values.ndim == 2:
        values = values[:, None, :]
    if values.ndim != 3 or values.shape[1:] != (len(channels), spec.shape[-1]):
        raise DataError(f"samples of shape {values.shape} do not match the data's {len(channels)} channel(s), length "
                        f"{spec.shape[-1]}")
    meta = spec.meta
    try:
        norm = Normaliser.from_meta(meta["normalisation"])
        minutes = float(meta["resolution_minutes"] or 0) if windows else int(meta["resolution_minutes"])
    except KeyError as err:
        raise DataError(f"the DataSpec has no {err.args[0]!r} in meta; it was not made by a smart-grid dataset") from None
    low, high = spec.value_range
    scaled = (values - low) / (high - low) * 2.0 - 1.0
    curves = _keep_sign(norm.inverse(scaled), norm)
    starts, names = sample_dates(spec, len(curves), conditions, start)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILENAME
    step = dt.timedelta(minutes=minutes)
    with path.open("a" if start else "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if not windows:
            if not start:
                writer.writerow(["timestamp", "meter", "value"])
            for t, meter, curve in zip(starts, names, curves[:, 0], strict=True):
                for k, value in enumerate(curve):
                    writer.writerow([(t + k * step).strftime("%Y-%m-%d %H:%M:%S"), meter, f"{value:.6g}"])
            return [path]
        blocks, labels = _label_columns(spec, conditions, len(curves))
        if not start:
            writer.writerow(["window", "timestamp" if minutes else "step", *blocks, *channels])
        fine = minutes * 60 != int(minutes * 60)  # sub-second steps: write milliseconds
        for i, (t, name, curve) in enumerate(zip(starts, names, curves, strict=True)):
            tail = [_cell(labels[i][b]) for b in blocks]
            for k in range(curve.shape[1]):
                when = _time(t + k * step, fine) if minutes else k
                writer.writerow([name, when, *tail, *(f"{v:.6g}" for v in curve[:, k])])
    return [path]


def _label_columns(spec: DataSpec, conditions: Any | None, n: int) -> tuple[list[str], list[dict[str, Any]]]:
    """Condition block names and each sample's decoded conditions (none for unconditional runs)."""
    if spec.condition != "label" or conditions is None or "conditions" not in spec.meta:
        return [], [{} for _ in range(n)]
    codec = ConditionCodec.from_meta(spec.meta["conditions"])
    return [b.name for b in codec.parts], codec.decode(_array(conditions))


def _cell(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _keep_sign(curves: np.ndarray, norm: Normaliser) -> np.ndarray:
    """Clip at 0 the channels whose training data was never negative.

    A linear generator output can step slightly past the training range; for a load that never
    ran negative (night-time minimum 0 kW) a negative value would be unphysical, while a
    channel with negative training data (PV export, accelerations) keeps its sign freely.
    """
    if norm.kind == "log":
        return np.maximum(curves, 0.0)
    lows = np.asarray(norm.lo if isinstance(norm.lo, tuple) else [norm.lo] * curves.shape[1], dtype=np.float64)
    return np.where((lows >= 0)[None, :, None], np.maximum(curves, 0.0), curves)


def _time(when: dt.datetime, fine: bool) -> str:
    return when.isoformat(sep=" ", timespec="milliseconds") if fine else when.strftime("%Y-%m-%d %H:%M:%S")
