"""``--set`` overrides: replacing a preset's component drops the preset's params of it."""

from __future__ import annotations

from ganzoo.engine.run import apply_overrides


def _preset() -> dict:
    return {
        "dataset": {"name": "accidents-sim", "params": {"n_rows": 10_000, "seed": 0}},
        "generator": {"name": "ctgan", "params": {"latent_dim": 128}},
        "train": {"steps": 4200},
    }


def test_a_new_dataset_name_drops_the_preset_params_whatever_the_order() -> None:
    raw = _preset()
    notes = apply_overrides(raw, ["dataset.params.path=x.csv", "dataset.name=table-csv"])
    assert raw["dataset"] == {"name": "table-csv", "params": {"path": "x.csv"}}
    assert raw["generator"]["params"] == {"latent_dim": 128}
    assert notes == [  # for the caller to say, since some may matter to the new dataset too
        "--set dataset.name=table-csv: dropped dataset.params of 'accidents-sim' (n_rows = 10000, seed = 0); "
        "set again with --set dataset.params.KEY=VALUE those that 'table-csv' needs too"
    ]


def test_the_same_name_keeps_the_params() -> None:
    raw = _preset()
    assert apply_overrides(raw, ["dataset.name=accidents-sim", "dataset.params.seed=3"]) == []
    assert raw["dataset"]["params"] == {"n_rows": 10_000, "seed": 3}


def test_steps_and_epochs_replace_each_other() -> None:
    raw = _preset()
    apply_overrides(raw, ["train.epochs=50"])
    assert raw["train"] == {"epochs": 50}
    raw["train"] = {"steps": 1500, "min_epochs": 25}
    apply_overrides(raw, ["train.steps=20"])  # a quick run trains 20 steps, not 25 epochs
    assert raw["train"] == {"steps": 20}
