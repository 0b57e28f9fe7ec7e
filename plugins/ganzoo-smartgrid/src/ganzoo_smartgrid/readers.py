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
    """Per-series readings in original units.

    Attributes:
        series: series id -> (timestamps ``datetime64[ns]`` or ``None`` when the data has none,
            values float64 ``(T,)`` or ``(T, C)`` with NaN = missing).
        unit: unit of the values, e.g. ``kW`` or ``kWh``.
        quantity: ``power`` (a level, averaged when resampling) or ``energy`` (an amount per
            interval, summed when resampling).
        classes: series id -> customer class, empty when the data has none.
        channels: names of the value columns (one per channel).
        labels: series id -> {condition column: per-reading values}, categorical columns as
            object arrays of str (``None`` = empty cell), numeric ones as float64.
    """

    series: dict[str, tuple[np.ndarray | None, np.ndarray]]
    unit: str
    quantity: Quantity
    classes: dict[str, str] = field(default_factory=dict)
    channels: list[str] = field(default_factory=lambda: ["value"])
    labels: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def timed(self) -> bool:
        """Whether the readings have timestamps."""
        return all(times is not None for times, _ in self.series.values())

    @property
    def label_columns(self) -> list[str]:
        """Names of the condition columns carried with the readings."""
        return sorted({name for columns in self.labels.values() for name in columns})


class _LongCollector:
    """Collects long-format chunks per meter, keeping at most ``max_meters`` meters (first seen).

    Each chunk adds, per meter, one array per field (times, values, condition columns ...).
    """

    def __init__(self, max_meters: int | None) -> None:
        self.max_meters = max_meters
        self.parts: dict[str, list[tuple[np.ndarray, ...]]] = {}

    def add(self, meters: np.ndarray, *fields: np.ndarray) -> None:
        frame = pd.DataFrame({"m": meters, "i": np.arange(len(meters))})
        for meter, rows in frame.groupby("m", sort=False)["i"]:
            key = str(meter)
            if key not in self.parts:
                if self.max_meters is not None and len(self.parts) >= self.max_meters:
                    continue
                self.parts[key] = []
            index = rows.to_numpy()
            self.parts[key].append(tuple(f[index] for f in fields))

    def fields(self) -> dict[str, list[np.ndarray]]:
        """Per meter, each field's chunks concatenated."""
        return {meter: [np.concatenate(column) for column in zip(*parts, strict=True)]
                for meter, parts in self.parts.items()}

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {meter: (f[0], f[1]) for meter, f in self.fields().items()}


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


def _condition_cells(csv: CsvFile, chunk: pd.DataFrame, cols: dict[str, str], categorical: Sequence[str],
                     numeric: Sequence[str]) -> list[np.ndarray]:
    """Per-row values of the condition columns: stripped text (``None`` if empty), or numbers."""
    out = []
    for name in categorical:
        text = chunk[cols[name]].astype("string").str.strip()
        out.append(np.asarray([None if pd.isna(v) or v == "" else str(v) for v in text], dtype=object))
    for name in numeric:
        out.append(csvio.numbers(csv, chunk[cols[name]], cols[name]))
    return out


def _unique(names: Sequence[str], what: str, path: Path) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(f"{path}: column {name!r} is named twice in {what}")
        seen.add(name)


def read_long(
    path: Path,
    *,
    meter_column: str = "meter",
    timestamp_column: str | None = "timestamp",
    value_columns: Sequence[str] = ("value",),
    class_column: str | None = None,
    condition_columns: Sequence[str] = (),
    numeric_condition_columns: Sequence[str] = (),
    unit: str = "kWh",
    quantity: Quantity = "energy",
    sep: str = ",",
    decimal: str = ".",
    max_meters: int | None = None,
    nonfinite: Literal["error", "missing"] = "error",
) -> Readings:
    """Long CSV: one reading per row (series id[, timestamp], one or more values[, conditions]).

    Without a timestamp column the rows of each series are in time order. ``class_column``
    keeps its first non-empty label per series (``Readings.classes``); ``condition_columns``
    (categorical) and ``numeric_condition_columns`` are kept per row (``Readings.labels``).
    ``nonfinite`` as in [`ganzoo.plugin.CsvFile`][ganzoo.data.csv.CsvFile].
    """
    categorical, numeric = list(condition_columns), list(numeric_condition_columns)
    value_columns = list(value_columns)
    wanted: list[str] = [meter_column, *([timestamp_column] if timestamp_column else []), *value_columns]
    wanted += [c for c in ([class_column] if class_column else []) + categorical + numeric if c not in wanted]
    _unique([meter_column, *([timestamp_column] if timestamp_column else []), *value_columns, *categorical, *numeric],
            "the value, id, timestamp and condition columns", path)
    collector = _LongCollector(max_meters)
    classes: dict[str, str] = {}
    for file in csv_files(path):
        csv = CsvFile(file, sep=sep, decimal=decimal, na_values=MISSING, nonfinite=nonfinite)
        cols = csvio.find_columns(csv, csv.header(), wanted, "a long series CSV")
        for chunk in csvio.read_chunks(csv, usecols=list(dict.fromkeys(cols.values())), dtype=str):
            meter_raw = chunk[cols[meter_column]].astype("string").str.strip()
            csv.check_cells(meter_raw, meter_raw.isna(), meter_column, "is empty")
            meters = meter_raw.to_numpy(dtype=object)
            if timestamp_column:
                times = csvio.timestamps(csv, chunk[cols[timestamp_column]], timestamp_column)
            else:
                times = np.zeros(len(chunk), dtype="datetime64[ns]")  # placeholder, dropped below
            values = np.stack([csvio.numbers(csv, chunk[cols[c]], c) for c in value_columns], axis=1)
            collector.add(meters, times, values, *_condition_cells(csv, chunk, cols, categorical, numeric))
            if class_column:
                _first_classes(classes, meters, chunk[cols[class_column]])
    series: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
    labels: dict[str, dict[str, np.ndarray]] = {}
    for meter, fields in collector.fields().items():
        series[meter] = (fields[0] if timestamp_column else None, fields[1])
        if categorical or numeric:
            labels[meter] = dict(zip(categorical + numeric, fields[2:], strict=True))
    return Readings(series, unit, quantity, {m: classes[m] for m in series if m in classes},
                    channels=value_columns, labels=labels)


