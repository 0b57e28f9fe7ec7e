"""BDEW standard load profiles, read straight from the CSV files that demandlib bundles.

Why not demandlib's API: ``demandlib.bdew.ElecSlp`` (0.2.2) turns every warning into an error
inside ``create_bdew_load_profiles`` and then calls ``sort_index(inplace=True)``, which pandas 3
deprecates, so ``ElecSlp(year)`` raises on pandas >= 3.1. The data files themselves are plain
CSV, so this module locates the installed package without importing it and parses them with the
standard ``csv`` module. That also keeps the result independent of pandas' behaviour changes.

Two generations of profiles are available:

* 1999 profiles (``selp_series.csv``): ``h0`` household, ``g0``-``g6`` commercial, ``l0``-``l2``
  agricultural; one 96-value day per season (winter/transition/summer) and weekday (Sunday =
  holiday).
* 2025 profiles (``{h,g,l,p,s}25.csv``): ``h25`` household, ``g25`` commercial, ``l25`` farm,
  ``p25`` household with PV, ``s25`` household with PV and battery; one day per month and day type.

Household profiles (``h0``, ``h25``, ``p25``, ``s25``) are multiplied by the BDEW dynamisation
polynomial of the day of the year, as the BDEW prescribes. Every curve is returned as mean power
in kW per quarter-hour, scaled so the profile's year sums to 1,000 kWh.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from ganzoo.plugin import DataError
from ganzoo_smartgrid.daytypes import bdew_season, day_type, german_holidays

PROFILES_1999: tuple[str, ...] = ("h0", "g0", "g1", "g2", "g3", "g4", "g5", "g6", "l0", "l1", "l2")
PROFILES_2025: tuple[str, ...] = ("h25", "g25", "l25", "p25", "s25")
PROFILES: tuple[str, ...] = PROFILES_1999 + PROFILES_2025
DYNAMIC: frozenset[str] = frozenset({"h0", "h25", "p25", "s25"})
STEPS: int = 96  # quarter-hours per day
ANNUAL_KWH: float = 1000.0

_MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember")
_TYPE_CODES = {"WT": "workday", "SA": "saturday", "FT": "sunday-holiday"}


def data_dir() -> Path:
    """Folder of demandlib's bundled BDEW files (found without importing demandlib)."""
    spec = importlib.util.find_spec("demandlib")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the BDEW load profiles need demandlib: pip install 'demandlib>=0.2'")
    folder = Path(next(iter(spec.submodule_search_locations))) / "bdew" / "bdew_data"
    if not folder.is_dir():
        raise DataError(f"{folder}: demandlib's BDEW data folder is missing")
    return folder


@lru_cache(maxsize=1)
def _table_1999() -> dict[str, dict[tuple[str, int], np.ndarray]]:
    """``{profile: {(season, iso_weekday): 96 values}}`` from ``selp_series.csv``."""
    path = data_dir() / "selp_series.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    try:
        period_col, weekday_col = header.index("period"), header.index("weekday")
        cols = {name: header.index(name) for name in PROFILES_1999}
    except ValueError as err:
        raise DataError(f"{path}: unexpected header ({err})") from None
    table: dict[str, dict[tuple[str, int], list[float]]] = {name: {} for name in PROFILES_1999}
    for row in rows[1:]:
        key = (row[period_col], int(row[weekday_col]))
        for name, col in cols.items():
            table[name].setdefault(key, []).append(float(row[col]))
    return {name: {k: np.asarray(v) for k, v in days.items()} for name, days in table.items()}


@lru_cache(maxsize=len(PROFILES_2025))
def _table_2025(profile: str) -> dict[tuple[int, str], np.ndarray]:
    """``{(month, day_type): 96 values}`` from ``<profile>.csv`` (kWh per quarter-hour per GWh/a)."""
    path = data_dir() / f"{profile}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    months, types, body = rows[0][1:], rows[1][1:], rows[2:]
    values = np.asarray([[float(v) for v in row[1:]] for row in body if row])
    if values.shape != (STEPS, len(months)):
        raise DataError(f"{path}: expected {STEPS} quarter-hour rows, got shape {values.shape}")
    return {
        (_MONTHS_DE.index(month) + 1, _TYPE_CODES[code]): values[:, j]
        for j, (month, code) in enumerate(zip(months, types, strict=True))
    }


def dynamisation(day_of_year: np.ndarray) -> np.ndarray:
    """BDEW dynamisation factor of the household profiles (a 4th-order polynomial)."""
    t = np.asarray(day_of_year, dtype=float)
    return -3.92e-10 * t**4 + 3.2e-7 * t**3 - 7.02e-5 * t**2 + 2.1e-3 * t + 1.24


def raw_day(profile: str, day: dt.date, holidays: frozenset[dt.date]) -> np.ndarray:
    """Unscaled 96-value curve of ``profile`` on ``day``."""
    if profile in PROFILES_1999:
        kind = day_type(day, holidays)
        weekday = 7 if kind == "sunday-holiday" else day.isoweekday()
        curve = _table_1999()[profile][(bdew_season(day), weekday)]
    elif profile in PROFILES_2025:
        curve = _table_2025(profile)[(day.month, day_type(day, holidays))]
    else:
        raise DataError(f"unknown BDEW profile {profile!r} (available: {', '.join(PROFILES)})")
    if profile in DYNAMIC:
        curve = curve * dynamisation(day.timetuple().tm_yday)
    return curve


@lru_cache(maxsize=64)
def year_curves(profile: str, year: int) -> np.ndarray:
    """Daily curves of ``profile`` for every day of ``year``: shape (days, 96), kW.

    Scaled so that the year's energy (sum of quarter-hour power x 0.25 h) is exactly
    [`ANNUAL_KWH`][ganzoo_smartgrid.bdew.ANNUAL_KWH], whichever table and unit the source file uses. The array is read-only
    because it is cached.
    """
    holidays = german_holidays(year)
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    curves = np.stack([raw_day(profile, first + dt.timedelta(days=i), holidays) for i in range(days)])
    curves *= ANNUAL_KWH / (curves.sum() * 0.25)
    curves.setflags(write=False)
    return curves
