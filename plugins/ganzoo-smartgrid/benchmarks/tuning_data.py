"""Write the CSV files the smart-grid model was tuned and judged on (all from installed packages).

* ``regional-2class.csv`` (tuning): daily regional load, hourly (24 steps), three years
  2021-2023, each day labelled ``winter`` (October-March) or ``summer`` (April-September).
  A region is 300 BDEW customers (h25, g25, l25, p25 mixed 60/25/5/10 %) summed; a day-to-day
  AR(1) factor (weather) and 1 % hourly noise vary the days. Long layout ``curve, timestamp,
  load, class``: one curve per day, as a user with labelled daily curves would write it.
* ``regional-2class-rows.csv`` (judging only): the same days with a different seed, each curve
  z-normalised (mean 0, sd 1, as the UCR archive stores curves) and written one curve per row
  (``class, h0 ... h23``), so the values are negative too and the level is gone.
* ``daphnet.csv`` (judging only): aeon's bundled Daphnet recording S06R02E0, 9 accelerometer
  channels (negative values included) at 64 Hz, with its timestamp column; needs the aeon wheel
  (``--aeon-data DIR``: its ``aeon/datasets/data`` folder), else skipped.
* ``gunpoint.csv``, ``basicmotions.csv`` (judging only): aeon's bundled UCR/UEA sets, train and
  test files together: GunPoint (200 curves of 150 steps, classes 1 and 2) as one curve per row
  (``class, v1 ... v150``), BasicMotions (80 recordings, 6 channels x 100 steps, 4 classes) in
  long layout (``recording, step, class, c1 ... c6``); with ``--aeon-data``.
* ``meters.csv`` (privacy on file data, judging only): 20 meters (BDEW ``h25``, ``g25``, ``l25``,
  ``p25`` in turn) read every half hour through 2021 and 2022, as ganzoo-smartgrid's stochastic
  customers (``ganzoo_smartgrid.synthetic``) with one day-to-day weather factor shared by all
  meters: long layout ``meter, timestamp, value`` (kWh per half hour), as a smart-meter export
  with two years of readings would be; split by time, its held-out days are the latest ones.
* ``sines.csv``: TimeGAN's sines (5 channels, f, phi ~ U(0, 0.1)) as one long table, for tests
  of the multichannel path.

    python tuning_data.py OUT_DIR [--aeon-data DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from ganzoo_smartgrid.bdew import year_curves
from ganzoo_smartgrid.synthetic import Meters, draw_days, draw_meters

MIX = {"h25": 0.60, "g25": 0.25, "l25": 0.05, "p25": 0.10}


def regional(years: tuple[int, ...] = (2021, 2022, 2023), seed: int = 0) -> pd.DataFrame:
    """Daily hourly regional load with a winter/summer class (see the module docstring)."""
    rng = np.random.default_rng(seed)
    rows = []
    weather = 0.0
    for year in years:
        curves = sum(share * year_curves(profile, year) for profile, share in MIX.items())
        hourly = curves.reshape(len(curves), 24, 4).mean(axis=2) * 300 * 3  # kW: 300 customers of 3 MWh/a
        first = dt.date(year, 1, 1)
        for d, day_curve in enumerate(hourly):
            weather = 0.8 * weather + 0.06 * rng.standard_normal()
            values = day_curve * np.exp(weather) * (1 + 0.01 * rng.standard_normal(24))
            day = first + dt.timedelta(days=d)
            label = "summer" if 4 <= day.month <= 9 else "winter"
            for hour, value in enumerate(values):
                rows.append((f"day-{day.isoformat()}", f"{day.isoformat()} {hour:02d}:00:00", round(float(value), 5), label))
    return pd.DataFrame(rows, columns=["curve", "timestamp", "load", "class"])


def meters(n_meters: int = 20, years: tuple[int, ...] = (2021, 2022), seed: int = 0) -> pd.DataFrame:
    """Every half hour of ``n_meters`` stochastic customers through ``years`` (module docstring)."""
    rng = np.random.default_rng(seed)
    population = draw_meters(("h25", "g25", "l25", "p25"), n_meters, rng)
    frames = []
    for year in years:
        n_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
        weather = np.zeros(n_days)
        for d in range(1, n_days):
            weather[d] = 0.85 * weather[d - 1] + 0.05 * rng.standard_normal()
        stamps = pd.date_range(f"{year}-01-01", periods=n_days * 48, freq="30min")
        for m in range(n_meters):
            one = Meters(population.profile[m : m + 1], population.annual_kwh[m : m + 1], population.shift[m : m + 1])
            kw = draw_days(one, 1, year, n_days, rng).values.reshape(n_days, 96) * np.exp(weather)[:, None]
            kwh = kw.reshape(n_days, 48, 2).mean(axis=2) * 0.5  # mean kW over half an hour -> kWh
            frames.append(pd.DataFrame({"meter": f"m{m:03d}", "timestamp": stamps, "value": kwh.ravel().round(4)}))
    return pd.concat(frames).sort_values(["meter", "timestamp"], kind="stable")


def z_normalised_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One z-normalised curve per row, ``class, h0 ... h23`` (the UCR layout)."""
    curves = frame["load"].to_numpy().reshape(-1, 24)
    curves = (curves - curves.mean(1, keepdims=True)) / curves.std(1, keepdims=True)
    rows = pd.DataFrame(curves.round(5), columns=[f"h{h}" for h in range(24)])
    rows.insert(0, "class", frame["class"].to_numpy()[::24])
    return rows