def read_wide(
    path: Path,
    *,
    timestamp_column: str | None = "timestamp",
    value_columns: Sequence[str] | None = None,
    columns_are: Literal["meters", "channels", "steps"] | None = None,
    step_minutes: int | None = None,
    condition_columns: Sequence[str] = (),
    numeric_condition_columns: Sequence[str] = (),
    unit: str = "kWh",
    quantity: Quantity = "energy",
    sep: str = ",",
    decimal: str = ".",
    max_meters: int | None = None,
    nonfinite: Literal["error", "missing"] = "error",
) -> Readings:
    """Wide CSV: an optional timestamp column and several value columns.

    ``columns_are = "meters"``: every value column is a separate one-channel series (a meter);
    ``"channels"``: the value columns are the channels of one series (a sensor table);
    ``"steps"``: every row is one curve, its value columns the consecutive steps (``date, h00 ...
    h23`` or a UCR-style ``class, v1 ... v24`` file); the timestamp column, if any, is the curve's
    start and ``step_minutes`` the spacing. With more than one value column one of them must be
    chosen: the reader never guesses, because the readings give different models. ``nonfinite``
    as in [`ganzoo.plugin.CsvFile`][ganzoo.data.csv.CsvFile].
    """
    csv = CsvFile(path, sep=sep, decimal=decimal, na_values=MISSING, nonfinite=nonfinite)
    columns = csv.header()
    categorical, numeric = list(condition_columns), list(numeric_condition_columns)
    fixed = [*([timestamp_column] if timestamp_column else []), *categorical, *numeric]
    _unique(fixed, "the timestamp and condition columns", path)
    cols = csvio.find_columns(csv, columns, fixed, "a wide series CSV")
    if value_columns is None:
        taken = set(cols.values())
        meters = [c for c in columns if c not in taken]
    else:
        meters = list(csvio.find_columns(csv, columns, value_columns, "a wide series CSV").values())
    if not meters:
        raise DataError(f"{path}: no value columns next to {', '.join(fixed) or 'nothing'}")
    if len(meters) > 1 and columns_are is None:
        raise DataError(
            f"{path}: {len(meters)} value columns ({', '.join(c.strip() for c in meters[:4])}"
            f"{', ...' if len(meters) > 4 else ''}); set columns_are = 'channels' to model them as the channels "
            f"of one {len(meters)}-channel series, 'meters' for {len(meters)} separate one-channel series, or "
            "'steps' if every row is one curve (value_columns chooses a subset)"
        )
    if columns_are != "channels" and max_meters is not None:
        meters = meters[:max_meters]
    frames = list(csvio.read_chunks(csv, usecols=[*cols.values(), *meters]))
    if not frames:
        raise DataError(f"{path}: no data rows")
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    times = csvio.timestamps(csv, frame[cols[timestamp_column]], timestamp_column) if timestamp_column else None
    extra = _condition_cells(csv, frame, cols, categorical, numeric)
    row_labels = dict(zip(categorical + numeric, extra, strict=True))
    if columns_are == "steps":
        return _rows_as_curves(csv, frame, meters, times, row_labels, step_minutes, unit, quantity)
    if columns_are == "channels":
        values = np.stack([csvio.numbers(csv, frame[m], m) for m in meters], axis=1)
        name = Path(path).stem
        return Readings({name: (times, values)}, unit, quantity, channels=[m.strip() for m in meters],
                        labels={name: row_labels} if row_labels else {})
    series = {m.strip(): (times, csvio.numbers(csv, frame[m], m)) for m in meters}
    labels = {m: dict(row_labels) for m in series} if row_labels else {}
    return Readings(series, unit, quantity, labels=labels)


def _rows_as_curves(csv: CsvFile, frame: pd.DataFrame, columns: list[str], starts: np.ndarray | None,
                    row_labels: dict[str, np.ndarray], step_minutes: int | None, unit: str, quantity: Quantity
                    ) -> Readings:
    """One one-channel series per row: the value columns are its steps (see [`read_wide`][ganzoo_smartgrid.readers.read_wide])."""
    values = np.stack([csvio.numbers(csv, frame[c], c) for c in columns], axis=1)  # (rows, steps)
    length = values.shape[1]
    offsets = None
    if starts is not None:
        if step_minutes is None:
            if 1440 % length:
                raise DataError(f"{csv.path}: {length} step columns do not divide a day; set resolution_minutes")
            step_minutes = 1440 // length
        offsets = np.arange(length) * np.timedelta64(step_minutes, "m")
    series: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
    labels: dict[str, dict[str, np.ndarray]] = {}
    for row in range(len(frame)):
        name = f"row-{row + 1}"
        series[name] = (starts[row] + offsets if starts is not None and offsets is not None else None, values[row])
        if row_labels:
            labels[name] = {k: np.repeat(v[row : row + 1], length) for k, v in row_labels.items()}
    return Readings(series, unit, quantity, labels=labels)
