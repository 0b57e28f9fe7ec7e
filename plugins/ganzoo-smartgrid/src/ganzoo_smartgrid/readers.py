"""Readers for the public smart-meter formats, all returning per-meter time series.

Each reader knows one documented layout, its quirks and its unit:

* London LCL (UK Power Networks), original ``LCLid, stdorToU, DateTime, KWH/hh (per half hour)``
  (the kWh header has a trailing space) and the Kaggle ``halfhourly_dataset/block_*.csv``
  ``LCLid, tstp, energy(kWh/hh)``; both write the literal ``Null`` for missing readings. kWh per
  half hour. The tariff ``stdorToU`` (or Kaggle's ``informations_households.csv``) is the class.
* UCI ElectricityLoadDiagrams20112014 ``LD2011_2014.txt``: ``;`` separator, ``,`` decimal, one
  column per client in kW per quarter-hour, timestamps marking the *end* of each quarter-hour
  (shifted here to its start). Zeros before a client's first non-zero reading mean the client
  was not connected yet; they become missing.
* UCI Individual household electric power consumption: ``;`` separator, ``?`` for missing,
  ``Date`` (dd/mm/yyyy) and ``Time`` columns, one-minute readings.
* Generic long CSV (``meter, timestamp, value``) and wide CSV (timestamp column + one column per
  meter).

Missing readings stay NaN here; windows that contain them are dropped later (see windows.py).
Series are kept per meter as numpy arrays rather than one long frame because the wide formats
(370 clients x 140,256 quarter-hours) would be gigabytes in long form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ganzoo.plugin import CsvFile, DataError
from ganzoo_smartgrid import csvio

Quantity = Literal["power", "energy"]


@dataclass
class Readings:
    """Per-meter series in original units.

    Attributes:
        series: meter id -> (timestamps ``datetime64[ns]``, values float64 with NaN = missing).
        unit: unit of the values, e.g. ``kW`` or ``kWh``.
        quantity: ``power`` (mean over the interval: resampled by averaging) or ``energy``
            (amount per interval: resampled by summing).
        classes: meter id -> customer class, empty when the data has none.
    """

    series: dict[str, tuple[np.ndarray, np.ndarray]]
    unit: str
    quantity: Quantity
    classes: dict[str, str] = field(default_factory=dict)


class _LongCollector:
    """Collects long-format chunks per meter, keeping at most ``max_meters`` meters (first seen)."""

    def __init__(self, max_meters: int | None) -> None:
        self.max_meters = max_meters
        self.parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}

    def add(self, meters: np.ndarray, times: np.ndarray, values: np.ndarray) -> None:
        frame = pd.DataFrame({"m": meters, "i": np.arange(len(meters))})
        for meter, rows in frame.groupby("m", sort=False)["i"]:
            key = str(meter)
            if key not in self.parts:
                if self.max_meters is not None and len(self.parts) >= self.max_meters:
                    continue
                self.parts[key] = []
            index = rows.to_numpy()
            self.parts[key].append((times[index], values[index]))

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {
            meter: (np.concatenate([t for t, _ in parts]), np.concatenate([v for _, v in parts]))
            for meter, parts in self.parts.items()
        }


def _first_classes(classes: dict[str, str], meters: np.ndarray, labels: pd.Series) -> None:
    """Record each meter's first non-empty class label (vectorised: files have millions of rows)."""
    frame = pd.DataFrame({"m": meters, "c": labels.astype("string").str.strip().to_numpy()}).dropna()
    for meter, label in frame.drop_duplicates("m").itertuples(index=False):
        classes.setdefault(str(meter), str(label))


