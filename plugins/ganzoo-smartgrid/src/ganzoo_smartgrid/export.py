"""Write generated load curves as one long CSV ``timestamp, meter, value`` in original units.

Only the DataSpec is used (its ``meta`` holds unit, resolution, normalisation and the condition
codec), so export works in a fresh process without the training data. Every sample becomes its
own synthetic meter. Its date agrees with its label: a sample generated for "March, Saturday"
is dated on a Saturday in March of the reference year (public holidays count as Sundays where the
dataset uses a holiday calendar). Unlabelled samples get consecutive dates from the data's start.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from ganzoo.plugin import DataError, DataSpec
from ganzoo_smartgrid.conditions import ConditionCodec
from ganzoo_smartgrid.daytypes import dates_matching, german_holidays
from ganzoo_smartgrid.normalise import Normaliser

FILENAME = "synthetic_load.csv"


def _array(values: Any) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().float().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def sample_dates(spec: DataSpec, n: int, conditions: Any | None, start: int = 0) -> tuple[list[dt.date], list[str]]:
    """A start date and a meter id per sample (numbered from ``start``), consistent with the
    conditions when given."""
    meta = spec.meta
    year = int(meta.get("reference_year", 2023))
    if spec.condition == "label" and conditions is not None:
        codec = ConditionCodec.from_meta(meta["conditions"])
        labels = codec.decode(_array(conditions))
        if len(labels) != n:
            raise DataError(f"{len(labels)} conditions for {n} samples")
        holidays = german_holidays(year) if meta.get("holidays") == "de" else frozenset()
        dates, meters = [], []
        for i, label in enumerate(labels, start=start):
            candidates = dates_matching(year, int(label["month"]), str(label["daytype"]), holidays)
            dates.append(candidates[i % len(candidates)])
            cls = f"{label['class']}-" if label["class"] is not None else ""
            meters.append(f"synthetic-{cls}{i:05d}")
        return dates, meters
    first = dt.date.fromisoformat(str(meta.get("start", f"{year}-01-01")))
    indices = range(start, start + n)
    return [first + dt.timedelta(days=i % 365) for i in indices], [f"synthetic-{i:05d}" for i in indices]


def export_csv(samples: Any, out_dir: Path, spec: DataSpec, conditions: Any | None = None, start: int = 0) -> list[Path]:
    """Denormalise ``samples`` (N, 1, L) and write ``out_dir/synthetic_load.csv`` (appending from
    sample ``start`` > 0 on, as ``ganzoo generate`` streams batches)."""
    values = _array(samples)
    if values.ndim == 3:
        if values.shape[1] != 1:
            raise DataError(f"load-curve export writes one channel per sample, got shape {values.shape}")
        values = values[:, 0]
    if values.ndim != 2 or values.shape[1] != spec.shape[-1]:
        raise DataError(f"samples of shape {values.shape} do not match the data's length {spec.shape[-1]}")
    meta = spec.meta
    try:
        norm = Normaliser.from_meta(meta["normalisation"])
        minutes = int(meta["resolution_minutes"])
    except KeyError as err:
        raise DataError(f"the DataSpec has no {err.args[0]!r} in meta; it was not made by a smart-grid dataset") from None
    low, high = spec.value_range
    curves = norm.inverse((values - low) / (high - low) * 2.0 - 1.0)
    dates, meters = sample_dates(spec, len(curves), conditions, start)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILENAME
    step = dt.timedelta(minutes=minutes)
    with path.open("a" if start else "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if not start:
            writer.writerow(["timestamp", "meter", "value"])
        for day, meter, curve in zip(dates, meters, curves, strict=True):
            t = dt.datetime.combine(day, dt.time())
            for k, value in enumerate(curve):
                writer.writerow([(t + k * step).strftime("%Y-%m-%d %H:%M:%S"), meter, f"{value:.6g}"])
    return [path]
