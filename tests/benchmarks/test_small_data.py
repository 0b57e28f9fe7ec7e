"""Logic of benchmarks/small_data.py without training: splits, distances, experiments, summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch

from ganzoo.registry.config import ExperimentConfig


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("small_data")


def test_frechet_distance_matches_the_closed_form_for_gaussians(bench: ModuleType) -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 3))
    b = rng.normal(size=(20000, 3)) * 2.0 + 1.0  # N(1, 4 I): FD = 3 * 1 + 3 * (1 + 4 - 2 * 2) = 6
    assert bench.frechet(a, b) == pytest.approx(6.0, rel=0.03)
    assert bench.frechet(a, a) == pytest.approx(0.0, abs=1e-9)


def test_splits_come_from_disjoint_cells_inside_the_field_of_view(bench: ModuleType) -> None:
    _, fov = bench._fundus()
    cells = {split: bench._cells(fov, split) for split in ("train", "val", "test")}
    assert all(len(found) >= 10 for found in cells.values())
    masks = {}
    for split, found in cells.items():
        mask = np.zeros_like(fov, dtype=bool)
        for y0, x0, y1, x1 in found:
            mask[y0:y1, x0:x1] = True
        masks[split] = mask
    assert not (masks["train"] & masks["test"]).any() and not (masks["train"] & masks["val"]).any()
    patches = bench.fundus_patches("test", 50, 0)
    assert patches.shape == (50, 32, 32, 3) and patches.dtype == np.uint8
    assert np.array_equal(patches, bench.fundus_patches("test", 50, 0))
    assert not np.array_equal(patches, bench.fundus_patches("val", 50, 0))


def test_experiments_differ_only_in_the_augmentation_and_validate(bench: ModuleType, tmp_path: Path) -> None:
    settings = bench.Settings(steps=900, eval_every=300, ada_speed_kimg=20)
    runs = {name: bench.experiment(settings, tmp_path, name, 1) for name in bench.AUGMENTS}
    assert "augment" not in runs["none"]["train"]
    assert runs["diffaugment"]["train"]["augment"]["policy"] == "color,translation,cutout"
    assert runs["ada"]["train"]["augment"] == {"kind": "ada", "target": 0.6, "interval": 4, "speed_kimg": 20}
    assert runs["diffaugment-tc"]["train"]["augment"] == {"kind": "diffaugment", "policy": "translation,cutout"}
    for raw in runs.values():
        config = ExperimentConfig.model_validate(raw)
        assert (config.train.steps, config.train.seed, config.train.threads) == (900, 1, 1)
        assert config.train.keep_checkpoints == 4  # every evaluated checkpoint is kept


def test_sanity_variants_and_summary(bench: ModuleType) -> None:
    images = bench.to_model(np.full((4, 32, 32, 3), 255, dtype=np.uint8))
    assert torch.equal(bench.to_uint8(images), torch.full((4, 3, 32, 32), 255, dtype=torch.uint8))
    runs = [{"fraction": 0.1, "augment": a, "seed": s, "final": {"fd_classifier": v}, "late": {"fd_classifier": v + 1}}
            for a, s, v in (("none", 0, 4.0), ("none", 1, 6.0), ("ada", 0, 3.0))]
    summary = bench.summarise(runs)
    assert summary[0]["augment"] == "ada"
    assert summary[1]["final_fd_classifier"] == {"mean": 5.0, "values": [4.0, 6.0]}
    assert summary[1]["late_fd_classifier"] == {"mean": 6.0, "values": [5.0, 7.0]}


def test_a_stored_run_is_reused_only_for_the_same_experiment(bench: ModuleType, tmp_path: Path) -> None:
    settings = bench.Settings(steps=900, eval_every=300)
    raw = bench.experiment(settings, tmp_path, "diffaugment", 1)
    stored = ExperimentConfig.model_validate(raw).model_dump(mode="json")  # resolved: every default filled
    assert bench._contains(stored, raw)
    for other in (bench.experiment(settings, tmp_path, "ada", 1), bench.experiment(settings, tmp_path, "diffaugment", 2),
                  bench.experiment(bench.Settings(steps=600, eval_every=300), tmp_path, "diffaugment", 1)):
        assert not bench._contains(stored, other)


def test_earlier_runs_are_kept_when_only_the_selection_differs(bench: ModuleType) -> None:
    earlier = bench.asdict(bench.Settings())
    previous = {"settings": earlier, "runs": [{"fraction": 0.1, "augment": "none", "seed": 0}]}
    more = bench.asdict(bench.Settings(fractions=(0.1,), augments=("diffaugment-tc",), seeds=(0, 1)))
    assert bench.comparable_runs(previous, more) == previous["runs"]
    for changed in (bench.Settings(steps=1000), bench.Settings(split="val"), bench.Settings(extractor_steps=20)):
        assert bench.comparable_runs(previous, bench.asdict(changed)) == []


def test_a_run_of_a_relative_work_folder_is_recognised(bench: ModuleType, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """ganzoo stores data paths absolute (against the working directory); a relative ``--work``
    must still match its finished runs, or every invocation would train them again."""
    from ganzoo.components.configs import ImageFolderConfig
    from ganzoo.experiment.paths import absolute_paths

    monkeypatch.chdir(tmp_path)
    settings = bench.Settings(steps=900, eval_every=300)
    raw = bench.experiment(settings, Path("work") / "data" / "train-50", "none", 0)
    stored = ExperimentConfig.model_validate(raw).model_dump(mode="json")
    stored["dataset"]["params"], _ = absolute_paths(ImageFolderConfig, {**stored["dataset"]["params"],
                                                                         "root": "work/data/train-50"})
    assert stored["dataset"]["params"]["root"] == str(tmp_path / "work" / "data" / "train-50")
    assert bench._contains(stored, raw)


def test_the_discriminator_options_reach_the_experiment_and_the_merge(bench: ModuleType, tmp_path: Path) -> None:
    plain = bench.experiment(bench.Settings(), tmp_path, "none", 0)
    sn = bench.experiment(bench.Settings(d_norm="none", spectral_norm=True), tmp_path, "none", 0)
    assert plain["discriminator"]["params"] | {"norm": "none", "spectral_norm": True} == sn["discriminator"]["params"]
    stored = ExperimentConfig.model_validate(plain).model_dump(mode="json")
    assert bench._contains(stored, plain) and not bench._contains(stored, sn)
    # a document written before the options existed: comparable with the reference D only
    older = {k: v for k, v in bench.asdict(bench.Settings()).items() if k not in ("d_norm", "spectral_norm")}
    previous = {"settings": older, "runs": [{"fraction": 0.1, "augment": "none", "seed": 0}]}
    assert bench.comparable_runs(previous, bench.asdict(bench.Settings(seeds=(2,)))) == previous["runs"]
    assert bench.comparable_runs(previous, bench.asdict(bench.Settings(d_norm="none", spectral_norm=True))) == []


def test_digits_splits_are_disjoint_one_channel_and_fixed(bench: ModuleType) -> None:
    images, labels = bench._digits()
    assert images.shape == (1797, 32, 32) and images.dtype == np.uint8 and set(labels.tolist()) == set(range(10))
    bounds = sorted(bench.DIGIT_SPLITS.values())
    assert bounds[0][0] == 0 and bounds[-1][1] == 1797
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))  # contiguous, no overlap
    digits = bench.Settings(data="digits")
    train = bench.real_images(digits, "train", 50)
    assert np.array_equal(train, bench.real_images(digits, "train", 500)[:50])  # 10 % nests inside 100 %
    assert np.array_equal(train, images[:50]) and train.max() > 200 and train.min() == 0
    with pytest.raises(ValueError, match="has 500 images"):
        bench.digit_images("train", 501)
    assert bench.to_model(train).shape == (50, 1, 32, 32)


def test_the_digit_extractor_learns_only_from_its_own_split(bench: ModuleType) -> None:
    images, labels = bench._digits()
    start, stop = bench.DIGIT_SPLITS["extractor"]
    x, y = bench._digit_batch(64, np.random.default_rng(0), "train")
    assert x.shape == (64, 3, 32, 32) and torch.equal(x[:, 0], x[:, 2])
    shift = bench.DIGIT_SHIFT
    candidates = bench.to_model(images[start:stop])[:, 0]  # unshifted copies of the split's images
    for image, label in zip(x[:8, 0], y[:8], strict=True):
        inner = image[shift:-shift, shift:-shift]
        found = [i for i in range(len(candidates)) if any(
            torch.equal(inner, candidates[i, shift + dy : 32 - shift + dy, shift + dx : 32 - shift + dx])
            for dy in range(-shift, shift + 1) for dx in range(-shift, shift + 1))]
        assert found and labels[start + found[0]] == label
    test_x, _ = bench._digit_batch(16, np.random.default_rng(0), "test")  # unshifted test images
    test = bench.to_model(images[bench.DIGIT_SPLITS["test"][0]:])[:, 0]
    assert all(any(torch.equal(image, t) for t in test) for image in test_x[:, 0])


def test_a_digits_experiment_trains_one_channel_in_its_own_folders(bench: ModuleType, tmp_path: Path) -> None:
    digits = bench.Settings(data="digits")
    raw = bench.experiment(digits, tmp_path, "none", 0)
    assert raw["generator"]["params"]["out_channels"] == 1 and raw["discriminator"]["params"]["in_channels"] == 1
    ExperimentConfig.model_validate(raw)
    assert (digits.tag, bench.Settings().tag) == ("digits-", "")
    fundus = ExperimentConfig.model_validate(bench.experiment(bench.Settings(), tmp_path, "none", 0))
    assert fundus.generator.params["out_channels"] == 3
    with pytest.raises(SystemExit):
        bench.main(["--data", "digits", "--split", "val", "--out", str(tmp_path / "x.json")])
