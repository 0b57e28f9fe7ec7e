"""Built-in components through the engine: any compatible combination trains with no code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tomli_w
import torch
from PIL import Image

import ganzoo
from ganzoo.cli.main import main
from ganzoo.data.images import read_image
from ganzoo.engine.checkpoint import find_checkpoint
from ganzoo.plugins.manager import reset_manager


@pytest.fixture
def builtins_only() -> None:
    reset_manager(discover=False)
    yield
    reset_manager()


def _images(folder: Path, count: int, size: int, *, pairs: bool = False) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        array = rng.integers(0, 256, (size, size * (2 if pairs else 1), 3), dtype=np.uint8)
        Image.fromarray(array).save(folder / f"{i:03d}.png")
    return folder


def test_dcgan_generator_patchgan_discriminator_hinge_on_an_image_folder(builtins_only: None,
                                                                          tmp_path: Path) -> None:
    experiment = {
        "name": "mix",
        "generator": {"name": "dcgan", "params": {"latent_dim": 16, "base_channels": 8}},
        "discriminator": {"name": "patchgan", "params": {"base_channels": 8, "n_layers": 2}},
        "dataset": {"name": "image-folder", "params": {"root": str(_images(tmp_path / "img", 8, 32)),
                                                        "image_size": 32}},
        "losses": [{"name": "adversarial", "params": {"mode": "hinge"}}],
        "train": {"steps": 3, "batch_size": 4, "device": "cpu", "progress": False, "log_every": 1},
    }
    config = tmp_path / "mix.toml"
    config.write_text(tomli_w.dumps(experiment))
    assert main(["train", str(config), "--run-dir", str(tmp_path / "run")]) == 0
    checkpoint = find_checkpoint(tmp_path / "run")
    assert checkpoint.manifest["components"]["discriminator"]["params"]["in_channels"] == 3  # from the data
    assert (tmp_path / "run" / "samples" / "epoch_0001.png").is_file()
    assert main(["generate", str(tmp_path / "run"), "-n", "3", "-o", str(tmp_path / "out")]) == 0
    written = sorted((tmp_path / "out").glob("*.png"))
    assert len(written) == 3 and Image.open(written[0]).size == (32, 32)


def test_pix2pix_preset_with_the_data_on_the_command_line(builtins_only: None, tmp_path: Path) -> None:
    root = _images(tmp_path / "pairs", 2, 32, pairs=True)
    run = ganzoo.train(
        None,
        preset="pix2pix",
        run_dir=tmp_path / "run",
        overrides=[f"dataset.params.root={root}", "dataset.params.image_size=32", "dataset.params.load_size=36",
                   "train.steps=2", "train.progress=false", "generator.params.base_channels=4",
                   "discriminator.params.base_channels=4"],
    )
    assert run.finished and run.config.train.schedule.kind == "linear-decay"
    assert run.config.losses[1].name == "l1" and run.config.losses[1].weight == 100.0
    grid = Image.open(tmp_path / "run" / "samples" / "epoch_0001.png")
    assert grid.size[0] > grid.size[1]  # one row: source | generated | target per pair

    # generate writes each source beside what the model made of it, as a paired-folders dataset
    out = tmp_path / "out"
    assert main(["generate", str(tmp_path / "run"), "-n", "3", "-o", str(out)]) == 0
    names = ["sample_000000.png", "sample_000001.png", "sample_000002.png"]
    assert sorted(p.name for p in (out / "A").iterdir()) == sorted(p.name for p in (out / "B").iterdir()) == names
    sources = ganzoo.load(tmp_path / "run").dataset_conditions(3)
    written = torch.stack([read_image(out / "A" / name) for name in names])
    torch.testing.assert_close(written, (sources + 1) / 2, atol=1 / 255, rtol=0)
    pairs = ganzoo.create("dataset", "paired-folders", root=str(out), image_size=32, flip=False)
    assert len(pairs) == 3 and pairs[0]["x"].shape == (3, 32, 32) and pairs[0]["cond"].shape == (3, 32, 32)


def test_channels_last_trains_like_contiguous_and_checkpoints(builtins_only: None, tmp_path: Path) -> None:
    root = _images(tmp_path / "img", 8, 32)
    losses = {}
    for channels_last in (False, True):
        run = ganzoo.train({
            "name": "dcgan",
            "generator": {"name": "dcgan", "params": {"latent_dim": 16, "base_channels": 8}},
            "discriminator": {"name": "dcgan", "params": {"base_channels": 8}},
            "dataset": {"name": "image-folder", "params": {"root": str(root), "image_size": 32}},
            "losses": [{"name": "adversarial"}],
            "train": {"steps": 3, "batch_size": 4, "device": "cpu", "progress": False, "log_every": 1,
                      "channels_last": channels_last, "fused_optimizer": channels_last},
        }, run_dir=tmp_path / f"run-{channels_last}")
        losses[channels_last] = [(r["loss/d"], r["loss/g"]) for r in run.metrics("train")]
        assert ganzoo.load(run.directory).sample(2, seed=0).shape == (2, 3, 32, 32)  # checkpoint loads
    assert np.allclose(losses[True], losses[False], rtol=1e-4)


def test_augmented_batches_reach_the_networks_channels_last(
    builtins_only: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganzoo.engine import engine as engine_module

    pairs = tmp_path / "pairs"
    pairs.mkdir()
    for i in range(2):
        Image.fromarray((np.random.default_rng(i).random((36, 72, 3)) * 255).astype("uint8")).save(pairs / f"{i}.png")
    formats: list[bool] = []
    next_batch = engine_module.Engine._next_batch

    def spy(self, batches):  # type: ignore[no-untyped-def]
        batch = next_batch(self, batches)
        formats.append(all(batch[k].is_contiguous(memory_format=torch.channels_last) for k in ("x", "cond")))
        return batch

    monkeypatch.setattr(engine_module.Engine, "_next_batch", spy)
    ganzoo.train({
        "generator": {"name": "unet", "params": {"base_channels": 4}},
        "discriminator": {"name": "patchgan", "params": {"base_channels": 4}},
        "dataset": {"name": "aligned-pairs", "params": {"root": str(pairs), "image_size": 32, "load_size": 36}},
        "losses": [{"name": "adversarial"}, {"name": "l1", "weight": 100}],
        "train": {"steps": 2, "batch_size": 2, "channels_last": True, "progress": False},
    }, run_dir=tmp_path / "run")
    assert formats == [True, True]  # the random crop must not undo the memory format
