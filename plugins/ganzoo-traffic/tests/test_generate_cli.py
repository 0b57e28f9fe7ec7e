"""``ganzoo generate --condition`` end to end on tiny trained traffic runs (a few steps each)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch
from ganzoo_traffic.configs import AccidentsSimConfig, TableCSVConfig
from ganzoo_traffic.data.dataset import AccidentsSim, TableDataset, apply_conditions, decode
from ganzoo_traffic.data.loaders import load_csv
from ganzoo_traffic.data.simulator import ACCIDENT_KINDS

import ganzoo
from ganzoo.cli.main import main

DATA = {"n_rows": 400, "seed": 0, "max_fit_rows": 400, "max_modes": 3}


def tiny_run(run_dir: Path, **data: object) -> Path:
    """Train the ctgan/pacgan pair for 2 steps on a small simulator table."""
    experiment = {
        "name": "tiny-traffic-cli",
        "generator": {"name": "ctgan", "params": {"latent_dim": 8, "hidden": [16]}},
        "discriminator": {"name": "pacgan", "params": {"hidden": [16], "pac": 10}},
        "dataset": {"name": "accidents-sim", "params": {**DATA, **data}},
        "losses": [{"name": "masked-wasserstein"}, {"name": "masked-gradient-penalty", "weight": 10.0,
                                                     "params": {"pac": 10}}],
        "train": {"steps": 2, "batch_size": 50, "progress": False, "log_every": 1},
    }
    if data.get("conditional", True):
        experiment["losses"].append({"name": "conditional-ce"})
    ganzoo.train(experiment, run_dir=run_dir)
    return run_dir


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_run(tmp_path_factory.mktemp("cond") / "run")


def test_condition_generates_only_the_requested_class_in_the_source_schema(conditional_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["generate", str(conditional_run), "-n", "120", "-o", str(out), "--seed", "0",
                 "--condition", "severity=1", "--batch-size", "50"]) == 0
    rows = pd.read_csv(out / "samples.csv")
    assert len(rows) == 120 and (rows["accident_severity"] == 1).all()

    real = AccidentsSim(AccidentsSimConfig(**DATA))  # the same rows, exported through the same path: the reference schema
    reference = pd.read_csv(TableDataset.export(real._x[:120], tmp_path / "real", real.describe())[0])
    assert list(rows.columns) == list(reference.columns) == list(ACCIDENT_KINDS)
    assert rows.dtypes.to_dict() == reference.dtypes.to_dict()
    for column, kind in ACCIDENT_KINDS.items():
        if kind == "categorical":  # the source's own codes (no gaps were trained, so no -1)
            assert set(rows[column]) <= set(real.frame[column].dropna().astype(int)), column

    back = load_csv(TableCSVConfig(path=out / "samples.csv", kinds=ACCIDENT_KINDS, target="accident_severity"))
    assert back.kinds == ACCIDENT_KINDS and len(back.frame) == 120
    again = load_csv(TableCSVConfig(path=tmp_path / "real" / "samples.csv", kinds=ACCIDENT_KINDS, target="accident_severity"))
    assert back.frame.dtypes.to_dict() == again.frame.dtypes.to_dict()


def test_repeated_and_comma_separated_conditions_reach_the_dataset(conditional_run: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(conditional_run), "-n", "20", "-o", str(tmp_path / "a"),
                 "--condition", "speed_limit=70"]) == 0
    assert (pd.read_csv(tmp_path / "a" / "samples.csv")["speed_limit"] == 70).all()
    for argv in (["--condition", "severity=1", "--condition", "hour=3"], ["--condition", "severity=1,month=2"]):
        assert main(["generate", str(conditional_run), "-n", "5", "-o", str(tmp_path / "b"), *argv]) == 2
        assert "exactly one" in capsys.readouterr().err  # the dataset saw both pairs


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("latitude=51", "'latitude' is not a condition column"),
        ("severity=9", "no category '9'"),
        ("severity", "write COLUMN=VALUE"),
        ("=1", "write COLUMN=VALUE"),
    ],
)
def test_bad_conditions_exit_2_with_one_line(conditional_run: Path, tmp_path: Path, condition: str, message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["generate", str(conditional_run), "-n", "5", "-o", str(out), "--condition", condition]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.slow  # trains a second run
def test_condition_on_an_unconditional_run_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tiny_run(tmp_path / "run", n_rows=200, max_fit_rows=200, conditional=False)
    capsys.readouterr()  # training's own lines (the announced split)
    assert main(["generate", str(run), "-n", "5", "-o", str(tmp_path / "out"), "--condition", "severity=1"]) == 2
    err = capsys.readouterr().err
    assert "this run is unconditional" in err and err.count("\n") == 1
    assert main(["generate", str(run), "-n", "5", "-o", str(tmp_path / "ok")]) == 0  # plain generation still works


def test_export_without_conditions_keeps_the_generator_output(conditional_run: Path) -> None:
    sampler = ganzoo.load(conditional_run)
    cond = TableDataset.parse_condition(sampler.spec, "severity=1", 200)
    samples = sampler.sample(200, condition=cond, seed=1)
    assert torch.equal(samples, sampler.sample(200, condition=cond, seed=1))
    forced = decode(apply_conditions(samples, cond, sampler.spec), sampler.spec)
    free = decode(samples, sampler.spec)
    assert (forced["accident_severity"] == 1).all()
    assert (free["accident_severity"] != 1).any()  # 2 training steps: the condition alone is not honoured
    others = [c for c in free.columns if c != "accident_severity"]
    pd.testing.assert_frame_equal(forced[others], free[others])
