"""train.keep_best and train.early_stop: the best checkpoint survives pruning, stopping is exact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import ganzoo
from ganzoo.engine.best import KeepBest
from ganzoo.engine.checkpoint import find_checkpoint, list_checkpoints, read_best
from ganzoo.engine.run import train
from ganzoo.registry.config import TrackedMetricConfig
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


def _logged(run_dir: Path, key: str) -> dict[int, float]:
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r[key] for r in records if r["kind"] == "train"}


def test_best_checkpoint_is_the_best_logged_value_and_is_never_pruned(
    toys: Registry, experiment: Experiment, tmp_path: Path
) -> None:
    raw = experiment("ring", steps=12, log_every=2, keep_checkpoints=1,
                     keep_best={"metric": "loss/g", "mode": "min"})
    run = train(raw, run_dir=tmp_path / "run")
    losses = _logged(run.directory, "loss/g")
    best_step = min(losses, key=losses.__getitem__)
    root = run.directory / "checkpoints"
    assert read_best(root) == root / f"step_{best_step:06d}"
    kept = [c.step for c in list_checkpoints(root)]
    assert kept == sorted({best_step, 12})  # keep_checkpoints=1 keeps the newest, and the best besides
    state = find_checkpoint(root / "best").manifest["callbacks"]["keep_best"]
    assert state == {"metric": "loss/g", "best": losses[best_step], "best_step": best_step, "bad": state["bad"]}
    assert ganzoo.load(root / "best").checkpoint.step == best_step


def test_early_stop_ends_training_with_a_checkpoint_and_a_resume_stays_stopped(
    toys: Registry, experiment: Experiment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the learning rate is constant: observed at steps 2 (best), 4 and 6 (no improvement) -> stop at 6
    raw = experiment("ring", steps=20, log_every=2, early_stop={"metric": "lr/g", "patience": 2})
    run = train(raw, run_dir=tmp_path / "run")
    assert (run.step, run.finished) == (6, False)
    assert run.stop_reason == "early stop: lr/g did not improve for 2 observations (best 0.001 at step 2)"
    assert run.checkpoint == tmp_path / "run" / "checkpoints" / "step_000006"
    again = train(resume=tmp_path / "run")
    assert again.step == 6 and again.stop_reason == run.stop_reason


def test_stopping_and_resuming_decides_exactly_as_one_uninterrupted_run(
    toys: Registry, experiment: Experiment, tmp_path: Path
) -> None:
    raw = experiment("ring", steps=24, log_every=2, deterministic=True, keep_checkpoints=1,
                     keep_best={"metric": "loss/d", "mode": "min"}, early_stop={"patience": 3})
    full = train(raw, run_dir=tmp_path / "full")
    train(raw, run_dir=tmp_path / "half", until=7)  # between two observations
    half = train(resume=tmp_path / "half")
    assert (half.step, half.stop_reason) == (full.step, full.stop_reason)
    scheduled = {step: value for step, value in _logged(half.directory, "loss/d").items() if step % 2 == 0}
    assert _logged(full.directory, "loss/d") == scheduled  # (the stop at 7 logged one record more)
    best_full, best_half = (read_best(r.directory / "checkpoints") for r in (full, half))
    assert best_full is not None and best_half is not None and best_full.name == best_half.name
    a, b = find_checkpoint(full.directory), find_checkpoint(half.directory)
    assert a.manifest["callbacks"] == b.manifest["callbacks"]
    ga, gb = a.tensors("generator"), b.tensors("generator")
    assert all(torch.equal(ga[k], gb[k]) for k in ga)


def test_an_evaluation_metric_needs_in_training_evaluation(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"keep_best\.metric: 'fid' is an evaluation result, but train\.eval_every is 0"):
        train(experiment("ring", keep_best={"metric": "fid"}), run_dir=tmp_path / "a")
    with pytest.raises(ConfigError, match=r"early_stop\.metric: give the metric to watch"):
        train(experiment("ring", early_stop={"patience": 2}), run_dir=tmp_path / "b")


class _Strategy:
    world_size, is_main = 1, True


class _Engine:
    """What KeepBest uses of the trainer, for evaluation records the toys cannot produce."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir, self.step, self.checkpoint_step, self.strategy = run_dir, 0, None, _Strategy()
        self.saved: list[int] = []

    def save_checkpoint(self) -> Path:
        self.saved.append(self.step)
        self.checkpoint_step = self.step
        (self.run_dir / "checkpoints" / f"step_{self.step:06d}").mkdir(parents=True)
        return self.run_dir


def test_evaluation_results_are_watched_at_eval_steps_in_the_chosen_direction(tmp_path: Path) -> None:
    watch = KeepBest(TrackedMetricConfig(metric="psnr", mode="max", min_delta=0.5), log_every=1, eval_every=10)
    engine = _Engine(tmp_path)
    for step, psnr in ((10, 20.0), (20, 20.4), (30, 21.0), (40, 19.0)):
        engine.step = step
        watch.on_log(engine, {"kind": "train", "step": step, "psnr": 99.0})  # not an evaluation: ignored
        watch.on_log(engine, {"kind": "eval", "step": step, "epoch": 1, "psnr": psnr})
        watch.on_step_end(engine)
    assert engine.saved == [10, 30]  # 20.4 is within min_delta of 20.0
    assert read_best(tmp_path / "checkpoints") == tmp_path / "checkpoints" / "step_000030"
    assert watch.state_dict() == {"metric": "psnr", "best": 21.0, "best_step": 30, "bad": 1}
    with pytest.warns(RuntimeWarning, match=r"train\.keep_best\.metric: 'psnr' is not among the eval results \(fid\)"):
        KeepBest(TrackedMetricConfig(metric="psnr", mode="max"), 1, 10).on_log(
            engine, {"kind": "eval", "step": 50, "epoch": 1, "fid": 3.0})
