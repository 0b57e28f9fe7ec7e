"""Series of any shape through long-csv and wide-csv: channels, windows, conditions, export."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import torch
from ganzoo_smartgrid.conditions import Block, ConditionCodec
from ganzoo_smartgrid.configs import LongCSVConfig, WideCSVConfig
from ganzoo_smartgrid.datasets import LongCSV, WideCSV
from ganzoo_smartgrid.export import export_csv
from pydantic import ValidationError

import ganzoo
from ganzoo.plugin import DataError, DataSpec


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _labelled_curves(write, n: int = 40) -> Path:
    """``curve, load, class`` rows without timestamps: n curves of 24 steps, two shapes."""
    lines = ["curve,load,class"]
    rng = np.random.default_rng(0)
    for i in range(n):
        label = "winter" if i % 2 else "summer"
        peak = 2.0 if label == "winter" else 0.5
        for h in range(24):
            value = 1 + peak * np.exp(-((h - 18) ** 2) / 4) + 0.05 * rng.standard_normal()
            lines.append(f"c{i},{value:.5f},{label}")
    return write("curves.csv", "\n".join(lines) + "\n")


def _sensor_table(write, steps: int = 24 * 20) -> Path:
    """A 3-channel table at 10-minute resolution with negative values and a temperature column."""
    lines = ["time,accel_x,accel_y,temp_c,outdoor"]
    start = dt.datetime(2022, 1, 1)
    for k in range(steps):
        t = start + dt.timedelta(minutes=10 * k)
        lines.append(f"{t:%Y-%m-%d %H:%M},{np.sin(k / 5):.4f},{-3 + np.cos(k / 7):.4f},{20 + k % 11},{5 + (k // 24) % 4}")
    return write("sensors.csv", "\n".join(lines) + "\n")


def test_class_only_curves_without_timestamps(write, tmp_path: Path) -> None:
    path = _labelled_curves(write)
    config = LongCSVConfig(path=path, meter_column="curve", value_column="load", timestamp_column=None, unit="kW",
                           window_steps=24, condition_columns=["class"], val_fraction=0.25, test_fraction=0.0)
    train, val = LongCSV(config), LongCSV(config.model_copy(update={"split": "val"}))
    spec = train.describe()
    assert spec.shape == (1, 24) and spec.condition == "label" and spec.condition_shape == (2,)
    assert len(train) == 30 and len(val) == 10 and not set(train.meter_ids) & set(val.meter_ids)
    assert spec.meta["class_block"] == "class" and spec.meta["windows"]["split_by"] == "random"
    assert train.split_groups is None
    by_curve = LongCSV(config.model_copy(update={"split_by": "meter"}))
    assert by_curve.split_groups == by_curve.meter_ids and len(set(by_curve.meter_ids)) == 30
    # the condition is the curve's class, and generation per class round-trips through the export
    cond = LongCSV.parse_condition(spec, "class=winter", 3)
    (out,) = LongCSV.export(train.x[:3], tmp_path / "out", spec, conditions=cond)
    rows = _rows(out)
    assert list(rows[0]) == ["window", "step", "class", "load"]
    assert {r["class"] for r in rows} == {"winter"} and rows[0]["window"] == "synthetic-winter-00000"
    # the one-channel load metrics read the per-channel scaling too
    from ganzoo.metrics.context import EvalContext

    class Replay:
        spec = train.describe()

        def sample(self, n, condition=None, seed=None):
            return train.x[:n]

    stats = ganzoo.create("metric", "load-statistics").compute(EvalContext(Replay(), val, n_samples=10))
    assert stats["profile_mean_rmse"]["units"] == "kW" and stats["profile_mean_rmse"]["value"] > 0
    original = [float(r["load"]) for r in rows[:24]]
    expected = np.loadtxt(path, delimiter=",", skiprows=1, usecols=1)
    first = int(train.meter_ids[0][1:])
    np.testing.assert_allclose(original, expected[24 * first : 24 * first + 24], rtol=1e-4)


def test_sensor_table_becomes_multichannel_windows_and_exports_original_units(write, tmp_path: Path) -> None:
    path = _sensor_table(write)
    config = WideCSVConfig(path=path, timestamp_column="time", value_columns=["accel_x", "accel_y", "temp_c"],
                           columns_are="channels", window_steps=24, stride_steps=12, quantity="power",
                           val_fraction=0.0, test_fraction=0.0)
    ds = WideCSV(config)
    spec = ds.describe()
    assert spec.shape == (3, 24) and spec.condition == "none"
    assert len(ds) == (24 * 20 - 24) // 12 + 1
    # each channel spans [-1, 1] on its own (negative accelerations included)
    assert torch.allclose(ds.x.amin(dim=(0, 2)), torch.full((3,), -1.0)) and torch.allclose(
        ds.x.amax(dim=(0, 2)), torch.ones(3))
    (out,) = WideCSV.export(ds.x[:2], tmp_path / "out", spec)
    rows = _rows(out)
    assert list(rows[0]) == ["window", "timestamp", "accel_x", "accel_y", "temp_c"] and len(rows) == 48
    assert rows[1]["timestamp"] == "2022-01-01 00:10:00"
    np.testing.assert_allclose([float(r["accel_y"]) for r in rows[:24]],
                               [-3 + np.cos(k / 7) for k in range(24)], atol=1e-3)


def test_wide_table_with_several_columns_asks_how_to_read_them(write) -> None:
    path = _sensor_table(write, steps=48)
    with pytest.raises(DataError, match=r"sensors\.csv: 4 value columns .*columns_are = 'channels'"):
        WideCSV(WideCSVConfig(path=path, timestamp_column="time", window_steps=24))


def test_resampling_numeric_and_calendar_conditions(write) -> None:
    path = _sensor_table(write)
    ds = WideCSV(WideCSVConfig(path=path, timestamp_column="time", value_columns=["accel_x", "accel_y"],
                               columns_are="channels", resolution_minutes=30, window_steps=8, quantity="power",
                               numeric_condition_columns=["outdoor"], calendar=["hour"],
                               val_fraction=0.0, test_fraction=0.0))
    spec = ds.describe()
    assert spec.shape == (2, 8) and spec.meta["resolution_minutes"] == 30
    codec = ConditionCodec.from_meta(spec.meta["conditions"])
    assert [b.name for b in codec.parts] == ["hour", "outdoor"] and codec.dim == 25
    labels = codec.decode(ds.cond.numpy())
    assert labels[1]["hour"] == 4  # windows of 8 half hours: 0:00, 4:00, ...
    assert [round(row["outdoor"], 3) for row in labels[:3]] == [5.0, 6.0, 7.0]  # each window's mean
    fixed = codec.decode(WideCSV.parse_condition(spec, "outdoor=6.5", 4).numpy())
    assert all(abs(row["outdoor"] - 6.5) < 1e-4 for row in fixed)


def test_joint_sampling_keeps_dependent_conditions_together(write) -> None:
    lines = ["meter,timestamp,value,season"]
    for day in range(120):
        date = dt.date(2021, 1, 1) + dt.timedelta(days=day)
        season = "winter" if date.month < 3 else "spring"
        for h in range(24):
            lines.append(f"m,{date} {h:02d}:00,{1 + h % 5},{season}")
    path = write("seasons.csv", "\n".join(lines) + "\n")
    ds = LongCSV(LongCSVConfig(path=path, calendar=["month"], condition_columns=["season"], quantity="power",
                               val_fraction=0.0, test_fraction=0.0))
    spec = ds.describe()
    codec = ConditionCodec.from_meta(spec.meta["conditions"])
    drawn = codec.decode(LongCSV.parse_condition(spec, "season=winter", 200, torch.Generator().manual_seed(0)).numpy())
    assert {row["month"] for row in drawn} <= {1, 2}  # winter days come from January and February only


def test_no_timestamps_survives_stored_params() -> None:
    """Runs store params without None values; 'no timestamps' must not read back as 'timestamp'."""
    config = WideCSVConfig(path="x.csv", timestamp_column=None, columns_are="steps")
    stored = {k: v for k, v in config.model_dump().items() if v is not None}
    assert WideCSVConfig(**stored).timestamp_column == ""


def test_window_days_need_timestamps_and_log_refuses_negative_values(write) -> None:
    with pytest.raises(ValidationError, match="without timestamps give window_steps"):
        LongCSVConfig(path="x.csv", timestamp_column=None)
    path = _sensor_table(write, steps=48)
    with pytest.raises(DataError, match="in channel 'accel_y'"):
        WideCSV(WideCSVConfig(path=path, timestamp_column="time", value_columns=["accel_x", "accel_y"],
                              columns_are="channels", window_steps=24, normalisation="log",
                              val_fraction=0.0, test_fraction=0.0))


def test_old_runs_meta_still_exports_and_samples(tmp_path: Path) -> None:
    """Runs saved before per-channel scaling and condition tables keep working."""
    codec = ConditionCodec(("h25",))
    meta = {"unit": "kW", "resolution_minutes": 60, "reference_year": 2023, "start": "2023-01-01", "holidays": "de",
            "normalisation": {"kind": "log", "lo": 0.0, "hi": 2.0}, "conditions": codec.to_meta(),
            **codec.sampling_meta(codec.encode([3], ["saturday"], ["h25"]))}
    spec = DataSpec("series", (1, 24), (-1.0, 1.0), "label", (codec.dim,), meta)
    cond = ConditionCodec.from_meta(meta["conditions"]).sample(meta, 2, torch.Generator().manual_seed(0))
    assert cond[:, 12 + 1].tolist() == [1.0, 1.0]  # the only training day type: saturday
    (out,) = export_csv(torch.zeros(2, 1, 24), tmp_path, spec, cond)
    rows = _rows(out)
    assert list(rows[0]) == ["timestamp", "meter", "value"]
    assert float(rows[0]["value"]) == pytest.approx(np.expm1(1.0), rel=1e-5)
    assert dt.date.fromisoformat(rows[0]["timestamp"][:10]).weekday() == 5


def test_block_scaling_round_trip() -> None:
    block = Block("temperature", numeric=(-5.0, 15.0))
    assert block.scale(-5.0) == -1.0 and block.unscale(block.scale(7.5)) == pytest.approx(7.5)


def test_one_curve_per_row_with_or_without_dates(write, tmp_path: Path) -> None:
    header = "class," + ",".join(f"v{h}" for h in range(24))
    rows = [f"{1 + i % 2}," + ",".join(f"{(i % 2) * 10 + h:.1f}" for h in range(24)) for i in range(20)]
    path = write("ucr.csv", "\n".join([header, *rows]) + "\n")
    ds = WideCSV(WideCSVConfig(path=path, timestamp_column="", columns_are="steps", condition_columns=["class"],
                               val_fraction=0.0, test_fraction=0.0))
    spec = ds.describe()
    assert spec.shape == (1, 24) and len(ds) == 20 and spec.condition_shape == (2,)
    (out,) = WideCSV.export(ds.x[:1], tmp_path / "a", spec, conditions=ds.cond[:1])
    first = int(ds.meter_ids[0].split("-")[1]) - 1
    assert [float(r["value"]) for r in _rows(out)] == pytest.approx([(first % 2) * 10 + h for h in range(24)])
    dated = write("days.csv", "date,h0,h1,h2,h3\n2021-03-01,1,2,3,4\n2021-03-02,2,3,4,5\n")
    days = WideCSV(WideCSVConfig(path=dated, timestamp_column="date", columns_are="steps", quantity="power",
                                 val_fraction=0.0, test_fraction=0.0))
    assert days.describe().shape == (1, 4) and days.describe().meta["resolution_minutes"] == 360
    assert [s.isoformat() for s in days.start] == ["2021-03-01T00:00:00", "2021-03-02T00:00:00"]


def test_three_channel_csv_trains_generates_in_original_units_and_evaluates(write, tmp_path: Path) -> None:
    """The issue's acceptance path: a 3-channel CSV, 24-step windows, train -> generate -> evaluate."""
    from ganzoo.metrics.evaluate import evaluate_run

    path = _sensor_table(write, steps=24 * 12)
    dataset = {"name": "wide-csv", "params": {
        "path": str(path), "timestamp_column": "time", "value_columns": ["accel_x", "accel_y", "temp_c"],
        "columns_are": "channels", "window_steps": 24, "stride_steps": 4, "quantity": "power", "unit": "mixed",
        "split_by": "time"}}
    config = {"name": "three-channels", "generator": {"name": "series-resconv", "params": {"hidden": 8}},
              "discriminator": {"name": "series-resconv", "params": {"features": 16}}, "dataset": dataset,
              "losses": [{"name": "adversarial", "params": {"mode": "wasserstein"}},
                         {"name": "gradient-penalty", "weight": 10.0}, {"name": "series-moments", "weight": 10.0}],
              "train": {"steps": 3, "batch_size": 8, "n_critic": 2, "progress": False, "sample_every": 0,
                        "ema": {"decay": 0.9}}}
    run = ganzoo.train(config, run_dir=tmp_path / "run")
    sampler = ganzoo.load(run.directory)
    assert sampler.spec.shape == (3, 24)
    (out,) = sampler.export(sampler.sample(5, seed=0), tmp_path / "out")
    rows = _rows(out)
    assert list(rows[0]) == ["window", "timestamp", "accel_x", "accel_y", "temp_c"] and len(rows) == 5 * 24
    temps = np.asarray([float(r["temp_c"]) for r in rows])
    assert 10 < temps.mean() < 35  # degrees, not the model's [-1, 1]
    report = evaluate_run(run.directory, metrics=["class-profiles", "coverage"], n_samples=16)
    assert {"profile_mean_error", "spread_ratio_error", "coverage"} <= set(report["metrics"])