def csv_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``*.csv`` below a folder (sorted)."""
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise DataError(f"{path}: no .csv files in this folder")
    return files


# -- London LCL --------------------------------------------------------------------------------
LCL_ORIGINAL = ("LCLid", "stdorToU", "DateTime", "KWH/hh (per half hour)")
LCL_KAGGLE = ("LCLid", "tstp", "energy(kWh/hh)")


def read_lcl(path: Path, *, max_meters: int | None = None) -> Readings:
    """London LCL smart meters, original or Kaggle layout (a file, or a folder of block files)."""
    collector = _LongCollector(max_meters)
    classes: dict[str, str] = {}
    used = 0
    for file in csv_files(path):
        csv = CsvFile(file, na_values=["Null"])
        header = csv.header()
        stripped = {c.strip() for c in header}
        if set(LCL_ORIGINAL) <= stripped:
            wanted = LCL_ORIGINAL
        elif set(LCL_KAGGLE) <= stripped:
            wanted = LCL_KAGGLE
        elif path.is_file():
            raise DataError(
                f"{file}: not a London LCL file: expected columns {', '.join(LCL_ORIGINAL)} "
                f"(original) or {', '.join(LCL_KAGGLE)} (Kaggle)"
            )
        else:
            continue  # Kaggle folders also hold daily files, weather, household information
        used += 1
        cols = csvio.find_columns(csv, header, wanted, "London LCL")
        for chunk in csvio.read_chunks(csv, usecols=list(cols.values()), dtype=str):
            meters = chunk[cols["LCLid"]].astype("string").str.strip().to_numpy(dtype=object)
            time_col = cols[wanted[-2]]
            value_col = cols[wanted[-1]]
            times = csvio.timestamps(csv, chunk[time_col], time_col)
            values = csvio.numbers(csv, chunk[value_col], value_col)
            collector.add(meters, times, values)
            if wanted is LCL_ORIGINAL:
                _first_classes(classes, meters, chunk[cols["stdorToU"]])
    if not used:
        raise DataError(
            f"{path}: no London LCL files (CSV with columns {', '.join(LCL_KAGGLE)} or {', '.join(LCL_ORIGINAL)})"
        )
    series = collector.series()
    if not classes and path.is_dir():
        classes = _kaggle_households(path)
    return Readings(series, "kWh", "energy", {m: classes[m] for m in series if m in classes})


def _kaggle_households(root: Path) -> dict[str, str]:
    """Tariff per household from Kaggle's ``informations_households.csv`` (next to the blocks)."""
    for candidate in (root / "informations_households.csv", root.parent / "informations_households.csv"):
        if candidate.is_file():
            csv = CsvFile(candidate)
            cols = csvio.find_columns(csv, csv.header(), ("LCLid", "stdorToU"), "household tariffs")
            classes: dict[str, str] = {}
            for chunk in csvio.read_chunks(csv, usecols=list(cols.values()), dtype=str):
                for meter, tariff in zip(chunk[cols["LCLid"]], chunk[cols["stdorToU"]], strict=True):
                    if pd.notna(meter) and pd.notna(tariff):
                        classes[str(meter).strip()] = str(tariff).strip()
            return classes
    return {}


# -- UCI ElectricityLoadDiagrams20112014 ------------------------------------------------------
def read_uci_electricity(path: Path, *, max_meters: int | None = None) -> Readings:
    """``LD2011_2014.txt``: kW per quarter-hour per client; leading zeros become missing."""
    csv = CsvFile(path, sep=";", decimal=",")
    columns = csv.header()
    if len(columns) < 2:
        raise DataError(f"{path}: expected ';'-separated columns (timestamp;MT_001;MT_002;...), found {columns}")
    time_col, clients = columns[0], columns[1:]
    if max_meters is not None:
        clients = clients[:max_meters]
    frames = list(csvio.read_chunks(csv, usecols=[time_col, *clients], chunksize=200_000))
    if not frames:
        raise DataError(f"{path}: no data rows")
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    times = csvio.timestamps(csv, frame[time_col], time_col or "timestamp")
    times = times - np.timedelta64(15, "m")  # labels mark the end of the quarter-hour
    series = {}
    for client in clients:
        values = csvio.numbers(csv, frame[client], client)
        active = np.flatnonzero(np.nan_to_num(values) != 0)
        if active.size == 0:
            continue  # never connected in this file
        values[: active[0]] = np.nan
        series[client.strip()] = (times, values)
    return Readings(series, "kW", "power")


# -- UCI Individual household electric power consumption ---------------------------------------
UCI_HOUSEHOLD_UNITS: dict[str, tuple[str, Quantity]] = {
    "Global_active_power": ("kW", "power"),
    "Global_reactive_power": ("kW", "power"),
    "Sub_metering_1": ("Wh", "energy"),
    "Sub_metering_2": ("Wh", "energy"),
    "Sub_metering_3": ("Wh", "energy"),
}


