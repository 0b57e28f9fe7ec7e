"""Stop-and-resume equals uninterrupted training, bit for bit, also after a killed run."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import ganzoo
from ganzoo.engine.callbacks import Callback
from ganzoo.engine.checkpoint import find_checkpoint, list_checkpoints
from ganzoo.engine.engine import Engine
from ganzoo.engine.run import train
from ganzoo.registry.errors import CheckpointError, ConfigError
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]

#: Everything that could break exactness: augmentation and dropout (global RNG), BatchNorm
#: buffers, n_critic > 1, EMA with a start step, a step-wise LR decay, Adam state, epochs that
#: straddle the stop (64-sample batches, 8 per epoch, 2 per step: epochs end at 4, 8, 12).
TRAIN = {
    "steps": 12,
    "batch_size": 64,
    "deterministic": True,
    "n_critic": 2,
    "ema": {"decay": 0.8, "start_step": 2},
    "schedule": {"kind": "linear-decay", "unit": "step", "constant": 4},
    "checkpoint_every": 3,
    "keep_checkpoints": 10,
    "log_every": 4,
}


def _experiment(experiment: Experiment) -> dict[str, Any]:
    raw = experiment("ring", **TRAIN)
    raw["dataset"]["params"] = {"jitter": 0.05}
    return raw


def _assert_same_state(a: Path, b: Path) -> None:
    """Every tensor of G, D, EMA and both optimisers, and the optimiser JSON, are identical."""
    ca, cb = find_checkpoint(a), find_checkpoint(b)
    assert ca.step == cb.step
    for stem in ("generator", "discriminator", "generator_ema", "optim_generator", "optim_discriminator"):
        ta, tb = ca.tensors(stem), cb.tensors(stem)
        assert ta.keys() == tb.keys(), stem
        for key in ta:
            assert torch.equal(ta[key], tb[key]), f"{stem}: {key}"
    for stem in ("optim_generator", "optim_discriminator"):
        assert ca.json(stem) == cb.json(stem)


class NoisyCallback(Callback):
    """Draws from the global RNGs between steps, as an evaluation or a user callback might."""

    def on_step_end(self, engine: Engine) -> None:
        torch.rand(engine.step)


class StartSteps(Callback):
    def __init__(self) -> None:
        self.steps: list[int] = []
        self.existing: list[list[int]] = []

    def on_train_start(self, engine: Engine) -> None:
        self.steps.append(engine.step)

    def on_step_end(self, engine: Engine) -> None:
        assert engine.run_dir is not None
        self.existing.append([c.step for c in list_checkpoints(engine.run_dir / "checkpoints")])


def test_stop_and_resume_is_bit_identical(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    raw = _experiment(experiment)
    full = ganzoo.train(raw, run_dir=tmp_path / "full")
    half = ganzoo.train(raw, run_dir=tmp_path / "half", until=6, callbacks=[NoisyCallback()])
    assert (half.step, half.finished) == (6, False)
    assert half.checkpoint == tmp_path / "half" / "checkpoints" / "step_000006"
    watcher = StartSteps()
    resumed = train(resume=tmp_path / "half", callbacks=[watcher])
    assert watcher.steps == [6] and resumed.finished
    _assert_same_state(full.directory, resumed.directory)
    # epoch means survive the stop in the middle of epoch 2
    assert full.metrics("epoch") == [
        {**r, "time": f["time"]} for r, f in zip(resumed.metrics("epoch"), full.metrics("epoch"), strict=True)
    ]
    # the first interval after the resume (steps 7-8) says where it starts; the others are full
    intervals = [(r["step"], r.get("resumed_from")) for r in resumed.metrics("train")]
    assert intervals == [(4, None), (6, None), (8, 6), (12, None)]
    # and a different seed really gives different weights (the comparison can fail)
    other = ganzoo.train({**raw, "train": {**raw["train"], "seed": 1}}, run_dir=tmp_path / "other")
    g_full = find_checkpoint(full.directory).tensors("generator")
    g_other = find_checkpoint(other.directory).tensors("generator")
    assert not all(torch.equal(g_full[k], g_other[k]) for k in g_full)


def test_killed_run_resumes_from_last_good_checkpoint(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    raw = _experiment(experiment)
    full = ganzoo.train(raw, run_dir=tmp_path / "full")
    run = tmp_path / "killed"
    ganzoo.train(raw, run_dir=run, until=6)
    checkpoints = run / "checkpoints"
    # what a kill leaves behind: a half-written temp dir, a final-named dir without manifest,
    # metrics logged after the last checkpoint and a line cut short
    (checkpoints / ".tmp-step_000007-x1y2").mkdir()
    (checkpoints / ".tmp-step_000007-x1y2" / "generator.safetensors").write_bytes(b"\x00" * 10)
    (checkpoints / "step_000009").mkdir()
    (checkpoints / "step_000009" / "generator.safetensors").write_bytes(b"\x00" * 10)
    with (run / "metrics.jsonl").open("a") as fh:
        fh.write(json.dumps({"kind": "train", "step": 7, "epoch": 2}) + "\n" + '{"kind": "tra')
    assert find_checkpoint(run).step == 6

    watcher = StartSteps()
    resumed = train(resume=run, callbacks=[watcher])
    assert watcher.steps == [6]
    assert all(6 in existing for existing in watcher.existing)  # the good one stays while training
    _assert_same_state(full.directory, run)
    assert [c.step for c in list_checkpoints(checkpoints)] == [3, 6, 9, 12]
    assert any(p.name.startswith(".broken-step_000009") for p in checkpoints.iterdir())
    assert not (checkpoints / ".tmp-step_000007-x1y2").exists()
    steps = [r["step"] for r in resumed.metrics("train")]
    assert steps == sorted(steps) and steps.count(7) == 0


def test_resume_only_changes_run_length_and_logging(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    run = ganzoo.train(experiment("ring", steps=4), run_dir=tmp_path / "run").directory
    with pytest.raises(ConfigError, match="generator.params.hidden: cannot change on resume"):
        train(resume=run, overrides=["generator.params.hidden=8"])
    with pytest.raises(ConfigError, match="already at step 4"):
        train(resume=run, until=3)
    with pytest.raises(ConfigError, match="train.steps/epochs: 3 steps in all, but the run is already at step 4"):
        train(resume=run, overrides=["train.steps=3"])
    longer = train(resume=run, overrides=["train.steps=6", "train.log_every=1"])
    assert (longer.step, longer.total_steps) == (6, 6)
    assert [r["step"] for r in longer.metrics("train")] == [4, 5, 6]


def test_refuses_to_train_into_an_existing_run(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    run = ganzoo.train(experiment("ring", steps=2), run_dir=tmp_path / "run").directory
    before = sorted(p.name for p in run.rglob("*"))
    with pytest.raises(ConfigError, match="exists and is not empty; use --resume"):
        ganzoo.train(experiment("ring", steps=2), run_dir=run)
    assert sorted(p.name for p in run.rglob("*")) == before
    with pytest.raises(CheckpointError, match="missing: no such run directory"):
        train(resume=tmp_path / "missing")


def _last_logged_step(run: Path) -> int:
    try:
        lines = (run / "metrics.jsonl").read_text().splitlines()
    except FileNotFoundError:
        return 0
    steps = [0]
    for line in lines:
        with contextlib.suppress(ValueError):  # a line being written
            steps.append(json.loads(line)["step"])
    return max(steps)


@pytest.mark.slow
def test_run_killed_at_random_moments_always_resumes(toys: Registry, experiment: Experiment,
                                                     toys_env: dict[str, str], tmp_path: Path) -> None:
    """SIGKILL a CLI training process three times at random moments, resume each time, and end
    with exactly the weights of an uninterrupted run."""
    import random
    import signal
    import subprocess
    import sys
    import time

    import tomli_w

    raw = experiment("ring", steps=600, deterministic=True, checkpoint_every=10, keep_checkpoints=2,
                     log_every=10, ema={"decay": 0.9})
    full = ganzoo.train(raw, run_dir=tmp_path / "full")
    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps(raw))
    run = tmp_path / "killed"
    command = [sys.executable, "-m", "ganzoo", "train", str(config), "--run-dir", str(run)]
    schedule = random.Random(0)
    reached = 0
    for attempt in range(4):
        process = subprocess.Popen(command, env=toys_env, cwd=tmp_path, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        if attempt < 3:
            start = _last_logged_step(run)
            deadline = time.monotonic() + 120
            while _last_logged_step(run) <= start and time.monotonic() < deadline:
                time.sleep(0.02)  # wait until this process trains, then kill at a random moment
            time.sleep(schedule.uniform(0.0, 0.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
            steps = [c.step for c in list_checkpoints(run / "checkpoints")]
            if steps:  # a complete checkpoint at least as new as before survives, and loads
                assert steps[-1] >= reached
                reached = steps[-1]
                ganzoo.load(run).sample(2, seed=0)
            else:  # killed before its first checkpoint completed
                assert reached == 0
        else:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            assert "finished at step 600/600" in out
            assert "which is no longer running" in err  # the killed process's lock, taken over
        # a kill before the first checkpoint leaves a run without one: restarting it is asked for
        command = [sys.executable, "-m", "ganzoo", "train", "--resume", str(run), "--allow-restart"]
    _assert_same_state(full.directory, run)


def test_two_way_run_with_a_fake_pool_resumes_bit_identically(toys: Registry, experiment: Experiment,
                                                               tmp_path: Path) -> None:
    """CycleGAN's loop (generator first, both directions, pooled fakes): the pool is checkpointed."""
    raw = experiment("sine", steps=10, batch_size=4, deterministic=True, fake_pool=6, ema={"decay": 0.9},
                     update_order="generator-first", checkpoint_every=5, keep_checkpoints=10)
    raw["dataset"]["params"] = {"unpaired": True, "n": 32}
    raw["generator"] = {"name": "cyclegan", "params": {"network": {"name": "toy-conv"}}}
    raw["discriminator"] = {"name": "cyclegan", "params": {"network": {"name": "toy-conv"}}}
    raw["losses"] = [{"name": "toy-bce"}, {"name": "cycle", "weight": 10.0}, {"name": "identity", "weight": 5.0}]
    full = ganzoo.train(raw, run_dir=tmp_path / "full")
    ganzoo.train(raw, run_dir=tmp_path / "half", until=5, callbacks=[NoisyCallback()])
    resumed = train(resume=tmp_path / "half")
    _assert_same_state(full.directory, resumed.directory)
    pools = [find_checkpoint(run).tensors("fake_pool") for run in (full.directory, resumed.directory)]
    assert pools[0].keys() == pools[1].keys() == {"AtoB", "BtoA"}
    assert all(torch.equal(pools[0][key], pools[1][key]) for key in pools[0])
    assert find_checkpoint(resumed.directory).json("fake_pool") == {"size": 6, "counts": {"AtoB": 6, "BtoA": 6}}
    # the pool at the stop was full and in use: without it the resumed run would differ
    assert find_checkpoint(tmp_path / "half" / "checkpoints" / "step_000005").json("fake_pool")["counts"]["AtoB"] == 6
