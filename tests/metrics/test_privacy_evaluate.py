"""Privacy metrics through ``ganzoo evaluate``: the run's training data, defaults and refusals."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest
import torch

import ganzoo
from ganzoo.cli.evaluate import notes
from ganzoo.cli.main import main
from ganzoo.data.spec import DataSpec
from ganzoo.metrics.evaluate import evaluate_during_training, evaluate_run, run_config
from ganzoo.plugins.manager import reset_manager
from ganzoo.registry.config import ComponentConfig
from ganzoo.testing import ReplayingSampler

SPEC = DataSpec("series", (1, 12))
OFFSETS = {"train": 0, "val": 10_000, "test": 20_000}


class CurvesConfig(ComponentConfig):
    """Seeded random curves; each split draws its own."""

    size: int = 120
    split: str = "train"
    splits: list[str] = ["train", "val", "test"]


class Curves:
    def __init__(self, config: CurvesConfig) -> None:
        if config.split not in config.splits:
            raise ganzoo.DataError(f"curves: no {config.split!r} split")
        gen = torch.Generator().manual_seed(OFFSETS[config.split])
        self.x = torch.randn(config.size, *SPEC.shape, generator=gen).tanh()

    def describe(self) -> DataSpec:
        return SPEC

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[i]}


class Noise:
    """A generator independent of the training data."""

    spec = SPEC

    def sample(self, n: int, condition: Any = None, seed: int | None = None) -> torch.Tensor:
        return torch.randn(n, *SPEC.shape, generator=torch.Generator().manual_seed(99 + (seed or 0))).tanh()


@pytest.fixture(autouse=True)
def curves_plugin() -> None:
    plugin = types.SimpleNamespace(
        ganzoo_register_datasets=ganzoo.hookimpl(lambda register: register("curves", Curves, config=CurvesConfig))
    )
    reset_manager([("curves", plugin)], discover=False)


def make_run(tmp_path: Path, params: str = "", eval_table: str = "") -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text(
        'name = "curves"\n[generator]\nname = "dcgan"\n[discriminator]\nname = "dcgan"\n'
        f'[dataset]\nname = "curves"\n[dataset.params]\n{params}\n[[losses]]\nname = "adversarial"\n'
        '[train]\ndevice = "cpu"\n' + eval_table
    )
    return run


def test_evaluate_flags_a_replay_of_the_runs_training_data(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    report = evaluate_run(run, sampler=ReplayingSampler.for_run(run, noise=0.01))
    metrics = report["metrics"]
    assert set(metrics) == {"dcr_share", "exact_copy_rate", "near_copy_rate", "membership_auc"}
    assert all(metrics[name]["flagged"] for name in ("dcr_share", "near_copy_rate", "membership_auc"))
    assert metrics["dcr_share"]["n_train"] == 120 and metrics["dcr_share"]["n_real"] == 120
    assert metrics["dcr_share"]["metric"] == "dcr" and report["skipped"] == []

    clean = evaluate_run(run, sampler=Noise(), split="test")["metrics"]
    assert clean["dcr_share"]["split"] == "test" and not any(entry["flagged"] for entry in clean.values())


def test_training_data_that_changed_since_training_is_an_error_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A data file or dataset default changed since training (another sample count, held-out
    samples chosen another way): the privacy metrics would compare with samples the model never
    saw, so evaluate stops naming what differs; eval.json is untouched."""
    run = make_run(tmp_path)

    def trained(samples: int, meta: dict[str, str]) -> None:
        (run / "manifest.json").write_text(json.dumps({"data": {"samples": {"train": samples}},
                                                       "data_spec": {**SPEC.to_dict(), "meta": meta}}))

    trained(120, {})
    assert evaluate_run(run, sampler=Noise())["metrics"]["dcr_share"]["n_train"] == 120
    before = (run / "eval.json").read_text()
    monkeypatch.setattr(ganzoo, "load", lambda path, **kw: Noise())
    for samples, meta, culprit in (
        (100, {}, "the training data rebuilt for evaluation has 120 samples, the run trained on 100: its data or "
                  "the dataset's defaults changed since training"),
        (120, {"held_out": "the latest windows (split by time)"}, "holds out samples unlike when the run trained "
         "(the latest windows (split by time) then, drawn like the training samples now)"),
    ):
        trained(samples, meta)
        assert main(["evaluate", str(run)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and culprit in err
        assert (run / "eval.json").read_text() == before


def test_the_cli_notes_name_flagged_results_and_held_out_samples_chosen_unlike_training(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    flagged = notes(evaluate_run(run, sampler=ReplayingSampler.for_run(run)))
    assert flagged == ["signs of memorisation: dcr_share, near_copy_rate, membership_auc flagged (eval.json says by "
                       "which rule; ganzoo report shows them)"]
    assert notes(evaluate_run(run, sampler=Noise())) == []

    later = {"metrics": {"dcr_share": {"value": 0.58, "held_out": "the latest windows (split by time)"}}}
    assert notes(later) == ["the held-out samples are the latest windows (split by time), not drawn like the "
                            "training samples: the privacy results' ideals (0.5) assume they are"]
    by_meter = {"metrics": {name: {"value": 0.5, "groups": "160 training and 20 held-out groups: ..."}
                            for name in ("dcr_share", "membership_auc")}}
    assert notes(by_meter) == ["privacy results: 160 training and 20 held-out groups: ..."]


def test_without_held_out_data_the_defaults_are_skipped_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(tmp_path, params='splits = ["train"]')
    monkeypatch.setattr(ganzoo, "load", lambda path, **kw: Noise())
    assert main(["evaluate", str(run)]) == 3
    report = json.loads((run / "eval.json").read_text())
    assert report["metrics"] == {} and [s["metric"] for s in report["skipped"]] == [
        "dcr", "training-copies", "membership-inference"]
    assert "training split ('train')" in report["skipped"][0]["reason"]
    capsys.readouterr()

    assert main(["evaluate", str(run), "--metrics", "dcr"]) == 2  # asked for by name: an error
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "held-out" in err


def test_privacy_metrics_chosen_for_training_time_validation_get_the_training_data(tmp_path: Path) -> None:
    run = make_run(tmp_path, eval_table='[eval]\nmetrics = ["membership-inference"]\nn_samples_during_training = 40\n')
    values = evaluate_during_training(run, Noise(), run_config(run))
    assert set(values) == {"membership_auc"} and 0.3 < values["membership_auc"] < 0.7


def test_the_held_out_count_is_the_metrics_own_option(tmp_path: Path) -> None:
    run = make_run(tmp_path, eval_table="[eval]\nn_samples = 10\n")
    default = evaluate_run(run, metrics=["dcr"], sampler=Noise(), write=False)["metrics"]["dcr_share"]
    assert (default["n_real"], default["n_train"]) == (120, 120)  # the whole split, not [eval] n_samples
    asked = [{"name": "dcr", "params": {"max_holdout": 30}}]
    assert evaluate_run(run, metrics=asked, sampler=Noise(), write=False)["metrics"]["dcr_share"]["n_real"] == 30
    with pytest.raises(ganzoo.ConfigError, match="max_holdot"):
        evaluate_run(run, metrics=[{"name": "dcr", "params": {"max_holdot": 30}}], sampler=Noise(), write=False)


def test_metrics_on_the_command_line_repeat_or_take_commas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--metrics a --metrics b`` runs both, as ``--metrics a,b`` does (not only the last)."""
    run = make_run(tmp_path)
    monkeypatch.setattr(ganzoo, "load", lambda path, **kw: Noise())
    for args in (["--metrics", "dcr", "--metrics", "membership-inference"], ["--metrics", "dcr, membership-inference"]):
        assert main(["evaluate", str(run), *args]) == 0
        assert set(json.loads((run / "eval.json").read_text())["metrics"]) == {"dcr_share", "membership_auc"}


def test_held_out_splits_pool_with_a_plus_and_never_with_the_training_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(tmp_path, params="size = 30")
    pooled = evaluate_run(run, metrics=["dcr"], sampler=Noise(), split="val+test", write=False)["metrics"]["dcr_share"]
    assert (pooled["split"], pooled["n_real"], pooled["n_train"]) == ("val+test", 60, 30)
    alone = evaluate_run(run, metrics=["dcr"], sampler=Noise(), split="val", write=False)["metrics"]["dcr_share"]
    other = evaluate_run(run, metrics=["dcr"], sampler=Noise(), split="test", write=False)["metrics"]["dcr_share"]
    assert alone["n_real"] == other["n_real"] == 30 and pooled["expected_closer_to_training"] == pytest.approx(30 / 90)

    for split, culprit in (("val+train", "pools the training split 'train'"), ("val+val", "name each split once"),
                           ("val+", "name each split once"), ("val+dev", "cannot build split 'dev'")):
        with pytest.raises(ganzoo.GanzooError, match=culprit):
            evaluate_run(run, metrics=["dcr"], sampler=Noise(), split=split, write=False)
    monkeypatch.setattr(ganzoo, "load", lambda path, **kw: Noise())
    assert main(["evaluate", str(run), "--split", "val+train", "--metrics", "dcr"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "eval.split" in err
    assert not (run / "eval.json").exists()


def test_series_are_compared_with_the_whole_training_split_or_say_they_were_not(tmp_path: Path) -> None:
    """A generator copies from the whole training split: a copy of a sample left out of the
    comparison looks unseen, so the defaults take every training sample of a typical split."""
    run = make_run(tmp_path, params="size = 10500")
    whole = evaluate_run(run, metrics=["dcr"], sampler=Noise(), write=False)
    assert (whole["metrics"]["dcr_share"]["n_train"], whole["metrics"]["dcr_share"]["n_training_split"]) == (10500, 10500)
    assert not any("raise max_train" in line for line in notes(whole))

    part = evaluate_run(run, metrics=[{"name": "dcr", "params": {"max_train": 500}}], sampler=Noise(), write=False)
    assert part["metrics"]["dcr_share"]["n_training_split"] == 10500
    assert [line for line in notes(part) if "raise max_train" in line] == [
        "the privacy results compared generated samples with 500 of the 10,500 training samples: a copy of any "
        "other training sample looks like an unseen sample, so copying shows only in part; raise max_train to "
        "compare with all of them"]
