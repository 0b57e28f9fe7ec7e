"""Runs that do not depend on the working directory, and the manifest that says how they ran."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganzoo.cli.main import main
from ganzoo.engine.manifest import fingerprint
from ganzoo.engine.run import train
from ganzoo.experiment.load import read_toml
from ganzoo.metrics.features import RANDOM_CONV

EXPERIMENT = """
name = "tiny-dcgan"
[generator]
name = "dcgan"
params = { latent_dim = 8, base_channels = 8 }
[discriminator]
name = "dcgan"
params = { base_channels = 8 }
[dataset]
name = "image-folder"
params = { root = "imgs", image_size = 32, val_fraction = 0.25 }
[[losses]]
name = "adversarial"
[train]
steps = 2
batch_size = 4
device = "cpu"
progress = false
threads = 1
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``project/imgs`` (20 images) and ``project/exp.toml`` naming it relatively; cwd = project."""
    rng = np.random.default_rng(0)
    project = tmp_path / "project"
    (project / "imgs").mkdir(parents=True)
    for i in range(20):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(project / "imgs" / f"{i:02d}.png")
    (project / "exp.toml").write_text(EXPERIMENT)
    monkeypatch.chdir(project)
    return project


def _evaluate(run: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    status = main(["evaluate", str(run), "--metrics", "fid,kid", "--feature-extractor", RANDOM_CONV, "--n-samples", "16", "--json"])
    out = capsys.readouterr()
    assert status == 0, out.err
    return json.loads(out.out)


def test_run_stores_absolute_data_paths_and_evaluates_from_anywhere(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "exp.toml", "--run-dir", "runs/r"]) == 0
    capsys.readouterr()
    run = project / "runs" / "r"
    assert read_toml(run / "config.toml")["dataset"]["params"]["root"] == str(project / "imgs")
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["data"]["paths"]["root"] == {
        "written": "imgs", "absolute": str(project / "imgs"), "from_run": "../../imgs",
    }
    assert manifest["data"]["samples"] == {"train": 15}  # 5 of the 20 images are held out
    assert manifest["data"]["fingerprints"]["root"]["files"] == 20
    (session,) = manifest["sessions"]
    assert session["command"].endswith("train exp.toml --run-dir runs/r") and session["cwd"] == str(project)
    assert session["device"]["device"] == "cpu" and session["steps"] == {"from": 0, "to": 2}
    assert {"build", "train", "checkpoint", "samples"} <= set(session["phases_s"])
    assert manifest["platform"]["python"] and manifest["packages"]["torch"]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    report = _evaluate(run, capsys)
    assert report["split"] == "val" and report["metrics"]["fid"]["n_real"] == 5

    # the whole project moves (run and data together): the run finds its data beside it
    moved = tmp_path / "moved"
    shutil.move(project, moved)
    assert _evaluate(moved / "runs" / "r", capsys)["metrics"]["kid"]["n_real"] == 5
    resumed = train(resume=moved / "runs" / "r", overrides=["train.steps=3"])
    assert resumed.step == 3
    sessions = json.loads((moved / "runs" / "r" / "manifest.json").read_text())["sessions"]
    assert [s["steps"] for s in sessions] == [{"from": 0, "to": 2}, {"from": 2, "to": 3}]

    # the run alone moves away from the moved data: one line naming the key, the path and the run
    alone = tmp_path / "alone"
    shutil.move(moved / "runs" / "r", alone)
    assert main(["evaluate", str(alone), "--metrics", "fid", "--feature-extractor", RANDOM_CONV]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        f"ganzoo: error: {alone}: dataset.params.root = {project / 'imgs'} (written as 'imgs') does not exist here"
    )
    assert len(err.splitlines()) == 1


def test_fingerprint_changes_with_the_file_list_not_with_the_folder_location(tmp_path: Path) -> None:
    data = tmp_path / "a"
    data.mkdir()
    (data / "x.csv").write_text("1,2\n")
    (data / "sub").mkdir()
    (data / "sub" / "y.csv").write_text("3\n")
    first = fingerprint(data)
    assert first["files"] == 2 and first["bytes"] == 6 and len(first["sha256"]) == 64
    assert fingerprint(data) == first
    data.rename(tmp_path / "b")
    assert fingerprint(tmp_path / "b") == first
    (tmp_path / "b" / "z.csv").write_text("")
    assert fingerprint(tmp_path / "b")["sha256"] != first["sha256"]
    assert fingerprint(tmp_path / "b" / "x.csv")["files"] == 1
    assert fingerprint(tmp_path / "missing") == {"missing": True}