def sines(n: int = 2000, length: int = 24, channels: int = 5, seed: int = 0) -> pd.DataFrame:
    """TimeGAN's sine windows, one row per step: ``window, step, s1..s5`` in [0, 1]."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0, 0.1, (n, 1, channels))
    phase = rng.uniform(0, 0.1, (n, 1, channels))
    t = np.arange(length)[None, :, None]
    values = (np.sin(freq * t + phase) + 1) / 2
    frame = pd.DataFrame(values.reshape(-1, channels), columns=[f"s{i + 1}" for i in range(channels)])
    frame.insert(0, "window", np.repeat(np.arange(n), length))
    return frame


def read_ts(path: Path) -> tuple[list[np.ndarray], list[str]]:
    """Series ``(channels, length)`` and class labels of a ``.ts`` file (sktime/aeon format)."""
    series, labels, data = [], [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() == "@data":
            data = True
            continue
        if data:
            *dims, label = line.split(":")
            series.append(np.asarray([[float(v) for v in d.split(",")] for d in dims]))
            labels.append(label)
    return series, labels


def aeon_sets(root: Path, out: Path) -> None:
    """GunPoint (one curve per row) and BasicMotions (long, 6 channels) from aeon's data folder."""
    parts = [read_ts(root / "GunPoint" / f"GunPoint_{s}.ts") for s in ("TRAIN", "TEST")]
    curves = [c[0] for part in parts for c in part[0]]
    frame = pd.DataFrame(np.stack(curves), columns=[f"v{i + 1}" for i in range(curves[0].shape[0])])
    frame.insert(0, "class", [label for part in parts for label in part[1]])
    frame.to_csv(out / "gunpoint.csv", index=False)
    rows = []
    for split in ("TRAIN", "TEST"):
        series, labels = read_ts(root / "BasicMotions" / f"BasicMotions_{split}.ts")
        for k, (x, label) in enumerate(zip(series, labels, strict=True)):
            for t in range(x.shape[1]):
                rows.append((f"{split.lower()}-{k}", t, label, *x[:, t]))
    pd.DataFrame(rows, columns=["recording", "step", "class", *[f"c{i + 1}" for i in range(6)]]).to_csv(
        out / "basicmotions.csv", index=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--aeon-data", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    regional().to_csv(args.out / "regional-2class.csv", index=False)
    z_normalised_rows(regional(seed=1)).to_csv(args.out / "regional-2class-rows.csv", index=False)
    sines().to_csv(args.out / "sines.csv", index=False)
    meters().to_csv(args.out / "meters.csv", index=False)
    if args.aeon_data is not None:
        source = args.aeon_data / "Daphnet_S06R02E0" / "S06R02E0.csv"
        if source.is_file():
            shutil.copy(source, args.out / "daphnet.csv")
        aeon_sets(args.aeon_data, args.out)
    print(sorted(p.name for p in args.out.iterdir()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