def test_a_run_split_by_time_before_block_was_the_default_is_not_evaluated_on_blocks(
    write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A long-csv run trained with the time split and no ``split_by`` in its config.toml (as the
    runs before the block default wrote it) would be rebuilt split by block, its held-out days
    partly training days; ``ganzoo evaluate`` says so and exits 2 instead."""
    from ganzoo.cli.main import main

    path = _sensor_table(write, steps=24 * 6 * 30)  # 30 days every 10 minutes
    dataset = {"name": "wide-csv", "params": {
        "path": str(path), "timestamp_column": "time", "value_columns": ["accel_x"], "columns_are": "channels",
        "resolution_minutes": 60, "quantity": "power", "unit": "g", "split_by": "time"}}
    config = {"name": "old", "generator": {"name": "series-resconv", "params": {"hidden": 8}},
              "discriminator": {"name": "series-resconv", "params": {"features": 16}}, "dataset": dataset,
              "losses": [{"name": "adversarial", "params": {"mode": "wasserstein"}}],
              "train": {"steps": 1, "batch_size": 8, "progress": False, "sample_every": 0}}
    run = ganzoo.train(config, run_dir=tmp_path / "run").directory
    toml = run / "config.toml"
    toml.write_text("\n".join(line for line in toml.read_text().splitlines() if not line.startswith("split_by")))
    capsys.readouterr()
    assert main(["evaluate", str(run), "--metrics", "dcr"]) == 2
    assert "holds out samples unlike when the run trained (the latest windows (split by time) then, drawn like the " \
        "training samples now)" in capsys.readouterr().err


def test_streamed_export_writes_what_one_export_writes(write, tmp_path: Path) -> None:
    """``ganzoo generate`` exports batch after batch with ``start``: one header, windows numbered on."""
    path = _labelled_curves(write)
    config = LongCSVConfig(path=path, meter_column="curve", value_column="load", timestamp_column=None, unit="kW",
                           window_steps=24, condition_columns=["class"], val_fraction=0.0, test_fraction=0.0)
    data = LongCSV(config)
    spec, samples, cond = data.describe(), data.x[:5], data.cond[:5]
    (whole,) = LongCSV.export(samples, tmp_path / "whole", spec, conditions=cond)
    for start, stop in ((0, 2), (2, 5)):
        (streamed,) = LongCSV.export(samples[start:stop], tmp_path / "streamed", spec, conditions=cond[start:stop],
                                     start=start)
    assert streamed.read_text() == whole.read_text()
    assert _rows(whole)[-1]["window"].endswith("-00004")
