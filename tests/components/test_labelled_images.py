"""image-folder with one sub-folder per class: labels in, ``--condition label=NAME`` and class folders out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tomli_w
import torch
from PIL import Image

from ganzoo.cli.main import main
from ganzoo.components.configs import ImageFolderConfig
from ganzoo.components.datasets import ImageFolder
from ganzoo.engine.checkpoint import find_checkpoint
from ganzoo.engine.run import train
from ganzoo.registry.errors import ConfigError, DataError

COLOURS = {"red": (255, 0, 0), "blue": (0, 0, 255), "green": (0, 255, 0)}


def _classes(root: Path, counts: dict[str, int], size: int = 32) -> Path:
    rng = np.random.default_rng(0)
    for name, count in counts.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            colour = np.array(COLOURS[name]) * rng.uniform(0.5, 1.0)
            Image.fromarray(np.broadcast_to(colour, (size, size, 3)).astype(np.uint8)).save(root / name / f"{i}.png")
    return root


def test_top_level_folders_are_sorted_classes_with_one_hot_labels(tmp_path: Path) -> None:
    root = _classes(tmp_path / "data", {"red": 3, "blue": 1})
    (root / "red" / "deeper").mkdir()
    Image.new("RGB", (32, 32), (200, 0, 0)).save(root / "red" / "deeper" / "x.png")
    ds = ImageFolder(ImageFolderConfig(root=root, image_size=16, labels="subfolders"))
    spec = ds.describe()
    assert (spec.condition, spec.condition_shape) == ("label", (2,))
    assert spec.meta["classes"] == ["blue", "red"]
    assert spec.meta["label_frequencies"] == [0.2, 0.8]
    for i in range(len(ds)):
        sample = ds[i]
        name = ds.files[i].relative_to(root).parts[0]
        assert torch.equal(sample["cond"], torch.eye(2)[["blue", "red"].index(name)])
        assert sample["x"][{"blue": 2, "red": 0}[name]].mean() > 0  # the class's own colour
    unlabelled = ImageFolder(ImageFolderConfig(root=root, image_size=16))
    assert unlabelled.describe().condition == "none" and "cond" not in unlabelled[0]


def test_images_outside_class_folders_and_a_single_class_are_refused(tmp_path: Path) -> None:
    root = _classes(tmp_path / "data", {"red": 2, "blue": 2})
    Image.new("RGB", (8, 8)).save(root / "stray.png")
    with pytest.raises(DataError, match=r"stray.png: labels = 'subfolders' needs every image inside a class folder"):
        ImageFolder(ImageFolderConfig(root=root, labels="subfolders"))
    single = _classes(tmp_path / "single", {"red": 2})
    with pytest.raises(DataError, match="needs two or more class folders, found 'red'"):
        ImageFolder(ImageFolderConfig(root=single, labels="subfolders"))


def test_parse_condition_picks_a_class_by_name(tmp_path: Path) -> None:
    spec = ImageFolder(ImageFolderConfig(root=_classes(tmp_path, {"red": 1, "blue": 1, "green": 1}),
                                         labels="subfolders")).describe()
    assert torch.equal(ImageFolder.parse_condition(spec, "label=green", 3), torch.eye(3)[[1, 1, 1]])
    assert torch.equal(ImageFolder.parse_condition(spec, " label = RED ", 1), torch.eye(3)[[2]])
    with pytest.raises(ConfigError, match=r"no class 'gren'; did you mean 'green'\? \(classes: blue, green, red\)"):
        ImageFolder.parse_condition(spec, "label=gren", 2)
    with pytest.raises(ConfigError, match="give one class as label=NAME"):
        ImageFolder.parse_condition(spec, "label=red,label=blue", 2)
    with pytest.raises(ConfigError, match="give one class as label=NAME"):
        ImageFolder.parse_condition(spec, "colour=red", 2)


def test_label_conditional_dcgan_trains_resumes_and_generates_per_class(tmp_path: Path) -> None:
    root = _classes(tmp_path / "data", {"red": 4, "blue": 4})
    experiment = {
        "name": "classes",
        "generator": {"name": "dcgan", "params": {"latent_dim": 8, "base_channels": 4}},
        "discriminator": {"name": "dcgan", "params": {"base_channels": 4, "norm": "none",
                                                      "conditioning": "projection", "spectral_norm": True}},
        "dataset": {"name": "image-folder", "params": {"root": str(root), "image_size": 32, "labels": "subfolders"}},
        "losses": [{"name": "adversarial", "params": {"mode": "hinge"}}],
        "train": {"steps": 4, "batch_size": 4, "device": "cpu", "progress": False, "deterministic": True,
                  "checkpoint_every": 2, "augment": {"kind": "diffaugment"}},
    }
    config = tmp_path / "classes.toml"
    config.write_text(tomli_w.dumps(experiment))
    assert main(["train", str(config), "--run-dir", str(tmp_path / "full")]) == 0
    assert main(["train", str(config), "--run-dir", str(tmp_path / "half"), "--until", "2"]) == 0
    train(resume=tmp_path / "half")
    a, b = find_checkpoint(tmp_path / "full"), find_checkpoint(tmp_path / "half")
    assert a.manifest["components"]["discriminator"]["params"]["condition_dim"] == 2  # from the data
    for stem in ("generator", "discriminator"):
        ta, tb = a.tensors(stem), b.tensors(stem)
        assert any("_u" in key for key in ta) or stem == "generator"
        assert all(torch.equal(ta[key], tb[key]) for key in ta), stem

    out = tmp_path / "blue"
    assert main(["generate", str(tmp_path / "full"), "-n", "3", "-o", str(out), "--condition", "label=blue"]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == [
        f"blue/sample_00000{i}.png" for i in range(3)]
    both = tmp_path / "both"
    assert main(["generate", str(tmp_path / "full"), "-n", "40", "-o", str(both), "--seed", "0"]) == 0
    counts = {name: len(list((both / name).glob("*.png"))) for name in ("blue", "red")}
    assert sum(counts.values()) == 40 and min(counts.values()) > 5  # drawn at the training frequencies
    assert main(["generate", str(tmp_path / "full"), "-n", "1", "-o", str(tmp_path / "x"),
                 "--condition", "label=purple"]) == 2
