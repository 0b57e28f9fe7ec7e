"""``ganzoo train`` / ``ganzoo generate`` and loading a checkpoint in a fresh process."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w
import torch

import ganzoo
from ganzoo.cli.main import main
from ganzoo.registry.registry import Registry

RING = {
    "name": "ring",
    "generator": {"name": "toy-mlp"},
    "discriminator": {"name": "toy-mlp"},
    "dataset": {"name": "toy-ring"},
    "losses": [{"name": "toy-bce"}],
    "train": {"steps": 6, "batch_size": 32, "device": "cpu", "log_every": 3},
}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "ring.toml"
    path.write_text(tomli_w.dumps(RING))
    return path


def _rows(path: Path) -> list[list[str]]:
    with path.open() as fh:
        return list(csv.reader(fh))


def test_train_until_resume_and_generate(toys: Registry, config_file: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", str(config_file), "--run-dir", str(run), "--set", "train.steps=8", "--until", "4"]) == 0
    out, err = capsys.readouterr()
    assert f"stopped at step 4/8: {run}" in out
    assert "step 3/8 epoch 1 loss/d=" in err  # plain progress lines: stderr is not a terminal here
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert f"finished at step 8/8: {run}" in out and f"checkpoint: {run}/checkpoints/step_000008" in out
    assert err == ""

    for name in ("a", "b"):
        assert main(["generate", str(run), "-n", "7", "-o", str(tmp_path / name), "--seed", "3"]) == 0
    assert "wrote 7 samples (1 file) to" in capsys.readouterr().out
    rows = _rows(tmp_path / "a" / "ring.csv")  # the toy dataset's own exporter
    assert len(rows) == 7 and len(rows[0]) == 2
    assert rows == _rows(tmp_path / "b" / "ring.csv")
    older = run / "checkpoints" / "step_000004"
    assert main(["generate", str(run), "-n", "7", "-o", str(tmp_path / "c"), "--seed", "3",
                 "--checkpoint", str(older)]) == 0
    assert _rows(tmp_path / "c" / "ring.csv") != rows


def test_generate_paired_uses_dataset_sources(toys: Registry, tmp_path: Path) -> None:
    raw = {**RING, "generator": {"name": "toy-conv"}, "discriminator": {"name": "toy-conv"},
           "dataset": {"name": "toy-sine", "params": {"paired": True}},
           "losses": [{"name": "toy-bce"}, {"name": "toy-l1", "weight": 5.0}],
           "train": {**RING["train"], "progress": False}}
    config = tmp_path / "paired.toml"
    config.write_text(tomli_w.dumps(raw))
    assert main(["train", str(config), "--run-dir", str(tmp_path / "run")]) == 0
    assert main(["generate", str(tmp_path / "run"), "-n", "5", "-o", str(tmp_path / "out")]) == 0
    rows = _rows(tmp_path / "out" / "sine.csv")
    assert len(rows) == 5 and len(rows[0]) == 32


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "CONFIG", "--set", "train.steps"], "--set 'train.steps': expected key.path=value"),
        (["train", "CONFIG", "--set", "train.stepz=3"], "train.stepz: unknown key"),
        (["train", "--resume", "RUN/missing"], "missing: no such run directory"),
        (["train", "--resume", "RUN"], "not a ganzoo run directory"),
        (["train"], "give an experiment file, --preset NAME or --resume RUN_DIR"),
        (["train", "CONFIG", "--resume", "RUN"], "--resume takes the run's stored config"),
        (["generate", "RUN/missing", "-n", "2", "-o", "OUT"], "no such run or checkpoint directory"),
        (["generate", "RUN", "-n", "2", "-o", "OUT"], "no complete checkpoint"),
        (["generate", "RUN", "-n", "0", "-o", "OUT"], "-n 0: must be a positive number"),
    ],
)
def test_user_errors_exit_2_with_one_line(toys: Registry, config_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    (tmp_path / "run").mkdir()
    replace = {"CONFIG": str(config_file), "OUT": str(tmp_path / "out")}
    argv = [replace.get(a, a.replace("RUN", str(tmp_path / "run"))) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ganzoo: error: ") and message in err


@pytest.mark.slow
def test_checkpoint_loads_in_a_fresh_process(toys: Registry, toys_env: dict[str, str], tmp_path: Path) -> None:
    run = ganzoo.train(RING | {"train": {**RING["train"], "progress": False, "ema": {"decay": 0.5}}},
                       run_dir=tmp_path / "run").directory
    expected = ganzoo.load(run).sample(4, seed=11)
    code = "import json, sys, ganzoo; s = ganzoo.load(sys.argv[1]); print(json.dumps(s.sample(4, seed=11).tolist()))"
    result = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True, text=True, env=toys_env,
                            cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert torch.equal(torch.tensor(json.loads(result.stdout)), expected)
    # without the plugin the error names what is missing
    result = subprocess.run([sys.executable, "-m", "ganzoo", "generate", str(run), "-n", "2", "-o", "out"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 2
    assert "needs generator 'toy-mlp' from ganzoo-engine-toys" in result.stderr
