"""The smart-meter loaders on small fixture files in every documented format, good and malformed."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from ganzoo_smartgrid import readers
from ganzoo_smartgrid.configs import (
    LCLConfig,
    LongCSVConfig,
    UCIElectricityConfig,
    UCIHouseholdConfig,
    WideCSVConfig,
)
from ganzoo_smartgrid.datasets import LondonLCL, LongCSV, UCIElectricity, UCIHousehold, WideCSV
from ganzoo_smartgrid.windows import (
    DAY_NS,
    Plan,
    make_windows,
    split_by_block,
    split_by_date,
    split_by_meter,
)

import ganzoo
from ganzoo.registry.errors import ConfigError, DataError


def _denormalised(ds) -> np.ndarray:
    out = Path(ds.meta["path"]).parent / "export"
    (path,) = type(ds).export(ds.x, out, ds.describe())
    with path.open() as handle:
        return np.asarray([float(r["value"]) for r in csv.DictReader(handle)]).reshape(len(ds), -1)


# -- London LCL --------------------------------------------------------------------------------
def test_lcl_original_layout_null_drops_its_day(lcl_original: Path) -> None:
    ds = LondonLCL(LCLConfig(path=lcl_original, val_fraction=0.0, test_fraction=0.0))
    assert ds.describe().shape == (1, 48)
    # 2 meters x 10 days, minus the day of MAC000001 that holds the Null reading
    assert len(ds) == 19
    assert ds.meta["windows"]["dropped_incomplete"] == 1
    assert ds.meta["unit"] == "kWh" and ds.meta["classes"] == ["Std", "ToU"]
    assert float(ds.x.min()) >= -1.0 and float(ds.x.max()) <= 1.0
    expected = readers.read_lcl(lcl_original).series["MAC000002"][1][:48]
    np.testing.assert_allclose(_denormalised(ds)[ds.meter_ids.index("MAC000002")], expected, rtol=1e-4)


def test_lcl_conditional_labels_month_daytype_tariff(lcl_original: Path) -> None:
    ds = LondonLCL(LCLConfig(path=lcl_original, conditional=True, val_fraction=0.0, test_fraction=0.0))
    spec = ds.describe()
    assert spec.condition == "label" and spec.condition_shape == (12 + 3 + 2,)
    first = ds.start.index(dt.date(2013, 1, 5))  # a Saturday
    cond = ds[first]["cond"].numpy()
    assert cond.sum() == 3 and cond[0] == 1 and cond[12 + 1] == 1
    assert cond[15 + ["Std", "ToU"].index({"MAC000001": "Std", "MAC000002": "ToU"}[ds.meter_ids[first]])] == 1


def test_lcl_kaggle_folder_with_household_tariffs(lcl_kaggle: Path) -> None:
    ds = LondonLCL(LCLConfig(path=lcl_kaggle, resolution_minutes=60, conditional=True, val_fraction=0.0,
                             test_fraction=0.0))
    assert ds.describe().shape == (1, 24)
    assert len(ds) == 18  # 2 blocks x 10 days, each loses the day holding its Null
    assert ds.meta["classes"] == ["Std", "ToU"]


def test_lcl_rejects_a_file_of_another_format(write) -> None:
    path = write("x.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match=r"x\.csv: not a London LCL file"):
        LondonLCL(LCLConfig(path=path))


def test_lcl_bad_value_names_line_and_column(write) -> None:
    path = write("bad.csv", "LCLid,tstp,energy(kWh/hh)\nM1,2013-01-01 00:00:00,0.1\nM1,2013-01-01 00:30:00,zero\n")
    with pytest.raises(DataError, match=r"bad\.csv: line 3: column 'energy\(kWh/hh\)': 'zero' is not a number"):
        LondonLCL(LCLConfig(path=path))


def test_lcl_bad_timestamp_names_line(write) -> None:
    path = write("bad.csv", "LCLid,tstp,energy(kWh/hh)\nM1,2013-01-01 00:00:00,0.1\n\nM1,yesterday,0.2\n")
    with pytest.raises(DataError, match=r"bad\.csv: line 4: column 'tstp': 'yesterday' is not a date/time"):
        LondonLCL(LCLConfig(path=path))


# -- UCI ElectricityLoadDiagrams ---------------------------------------------------------------
def test_uci_electricity_decimal_comma_and_leading_zeros(uci_electricity: Path) -> None:
    data = readers.read_uci_electricity(uci_electricity)
    assert set(data.series) == {"MT_001", "MT_002"}  # MT_003 is all zeros: never connected
    times, values = data.series["MT_001"]
    assert times[0] == np.datetime64("2012-01-01T00:00")  # end-of-interval label shifted to the start
    assert values[0] == pytest.approx(10.0) and values[1] == pytest.approx(10 + 5 * np.sin(2 * np.pi / 96), abs=1e-4)
    mt2 = data.series["MT_002"][1]
    assert np.isnan(mt2[: 96 * 2 + 10]).all() and mt2[96 * 2 + 10] == 20 + (96 * 2 + 10) % 5

    ds = UCIElectricity(UCIElectricityConfig(path=uci_electricity, resolution_minutes=15, val_fraction=0.0,
                                             test_fraction=0.0))
    assert ds.describe().shape == (1, 96)
    # MT_001: 8 full days; MT_002: day 3 is partly not-yet-connected, days 4..8 complete
    assert len(ds) == 8 + 5
    assert ds.meta["unit"] == "kW" and ds.meta["quantity"] == "power"


def test_uci_electricity_power_is_averaged_when_resampling(uci_electricity: Path) -> None:
    ds = UCIElectricity(UCIElectricityConfig(path=uci_electricity, resolution_minutes=60, max_meters=1,
                                             normalisation="minmax", val_fraction=0.0, test_fraction=0.0))
    values = _denormalised(ds)
    raw = readers.read_uci_electricity(uci_electricity, max_meters=1).series["MT_001"][1]
    np.testing.assert_allclose(values[0, 0], raw[:4].mean(), rtol=1e-5)


def test_uci_electricity_bad_cell(write) -> None:
    path = write("LD.txt", '"";"MT_001"\n"2012-01-01 00:15:00";1,5\n"2012-01-01 00:30:00";abc\n')
    with pytest.raises(DataError, match=r"LD\.txt: line 3: column 'MT_001': 'abc' is not a number"):
        UCIElectricity(UCIElectricityConfig(path=path))


# -- UCI household power -----------------------------------------------------------------------
def test_uci_household_question_mark_missing(uci_household: Path) -> None:
    ds = UCIHousehold(UCIHouseholdConfig(path=uci_household, val_fraction=0.0, test_fraction=0.0))
    assert len(ds) == 2  # day 2 holds the '?'
    assert [d.day for d in ds.start] == [1, 3]
    np.testing.assert_allclose(_denormalised(ds)[0, 0], np.mean(1 + np.arange(30) / 60), rtol=1e-5)


def test_uci_household_sub_metering_is_energy(uci_household: Path) -> None:
    ds = UCIHousehold(UCIHouseholdConfig(path=uci_household, column="Sub_metering_3", val_fraction=0.0,
                                         test_fraction=0.0))
    assert ds.meta["unit"] == "Wh" and ds.meta["quantity"] == "energy"
    np.testing.assert_allclose(_denormalised(ds), 17 * 30, rtol=1e-6)  # 30 minutes x 17 Wh


def test_uci_household_bad_date(write) -> None:
    path = write("h.txt", "Date;Time;Global_active_power\n1/1/2007;00:00:00;1.0\n31/2/2007;00:01:00;1.0\n")
    with pytest.raises(DataError, match=r"h\.txt: line 3: column 'Date/Time'"):
        UCIHousehold(UCIHouseholdConfig(path=path))


# -- generic CSV -------------------------------------------------------------------------------
def _long_rows(days: int = 6) -> str:
    rows = ["meter,timestamp,value,kind"]
    for meter, kind in (("a", "home"), ("b", "shop")):
        for i in range(days * 48):
            t = dt.datetime(2021, 3, 1) + dt.timedelta(minutes=30 * i)
            rows.append(f"{meter},{t.isoformat()},{0.5 + (i % 48) / 48:.4f},{kind}")
    return "\n".join(rows) + "\n"


def test_long_csv_energy_is_summed_and_classes_label(write) -> None:
    path = write("long.csv", _long_rows())
    ds = LongCSV(LongCSVConfig(path=path, resolution_minutes=60, conditional=True, class_column="kind",
                               normalisation="minmax", val_fraction=0.0, test_fraction=0.0))
    assert ds.describe().shape == (1, 24) and ds.describe().condition_shape == (17,)
    assert ds.meta["classes"] == ["home", "shop"]
    np.testing.assert_allclose(_denormalised(ds)[0, 0], 0.5 + 0.5 + 1 / 48, rtol=1e-4)


def test_long_csv_window_days_and_chronological_split(write) -> None:
    path = write("long.csv", _long_rows(days=10))
    config = LongCSVConfig(path=path, window_days=2, stride_days=1, val_fraction=0.2, test_fraction=0.2,
                           split_by="time")
    train = LongCSV(config)
    test = LongCSV(config.model_copy(update={"split": "test"}))
    assert train.describe().shape == (1, 96)
    assert max(train.start) < min(test.start)
    assert train.meta["normalisation"] == test.meta["normalisation"]  # statistics from train only


def test_long_csv_missing_column(write) -> None:
    path = write("long.csv", "meter,time,value\na,2021-01-01 00:00,1\n")
    with pytest.raises(DataError, match=r"long\.csv: missing column 'timestamp'"):
        LongCSV(LongCSVConfig(path=path))


def test_long_csv_empty_meter_cell(write) -> None:
    path = write("long.csv", "meter,timestamp,value\na,2021-01-01 00:00,1\n,2021-01-01 00:30,1\n")
    with pytest.raises(DataError, match=r"line 3: column 'meter': is empty"):
        LongCSV(LongCSVConfig(path=path))


def test_long_csv_ragged_row(write) -> None:
    path = write("long.csv", "meter,timestamp,value\na,2021-01-01 00:00,1\na,2021-01-01 00:30,1,9\n")
    with pytest.raises(DataError, match=r"long\.csv: .*line 3"):
        LongCSV(LongCSVConfig(path=path))


def test_wide_csv_semicolon_decimal_comma(write) -> None:
    rows = ["time;m1;m2"]
    for i in range(4 * 96):
        t = dt.datetime(2020, 6, 1) + dt.timedelta(minutes=15 * i)
        rows.append(f"{t:%Y-%m-%d %H:%M};{1 + i % 4},5;2,0")
    path = write("wide.csv", "\n".join(rows) + "\n")
    ds = WideCSV(WideCSVConfig(path=path, timestamp_column="time", sep=";", decimal=",", quantity="power", unit="kW",
                               resolution_minutes=30, val_fraction=0.0, test_fraction=0.0, columns_are="meters"))
    assert len(ds) == 8 and ds.describe().shape == (1, 48)
    values = _denormalised(ds)
    np.testing.assert_allclose(values[ds.meter_ids.index("m1"), :2], [2.0, 4.0], rtol=1e-5)
    np.testing.assert_allclose(values[ds.meter_ids.index("m2")], 2.0, rtol=1e-5)


def test_empty_and_missing_files(write, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        WideCSV(WideCSVConfig(path=tmp_path / "nope.csv"))
    with pytest.raises(DataError, match="empty"):
        WideCSV(WideCSVConfig(path=write("empty.csv", "")))


def test_upsampling_is_refused(write) -> None:
    path = write("long.csv", _long_rows())
    with pytest.raises(DataError, match="finer than the data's 30 min"):
        LongCSV(LongCSVConfig(path=path, resolution_minutes=15))


def test_too_few_days_for_the_split(write) -> None:
    path = write("long.csv", _long_rows(days=2))
    with pytest.raises(DataError, match="'val' split has no complete windows"):
        LongCSV(LongCSVConfig(path=path, split="val", val_fraction=0.1, test_fraction=0.1, split_by="time"))
    with pytest.raises(DataError, match=r"split_by = 'block' leaves the 'val' split no block \(4 blocks of 1 day\); "
                       "use more data, shorter block_days"):
        LongCSV(LongCSVConfig(path=path, val_fraction=0.1, test_fraction=0.1))


def test_duplicate_readings_keep_the_first() -> None:
    times = np.asarray(["2021-01-01T00:00", "2021-01-01T00:00"] + [f"2021-01-01T{h:02d}:{m:02d}" for h in range(24)
                       for m in (0, 30)][1:], dtype="datetime64[ns]")
    values = np.concatenate([[1.0, 99.0], np.ones(47)])
    data = readers.Readings({"m": (times, values)}, "kWh", "energy")
    windows = make_windows(data, Plan(1, 1, 30, align_days=True), source="test")
    assert windows.duplicates == 1 and windows.values[0, 0, 0] == 1.0


def test_split_by_date_is_chronological() -> None:
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(10)]
    assert split_by_date(days, "train", 0.2, 0.1).tolist() == list(range(7))
    assert split_by_date(days, "val", 0.2, 0.1).tolist() == [7, 8]
    assert split_by_date(days, "test", 0.2, 0.1).tolist() == [9]


def test_split_by_meter_holds_out_whole_meters_seeded() -> None:
    meter = [f"m{i % 10}" for i in range(50)]  # 10 meters, 5 windows each, interleaved
    parts = {split: split_by_meter(meter, split, 0.2, 0.1, seed=0) for split in ("train", "val", "test")}
    ids = {split: {meter[i] for i in index} for split, index in parts.items()}
    assert [len(ids[split]) for split in ("train", "val", "test")] == [7, 2, 1]
    assert sum(len(index) for index in parts.values()) == 50 and set().union(*ids.values()) == set(meter)
    assert not (ids["train"] & ids["val"] or ids["train"] & ids["test"] or ids["val"] & ids["test"])
    assert all(len(index) == 5 * len(ids[split]) for split, index in parts.items())  # every window of a meter
    assert split_by_meter(meter, "val", 0.2, 0.1, seed=0).tolist() == parts["val"].tolist()
    assert any({meter[i] for i in split_by_meter(meter, "val", 0.2, 0.1, seed=s)} != ids["val"] for s in range(1, 5))


def test_registered_loaders_validate_config(lcl_original: Path) -> None:
    ds = ganzoo.create("dataset", "london-lcl", path=str(lcl_original), val_fraction=0.0, test_fraction=0.0)
    assert len(ds) == 19
    with pytest.raises(ConfigError, match="resolution_minutes"):
        ganzoo.create("dataset", "wide-csv", path="x.csv", resolution_minutes=7)


def test_meter_files_split_by_time_or_at_random(lcl_original: Path) -> None:
    """Split by time the held-out days follow every training day (forecasting's split); at random
    they are drawn like the training days, as the privacy metrics' ideals need."""
    def windows(split: str, by: str) -> set[tuple[str, dt.date]]:
        ds = ganzoo.create("dataset", "london-lcl", path=str(lcl_original), split=split, split_by=by,
                           val_fraction=0.3, test_fraction=0.2)
        meta = ds.describe().meta
        assert meta["windows"]["split_by"] == by
        assert ("held_out" in meta) == (by == "time")
        assert ds.split_groups is None  # windows assigned one by one: each is its own draw
        return set(zip(ds.meter_ids, ds.start, strict=True))

    for by in ("time", "random"):
        train, val, test = (windows(split, by) for split in ("train", "val", "test"))
        assert len(train | val | test) == 19 and not (train & val or train & test or val & test)
        later = min(day for _, day in val) > max(day for _, day in train)
        assert later == (by == "time")


def _days(n: int) -> list[dt.datetime]:
    return [dt.datetime(2022, 1, 1) + dt.timedelta(days=i) for i in range(n)]


def test_split_by_block_assigns_each_meters_whole_blocks_seeded() -> None:
    starts, meter = _days(70) * 2, ["a"] * 70 + ["b"] * 70  # 2 meters x 10 blocks of 7 days
    parts = {split: split_by_block(meter, starts, DAY_NS, 7 * DAY_NS, split, 0.2, 0.1, seed=0, overlapping=False)
             for split in ("train", "val", "test")}
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(140))
    blocks = {split: {i // 7 for i in rows} for split, rows in parts.items()}  # (meter, week) as 0-19
    assert [len(b) for b in blocks.values()] == [14, 4, 2]
    assert all(len(rows) == 7 * len(blocks[split]) for split, rows in parts.items())  # whole blocks
    again = split_by_block(meter, starts, DAY_NS, 7 * DAY_NS, "val", 0.2, 0.1, seed=0, overlapping=False)
    assert again.tolist() == parts["val"].tolist()
    assert any(split_by_block(meter, starts, DAY_NS, 7 * DAY_NS, "val", 0.2, 0.1, seed=s, overlapping=False).tolist() != again.tolist()
               for s in range(1, 5))


def test_split_by_block_keeps_the_days_of_overlapping_windows_apart() -> None:
    """Three-day windows moving by a day: no day of a meter lies in windows of two splits; only
    windows that cross into another split's block are dropped."""
    starts, meter = _days(140), ["a"] * 140
    parts = {split: split_by_block(meter, starts, 3 * DAY_NS, 14 * DAY_NS, split, 0.2, 0.2, seed=1, overlapping=True)
             for split in ("train", "val", "test")}
    days = {split: {i + k for i in rows for k in range(3)} for split, rows in parts.items()}
    assert not (days["train"] & days["val"] or days["train"] & days["test"] or days["val"] & days["test"])
    split_of = {i // 14: split for split, rows in parts.items() for i in rows}
    dropped = set(range(140)) - {int(i) for rows in parts.values() for i in rows}
    assert dropped and all(i % 14 >= 12 and split_of.get((i + 2) // 14) != split_of[i // 14] for i in dropped)


def test_split_by_block_drops_nothing_when_windows_do_not_overlap() -> None:
    """Series that start half a window apart cross the shared block grid, but share no reading with
    another window: every window is kept."""
    hour = 3_600 * 10**9
    starts = [dt.datetime(2022, 1, 1, 0, 30 * m) + dt.timedelta(hours=i) for m in (0, 1) for i in range(50)]
    meter = ["a"] * 50 + ["b"] * 50
    parts = [split_by_block(meter, starts, hour, hour, split, 0.2, 0.2, seed=0, overlapping=False)
             for split in ("train", "val", "test")]
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))


def test_long_csv_splits_by_block_by_default(write, capsys: pytest.CaptureFixture[str]) -> None:
    """Timestamps: blocks of one window per meter (a split at random), stored resolved and announced
    at training start; overlapping windows get blocks of four windows, each one draw for the
    privacy metrics, and share no day across splits."""
    path = write("long.csv", _long_rows(days=70))
    config = LongCSVConfig(path=path)
    assert config.split_by == "block"
    assert LongCSVConfig(path=path, timestamp_column=None, window_steps=48).split_by == "random"
    train = LongCSV(config)
    assert "long.csv: training on 112 of 140 windows (split_by = 'block': blocks of 1 day per meter; 14 val, " \
        "14 test)" in capsys.readouterr().err
    assert train.split_groups is None and "held_out" not in train.meta
    overlapping = config.model_copy(update={"window_days": 3, "stride_days": 1})
    parts = {split: LongCSV(overlapping.model_copy(update={"split": split})) for split in ("train", "val", "test")}
    assert "(split_by = 'block': blocks of 12 days per meter;" in capsys.readouterr().err
    days = {split: {(m, s.date() + dt.timedelta(days=k)) for m, s in zip(ds.meter_ids, ds.start, strict=True)
                    for k in range(3)} for split, ds in parts.items()}
    assert not (days["train"] & days["val"] or days["train"] & days["test"] or days["val"] & days["test"])
    groups = {split: set(ds.split_groups) for split, ds in parts.items()}
    assert len(groups["val"]) == 1 and not groups["train"] & groups["val"]  # 1 of 12 blocks (2 meters x 6)


def test_block_split_errors_and_overlap_notice(write, capsys: pytest.CaptureFixture[str]) -> None:
    path = write("long.csv", _long_rows(days=70))
    with pytest.raises(DataError, match=r"long\.csv: block_days = 2 is shorter than a window \(3 days\)"):
        LongCSV(LongCSVConfig(path=path, window_days=3, block_days=2))
    with pytest.raises(ValueError, match=r"block_days goes with split_by = 'block' \(split_by is 'time'\)"):
        LongCSVConfig(path=path, block_days=7, split_by="time")
    overlapping = LongCSV(LongCSVConfig(path=path, window_days=3, stride_days=1, split_by="random"))
    assert "overlapping windows share readings across splits; split_by = 'block' keeps them apart" in (
        capsys.readouterr().err)
    assert "held_out" not in overlapping.meta  # drawn alike: the privacy ideals hold (RESULTS.md §8)


def test_meter_files_split_by_meter_need_a_meter_in_every_split(lcl_original: Path) -> None:
    """Held out by meter, no household has days on both sides; two meters cannot fill three splits."""
    def meters(split: str, **fractions: float) -> set[str]:
        ds = ganzoo.create("dataset", "london-lcl", path=str(lcl_original), split=split, split_by="meter", **fractions)
        assert ds.describe().meta["windows"]["split_by"] == "meter" and "held_out" not in ds.describe().meta
        assert ds.split_groups == ds.meter_ids  # the privacy metrics count a meter as one draw
        return set(ds.meter_ids)

    train, test = (meters(split, val_fraction=0.0, test_fraction=0.5) for split in ("train", "test"))
    assert len(train) == len(test) == 1 and train != test
    with pytest.raises(DataError, match=r"split_by = 'meter' leaves the 'test' split no meter \(2 meters"):
        meters("train", val_fraction=0.3, test_fraction=0.2)
