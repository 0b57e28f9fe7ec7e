"""Damaged checkpoints and misused paths give one-line errors (exit 2) and destroy nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w

from ganzoo.cli.main import main
from ganzoo.engine.checkpoint import find_checkpoint, list_checkpoints
from ganzoo.registry.registry import Registry

RING = {
    "name": "ring",
    "generator": {"name": "toy-mlp"},
    "discriminator": {"name": "toy-mlp"},
    "dataset": {"name": "toy-ring"},
    "losses": [{"name": "toy-bce"}],
    "train": {"steps": 4, "batch_size": 32, "device": "cpu", "log_every": 2, "progress": False},
}


@pytest.fixture
def run(toys: Registry, tmp_path: Path) -> Path:
    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps(RING))
    directory = tmp_path / "run"
    assert main(["train", str(config), "--run-dir", str(directory), "--until", "2"]) == 0
    return directory


def _exits_2_with_one_line(args: list[str], capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err


def test_corrupt_safetensors_header(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weights = find_checkpoint(run).path / "generator.safetensors"
    data = bytearray(weights.read_bytes())
    data[8:20] = b"x" * 12  # same size: only the content is damaged
    weights.write_bytes(bytes(data))
    capsys.readouterr()
    _exits_2_with_one_line(["generate", str(run), "-n", "2", "-o", str(tmp_path / "o")], capsys,
                           "generator.safetensors", "unreadable")


def test_damaged_optimiser_state(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = find_checkpoint(run).path / "optim_generator.json"
    size = path.stat().st_size
    path.write_text(json.dumps({"x": 1}).ljust(size))
    capsys.readouterr()
    _exits_2_with_one_line(["train", "--resume", str(run)], capsys, "optimiser state JSON is damaged")


def test_manifest_with_a_bad_step_is_not_a_checkpoint(run: Path) -> None:
    path = find_checkpoint(run).path / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["step"] = "two"
    path.write_text(json.dumps(manifest))
    assert list_checkpoints(run / "checkpoints") == []


def test_resume_refuses_when_every_checkpoint_is_damaged(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weights = find_checkpoint(run).path / "generator.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])  # truncated: the manifest's size check fails
    history = (run / "metrics.jsonl").read_text()
    capsys.readouterr()
    _exits_2_with_one_line(["train", "--resume", str(run)], capsys, "no complete checkpoint", "damaged")
    assert (run / "metrics.jsonl").read_text() == history  # nothing was discarded


def test_paths_that_are_files(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "ring.toml"
    capsys.readouterr()
    _exits_2_with_one_line(["train", str(config), "--run-dir", str(config)], capsys, "is a file")
    _exits_2_with_one_line(["generate", str(run), "-n", "2", "-o", str(config)], capsys, "is a file")
    assert config.read_text() == tomli_w.dumps(RING)


def test_generate_keeps_earlier_samples(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "samples"
    assert main(["generate", str(run), "-n", "3", "-o", str(out), "--seed", "1"]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    _exits_2_with_one_line(["generate", str(run), "-n", "3", "-o", str(out), "--seed", "2"], capsys,
                           "is not empty", "--overwrite")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert main(["generate", str(run), "-n", "3", "-o", str(out), "--seed", "2", "--overwrite"]) == 0
    second = {p.name: p.read_bytes() for p in out.iterdir()}
    assert second.keys() == first.keys() and second != first


def test_frozen_discriminator_parameters_stay_frozen(toys: Registry, tmp_path: Path) -> None:
    from ganzoo.engine.engine import Engine
    from ganzoo.experiment.build import build_experiment

    built = build_experiment(RING, toys)
    frozen = next(built.discriminator.parameters())
    frozen.requires_grad_(False)
    Engine(built).fit(until=2)
    assert not frozen.requires_grad and frozen.grad is None


def test_a_damaged_newest_checkpoint_is_passed_over_out_loud(toys: Registry, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps({**RING, "train": {**RING["train"], "checkpoint_every": 2}}))
    run = tmp_path / "run"
    assert main(["train", str(config), "--run-dir", str(run)]) == 0
    weights = run / "checkpoints" / "step_000004" / "generator.safetensors"
    size = weights.stat().st_size
    weights.write_bytes(weights.read_bytes()[:-10])
    warning = (f"ganzoo: warning: skipped checkpoint {run}/checkpoints/step_000004: generator.safetensors has "
               f"{size - 10} bytes, the manifest says {size}; using step_000002\n")
    capsys.readouterr()
    assert main(["generate", str(run), "-n", "2", "-o", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err == warning
    assert main(["train", "--resume", str(run), "--set", "train.steps=6", "--no-progress"]) == 0
    assert capsys.readouterr().err == warning + (
        f"ganzoo: note: {run}/metrics.jsonl: dropped 2 record(s) logged after step 2, the checkpoint training "
        "continues from\n")
    assert [c.step for c in list_checkpoints(run / "checkpoints")][-1] == 6
