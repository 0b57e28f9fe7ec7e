"""Ctrl-C / SIGTERM: training stops at a step boundary with a checkpoint, and resuming is exact."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import torch

import ganzoo
from ganzoo.engine.callbacks import Callback
from ganzoo.engine.checkpoint import find_checkpoint, list_checkpoints
from ganzoo.engine.engine import Engine
from ganzoo.engine.interrupt import TrainingInterrupted, stop_on_signals
from ganzoo.engine.run import train
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def python_default_handlers() -> Iterator[None]:
    """Python's own handlers, also when pytest was started with SIGINT ignored (a background job)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


class SignalAt(Callback):
    """Sends ``signum`` to this process at the end of step ``step``, as a user or a scheduler would."""

    def __init__(self, step: int, signum: int) -> None:
        self.step, self.signum = step, signum

    def on_step_end(self, engine: Engine) -> None:
        if engine.step == self.step:
            signal.raise_signal(self.signum)


def _experiment(experiment: Experiment) -> dict[str, Any]:
    # n_critic, EMA and a step-wise LR decay: state that a stop in the wrong place would break
    return experiment("ring", steps=10, batch_size=32, deterministic=True, n_critic=2, ema={"decay": 0.8},
                      schedule={"kind": "linear-decay", "unit": "step", "constant": 4}, log_every=5)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_with_a_checkpoint_and_resume_is_exact(toys: Registry, experiment: Experiment,
                                                            tmp_path: Path, signum: int) -> None:
    raw = _experiment(experiment)
    full = ganzoo.train(raw, run_dir=tmp_path / "full")
    run = tmp_path / "run"
    with pytest.raises(TrainingInterrupted) as info:
        ganzoo.train(raw, run_dir=run, callbacks=[SignalAt(3, signum)])
    assert (info.value.signum, info.value.step) == (signum, 3)
    assert info.value.checkpoint == run / "checkpoints" / "step_000003"
    assert f"stopped at step 3/10; checkpoint {run / 'checkpoints' / 'step_000003'}" in str(info.value)
    assert [c.step for c in list_checkpoints(run / "checkpoints")] == [3]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers given back
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    resumed = train(resume=run)
    assert resumed.finished
    a, b = find_checkpoint(full.directory), find_checkpoint(resumed.directory)
    for stem in ("generator", "discriminator", "generator_ema", "optim_generator", "optim_discriminator"):
        ta, tb = a.tensors(stem), b.tensors(stem)
        assert all(torch.equal(ta[k], tb[k]) for k in ta), stem


def test_second_signal_interrupts_at_once() -> None:
    with stop_on_signals() as request:
        signal.raise_signal(signal.SIGINT)
        assert request.signum == signal.SIGINT
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)  # Python's handler is back


def test_handlers_an_application_set_are_left_alone() -> None:
    seen: list[int] = []

    def own(signum: int, frame: object) -> None:
        seen.append(signum)

    signal.signal(signal.SIGINT, own)
    with stop_on_signals() as request:
        assert signal.getsignal(signal.SIGINT) is own
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # this one is taken over
        signal.raise_signal(signal.SIGINT)
    assert seen == [signal.SIGINT] and not request.requested
    with stop_on_signals(enabled=False):  # e.g. under torchrun
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_cli_exits_with_the_signal_status_and_says_how_to_continue(experiment: Experiment, toys_env: dict[str, str],
                                                                   tmp_path: Path) -> None:
    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps(experiment("ring", steps=1_000_000, log_every=10, progress=False)))
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "ganzoo", "train", str(config), "--run-dir", str(run)],
                               env=toys_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (run / "metrics.jsonl").is_file() or not (run / "metrics.jsonl").read_text():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("ganzoo: interrupted: SIGTERM: stopped at step ") and f"--resume {run}" in last
    step = list_checkpoints(run / "checkpoints")[-1].step
    assert f"step {step}/1000000; checkpoint " in last
