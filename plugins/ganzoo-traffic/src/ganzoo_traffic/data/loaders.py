"""Read accident tables from their native CSV files into a checked, typed [`Table`][ganzoo_traffic.data.loaders.Table].

Every loader validates before anything trains, and every problem is a one-line
[`DataError`][ganzoo.registry.errors.DataError] naming the file and the column (and the line in the file for
single bad values, as [`CsvFile`][ganzoo.data.csv.CsvFile] numbers them): a missing column, a column
with no values, a value of the wrong type, a code the format does not define, a gap in a
required column.

* **STATS19** (UK DfT road-safety data, collision/accident file). Old files use Title_Case
  headers (``Accident_Severity``, ``1st_Road_Class``, ``Local_Authority_(District)``), newer ones
  snake_case, the newest rename *accident* to *collision*. Headers are normalised to the
  snake_case *accident* names; ``-1`` (and empty/``NULL``) means missing. ``hour`` and ``month``
  are derived from ``time`` and ``date``. Export writes the file's own header names back.
* **US Accidents** (Moosavi et al., Kaggle; licence CC BY-NC-SA 4.0, non-commercial use only).
* **Generic CSV** with a declared or inferred schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ganzoo.plugin import CsvFile, DataError, did_you_mean
from ganzoo_traffic.configs import TableCSVConfig
from ganzoo_traffic.rules import parse_rule


@dataclass
class Table:
    """A loaded table with what the dataset needs to model it and to write it back.

    Attributes:
        frame: the columns to model (canonical names), gaps as NaN.
        kinds: column -> transformer kind.
        source: what produced it (``accidents-sim``, ``stats19``, a file name ...).
        names: column -> header written on export (the file's own spelling).
        missing_codes: column -> code written for a gap on export (STATS19: -1).
        target: the label column (severity), used by conditioning and the augmentation test.
    """

    frame: pd.DataFrame
    kinds: dict[str, str]
    source: str
    names: dict[str, str] = field(default_factory=dict)
    missing_codes: dict[str, int] = field(default_factory=dict)
    target: str | None = None


def _read_csv(path: Path, na_values: Iterable[str]) -> tuple[CsvFile, pd.DataFrame]:
    """The file (for its checks) and its table as text, headers stripped, ``na_values`` missing."""
    file = CsvFile(path, na_values=tuple(na_values), keep_default_na=False, skipinitialspace=True)
    frame = file.read()
    frame.columns = [str(c).strip() for c in frame.columns]
    return file, frame


def _check_required(file: CsvFile, frame: pd.DataFrame, required: Iterable[str], names: Mapping[str, str]) -> None:
    for column in required:
        gaps = frame[column].isna()
        file.check_cells(frame[column], gaps, names.get(column, column), "missing value in a required column")


# -- STATS19 -----------------------------------------------------------------------------------
#: STATS19 integer codes per canonical column (-1 = missing is removed before the check).
STATS19_CODES: dict[str, frozenset[int]] = {
    "accident_severity": frozenset({1, 2, 3}),
    "day_of_week": frozenset(range(1, 8)),
    "road_type": frozenset({1, 2, 3, 6, 7, 9, 12}),
    "speed_limit": frozenset({10, 15, 20, 30, 40, 50, 60, 70}),
    "junction_detail": frozenset({0, 1, 2, 3, 5, 6, 7, 8, 9, 99}),
    "junction_control": frozenset({0, 1, 2, 3, 4, 9}),
    "light_conditions": frozenset({1, 4, 5, 6, 7}),
    "weather_conditions": frozenset(range(1, 10)),
    "road_surface_conditions": frozenset({1, 2, 3, 4, 5, 6, 7, 9}),
    "special_conditions_at_site": frozenset(range(0, 10)),
    "carriageway_hazards": frozenset(range(0, 10)),
    "urban_or_rural_area": frozenset({1, 2, 3}),
    "first_road_class": frozenset(range(1, 7)),
    "second_road_class": frozenset(range(0, 7)),
    "pedestrian_crossing_human_control": frozenset({0, 1, 2, 9}),
    "pedestrian_crossing_physical_facilities": frozenset({0, 1, 4, 5, 7, 8, 9}),
    "did_police_officer_attend_scene_of_accident": frozenset({1, 2, 3}),
    "month": frozenset(range(1, 13)),
}
_STATS19_INTEGERS = ("number_of_vehicles", "number_of_casualties", "hour")
_STATS19_CONTINUOUS = ("latitude", "longitude", "location_easting_osgr", "location_northing_osgr")

#: The columns modelled when none are chosen (all present in every STATS19 schema).
STATS19_COLUMNS: tuple[str, ...] = (
    "accident_severity",
    "number_of_vehicles",
    "number_of_casualties",
    "month",
    "day_of_week",
    "hour",
    "latitude",
    "longitude",
    "urban_or_rural_area",
    "road_type",
    "speed_limit",
    "junction_detail",
    "light_conditions",
    "weather_conditions",
    "road_surface_conditions",
)
_DERIVED = {"hour": "time", "month": "date"}


def stats19_canonical(header: str) -> str:
    """Canonical snake_case *accident* name of a STATS19 header of any vintage."""
    name = header.strip().lower()
    name = re.sub(r"[()]", "", name)
    name = re.sub(r"[^0-9a-z]+", "_", name).strip("_")
    name = re.sub(r"^1st_", "first_", name)
    name = re.sub(r"^2nd_", "second_", name)
    return name.replace("collision", "accident")


def load_stats19(path: Path, columns: Sequence[str] | None = None) -> Table:
    """A STATS19 collision/accident CSV as a checked [`Table`][ganzoo_traffic.data.loaders.Table]."""
    file, raw = _read_csv(Path(path), ["", "NULL", "null", "NA"])
    originals: dict[str, str] = {}
    for header in raw.columns:
        originals.setdefault(stats19_canonical(header), header)
    raw.columns = [stats19_canonical(h) for h in raw.columns]
    raw = raw.loc[:, ~pd.Index(raw.columns).duplicated()]
    wanted = list(columns) if columns else list(STATS19_COLUMNS)
    if "accident_severity" not in raw.columns:
        raise DataError(f"{file.path}: no severity column (Accident_Severity / accident_severity / collision_severity)")
    if "accident_severity" not in wanted:
        wanted.insert(0, "accident_severity")
    frame = pd.DataFrame(index=raw.index)
    kinds: dict[str, str] = {}
    names: dict[str, str] = {}
    missing_codes: dict[str, int] = {}
    for column in wanted:
        source = _DERIVED.get(column, column)
        if source not in raw.columns:
            raise DataError(f"{file.path}: column {column!r} is not in the file (looked for {source!r})")
        values = raw[source]
        names[column] = column if column in _DERIVED else originals[source]
        file.check_not_empty(values, names[column])
        if column == "hour":
            frame[column] = _hours(file, originals["time"], values)
            kinds[column] = "integer"
        elif column == "month":
            frame[column] = _months(file, originals["date"], values)
            kinds[column] = "categorical"
        elif column in STATS19_CODES:
            numbers = file.numbers(values, names[column], integer=True).replace(-1, np.nan)
            _check_codes(file, names[column], numbers, STATS19_CODES[column])
            frame[column] = numbers
            kinds[column] = "categorical"
            missing_codes[column] = -1
        elif column in _STATS19_INTEGERS:
            frame[column] = file.numbers(values, names[column], integer=True).replace(-1, np.nan)
            kinds[column] = "integer"
            missing_codes[column] = -1
        elif column in _STATS19_CONTINUOUS:
            frame[column] = file.numbers(values, names[column])
            kinds[column] = "continuous"
        else:  # identifiers and district codes: text categories
            frame[column] = values.replace("-1", np.nan)
            kinds[column] = "categorical"
    for column in frame.columns:  # "-1" everywhere is a column with no values too
        file.check_not_empty(frame[column], names[column])
    _check_required(file, frame, ["accident_severity"], names)
    source = f"stats19:{file.path.name}"
    return Table(frame.reset_index(drop=True), kinds, source, names, missing_codes, "accident_severity")


def _check_codes(file: CsvFile, column: str, numbers: pd.Series, codes: frozenset[int]) -> None:
    unknown = numbers.notna() & ~numbers.isin(list(codes))
    expected = ", ".join(str(c) for c in sorted(codes))
    file.check_cells(numbers, unknown, column, lambda code: f"unknown code {int(code)} (expected -1 or {expected})")


def _hours(file: CsvFile, column: str, values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, format="%H:%M", errors="coerce")
    parsed = parsed.fillna(pd.to_datetime(values, format="%H:%M:%S", errors="coerce"))
    file.check_cells(values, parsed.isna() & values.notna(), column, lambda cell: f"{cell!r} is not a time (HH:MM)")
    return parsed.dt.hour.astype(float)


def _months(file: CsvFile, column: str, values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")
    parsed = parsed.fillna(pd.to_datetime(values, format="%Y-%m-%d", errors="coerce"))
    bad = parsed.isna() & values.notna()
    file.check_cells(values, bad, column, lambda cell: f"{cell!r} is not a date (DD/MM/YYYY)")
    return parsed.dt.month.astype(float)


# -- US Accidents ------------------------------------------------------------------------------
US_BOOLEANS: tuple[str, ...] = (
    "Amenity", "Bump", "Crossing", "Give_Way", "Junction", "No_Exit", "Railway",
    "Roundabout", "Station", "Stop", "Traffic_Calming", "Traffic_Signal", "Turning_Loop",
)
_US_CONTINUOUS: tuple[str, ...] = (
    "Start_Lat", "Start_Lng", "End_Lat", "End_Lng", "Distance(mi)", "Temperature(F)",
    "Wind_Chill(F)", "Humidity(%)", "Pressure(in)", "Visibility(mi)", "Wind_Speed(mph)",
    "Precipitation(in)",
)
_US_DATETIMES: tuple[str, ...] = ("Start_Time", "End_Time", "Weather_Timestamp")
#: Columns modelled when none are chosen.
US_COLUMNS: tuple[str, ...] = (
    "Severity", "Start_Time", "Start_Lat", "Start_Lng", "Distance(mi)", "Temperature(F)",
    "Humidity(%)", "Pressure(in)", "Visibility(mi)", "Wind_Speed(mph)", "Precipitation(in)",
    "Weather_Condition", "Sunrise_Sunset", *US_BOOLEANS,
)


def load_us_accidents(path: Path, columns: Sequence[str] | None = None) -> Table:
    """A US Accidents CSV (Kaggle column names) as a checked [`Table`][ganzoo_traffic.data.loaders.Table]."""
    file, raw = _read_csv(Path(path), ["", "NA", "NaN", "nan"])
    wanted = list(columns) if columns else list(US_COLUMNS)
    if "Severity" not in wanted:
        wanted.insert(0, "Severity")
    frame = pd.DataFrame(index=raw.index)
    kinds: dict[str, str] = {}
    for column in wanted:
        if column not in raw.columns:
            raise DataError(f"{file.path}: column {column!r} is not in the file")
        values = raw[column]
        file.check_not_empty(values, column)
        if column == "Severity":
            numbers = file.numbers(values, column, integer=True)
            _check_codes(file, column, numbers, frozenset({1, 2, 3, 4}))
            frame[column], kinds[column] = numbers, "categorical"
        elif column in _US_CONTINUOUS:
            frame[column], kinds[column] = file.numbers(values, column), "continuous"
        elif column in _US_DATETIMES:
            frame[column], kinds[column] = file.timestamps(values, column, fmt="mixed"), "datetime"
        elif column in US_BOOLEANS:
            frame[column], kinds[column] = _booleans(file, column, values), "boolean"
        else:
            frame[column], kinds[column] = values, "categorical"
    _check_required(file, frame, ["Severity"], {})
    return Table(frame.reset_index(drop=True), kinds, f"us-accidents:{file.path.name}", {}, {}, "Severity")


def _check_named_columns(file: CsvFile, present: list[str], config: TableCSVConfig) -> None:
    """Refuse every name the config gives that is not a column of the file, all in one line, each
    with the option that names it and the closest column: a user who mistyped two names fixes both
    at once instead of meeting the second on the next run."""
    named = [(column, "columns") for column in config.columns or ()]
    named += [(column, "kinds") for column in config.kinds]
    named += [(column, "categorical") for column in config.categorical or ()]
    named += [(column, "required") for column in config.required]
    named += [(config.target, "target")] if config.target else []
    named += [(column, "condition_columns") for column in config.condition_columns or ()]
    named += [(column, f"constraint {text!r}") for text in config.constraints for column in parse_rule(text).columns]
    unknown: dict[str, str] = {}
    for column, option in named:
        if column not in present and column not in unknown:
            unknown[column] = option
    if unknown:
        listed = ", ".join(f"{column!r} (from {option}{did_you_mean(column, present)})"
                           for column, option in unknown.items())
        raise DataError(f"{file.path}: not a column of the file: {listed}")


def _booleans(file: CsvFile, column: str, values: pd.Series) -> pd.Series:
    lookup = {"true": True, "false": False, "1": True, "0": False}
    mapped = values.str.strip().str.lower().map(lookup)
    file.check_cells(values, mapped.isna() & values.notna(), column, lambda cell: f"{cell!r} is not True/False")
    return mapped.astype("boolean") if mapped.isna().any() else mapped.astype(bool)


# -- generic CSV -------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_BOOL_WORDS = {"true", "false"}


def load_csv(config: TableCSVConfig) -> Table:
    """The CSV of a ``table-csv`` dataset as a checked [`Table`][ganzoo_traffic.data.loaders.Table]; kinds declared or inferred.

    Inference: ``true``/``false`` -> boolean; ISO dates -> datetime; numbers -> integer or
    continuous, except whole numbers with at most ``max_categories`` distinct values (default 2:
    0/1 flags) -> categorical; anything else -> categorical. A whole-number column with a few
    more values (a year, a count, a severity score) stays numeric, so its order and range are
    kept; code columns (districts, road types) must be declared ``categorical``. A column whose values are numbers except
    for a few (under 5 %) is a wrong-type error, not a category: declare it to mean otherwise.
    """
    file, raw = _read_csv(config.path, config.missing_values)
    target = config.target
    chosen = list(config.columns) if config.columns else list(raw.columns)
    declared: dict[str, str] = dict(config.kinds)
    for column in config.categorical or ():
        declared.setdefault(column, "categorical")
    _check_named_columns(file, list(raw.columns), config)
    for column in declared:
        if column not in chosen:
            chosen.append(column)
    if target and target not in chosen:
        chosen.append(target)
    frame = pd.DataFrame(index=raw.index)
    out_kinds: dict[str, str] = {}
    for column in chosen:
        values = raw[column]
        file.check_not_empty(values, column)
        kind = declared.get(column) or (
            "categorical" if column == target else _infer(file, column, values, config.max_categories)
        )
        if kind in ("continuous", "integer"):
            frame[column] = file.numbers(values, column, integer=kind == "integer")
        elif kind == "boolean":
            frame[column] = _booleans(file, column, values)
        elif kind == "datetime":
            frame[column] = file.timestamps(values, column, fmt="mixed")
        else:  # categorical: codes stay numbers, text stays text
            numbers = pd.to_numeric(values, errors="coerce")
            numeric = (numbers.notna() | values.isna()).all()
            frame[column] = numbers.astype(float) if numeric else values
        out_kinds[column] = kind
    _check_required(file, frame, config.required, {})
    return Table(frame.reset_index(drop=True), out_kinds, f"csv:{file.path.name}", {}, {}, target)


def _infer(file: CsvFile, column: str, values: pd.Series, max_categories: int) -> str:
    present = values.dropna()
    if present.str.strip().str.lower().isin(_BOOL_WORDS).all():
        return "boolean"
    if present.str.strip().str.match(_ISO_DATE).all():
        return "datetime"
    numbers = pd.to_numeric(present, errors="coerce")
    bad = numbers.isna()
    if not bad.any():
        whole = bool(np.all(np.mod(numbers.to_numpy(dtype=float), 1) == 0))
        if whole and numbers.nunique() <= max_categories:
            return "categorical"
        return "integer" if whole else "continuous"
    if bad.mean() < 0.05:
        file.check_cells(
            present, bad, column,
            lambda cell: f"{cell!r} is not a number (declare the column categorical if text is intended)",
        )
    return "categorical"
