"""Table datasets: samples, training-by-sampling, masks, export and conditions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from ganzoo_traffic.conditions import condition_vector, sample_conditions
from ganzoo_traffic.configs import AccidentsSimConfig, TableCSVConfig
from ganzoo_traffic.data.dataset import AccidentsSim, TableCSV, TableDataset, decode

import ganzoo
from ganzoo.data.spec import DataSpec
from ganzoo.registry.errors import ConfigError, DataError
from ganzoo.testing.conformance import check_dataset


def test_describe_and_deterministic_items(sim: AccidentsSim) -> None:
    spec = sim.describe()
    assert spec.modality == "table" and spec.condition == "label"
    assert sum(dim for _, dim in spec.meta["spans"]) == spec.shape[0]
    assert spec.meta["table"]["condition_columns"][0] == "accident_severity"
    assert len(sim) == 1500 - 150 - 300  # train split
    item = sim[3]
    assert set(item) == {"x", "cond", "cond_target"}
    assert item["cond"].sum() == 1 and item["cond_target"].sum() == 1
    assert (item["x"] * item["cond_target"]).sum() == 1  # the condition is the row's own category
    assert all(torch.equal(item[k], sim[3][k]) for k in item)
    json.dumps(spec.to_dict())  # JSON-serialisable for the checkpoint manifest


def test_splits_share_the_training_encoding(sim: AccidentsSim) -> None:
    test = AccidentsSim(AccidentsSimConfig(n_rows=1500, seed=0, max_fit_rows=1500, split="test"))
    assert len(test) == 300
    assert test.describe().to_dict() == sim.describe().to_dict()


def test_training_by_sampling_oversamples_rare_classes(sim: AccidentsSim) -> None:
    torch.manual_seed(0)
    assert sim.draws_batches
    out = sim.draw_batch(500)
    assert out["x"].shape == (500, *sim.spec.shape)
    assert set(out) == {"x", "cond", "cond_target"}
    assert torch.equal(out["cond"].sum(1), torch.ones(500))
    assert torch.equal((out["x"] * out["cond_target"]).sum(1), torch.ones(500))
    severity = sim.blocks[0]
    asked = out["cond"][:, severity.offset : severity.offset + severity.size].sum(0)
    fatal_share_asked = asked[0] / asked.sum()
    fatal_share_data = severity.counts[0] / sum(severity.counts)
    assert fatal_share_asked > 3 * fatal_share_data  # log-frequency sampling


def test_masked_dataset_yields_masks_and_zeroes_gaps(sim_masked: AccidentsSim) -> None:
    item = sim_masked[0]
    assert "mask" in item
    masks = torch.stack([sim_masked[i]["mask"] for i in range(len(sim_masked))])
    xs = torch.stack([sim_masked[i]["x"] for i in range(len(sim_masked))])
    assert 0 < (masks == 0).float().mean() < 0.5
    assert (xs[masks == 0] == 0).all()
    torch.manual_seed(0)
    out = sim_masked.draw_batch(64)
    assert out["mask"].shape == out["x"].shape
    assert (out["x"][out["mask"] == 0] == 0).all()


def test_drop_policy_keeps_complete_training_rows() -> None:
    ds = AccidentsSim(AccidentsSimConfig(n_rows=1000, missing_rate=0.1, missing="drop", max_fit_rows=1000))
    assert len(ds) < 700 and ds.frame.notna().all().all()


def test_conformance(sim: AccidentsSim) -> None:
    check_dataset("accidents-sim", n_rows=600, max_fit_rows=600)


def test_export_round_trip_in_a_fresh_spec(sim: AccidentsSim, sim_masked: AccidentsSim, tmp_path) -> None:
    spec = DataSpec.from_dict(json.loads(json.dumps(sim_masked.describe().to_dict())))
    x = torch.stack([sim_masked[i]["x"] for i in range(40)])
    (path,) = TableDataset.export(x, tmp_path, spec)
    back = pd.read_csv(path)
    original = sim_masked.frame.head(40)
    assert list(back.columns) == list(original.columns)
    assert back["accident_severity"].tolist() == original["accident_severity"].tolist()
    weather = original["weather_conditions"]
    assert back["weather_conditions"].tolist() == weather.fillna(-1).astype(int).tolist()  # -1 = missing
    assert back["number_of_vehicles"].dtype == np.int64
    np.testing.assert_allclose(back["latitude"], original["latitude"], atol=1e-3)


def test_decode_generated_rows(sim: AccidentsSim) -> None:
    rows = torch.rand(10, sim.describe().shape[0]) * 2 - 1
    frame = decode(rows, sim.describe())
    assert len(frame) == 10 and set(frame["accident_severity"]) <= {1, 2, 3}


def test_condition_vectors_from_strings(sim: AccidentsSim) -> None:
    spec = sim.describe()
    cond = condition_vector(spec, "severity=1", 4)
    block = sim.blocks[0]
    assert cond.shape == (4, spec.condition_dim)
    assert (cond[:, block.offset] == 1).all() and cond.sum() == 4
    assert torch.equal(condition_vector(spec, {"speed_limit": 70}, 2), condition_vector(spec, ["speed_limit=70"], 2))
    assert torch.equal(TableDataset.parse_condition(spec, "accident_severity=1", 4), cond)
    drawn = TableDataset.parse_condition(spec, "accident_severity=1", 4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(drawn, cond)  # the CLI always passes a generator; the text leaves nothing to draw
    with pytest.raises(ConfigError, match="no category"):
        condition_vector(spec, "severity=9")
    with pytest.raises(ConfigError, match="not a condition column"):
        condition_vector(spec, "latitude=3")
    with pytest.raises(ConfigError, match="COLUMN=VALUE"):
        condition_vector(spec, "severity")
    with pytest.raises(ConfigError, match="exactly one"):
        condition_vector(spec, {"month": 1, "hour": 2})


def test_sampled_conditions_follow_frequencies(sim: AccidentsSim) -> None:
    spec = sim.describe()
    cond = sample_conditions(spec, 3000, seed=0)
    assert torch.equal(cond.sum(1), torch.ones(3000))
    freqs = np.asarray(spec.meta["label_frequencies"])
    assert abs(freqs.sum() - 1) < 1e-9
    np.testing.assert_allclose(cond.mean(0).numpy(), freqs, atol=0.02)


def test_bad_condition_columns() -> None:
    with pytest.raises(DataError, match="latitud.* is not a column"):
        AccidentsSim(AccidentsSimConfig(n_rows=300, condition_columns=["latitud"], max_fit_rows=300))
    with pytest.raises(ConfigError, match=r"dataset\.params\.missing_columns: .*target"):  # caught by the config
        ganzoo.create("dataset", "accidents-sim", n_rows=300, missing_rate=0.1, missing_columns=["accident_severity"])


def test_the_held_out_rows_are_announced_when_training(capsys: pytest.CaptureFixture[str]) -> None:
    AccidentsSim(AccidentsSimConfig(n_rows=1000, seed=0, max_fit_rows=1000))
    assert "accidents-sim: training on 700 of 1,000 rows (val_fraction 0.1 and test_fraction 0.2 held out" in (
        capsys.readouterr().err
    )
    AccidentsSim(AccidentsSimConfig(n_rows=1000, seed=0, max_fit_rows=1000, val_fraction=0, test_fraction=0))
    assert capsys.readouterr().err == ""


def test_a_csv_says_how_it_reads_each_column_when_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "crashes.csv"
    pd.DataFrame({"year": [1997, 1999, 2001, 2003] * 10, "speed": [20.5, 31.0, 47.5, 60.0] * 10,
                  "dead": ["no", "no", "no", "yes"] * 10}).to_csv(path, index=False)
    TableCSV(TableCSVConfig(path=path, target="dead", val_fraction=0, test_fraction=0, max_fit_rows=40))
    assert capsys.readouterr().err == (
        "csv:crashes.csv: columns read as integer year; continuous speed; categorical dead (target) "
        "(change with dataset.params.kinds or categorical)\n"
    )
    TableCSV(TableCSVConfig(path=path, split="val", max_fit_rows=40))  # evaluation builds say nothing
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("options", [{}, {"missing": "mask", "missing_rate": 0.3}, {"missing_rate": 0.3}])
def test_batched_fetch_equals_item_by_item(options: dict) -> None:
    ds = AccidentsSim(AccidentsSimConfig(n_rows=600, max_fit_rows=600, val_fraction=0, test_fraction=0, **options))
    indices = [5, 0, 17, 599, 3, 3, 300]
    for batched, single in zip(ds.__getitems__(indices), [ds[i] for i in indices], strict=True):
        assert set(batched) == set(single) and all(torch.equal(batched[k], single[k]) for k in single)


def test_the_target_span_reaches_the_target_classifier(sim: AccidentsSim) -> None:
    span = sim.transformer.span_of("accident_severity")
    assert sim.describe().component_defaults("loss")["target_span"] == [span.start, span.dim]


def test_target_share_sets_how_often_the_outcome_is_the_condition() -> None:
    data = AccidentsSim(AccidentsSimConfig(n_rows=1500, seed=0, max_fit_rows=1500, target_share=0.8))
    severity = data.blocks[0]
    assert severity.column == data.table.target
    torch.manual_seed(0)
    out = data.draw_batch(2000)
    named = out["cond"][:, severity.offset : severity.offset + severity.size].sum().item()
    assert 0.75 < named / 2000 < 0.85
    frequencies = np.asarray(data.describe().meta["label_frequencies"])
    assert frequencies[severity.offset : severity.offset + severity.size].sum() == pytest.approx(0.8)
    assert frequencies.sum() == pytest.approx(1.0)


def test_target_share_uniform_names_every_condition_column_equally() -> None:
    data = AccidentsSim(AccidentsSimConfig(n_rows=600, seed=0, max_fit_rows=600, target_share="uniform"))
    frequencies = np.asarray(data.describe().meta["label_frequencies"])
    shares = [frequencies[b.offset : b.offset + b.size].sum() for b in data.blocks]
    np.testing.assert_allclose(shares, 1 / len(data.blocks))
    with pytest.raises(ValueError, match="target_share"):
        AccidentsSimConfig(target_share=1.5)
