"""``ganzoo train --preset cyclegan`` on two unpaired folders: stop, resume bit for bit, translate
a folder both ways."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.cli.main import main
from ganzoo.data.sources import read_sources
from ganzoo.engine.checkpoint import find_checkpoint

#: The preset at toy size: same networks, losses, pool and loop, 32 px, 2 epochs of 4 steps.
TINY = [
    "dataset.params.image_size=32", "dataset.params.load_size=36",
    "generator.params.network.params.base_channels=4", "generator.params.network.params.n_blocks=1",
    "discriminator.params.network.params.base_channels=4",
    "train.epochs=2", "train.fake_pool=2", "train.deterministic=true", "train.threads=1", "train.progress=false",
    "train.schedule={kind='linear-decay', unit='epoch', constant=1, decay=1}",
]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    for domain, count in (("trainA", 3), ("trainB", 4), ("testA", 2), ("testB", 2)):
        folder = tmp_path / "data" / domain
        folder.mkdir(parents=True)
        for i in range(count):
            size = (30 + 4 * i, 40)
            Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    return tmp_path / "data"


def _train(*args: str) -> int:
    return main(["train", *args])


def test_preset_trains_resumes_exactly_and_translates_both_ways(data: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    sets = [arg for item in [f"dataset.params.root={data}", *TINY] for arg in ("--set", item)]
    assert _train("--preset", "cyclegan", *sets, "--run-dir", str(tmp_path / "full")) == 0
    assert _train("--preset", "cyclegan", *sets, "--run-dir", str(tmp_path / "half"), "--until", "3") == 0
    assert _train("--resume", str(tmp_path / "half")) == 0
    full, resumed = find_checkpoint(tmp_path / "full"), find_checkpoint(tmp_path / "half")
    assert full.step == resumed.step == 8
    for stem in ("generator", "discriminator", "optim_generator", "optim_discriminator", "fake_pool"):
        a, b = full.tensors(stem), resumed.tensors(stem)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), stem
    assert full.json("fake_pool")["counts"] == {"AtoB": 2, "BtoA": 2}

    for direction, sources in (("AtoB", "A"), ("BtoA", "B")):
        out = tmp_path / f"out-{direction}"
        assert main(["generate", str(tmp_path / "full"), "-n", "2", "-o", str(out), "--direction", direction,
                     "--source", str(data / f"test{sources}")]) == 0
        translated = "B" if sources == "A" else "A"
        assert sorted(p.name for p in (out / sources).iterdir()) == ["sample_000000.png", "sample_000001.png"]
        assert sorted(p.name for p in (out / translated).iterdir()) == ["sample_000000.png", "sample_000001.png"]
    assert "wrote 2 samples (4 files)" in capsys.readouterr().out
    # the written B -> A translations are what the loaded generator makes of the resized sources
    sampler = ganzoo.load(tmp_path / "full")
    sources = read_sources(data / "testB", (3, 32, 32), (-1.0, 1.0), 2)
    expected = ((sampler.sample(2, condition=sources, direction="BtoA") + 1) / 2 * 255).permute(0, 2, 3, 1)
    written = np.stack([np.asarray(Image.open(tmp_path / "out-BtoA" / "A" / f"sample_00000{i}.png")) for i in (0, 1)])
    assert np.abs(written.astype(float) - expected.numpy()).max() <= 0.5 + 1e-3  # PNG rounding only

def test_direction_on_a_one_way_run_is_a_one_line_error(data: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    sets = [arg for item in [f"dataset.params.root={data}", *TINY, "train.epochs=1"] for arg in ("--set", item)]
    assert _train("--preset", "cyclegan", *sets, "--run-dir", str(tmp_path / "run")) == 0
    assert main(["generate", str(tmp_path / "run"), "-n", "2", "-o", str(tmp_path / "o"), "--direction", "AtoC"]) == 2
    assert "direction 'AtoC': this generator has AtoB, BtoA" in capsys.readouterr().err
    assert main(["generate", str(tmp_path / "run"), "-n", "9", "-o", str(tmp_path / "o"),
                 "--source", str(data / "testA")]) == 2
    assert "holds 2 images" in capsys.readouterr().err


def test_cyclegan_trains_with_adaptive_augmentation_of_both_discriminators(data: Path, tmp_path: Path) -> None:
    sets = [arg for item in [f"dataset.params.root={data}", *TINY, "train.epochs=1",
                             "train.augment={kind='ada', interval=1}"] for arg in ("--set", item)]
    assert _train("--preset", "cyclegan", *sets, "--run-dir", str(tmp_path / "run")) == 0
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert any("augment/p" in record for record in records)

