"""A catalogue of bad inputs a new user gives ganzoo: each exits with its status and one line that
names the culprit, and leaves every file already on disk as it was.

Each case writes its inputs (experiment files, CSVs, images, damage to a copy of a finished run)
into the workspace, then the whole workspace is hashed, the command runs in-process through
``ganzoo.cli.main.main``, and the workspace is hashed again: a refused command may create
nothing and change nothing.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from ganzoo.cli.main import main
from ganzoo.engine.lock import RunLock

from .conftest import RING, tree_state

Prepare = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """``argv`` with ``{W}`` for the workspace (``{W}/run`` is a finished run); ``fragments``
    must all appear in the one line on stderr; ``prepare`` writes inputs before the hashing."""

    name: str
    argv: str
    fragments: tuple[str, ...]
    prepare: Prepare | None = None
    code: int = 2


def experiment(name: str, change: Callable[[dict[str, Any]], Any] | None = None) -> Prepare:
    """Write ``{W}/<name>.toml``: the toy experiment after ``change`` edits it in place."""

    def write(workspace: Path) -> None:
        raw = copy.deepcopy(RING)
        if change is not None:
            change(raw)
        (workspace / f"{name}.toml").write_text(tomli_w.dumps(raw))

    return write


def text(name: str, content: str | bytes) -> Prepare:
    def write(workspace: Path) -> None:
        path = workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)

    return write


def both(*steps: Prepare) -> Prepare:
    def run(workspace: Path) -> None:
        for step in steps:
            step(workspace)

    for step in steps:  # keep a held_lock marker visible
        if hasattr(step, "lock_folder"):
            run.lock_folder = step.lock_folder  # type: ignore[attr-defined]
    return run


def newest(workspace: Path) -> Path:
    return workspace / "run" / "checkpoints" / "step_000004"


def same_size(file: str, content: bytes) -> Prepare:
    """Replace a file of the newest checkpoint with ``content`` padded to the same size."""

    def damage(workspace: Path) -> None:
        path = newest(workspace) / file
        size = path.stat().st_size
        path.write_bytes(content[:size].ljust(size, b" "))

    return damage


def every_checkpoint_truncated(workspace: Path) -> None:
    for checkpoint in (workspace / "run" / "checkpoints").iterdir():
        path = checkpoint / "generator.safetensors"
        path.write_bytes(path.read_bytes()[:-10])


def no_checkpoint(workspace: Path) -> None:
    for checkpoint in (workspace / "run" / "checkpoints").iterdir():
        for file in checkpoint.iterdir():
            file.unlink()
        checkpoint.rmdir()


def set_(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit of the experiment: ``a.b.c = value`` (``losses.0.weight`` indexes the list)."""

    def change(raw: dict[str, Any]) -> None:
        node: Any = raw
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def png_noise(workspace: Path) -> None:
    import numpy as np
    from PIL import Image

    folder = workspace / "images"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((32, 32, 3), 40 * i, dtype=np.uint8)).save(folder / f"ok_{i}.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)


IMAGES = {"name": "image-folder", "params": {"root": "IMAGES", "image_size": 32}}


def image_experiment(name: str, root: str) -> Prepare:
    def change(raw: dict[str, Any]) -> None:
        raw["generator"] = {"name": "dcgan", "params": {"base_channels": 8, "latent_dim": 8}}
        raw["discriminator"] = {"name": "dcgan", "params": {"base_channels": 8}}
        raw["dataset"] = {"name": "image-folder", "params": {"root": root, "image_size": 32}}
        raw["losses"] = [{"name": "adversarial"}]
        raw["train"] = {**raw["train"], "batch_size": 2}
        raw.pop("name")

    def write(workspace: Path) -> None:
        experiment(name, lambda raw: (change(raw), raw["dataset"]["params"].update(
            root=str(workspace / root))))(workspace)

    return write


def csv_experiment(name: str, dataset: dict[str, Any]) -> Prepare:
    """A table/series experiment file on a CSV dataset of the domain plugins; ``PATH`` in the
    dataset's params becomes ``{W}/data.csv``."""

    def write(workspace: Path) -> None:
        params = {k: (str(workspace / "data.csv") if v == "PATH" else v) for k, v in dataset["params"].items()}
        if dataset["name"] == "table-csv":
            raw = {"generator": {"name": "ctgan"}, "discriminator": {"name": "pacgan", "params": {"pac": 1}},
                   "losses": [{"name": "adversarial", "params": {"mode": "wasserstein"}}]}
        else:
            raw = {"generator": {"name": "series-conv"}, "discriminator": {"name": "series-conv"},
                   "losses": [{"name": "adversarial"}]}
        raw["dataset"] = {"name": dataset["name"], "params": params}
        raw["train"] = {"steps": 2, "batch_size": 4, "device": "cpu", "progress": False}
        (workspace / f"{name}.toml").write_text(tomli_w.dumps(raw))

    return write


def held_lock(folder: str) -> Prepare:
    """Marker: the case runs while another trainer holds ``{W}/<folder>``'s lock."""

    def mark(workspace: Path) -> None:
        (workspace / folder).mkdir(exist_ok=True)

    mark.lock_folder = folder  # type: ignore[attr-defined]
    return mark


TABLE = "speed,lanes,hour\n" + "".join(f"{30 + i % 5 * 10},{1 + i % 3},{i % 24}\n" for i in range(40))
WIDE = "timestamp,m1,m2\n" + "".join(
    f"2023-01-{1 + i // 48:02d} {i % 48 // 2:02d}:{30 * (i % 2):02d}:00,{0.1 + i % 7 / 10:.1f},{0.2 + i % 5 / 10:.1f}\n"
    for i in range(48 * 4)
)

CASES = [
    # -- experiment files ---------------------------------------------------------------------
    Case("missing file", "train {W}/nope.toml", ("nope.toml: experiment file not found",)),
    Case("folder as file", "train {W}/run", ("run: is a directory, expected an experiment .toml file",)),
    Case("image as experiment", "train {W}/photo.png", ("photo.png: not a UTF-8 text file",),
         text("photo.png", b"\x89PNG\r\n\x1a\n\x00\xff\xfe" * 20)),
    Case("invalid TOML", "train {W}/bad.toml", ("bad.toml: invalid TOML",), text("bad.toml", "[generator\nname=1")),
    Case("empty file", "train {W}/empty.toml", ("empty.toml: generator: Field required",), text("empty.toml", "")),
    Case("unknown table", "train {W}/e.toml", ("e.toml: trainer: unknown key",),
         experiment("e", set_("trainer", {"steps": 3}))),
    Case("unknown generator", "train {W}/e.toml", ("generator.name: unknown generator 'dcgn'", "did you mean 'dcgan'"),
         experiment("e", set_("generator.name", "dcgn"))),
    Case("unknown generator param", "train {W}/e.toml", ("generator.params.hiden: unknown key", "'hidden'"),
         experiment("e", set_("generator.params", {"hiden": 3}))),
    Case("param of wrong type", "train {W}/e.toml", ("generator.params.hidden: Input should be a valid integer",),
         experiment("e", set_("generator.params", {"hidden": "many"}))),
    Case("NaN loss weight", "train {W}/e.toml", ("losses.0.weight: Input should be a finite number",),
         experiment("e", set_("losses.0.weight", float("nan")))),
    Case("negative loss weight", "train {W}/e.toml", ("losses.0.weight: Input should be greater than or equal to 0",),
         experiment("e", set_("losses.0.weight", -1.0))),
    Case("huge loss weight", "train {W}/e.toml", ("losses.0.weight: Input should be less than or equal to 1000000",),
         experiment("e", set_("losses.0.weight", 1e39))),
    Case("all loss weights zero", "train {W}/e.toml", ("losses: Value error, every loss weight is 0",),
         experiment("e", set_("losses.0.weight", 0.0))),
    Case("no losses", "train {W}/e.toml", ("losses: List should have at least 1 item",),
         experiment("e", set_("losses", []))),
    Case("infinite learning rate", "train {W}/e.toml", ("train.lr: Input should be a finite number",),
         experiment("e", set_("train.lr", float("inf")))),
    Case("zero learning rate", "train {W}/e.toml", ("train.lr: Input should be greater than 0",),
         experiment("e", set_("train.lr", 0))),
    Case("Adam beta of 2", "train {W}/e.toml", ("train.betas.1: Input should be less than 1",),
         experiment("e", set_("train.betas", [0.5, 2.0]))),
    Case("zero steps", "train {W}/e.toml", ("train.steps: Input should be greater than 0",),
         experiment("e", set_("train.steps", 0))),
    Case("steps and epochs", "train {W}/e.toml", ("train: Value error, give either steps or epochs",),
         experiment("e", set_("train.epochs", 2))),
    Case("batch larger than data", "train {W}/e.toml --run-dir {W}/new", ("train.batch_size: 500 is larger than the dataset (128 samples); set train.batch_size to 128 or less",),
         experiment("e", set_("train.batch_size", 500))),
    Case("unknown device", "train {W}/e.toml", ("train.device: unknown device 'tpu'",),
         experiment("e", set_("train.device", "tpu"))),
    Case("nonfinite option misspelt", "train {W}/e.toml", ("train.nonfinite: Input should be 'stop' or 'skip'",),
         experiment("e", set_("train.nonfinite", "ignore"))),
    Case("seed beyond 64 bits", "train {W}/e.toml", ("train.seed: Input should be less than or equal to",),
         experiment("e", set_("train.seed", 2**64))),
    Case("log_every zero", "train {W}/e.toml", ("train.log_every: Input should be greater than 0",),
         experiment("e", set_("train.log_every", 0))),
    Case("impossible layer size", "train {W}/e.toml", ("generator ganzoo-engine-toys:toy-mlp could not be built",
                                                       "negative dimension"),
         experiment("e", set_("generator.params", {"hidden": -3}))),
    Case("dataset name of a generator", "train {W}/e.toml", ("dataset.name: unknown dataset 'toy-mlp'",),
         experiment("e", set_("dataset.name", "toy-mlp"))),
    Case("paired loss on unpaired data", "train {W}/e.toml",
         ("losses.1: loss 'l1' needs paired data", "dataset 'toy-ring' is unconditional"),
         experiment("e", lambda raw: raw["losses"].append({"name": "l1", "weight": 100.0}))),
    # -- command line -------------------------------------------------------------------------
    Case("no experiment", "train", ("give an experiment file, --preset NAME or --resume RUN_DIR",)),
    Case("file and preset", "train {W}/e.toml --preset dcgan", ("give an experiment file, --preset NAME or",),
         experiment("e")),
    Case("unknown preset", "train --preset dcgun", ("unknown preset 'dcgun'", "did you mean 'dcgan'")),
    Case("malformed --set", "train {W}/e.toml --set train.steps", ("--set 'train.steps': expected key.path=value",),
         experiment("e")),
    Case("--set unknown key", "train {W}/e.toml --set train.stepz=3", ("train.stepz: unknown key",),
         experiment("e")),
    Case("typos in three sections", "train {W}/e.toml --set train.stepz=3 --set generator.params.hiden=3 "
         "--set dataset.name=toy-rnig",
         ("train.stepz: unknown key", "also generator.params.hiden: unknown key",
          "also dataset.name: unknown dataset 'toy-rnig'", "(3 errors)"),
         experiment("e")),
    Case("--set index out of range", "train {W}/e.toml --set losses.3.weight=2", ("losses.3: index '3' out of range",),
         experiment("e")),
    Case("--set NaN weight", "train {W}/e.toml --set losses.0.weight=nan", ("losses.0.weight: Input should be a finite",),
         experiment("e")),
    Case("--until zero", "train {W}/e.toml --until 0", ("--until 0: must be a positive step count",), experiment("e")),
    Case("--until not a number", "train {W}/e.toml --until soon", ("argument --until: invalid int value: 'soon'",),
         experiment("e")),
    Case("--allow-restart alone", "train {W}/e.toml --allow-restart", ("--allow-restart goes with --resume",),
         experiment("e")),
    Case("unknown command", "trian x", ("invalid choice: 'trian'",)),
    # -- run directories and resuming --------------------------------------------------------
    Case("--run-dir is a file", "train {W}/e.toml --run-dir {W}/e.toml", ("e.toml: --run-dir is a file",),
         experiment("e")),
    Case("--run-dir holds a run", "train {W}/e.toml --run-dir {W}/run", ("run: run directory exists and is not empty",
                                                                         "--resume"),
         experiment("e")),
    Case("--run-dir another trainer holds", "train {W}/e.toml --run-dir {W}/busy", ("busy: in use by process",),
         both(experiment("e"), held_lock("busy"))),
    Case("resume a missing folder", "train --resume {W}/gone", ("gone: no such run directory",)),
    Case("resume a file", "train --resume {W}/e.toml", ("e.toml: is a file, not a run directory",), experiment("e")),
    Case("resume a folder that is no run", "train --resume {W}/other", ("other: not a ganzoo run directory",),
         text("other/notes.txt", "hello")),
    Case("resume with a config", "train {W}/e.toml --resume {W}/run", ("--resume takes the run's stored config",),
         experiment("e")),
    Case("resume changing the model", "train --resume {W}/run --set generator.params.hidden=8",
         ("--set generator.params.hidden: cannot change on resume",)),
    Case("resume while another trainer runs", "train --resume {W}/run --set train.steps=8", ("run: in use by process",),
         held_lock("run")),
    Case("resume without a checkpoint", "train --resume {W}/run", ("no checkpoint yet", "--allow-restart"),
         no_checkpoint),
    Case("resume with every checkpoint damaged", "train --resume {W}/run",
         ("no complete checkpoint (the ones there are damaged)",), every_checkpoint_truncated),
    Case("resume with garbage rng.json", "train --resume {W}/run --set train.steps=8",
         ("step_000004: damaged checkpoint state (KeyError: 'numpy')",), same_size("rng.json", b'{"x": 1}')),
    Case("resume with garbage optimiser state", "train --resume {W}/run --set train.steps=8",
         ("optim_generator: optimiser state JSON is damaged",), same_size("optim_generator.json", b'{"x": 1}')),
    Case("resume with a broken config.toml", "train --resume {W}/run", ("config.toml: invalid TOML",),
         text("run/config.toml", "[train\nsteps = 4")),
    Case("resume with fewer steps than done", "train --resume {W}/run --set train.steps=2",
         ("train.steps/epochs: 2 steps in all, but the run is already at step 4",)),
    Case("resume past --until", "train --resume {W}/run --set train.steps=8 --until 3",
         ("--until 3: the run is already at step 4",)),
    # -- generate -----------------------------------------------------------------------------
    Case("generate zero samples", "generate {W}/run -n 0 -o {W}/out", ("-n 0: must be a positive number of samples",)),
    Case("generate a trillion samples", "generate {W}/run -n 1000000000000 -o {W}/out",
         ("-n 1000000000000: at most 10,000,000 samples per call",)),
    Case("generate -n not a number", "generate {W}/run -n many -o {W}/out", ("argument -n: invalid int value: 'many'",)),
    Case("generate with a seed beyond 64 bits", "generate {W}/run -n 4 -o {W}/out --seed 99999999999999999999",
         ("--seed 99999999999999999999: must be a 64-bit integer",)),
    Case("generate batch size zero", "generate {W}/run -n 4 --batch-size 0 -o {W}/out",
         ("--batch-size 0: must be positive",)),
    Case("generate absurd batch size", "generate {W}/run -n 4 --batch-size 999999999999 -o {W}/out",
         ("--batch-size 999999999999: samples of shape (2,) would take",)),
    Case("generate from a missing run", "generate {W}/gone -n 4 -o {W}/out", ("gone: no such run or checkpoint",)),
    Case("generate into a file", "generate {W}/run -n 4 -o {W}/e.toml", ("-o ", "e.toml: is a file"), experiment("e")),
    Case("generate into a full folder", "generate {W}/run -n 4 -o {W}/run", ("run: is not empty", "--overwrite")),
    Case("generate from a folder without checkpoints", "generate {W}/other -n 4 -o {W}/out",
         ("other: no complete checkpoint",), text("other/notes.txt", "hello")),
    Case("generate with a damaged safetensors header", "generate {W}/run -n 4 -o {W}/out",
         ("generator_ema.safetensors: unreadable safetensors file",),
         same_size("generator_ema.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{garbage header")),
    Case("generate from a pickle named .safetensors", "generate {W}/run -n 4 -o {W}/out",
         ("generator_ema.safetensors: unreadable safetensors file",),
         same_size("generator_ema.safetensors", pickle.dumps({"weight": list(range(50))}))),
    Case("generate with a condition on an unconditional run", "generate {W}/run -n 4 -o {W}/out --condition a=1",
         ("--condition a=1: this run is unconditional",)),
    Case("generate with a malformed condition", "generate {W}/run -n 4 -o {W}/out --condition severity",
         ("--condition 'severity': write COLUMN=VALUE",)),
    Case("generate on a missing device", "generate {W}/run -n 4 -o {W}/out --device cuda:7",
         ("train.device: 'cuda:7' requested but CUDA is not available",)),
    Case("generate with a manifest naming a missing plugin", "generate {W}/run -n 4 -o {W}/out",
         ("needs generator 'toy-gone' from ganzoo-engine-toys", "not installed"),
         same_size("manifest.json", b"")),  # replaced below: see _manifest_naming_a_missing_generator
    # -- images -------------------------------------------------------------------------------
    Case("image folder that does not exist", "train {W}/img.toml", ("images does not exist or is not a folder",),
         image_experiment("img", "images")),
    Case("image folder without images", "train {W}/img.toml", ("no image files (.bmp", "found in"),
         both(text("images/readme.txt", "x"), image_experiment("img", "images"))),
    Case("image folder with a broken PNG", "train {W}/img.toml", ("broken.png",),
         both(png_noise, image_experiment("img", "images"))),
    # -- CSV files ----------------------------------------------------------------------------
    Case("table CSV separated by semicolons", "train {W}/t.toml",
         ("data.csv: line 1: one column when split at ','", "the file seems ';'-separated"),
         both(text("data.csv", TABLE.replace(",", ";")), csv_experiment("t", {"name": "table-csv",
                                                                             "params": {"path": "PATH"}}))),
    Case("table CSV with an infinite cell", "train {W}/t.toml",
         ("data.csv: line 4: column 'speed': 'inf' is not a finite number",),
         both(text("data.csv", TABLE.replace("\n50,", "\ninf,", 1)),
              csv_experiment("t", {"name": "table-csv", "params": {"path": "PATH", "kinds": {"speed": "continuous"}}}))),
    Case("table CSV that is empty", "train {W}/t.toml", ("data.csv: the file is empty",),
         both(text("data.csv", ""), csv_experiment("t", {"name": "table-csv", "params": {"path": "PATH"}}))),
    Case("table CSV that does not exist", "train {W}/t.toml", ("data.csv",),
         csv_experiment("t", {"name": "table-csv", "params": {"path": "PATH"}})),
    Case("wide CSV with an infinite reading", "train {W}/w.toml",
         ("data.csv: line 4: column 'm1': 'inf' is not a finite number",),
         both(text("data.csv", WIDE.replace(",0.3,", ",inf,", 1)),
              csv_experiment("w", {"name": "wide-csv", "params": {"path": "PATH", "resolution_minutes": 30, "columns_are": "meters"}}))),
    Case("wide CSV with a text reading", "train {W}/w.toml", ("data.csv: line 4: column 'm1': 'n/a?' is not a number",),
         both(text("data.csv", WIDE.replace(",0.3,", ",n/a?,", 1)),
              csv_experiment("w", {"name": "wide-csv", "params": {"path": "PATH", "resolution_minutes": 30, "columns_are": "meters"}}))),
    Case("wide CSV read with the wrong separator", "train {W}/w.toml",
         ("data.csv: line 1: one column when split at ';' but 3 when split at ','",),
         both(text("data.csv", WIDE), csv_experiment("w", {"name": "wide-csv", "params": {
             "path": "PATH", "sep": ";", "resolution_minutes": 30, "columns_are": "meters"}}))),
    # -- other commands -----------------------------------------------------------------------
    Case("evaluate a missing run", "evaluate {W}/gone", ("gone",)),
    Case("report on a missing run", "report {W}/gone", ("gone",)),
    Case("compare with a missing run", "compare {W}/run {W}/gone", ("gone",)),
    Case("list an unknown kind", "list gadgets", ("gadgets",)),
    Case("batch larger than data, default run folder", "train {W}/e.toml", ("train.batch_size: 500 is larger",),
         experiment("e", set_("train.batch_size", 500))),
]


def _manifest_naming_a_missing_generator(workspace: Path) -> None:
    path = newest(workspace) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["components"]["generator"]["name"] = "toy-gone"
    path.write_text(json.dumps(manifest, indent=2))  # the size is not checked for the manifest itself


CASES = [
    Case(c.name, c.argv, c.fragments, _manifest_naming_a_missing_generator, c.code)
    if c.name == "generate with a manifest naming a missing plugin" else c
    for c in CASES
]


def test_the_catalogue_is_large_and_names_are_unique() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if case.prepare is not None:
        case.prepare(workspace)
    argv = [part.replace("{W}", str(workspace)) for part in case.argv.split()]
    lock_folder = getattr(case.prepare, "lock_folder", None)
    lock = RunLock(workspace / lock_folder) if lock_folder else None
    if lock is not None:
        lock.acquire()
    try:
        before = tree_state(workspace)
        capsys.readouterr()
        code = _exit_code(argv)
        after = tree_state(workspace)
    finally:
        if lock is not None:
            lock.release()
    err = capsys.readouterr().err
    assert code == case.code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error:" in lines[0]
    for fragment in case.fragments:
        assert fragment.replace("{W}", str(workspace)) in lines[0]
    assert after == before, "a refused command changed files on disk"


def _exit_code(argv: list[str]) -> int:
    """``main``'s status; argparse's usage errors raise SystemExit with it."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
