"""Fixture files in every supported smart-meter format, written small into tmp_path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    """These networks are tiny: one intra-op thread is faster than two on a shared machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def half_hours(start: dt.datetime, days: int) -> list[dt.datetime]:
    return [start + dt.timedelta(minutes=30 * i) for i in range(days * 48)]


def curve(n: int, meter: int) -> np.ndarray:
    """A deterministic daily-periodic load (kWh per half hour) that differs per meter."""
    t = np.arange(n)
    return 0.2 + 0.1 * meter + 0.15 * (1 + np.sin(2 * np.pi * t / 48)) + 0.01 * (t % 7)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """``write(name, text)`` -> path of a new file under tmp_path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def lcl_original(write: Callable[[str, str], Path]) -> Path:
    """Original LCL layout: 2 meters x 10 days, one Null reading on day 3 of MAC001."""
    lines = ["LCLid,stdorToU,DateTime,KWH/hh (per half hour) "]
    start = dt.datetime(2013, 1, 1)
    for m, (meter, tariff) in enumerate((("MAC000001", "Std"), ("MAC000002", "ToU"))):
        values = curve(480, m)
        for i, t in enumerate(half_hours(start, 10)):
            value = "Null" if (m == 0 and i == 100) else f"{values[i]:.3f}"
            lines.append(f"{meter},{tariff},{t:%Y-%m-%d %H:%M:%S}.0000000,{value} ")
    return write("lcl/CC_LCL-FullData.csv", "\n".join(lines) + "\n")


@pytest.fixture
def lcl_kaggle(write: Callable[[str, str], Path]) -> Path:
    """Kaggle layout: a folder with two block files, household information and a daily file."""
    start = dt.datetime(2013, 2, 1)
    for block, meter in ((0, "MAC000010"), (1, "MAC000011")):
        lines = ["LCLid,tstp,energy(kWh/hh)"]
        values = curve(480, block)
        for i, t in enumerate(half_hours(start, 10)):
            lines.append(f"{meter},{t:%Y-%m-%d %H:%M:%S}.0000000,{'Null' if i == 5 else f'{values[i]:.3f}'}")
        write(f"kaggle/halfhourly_dataset/block_{block}.csv", "\n".join(lines) + "\n")
    write("kaggle/halfhourly_dataset/informations_households.csv",
          "LCLid,stdorToU,Acorn,Acorn_grouped,file\nMAC000010,Std,ACORN-A,Affluent,block_0\n"
          "MAC000011,ToU,ACORN-B,Affluent,block_1\n")
    write("kaggle/halfhourly_dataset/daily_dataset.csv", "LCLid,day,energy_median\nMAC000010,2013-02-01,0.2\n")
    return write("kaggle/halfhourly_dataset/.keep", "").parent


@pytest.fixture
def uci_electricity(write: Callable[[str, str], Path]) -> Path:
    """LD2011_2014 layout: ';' separator, ',' decimal, end-of-interval labels, MT_002 starts on day 3."""
    start = dt.datetime(2012, 1, 1, 0, 15)
    rows = ['"";"MT_001";"MT_002";"MT_003"']
    for i in range(96 * 8):
        t = start + dt.timedelta(minutes=15 * i)
        a = 10 + 5 * np.sin(2 * np.pi * i / 96)
        b = 0 if i < 96 * 2 + 10 else 20 + (i % 5)
        rows.append(f'"{t:%Y-%m-%d %H:%M:%S}";{a:.4f}'.replace(".", ",") + f";{b};0")
    return write("LD2011_2014.txt", "\n".join(rows) + "\n")


@pytest.fixture
def uci_household(write: Callable[[str, str], Path]) -> Path:
    """Household power layout: 3 days of minutes, one '?' reading on day 2."""
    rows = ["Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;"
            "Sub_metering_1;Sub_metering_2;Sub_metering_3"]
    start = dt.datetime(2007, 1, 1)
    for i in range(3 * 1440):
        t = start + dt.timedelta(minutes=i)
        power = "?" if i == 1440 + 17 else f"{1 + (i % 60) / 60:.3f}"
        rows.append(f"{t.day}/{t.month}/{t.year};{t:%H:%M:%S};{power};0.1;240.1;4.6;0;1;17")
    return write("household_power_consumption.txt", "\n".join(rows) + "\n")