def read_uci_household(path: Path, *, column: str = "Global_active_power") -> Readings:
    """``household_power_consumption.txt``: one household, one-minute readings, ``?`` missing."""
    if column not in UCI_HOUSEHOLD_UNITS:
        raise DataError(f"{path}: column {column!r} is not a load column ({', '.join(UCI_HOUSEHOLD_UNITS)})")
    csv = CsvFile(path, sep=";", na_values=["?"])
    cols = csvio.find_columns(csv, csv.header(), ("Date", "Time", column), "UCI household power")
    times_parts, value_parts = [], []
    for chunk in csvio.read_chunks(csv, usecols=list(cols.values()), dtype=str):
        text = chunk[cols["Date"]].astype("string").str.strip() + " " + chunk[cols["Time"]].astype("string").str.strip()
        times_parts.append(csvio.timestamps(csv, text, "Date/Time", fmt="%d/%m/%Y %H:%M:%S"))
        value_parts.append(csvio.numbers(csv, chunk[cols[column]], cols[column]))
    if not times_parts:
        raise DataError(f"{path}: no data rows")
    unit, quantity = UCI_HOUSEHOLD_UNITS[column]
    return Readings({"household": (np.concatenate(times_parts), np.concatenate(value_parts))}, unit, quantity)


# -- generic CSV -------------------------------------------------------------------------------
#: Tokens the generic readers treat as missing (besides empty cells and pandas' usual NA strings).
MISSING = ("Null", "?")

def read_long(
    path: Path,
    *,
    meter_column: str = "meter",
    timestamp_column: str = "timestamp",
    value_column: str = "value",
    class_column: str | None = None,
    unit: str = "kWh",
    quantity: Quantity = "energy",
    sep: str = ",",
    decimal: str = ".",
    max_meters: int | None = None,
    nonfinite: Literal["error", "missing"] = "error",
) -> Readings:
    """Long CSV: one reading per row (meter id, timestamp, value[, class]); ``nonfinite`` as in
    [`ganzoo.plugin.CsvFile`][ganzoo.data.csv.CsvFile]."""
    wanted: Sequence[str] = [meter_column, timestamp_column, value_column] + ([class_column] if class_column else [])
    collector = _LongCollector(max_meters)
    classes: dict[str, str] = {}
    for file in csv_files(path):
        csv = CsvFile(file, sep=sep, decimal=decimal, na_values=MISSING, nonfinite=nonfinite)
        cols = csvio.find_columns(csv, csv.header(), wanted, "a long meter CSV")
        for chunk in csvio.read_chunks(csv, usecols=list(cols.values()), dtype=str):
            meter_raw = chunk[cols[meter_column]].astype("string").str.strip()
            csv.check_cells(meter_raw, meter_raw.isna(), meter_column, "is empty")
            meters = meter_raw.to_numpy(dtype=object)
            times = csvio.timestamps(csv, chunk[cols[timestamp_column]], timestamp_column)
            values = csvio.numbers(csv, chunk[cols[value_column]], value_column)
            collector.add(meters, times, values)
            if class_column:
                _first_classes(classes, meters, chunk[cols[class_column]])
    series = collector.series()
    return Readings(series, unit, quantity, {m: classes[m] for m in series if m in classes})


def read_wide(
    path: Path,
    *,
    timestamp_column: str = "timestamp",
    unit: str = "kWh",
    quantity: Quantity = "energy",
    sep: str = ",",
    decimal: str = ".",
    max_meters: int | None = None,
    nonfinite: Literal["error", "missing"] = "error",
) -> Readings:
    """Wide CSV: a timestamp column and one value column per meter; ``nonfinite`` as in
    [`ganzoo.plugin.CsvFile`][ganzoo.data.csv.CsvFile]."""
    csv = CsvFile(path, sep=sep, decimal=decimal, na_values=MISSING, nonfinite=nonfinite)
    columns = csv.header()
    cols = csvio.find_columns(csv, columns, [timestamp_column], "a wide meter CSV")
    meters = [c for c in columns if c != cols[timestamp_column]]
    if not meters:
        raise DataError(f"{path}: no meter columns next to {timestamp_column!r}")
    if max_meters is not None:
        meters = meters[:max_meters]
    frames = list(csvio.read_chunks(csv, usecols=[cols[timestamp_column], *meters]))
    if not frames:
        raise DataError(f"{path}: no data rows")
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    times = csvio.timestamps(csv, frame[cols[timestamp_column]], timestamp_column)
    series = {m.strip(): (times, csvio.numbers(csv, frame[m], m)) for m in meters}
    return Readings(series, unit, quantity)
