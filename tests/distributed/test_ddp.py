"""DDP with 2 CPU processes (gloo) launched by torchrun: agreement, equivalence, resume.

Each test launches ``python -m torch.distributed.run --standalone --nproc-per-node=2`` once
(about 10-20 s on a busy 2-core machine, most of it process start-up) and compares what the
processes saved with single-process runs made in the test process.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
import torch

pytestmark = pytest.mark.distributed

#: Everything that differs per process or calls D in unusual ways: augmentation (per-rank RNG),
#: BatchNorm in G (per-rank statistics), dropout in D, a gradient penalty (double backward
#: through the DDP-wrapped D), two critic updates per step (G forward under no_grad), EMA,
#: checkpoints and the epoch sample grid written by rank 0.
RICH = {
    "name": "ring",
    "generator": {"name": "toy-mlp"},
    "discriminator": {"name": "toy-mlp"},
    "dataset": {"name": "toy-ring", "params": {"n": 128, "jitter": 0.05}},
    "losses": [{"name": "toy-bce"}, {"name": "gradient-penalty", "weight": 1.0}],
    "train": {"steps": 4, "batch_size": 16, "lr": 1e-3, "device": "cpu", "progress": False, "log_every": 2,
              "n_critic": 2, "ema": {"decay": 0.9}, "checkpoint_every": 2, "keep_checkpoints": 5},
}


def _records(run_dir: Path, kind: str = "train") -> list[dict]:
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


def test_two_processes_keep_identical_weights_and_rank0_writes_one_run(helpers: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # No run_dir: rank 0 names a timestamped one under the working directory and broadcasts it.
    helpers.launch([{"train": {"name": "rich", "config": RICH}}], out)
    info0, info1 = helpers.info(out, "rich", 0), helpers.info(out, "rich", 1)
    assert info0["world_size"] == info1["world_size"] == 2
    assert info0["step"] == info1["step"] == 4
    assert info0["run_dir"] == info1["run_dir"]
    runs = list((out / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("ring-")
    p0, p1 = helpers.params(out, "rich", 0), helpers.params(out, "rich", 1)
    assert p0.keys() == p1.keys()
    for key in p0:  # different data, dropout and augmentation per rank; averaged gradients
        assert torch.equal(p0[key], p1[key]), key
    run = runs[0]
    records = _records(run)
    assert [r["step"] for r in records] == [2, 4]  # one writer: no duplicated lines
    assert all(r["samples_s"] > 0 and "loss/d/gradient-penalty" in r for r in records)
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step_000002", "step_000004"]
    assert (run / "samples" / "epoch_0001.png").is_file()


def test_two_processes_equal_one_process_with_the_global_batch(helpers: ModuleType, worker: ModuleType,
                                                              tmp_path: Path) -> None:
    """2 x batch 32 (stopped at 3, resumed to 6) == 1 x batch 64, and the 2-process checkpoint
    at step 3 resumed in 1 process with batch 64 continues the same training."""
    out = tmp_path / "out"
    two, copy = tmp_path / "two", tmp_path / "two-copy"
    helpers.launch([
        {"train": {"name": "half", "config": helpers.experiment(), "run_dir": str(two), "until": 3}},
        {"copy": [str(two), str(copy)]},
        {"train": {"name": "full", "resume": str(two)}},
    ], out)
    one = tmp_path / "one"
    worker.run([
        {"train": {"name": "half", "config": helpers.experiment(batch_size=64), "run_dir": str(one), "until": 3}},
        {"train": {"name": "full", "resume": str(one)}},
        {"train": {"name": "from-two", "resume": str(copy), "overrides": ["train.batch_size=64"]}},
    ], tmp_path / "ref")
    ref = tmp_path / "ref"
    assert helpers.info(out, "full")["global_batch"] == helpers.info(ref, "full")["global_batch"] == 64
    helpers.assert_close(helpers.params(out, "half"), helpers.params(ref, "half"))
    helpers.assert_close(helpers.params(out, "full"), helpers.params(ref, "full"))
    helpers.assert_close(helpers.params(ref, "from-two"), helpers.params(ref, "full"))
    # Training moved the weights (the comparison above is not between two untouched inits).
    start, end = helpers.params(ref, "half"), helpers.params(ref, "full")
    assert any(not torch.allclose(start[k], end[k], atol=1e-4) for k in start)
    # Logged losses are averaged over the processes: the global batch's losses.
    for a, b in zip(_records(two), _records(one), strict=True):
        assert a["step"] == b["step"]
        assert a["loss/d"] == pytest.approx(b["loss/d"], rel=1e-4)
        assert a["loss/g"] == pytest.approx(b["loss/g"], rel=1e-4)


@pytest.mark.slow
def test_one_process_run_resumed_on_two(helpers: ModuleType, worker: ModuleType, tmp_path: Path) -> None:
    one, ref = tmp_path / "one", tmp_path / "ref"
    worker.run([
        {"train": {"name": "half", "config": helpers.experiment(batch_size=64), "run_dir": str(one), "until": 3}},
        {"copy": [str(one), str(tmp_path / "one-copy")]},
        {"train": {"name": "full", "resume": str(one)}},
    ], ref)
    out = tmp_path / "out"
    helpers.launch([{"train": {"name": "resumed", "resume": str(tmp_path / "one-copy"),
                               "overrides": ["train.batch_size=32"]}}], out)
    assert helpers.info(out, "resumed")["step"] == 6
    helpers.assert_close(helpers.params(out, "resumed"), helpers.params(ref, "full"))


def test_torchrun_cli_smoke(helpers: ModuleType, tmp_path: Path) -> None:
    """``torchrun -m ganzoo train CONFIG --set train.steps=3``: the real CLI, the engine's own
    process group (env:// from torchrun), the toy plugin installed through an entry point."""
    import shutil

    import tomli_w

    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(helpers.HERE.parent / "engine" / "toys.py", site / "ganzoo_engine_toys.py")
    info = site / "ganzoo_engine_toys-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ganzoo-engine-toys\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text("[ganzoo]\ntoys = ganzoo_engine_toys\n")
    env = helpers.environment()
    env["PYTHONPATH"] = f"{site}:{env['PYTHONPATH']}"
    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps(RICH))
    run = tmp_path / "run"
    result = helpers.torchrun(["-m", "ganzoo", "train", str(config), "--run-dir", str(run),
                               "--set", "train.steps=3"], cwd=tmp_path, env=env)
    assert result.stdout.count(f"finished at step 3/3: {run}") == 1  # rank 0 reports
    assert [r["step"] for r in _records(run)] == [2, 3]
    manifest = json.loads((run / "checkpoints" / "step_000003" / "manifest.json").read_text())
    assert manifest["world_size"] == 2 and manifest["step"] == 3
