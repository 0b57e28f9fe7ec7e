"""``ganzoo validate`` and the ``[eval]`` check at training start."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from ganzoo.cli.main import main
from ganzoo.engine.run import train
from ganzoo.experiment.check import check_experiment
from ganzoo.experiment.load import read_experiment
from ganzoo.metrics.check import check_eval_table
from ganzoo.plugins.manager import get_registry
from ganzoo.registry.config import ExperimentConfig, validate_model
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry


def _write(tmp_path: Path, raw: dict[str, Any]) -> str:
    path = tmp_path / "exp.toml"
    path.write_text(tomli_w.dumps(raw))
    return str(path)


def test_validate_ok_says_what_it_checked(
    toys: Registry, experiment: Callable[..., dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, experiment("paired-sine"))
    assert main(["validate", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: {path} can train")
    assert "dry-run of 2 samples passed" in out and "10 steps" in out and "on cpu" in out
    assert "toy-bce + 10 x toy-l1" in out
    batches = out.split(" epochs of ")[1].split(")")[0]
    assert batches == "8 batches of 32"
    assert main(["validate", path, "--set", "train.batch_size=200"]) == 0  # 1 batch per epoch: singular
    assert "epochs of 1 batch of 200)" in capsys.readouterr().out
    assert main(["validate", path, "--set", "train.steps=7", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["ok"] and info["total_steps"] == 7 and info["device"] == "cpu"
    assert info["config"]["train"]["steps"] == 7
    for key, value in info["filled_from_data"].items():  # every filled value is in the resolved config
        role, _, name = key.split(".")
        assert info["config"][role]["params"][name] == value
    assert list(tmp_path.iterdir()) == [tmp_path / "exp.toml"]  # nothing written


@pytest.mark.parametrize(
    "change, culprit",
    [
        ({"eval": {"metrics": ["paired-imag"]}}, "eval.metrics.0: unknown metric 'paired-imag'; did you mean 'paired-image'?"),
        ({"eval": {"metrics": [{"name": "paired-image", "params": {"window_size": 4}}]}},
         "eval.metrics.0.params.window_size"),
        ({"eval": {"n_sample": 10}}, "eval.n_sample: unknown key; did you mean 'n_samples'?"),
        ({"train": {"batch_size": 100_000, "device": "cpu"}}, "train.batch_size: 100000 is larger than the dataset"),
        ({"generator": {"name": "toy-mlp"}}, "generator 'toy-mlp'"),  # the dry-run: an MLP cannot take a series
    ],
)
def test_validate_exits_2_naming_the_culprit(
    change: dict[str, Any], culprit: str, toys: Registry, experiment: Callable[..., dict[str, Any]],
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    raw = experiment("sine")
    for key, value in change.items():
        raw[key] = {**raw.get(key, {}), **value}
    assert main(["validate", _write(tmp_path, raw)]) == 2
    err = capsys.readouterr().err
    assert culprit in err and len(err.strip().splitlines()) == 1


def test_validate_lists_errors_of_eval_train_and_components_together(
    toys: Registry, experiment: Callable[..., dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    raw = experiment("sine")
    raw["train"]["stepz"] = 3
    raw["generator"]["params"] = {"latnet": 2}
    # a wrong key of [eval] does not hide its metrics' errors, and indices count malformed entries
    raw["eval"] = {"n_sample": 10, "metrics": [{"params": {}}, "paired-imag"]}
    assert main(["validate", _write(tmp_path, raw)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.endswith("(6 errors)")  # metrics.0: neither a name nor a table
    for culprit in ("train.stepz: unknown key", "generator.params.latnet: unknown key",
                    "eval.n_sample: unknown key", "eval.metrics.0.ComponentSpec.name: Field required",
                    "eval.metrics.1: unknown metric 'paired-imag'"):
        assert culprit in err, culprit


def test_validate_needs_a_file_or_a_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 2
    assert main(["validate", "--preset", "pix2pix"]) == 2  # no dataset.params.root
    assert "dataset.params.root" in capsys.readouterr().err


def test_train_refuses_a_misspelt_metric_before_training(
    toys: Registry, experiment: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    raw = experiment("ring")
    raw["eval"] = {"metrics": ["fdi"]}
    with pytest.raises(ConfigError, match=r"eval\.metrics\.0: unknown metric 'fdi'; did you mean 'fid'"):
        train(raw, run_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_check_experiment_of_a_mapping(toys: Registry, experiment: Callable[..., dict[str, Any]]) -> None:
    checked = check_experiment(experiment("label-ring"), overrides=["train.batch_size=16"])
    assert checked.config.train.batch_size == 16 and checked.spec.condition == "label"
    assert checked.filled["generator.params.condition_dim"] == checked.spec.condition_dim


def test_every_installed_preset_has_a_valid_eval_table() -> None:
    registry = get_registry()
    for entry in registry.entries("preset"):
        raw, label = read_experiment(None, preset=entry.qualified_name, registry=registry)
        check_eval_table(validate_model(ExperimentConfig, raw, source=label), registry, source=label)
