"""Label conditions: valid vectors from the dataset, drawn by the sampler, parsed from text, exported as dates."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import torch
from ganzoo_smartgrid.conditions import ConditionCodec
from ganzoo_smartgrid.configs import LoadProfilesConfig, LongCSVConfig
from ganzoo_smartgrid.datasets import LoadProfiles, LongCSV
from ganzoo_smartgrid.daytypes import day_type, german_holidays
from ganzoo_smartgrid.normalise import Normaliser

import ganzoo
from ganzoo.cli.main import main
from ganzoo.data.spec import DataSpec
from ganzoo.registry.errors import ConfigError

CLASSES = ["h25", "g25", "l25", "p25", "s25"]
TINY = ["train.steps=2", "train.batch_size=16", "train.sample_every=0", "train.progress=false",
        "dataset.params.n_samples=64", "dataset.params.n_meters=10"]


@pytest.fixture(scope="module")
def profiles() -> LoadProfiles:
    return LoadProfiles(LoadProfilesConfig(profiles=CLASSES, n_samples=400, n_meters=20, seed=3))


def _one_hot_per_block(cond: torch.Tensor, sizes: list[int]) -> bool:
    blocks = torch.split(cond, sizes, dim=1)
    return all(torch.equal(b.sum(1), torch.ones(len(cond))) and set(b.unique().tolist()) <= {0.0, 1.0} for b in blocks)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_training_items_carry_one_valid_label_per_block_matching_their_day(profiles: LoadProfiles) -> None:
    # the engine's sample grids and the evaluation take their conditions from these items
    cond = torch.stack([profiles[i]["cond"] for i in range(len(profiles))])
    codec = ConditionCodec(tuple(CLASSES))
    assert _one_hot_per_block(cond, codec.block_sizes)
    holidays = german_holidays(2023)
    for label, start, profile in zip(codec.decode(cond.numpy()), profiles.start, profiles.profile, strict=True):
        assert (label["month"], label["daytype"], label["class"]) == (start.month, day_type(start, holidays), profile)


def test_file_loader_labels_are_valid(tmp_path: Path) -> None:
    lines = ["meter,timestamp,value"]
    for meter in ("a", "b"):
        for i in range(48 * 9):
            t = dt.datetime(2024, 2, 26) + dt.timedelta(minutes=30 * i)
            lines.append(f"{meter},{t:%Y-%m-%d %H:%M},{0.5 + 0.1 * (i % 48) / 48:.3f}")
    (tmp_path / "long.csv").write_text("\n".join(lines) + "\n")
    ds = LongCSV(LongCSVConfig(path=tmp_path / "long.csv", conditional=True, val_fraction=0.0, test_fraction=0.2))
    cond = torch.stack([ds[i]["cond"] for i in range(len(ds))])
    assert _one_hot_per_block(cond, [12, 3])  # no class column: month and day type only
    for label, start in zip(ConditionCodec().decode(cond.numpy()), ds.start, strict=True):
        assert (label["month"], label["daytype"]) == (start.month, day_type(start))
    drawn = LongCSV.sample_conditions(ds.describe(), 50, torch.Generator().manual_seed(0))
    assert _one_hot_per_block(drawn, [12, 3])
    assert set(drawn[:, :12].argmax(1).tolist()) <= {1, 2}  # trained on February and March only


def test_sample_conditions_are_valid_reproducible_and_follow_training_frequencies(profiles: LoadProfiles) -> None:
    spec = DataSpec.from_dict(profiles.describe().to_dict())  # as restored from a checkpoint
    drawn = LoadProfiles.sample_conditions(spec, 4000, torch.Generator().manual_seed(0))
    assert drawn.shape == (4000, 20) and _one_hot_per_block(drawn, [12, 3, 5])
    again = LoadProfiles.sample_conditions(spec, 4000, torch.Generator().manual_seed(0))
    assert torch.equal(drawn, again)
    expected = np.asarray(spec.meta["label_frequencies"])
    assert np.abs(drawn.mean(0).numpy() - expected).max() < 0.03
    assert expected[12] > 0.6  # workdays dominate, so a uniform draw would fail the check above


def test_sampler_draws_valid_conditions_through_the_dataset_class(profiles: LoadProfiles) -> None:
    from ganzoo.engine.sampler import Sampler
    from ganzoo.plugins.manager import get_registry

    generator = get_registry().create("generator", "series-conv", length=48, condition_dim=20, latent_dim=8,
                                      base_channels=8, n_blocks=1)
    sampler = Sampler(generator, profiles.describe(), dataset_cls=LoadProfiles)
    cond = sampler.conditions(64, None, torch.Generator().manual_seed(1))
    assert _one_hot_per_block(cond, [12, 3, 5])
    assert sampler.sample(5, seed=0).shape == (5, 1, 48)


def test_parse_condition_fixes_named_blocks_and_draws_the_rest(profiles: LoadProfiles) -> None:
    spec = profiles.describe()
    codec = ConditionCodec(tuple(CLASSES))
    cond = LoadProfiles.parse_condition(spec, "month=3, daytype=saturday", 300, torch.Generator().manual_seed(0))
    labels = codec.decode(cond.numpy())
    assert _one_hot_per_block(cond, [12, 3, 5])
    assert all(label["month"] == 3 and label["daytype"] == "saturday" for label in labels)
    assert len({label["class"] for label in labels}) == 5  # drawn, not fixed
    full = codec.decode(LoadProfiles.parse_condition(spec, "Month=December,day_type=Sunday,class=P25", 2).numpy())
    assert full == [{"month": 12, "daytype": "sunday-holiday", "class": "p25"}] * 2


@pytest.mark.parametrize(("text", "message"), [
    ("month=13", r"month='13': unknown month; choose one of 1, 2"),
    ("colour=red", r"'colour': unknown label block; this run has month, daytype, class"),
    ("daytype=friday", r"daytype='friday': unknown daytype"),
    ("class=h0", r"class='h0': unknown class; choose one of h25, g25, l25, p25, s25"),
    ("month=3,month=4", r"'month': given twice"),
    ("month", r"'month': write BLOCK=VALUE"),
])
def test_parse_condition_names_what_is_wrong(profiles: LoadProfiles, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        LoadProfiles.parse_condition(profiles.describe(), text, 4)
    assert "\n" not in str(caught.value)


def test_unconditional_data_has_no_conditions_to_choose() -> None:
    spec = LoadProfiles(LoadProfilesConfig(profiles=["h25"], n_samples=8, n_meters=2, conditional=False)).describe()
    with pytest.raises(ConfigError, match="not label-conditional"):
        LoadProfiles.parse_condition(spec, "month=3", 2)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("sg") / "run"
    ganzoo.train(preset="smartgrid-cgan", run_dir=run, overrides=TINY)
    return run


def test_generate_with_condition_writes_saturdays_in_march_in_kw(tiny_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["generate", str(tiny_run), "-n", "8", "-o", str(out), "--seed", "0",
                 "--condition", "month=3,daytype=saturday"]) == 0
    rows = _rows(out / "synthetic_load.csv")
    assert len(rows) == 8 * 48
    stamps = [dt.datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S") for r in rows]
    assert all(t.month == 3 and t.weekday() == 5 for t in stamps)
    # values are the generator's output mapped back to kW: redo it from the exported labels
    sampler = ganzoo.load(tiny_run)
    meters = list(dict.fromkeys(r["meter"] for r in rows))
    classes = [m.split("-")[1] for m in meters]
    cond = torch.from_numpy(ConditionCodec(tuple(CLASSES)).encode([3] * 8, ["saturday"] * 8, classes))
    x = sampler.sample(8, condition=cond, seed=0)[:, 0].numpy()
    low, high = sampler.spec.value_range
    kw = Normaliser.from_meta(sampler.spec.meta["normalisation"]).inverse((x - low) / (high - low) * 2 - 1)
    values = np.array([float(r["value"]) for r in rows]).reshape(8, 48)
    np.testing.assert_allclose(values, kw, rtol=1e-5, atol=1e-9)
    assert values.min() >= 0


def test_generate_without_condition_dates_agree_with_drawn_labels(tiny_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["generate", str(tiny_run), "-n", "40", "-o", str(out), "--seed", "7"]) == 0
    rows = _rows(out / "synthetic_load.csv")[::48]
    sampler = ganzoo.load(tiny_run)
    labels = ConditionCodec(tuple(CLASSES)).decode(
        LoadProfiles.sample_conditions(sampler.spec, 40, torch.Generator().manual_seed(7)).numpy())
    holidays = german_holidays(2023)
    for row, label in zip(rows, labels, strict=True):
        day = dt.datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S").date()
        assert (day.month, day_type(day, holidays)) == (label["month"], label["daytype"])
        assert row["meter"].startswith(f"synthetic-{label['class']}-")
