"""The non-finite guard: a diverging run stops (exit 3) and keeps its last finite checkpoint;
skip mode drops bad updates; metrics.jsonl stays strict JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import torch
from torch import nn

import ganzoo
from ganzoo.cli.main import main
from ganzoo.engine.checkpoint import list_checkpoints
from ganzoo.engine.guard import (
    EXIT_NONFINITE,
    MAX_CONSECUTIVE_SKIPS,
    NonFiniteError,
    gradients_finite,
    json_record,
    nonfinite_tensor,
)
from ganzoo.registry.registry import Registry

from .conftest import load_toys

Experiment = Callable[..., dict[str, Any]]


@pytest.fixture
def poison(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[int], bool]], None]:
    """``poison(when)``: the toy generator loss is NaN at the (0-based) steps where ``when`` holds."""
    bce = load_toys().BCE
    clean = bce.generator_loss

    def install(when: Callable[[int], bool]) -> None:
        def generator_loss(self: Any, ctx: Any) -> torch.Tensor:
            value = clean(self, ctx)
            return value * float("nan") if when(ctx.step) else value

        monkeypatch.setattr(bce, "generator_loss", generator_loss)

    return install


def _strict_json(line: str) -> dict[str, Any]:
    def refuse(constant: str) -> None:
        raise AssertionError(f"metrics.jsonl holds {constant}, which is not JSON")

    return json.loads(line, parse_constant=refuse)


def _records(run: Path) -> list[dict[str, Any]]:
    return [_strict_json(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_the_first_non_finite_tensor_is_named_whatever_its_layout(bad: float) -> None:
    g = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).to(memory_format=torch.channels_last)
    d = nn.Linear(4, 1)
    assert nonfinite_tensor({"generator": g, "discriminator": d}) is None
    with torch.no_grad():
        d.weight.fill_(3e38)  # huge but finite: not flagged (nothing overflows)
        g[1].running_var[2] = bad
    assert nonfinite_tensor({"generator": g, "discriminator": d}) == "generator buffer 1.running_var"
    with torch.no_grad():
        g[1].running_var[2] = 1.0
        d.bias[0] = bad
    assert nonfinite_tensor({"generator": g, "discriminator": d}) == "discriminator parameter bias"


def test_gradients_finite_sees_one_bad_entry() -> None:
    layer = nn.Linear(3, 2)
    layer(torch.ones(1, 3)).sum().backward()
    assert gradients_finite(list(layer.parameters()))
    layer.weight.grad[1, 2] = -math.inf
    assert not gradients_finite(list(layer.parameters()))


def test_json_record_writes_null_and_names_the_terms() -> None:
    record = {"kind": "train", "step": 5, "loss/d": float("nan"), "loss/g": float("inf"), "loss/g/x": 1.5}
    clean = json_record(record)
    assert clean == {"kind": "train", "step": 5, "loss/d": None, "loss/g": None, "loss/g/x": 1.5,
                     "nonfinite": ["loss/d", "loss/g"]}
    assert math.isnan(record["loss/d"])  # the engine's record itself is left alone


def test_divergence_between_logs_stops_before_the_checkpoint_and_keeps_the_finite_one(
        toys: Registry, experiment: Experiment, poison: Callable[..., None], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    poison(lambda step: step == 6)  # the 7th step's G update turns every weight into NaN
    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps(experiment("ring", steps=20, checkpoint_every=2, keep_checkpoints=1,
                                               log_every=5)))
    run = tmp_path / "run"
    assert main(["train", str(config), "--run-dir", str(run)]) == EXIT_NONFINITE
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert ("step 8: non-finite loss loss/d/toy-bce = NaN, loss/g/toy-bce = NaN (it went non-finite in "
            "steps 6-8)") in err
    assert f"the last finite checkpoint is {run}/checkpoints/step_000006" in err
    assert [c.step for c in list_checkpoints(run / "checkpoints")] == [6]  # never pruned for a NaN one
    assert ganzoo.load(run).sample(4, seed=0).isfinite().all()
    assert [r["step"] for r in _records(run) if r["kind"] == "train"] == [5]


def test_divergence_at_a_log_step_writes_null_and_no_checkpoint(
        toys: Registry, experiment: Experiment, poison: Callable[..., None], tmp_path: Path) -> None:
    poison(lambda step: step == 2)
    with pytest.raises(NonFiniteError, match=r"^step 5: non-finite loss .*loss/g/toy-bce = NaN \(it went "
                                             r"non-finite in steps 1-5\); training stopped, no checkpoint was"):
        ganzoo.train(experiment("ring", steps=20, log_every=5), run_dir=tmp_path / "run")
    (record,) = _records(tmp_path / "run")
    assert record["step"] == 5 and record["loss/g"] is None and "loss/g/toy-bce" in record["nonfinite"]
    assert list_checkpoints(tmp_path / "run" / "checkpoints") == []


def test_skip_mode_drops_bad_updates_and_finishes(toys: Registry, experiment: Experiment,
                                                  poison: Callable[..., None], tmp_path: Path) -> None:
    poison(lambda step: step in (2, 3, 7))
    run = ganzoo.train(experiment("ring", steps=10, log_every=5, nonfinite="skip"), run_dir=tmp_path / "run")
    assert run.finished
    records = [r for r in _records(run.directory) if r["kind"] == "train"]
    assert [(r["skipped/g"], r["skipped/d"]) for r in records] == [(2, 0), (1, 0)]
    assert all(r.get("nonfinite") is None and math.isfinite(r["loss/g"]) for r in records)
    assert all(p.isfinite().all() for p in ganzoo.load(run.directory).generator.parameters())


def test_skip_mode_stops_when_nothing_is_applied_any_more(toys: Registry, experiment: Experiment,
                                                          poison: Callable[..., None], tmp_path: Path) -> None:
    poison(lambda step: step >= 1)
    with pytest.raises(NonFiniteError, match=f"the last {MAX_CONSECUTIVE_SKIPS + 9} generator updates were skipped"):
        ganzoo.train(experiment("ring", steps=200, log_every=60, nonfinite="skip"), run_dir=tmp_path / "run")


def test_a_checkpoint_of_a_non_finite_state_is_refused(toys: Registry, experiment: Experiment,
                                                       tmp_path: Path) -> None:
    from ganzoo.engine.engine import Engine
    from ganzoo.experiment.build import build_experiment

    built = build_experiment(experiment("ring", steps=4), toys)
    engine = Engine(built, run_dir=tmp_path / "run")
    with torch.no_grad():
        next(engine.discriminator.parameters())[0, 0] = float("inf")
    with pytest.raises(NonFiniteError, match="discriminator parameter .* is not finite"):
        engine.save_checkpoint()
    assert list_checkpoints(tmp_path / "run" / "checkpoints") == []
