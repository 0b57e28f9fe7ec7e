"""BDEW tables, the stochastic load-profiles dataset and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import torch
from ganzoo_smartgrid import bdew
from ganzoo_smartgrid.conditions import ConditionCodec
from ganzoo_smartgrid.configs import LoadProfilesConfig
from ganzoo_smartgrid.datasets import LoadProfiles
from ganzoo_smartgrid.daytypes import day_type, easter_sunday, german_holidays
from ganzoo_smartgrid.normalise import Normaliser

import ganzoo
from ganzoo.data.spec import DataSpec
from ganzoo.registry.errors import ConfigError, DataError

SMALL = {"n_samples": 64, "n_meters": 10}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


# -- calendar and BDEW tables -------------------------------------------------------------------
def test_easter_and_holidays() -> None:
    assert easter_sunday(2023) == dt.date(2023, 4, 9)
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    holidays = german_holidays(2023)
    assert dt.date(2023, 4, 7) in holidays and dt.date(2023, 5, 29) in holidays  # Good Friday, Whit Monday
    assert day_type(dt.date(2023, 4, 7), holidays) == "sunday-holiday"
    assert day_type(dt.date(2023, 4, 8), holidays) == "saturday"
    assert day_type(dt.date(2023, 4, 11), holidays) == "workday"


@pytest.mark.parametrize("profile", ["h0", "g1", "l2", "h25", "p25", "s25"])
def test_year_curves_are_one_megawatt_hour(profile: str) -> None:
    curves = bdew.year_curves(profile, 2023)
    assert curves.shape == (365, 96)
    assert curves.sum() * 0.25 == pytest.approx(1000.0)
    assert (curves >= 0).all()


def test_day_types_and_seasons_select_different_tables() -> None:
    holidays = german_holidays(2023)
    saturday, sunday, monday = dt.date(2023, 1, 7), dt.date(2023, 1, 8), dt.date(2023, 1, 9)
    for profile in ("g0", "g25"):
        assert not np.allclose(bdew.raw_day(profile, saturday, holidays), bdew.raw_day(profile, monday, holidays))
        assert not np.allclose(bdew.raw_day(profile, sunday, holidays), bdew.raw_day(profile, saturday, holidays))
    winter, summer = dt.date(2023, 1, 10), dt.date(2023, 7, 11)  # both Tuesdays
    assert not np.allclose(bdew.raw_day("g0", winter, holidays), bdew.raw_day("g0", summer, holidays))


def test_household_profiles_are_dynamised() -> None:
    holidays = frozenset()
    jan, dec = dt.date(2023, 1, 3), dt.date(2023, 12, 5)
    ratio = bdew.raw_day("h25", jan, holidays) / bdew._table_2025("h25")[(1, "workday")]
    assert ratio == pytest.approx(np.full(96, bdew.dynamisation(3)))
    assert bdew.raw_day("g25", dec, holidays) == pytest.approx(bdew._table_2025("g25")[(12, "workday")])


# -- the dataset --------------------------------------------------------------------------------
def test_shapes_range_and_labels() -> None:
    ds = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], resolution_minutes=30, **SMALL))
    spec = ds.describe()
    assert spec.modality == "series" and spec.shape == (1, 48)
    assert spec.condition == "label" and spec.condition_shape == (12 + 3 + 2,)
    assert len(ds) == 64
    assert float(ds.x.min()) == pytest.approx(-1.0) and float(ds.x.max()) == pytest.approx(1.0)
    item = ds[5]
    assert item["x"].shape == (1, 48) and item["x"].dtype == torch.float32
    cond = item["cond"].numpy()
    assert cond.sum() == 3
    start, holidays = ds.start[5], german_holidays(2023)
    assert cond[start.month - 1] == 1
    assert cond[12 + ("workday", "saturday", "sunday-holiday").index(day_type(start, holidays))] == 1
    assert cond[15 + ["h25", "g25"].index(ds.profile[5])] == 1


def test_resolution_window_and_unconditional() -> None:
    config = LoadProfilesConfig(profiles=["h0"], resolution_minutes=15, window_days=2, conditional=False, **SMALL)
    ds = LoadProfiles(config)
    spec = ds.describe()
    assert spec.shape == (1, 192) and spec.condition == "none"
    assert "cond" not in ds[0]
    assert spec.meta["steps_per_day"] == 96 and spec.meta["window_days"] == 2


def test_seeded_and_splits_differ() -> None:
    a = LoadProfiles(LoadProfilesConfig(profiles=["h25"], seed=3, **SMALL))
    b = LoadProfiles(LoadProfilesConfig(profiles=["h25"], seed=3, **SMALL))
    val = LoadProfiles(LoadProfilesConfig(profiles=["h25"], seed=3, split="val", **SMALL))
    other = LoadProfiles(LoadProfilesConfig(profiles=["h25"], seed=4, **SMALL))
    assert torch.equal(a.x, b.x)
    assert not torch.equal(a.x, val.x) and not torch.equal(a.x, other.x)
    assert val.meta["normalisation"] == a.meta["normalisation"]


def test_households_are_noisier_than_commercial() -> None:
    ds = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], n_samples=400, n_meters=40, normalisation="minmax"))
    kw = Normaliser.from_meta(ds.meta["normalisation"]).inverse(ds.x[:, 0].numpy())
    profile = np.asarray(ds.profile)

    def roughness(rows: np.ndarray) -> float:
        return float(np.mean(np.abs(np.diff(rows, axis=1)).mean(1) / rows.mean(1).clip(1e-6)))

    assert roughness(kw[profile == "h25"]) > 2 * roughness(kw[profile == "g25"])


def test_config_validation() -> None:
    with pytest.raises(ConfigError, match="unknown profile 'x0'"):
        ganzoo.create("dataset", "load-profiles", profiles=["x0"])
    with pytest.raises(ConfigError, match="resolution_minutes"):
        ganzoo.create("dataset", "load-profiles", resolution_minutes=20)


# -- export ---------------------------------------------------------------------------------------
def test_export_reverses_normalisation(tmp_path: Path) -> None:
    ds = LoadProfiles(LoadProfilesConfig(profiles=["h25", "s25"], conditional=False, **SMALL))
    rows = _read(LoadProfiles.export(ds.x[:3], tmp_path, ds.describe())[0])
    assert len(rows) == 3 * 48 and list(rows[0]) == ["timestamp", "meter", "value"]
    expected = Normaliser.from_meta(ds.meta["normalisation"]).inverse(ds.x[:3, 0].numpy())
    np.testing.assert_allclose([float(r["value"]) for r in rows], expected.ravel(), rtol=1e-4, atol=1e-6)
    assert rows[0]["timestamp"] == "2023-01-01 00:00:00" and rows[1]["timestamp"] == "2023-01-01 00:30:00"
    assert len({r["meter"] for r in rows}) == 3


def test_export_dates_match_conditions_in_a_fresh_spec(tmp_path: Path) -> None:
    ds = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25", "p25"], **SMALL))
    spec = DataSpec.from_dict(ds.describe().to_dict())  # as stored in a checkpoint
    codec = ConditionCodec(("h25", "g25", "p25"))
    wanted = [(3, "saturday", "g25"), (12, "sunday-holiday", "h25"), (4, "sunday-holiday", "p25"), (7, "workday", "h25")]
    cond = torch.from_numpy(codec.encode(*zip(*wanted, strict=True)))
    samples = torch.zeros(len(wanted), 1, 48)
    rows = _read(LoadProfiles.export(samples, tmp_path / "out", spec, conditions=cond)[0])
    holidays = german_holidays(2023)
    for k, (month, kind, cls) in enumerate(wanted):
        first = rows[k * 48]
        day = dt.datetime.strptime(first["timestamp"], "%Y-%m-%d %H:%M:%S").date()
        assert day.month == month and day_type(day, holidays) == kind
        assert first["meter"].startswith(f"synthetic-{cls}-")
    # 0 in model space is the midpoint of the log-scaled range, in kW
    lo, hi = spec.meta["normalisation"]["lo"], spec.meta["normalisation"]["hi"]
    assert float(rows[0]["value"]) == pytest.approx(np.expm1((lo + hi) / 2), rel=1e-4)


def test_export_rejects_mismatched_samples(tmp_path: Path) -> None:
    ds = LoadProfiles(LoadProfilesConfig(profiles=["h25"], **SMALL))
    with pytest.raises(DataError, match=r"channel\(s\), length 48"):
        LoadProfiles.export(torch.zeros(2, 1, 24), tmp_path, ds.describe(), conditions=ds.cond[:2])
    with pytest.raises(DataError, match=r"expected \(N, 16\)"):
        LoadProfiles.export(torch.zeros(2, 1, 48), tmp_path, ds.describe(), conditions=torch.zeros(2, 3))


def test_codec_roundtrip_and_label_frequencies() -> None:
    codec = ConditionCodec(("h25", "g25"))
    vectors = codec.encode([1, 1, 7, 12], ["workday", "saturday", "workday", "sunday-holiday"], ["h25", "h25", "h25", "g25"])
    assert codec.decode(vectors)[2] == {"month": 7, "daytype": "workday", "class": "h25"}
    meta = codec.sampling_meta(vectors)
    assert meta["label_blocks"] == [12, 3, 2]
    freqs = np.asarray(meta["label_frequencies"])
    assert freqs[0] == 0.5 and freqs[12] == 0.5 and freqs[15] == 0.75
    assert [freqs[:12].sum(), freqs[12:15].sum(), freqs[15:].sum()] == pytest.approx([1, 1, 1])
    ds = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], split="val", **SMALL))
    assert ds.meta["label_blocks"] == [12, 3, 2]
    assert ds.meta["label_frequencies"][15:] == pytest.approx([0.5, 0.5], abs=0.2)


def test_streamed_export_of_daily_curves_writes_what_one_export_writes(tmp_path: Path) -> None:
    ds = LoadProfiles(LoadProfilesConfig(profiles=["h25", "g25"], **SMALL))
    spec, samples, cond = ds.describe(), ds.x[:5], ds.cond[:5]
    (whole,) = LoadProfiles.export(samples, tmp_path / "whole", spec, conditions=cond)
    for start, stop in ((0, 3), (3, 5)):
        (streamed,) = LoadProfiles.export(samples[start:stop], tmp_path / "streamed", spec,
                                          conditions=cond[start:stop], start=start)
    assert streamed.read_text() == whole.read_text()
