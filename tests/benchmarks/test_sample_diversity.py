"""benchmarks/sample_diversity.py: the three numbers on known sets, the refusal, and a tiny run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
import torch

import ganzoo


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("sample_diversity")


def test_copies_of_three_training_images_have_three_distinct_neighbours(bench: ModuleType) -> None:
    train = torch.rand(10, 3, 16, 16) * 2 - 1
    copies = train[[0, 4, 7]].repeat(5, 1, 1, 1) + 0.001
    found = bench.diversity(copies, train)
    assert found["distinct"] == 3 and 0 < found["spread"] < 0.5
    same = bench.diversity(train[:1].repeat(6, 1, 1, 1), train)
    assert same == {"spread": 0.0, "pooled": 0.0, "distinct": 1}


def test_batch_statistics_replace_the_running_averages(bench: ModuleType) -> None:
    generator = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2))
    bench.with_batch_statistics(SimpleNamespace(generator=generator))
    norm = generator[1]
    assert norm.running_mean is None and not norm.track_running_stats
    out = generator.eval()(torch.randn(8, 1, 4, 4))
    assert out.mean((0, 2, 3)).abs().max() < 1e-5  # normalised by this batch even in eval mode


def test_tiny_run_scores_samples_beside_held_out_images(bench: ModuleType, tmp_path: Path) -> None:
    run = tmp_path / "run"
    ganzoo.train(preset="retina-dcgan", run_dir=run, overrides=[
        "train.steps=2", "train.batch_size=4", "dataset.params.length=12", "dataset.params.image_size=32",
        "eval.n_samples=4", "train.threads=1"])
    out = tmp_path / "diversity.json"
    assert bench.main([str(run), "--n", "6", "--dcr-samples", "6", "--batch-stats",
                       "--grid", "--out", str(out)]) == 0
    row = json.loads(out.read_text())["rows"][0]
    assert row["n_train"] == 12 and 1 <= row["real (val)"]["distinct"] <= 6
    for mode in ("eval", "batch"):
        assert 1 <= row[mode]["distinct"] <= 6 and 0.0 <= row[mode]["dcr_share"] <= 1.0
        assert row[mode]["dcr_protocol"] == {"n_train": 12, "n_real": 6, "n_fake": 12, "split": "val"}
        assert (run / f"diversity-grid-{mode}.png").is_file()


def test_a_missing_run_is_a_one_line_error(bench: ModuleType, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main([str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "missing" in err


def test_a_run_that_makes_no_images_is_refused(bench: ModuleType, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "series"
    run.mkdir()
    (run / "config.toml").write_text('[generator]\nname = "series-resconv"\n\n[discriminator]\nname = "series-resconv"\n\n'
                                     '[dataset]\nname = "load-profiles"\nparams = { n_samples = 8, n_meters = 2 }\n\n'
                                     '[[losses]]\nname = "adversarial"\n')
    assert bench.main([str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scores image runs; it makes series samples" in err
