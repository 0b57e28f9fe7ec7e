"""``ganzoo generate`` streams: batches are exported as they are made, so the samples held at once
do not grow with ``-n``; the output of a seed does not depend on ``--batch-size``."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import ganzoo
from ganzoo.cli.generate import MAX_SAMPLES
from ganzoo.cli.main import main
from ganzoo.data.spec import DataSpec
from ganzoo.engine.sampler import DRAW_BLOCK
from ganzoo.registry.registry import Registry

from .conftest import load_toys

Experiment = Callable[..., dict[str, Any]]


@pytest.fixture
def run(toys: Registry, experiment: Experiment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ganzoo.train(experiment("ring", steps=2), run_dir=tmp_path_factory.mktemp("gen") / "run").directory


@pytest.fixture
def streaming_export(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Give the toy ring a start-aware exporter that records ``(start, samples)`` per call and
    writes what the default CSV writer would."""
    from ganzoo.data.export import export_csv

    calls: list[tuple[int, int]] = []

    def export(cls: type, samples: torch.Tensor, out_dir: Path, spec: DataSpec,
               conditions: torch.Tensor | None = None, start: int = 0) -> list[Path]:
        calls.append((start, len(samples)))
        return export_csv(samples, out_dir, spec, conditions, start=start)

    monkeypatch.setattr(load_toys().Ring, "export", classmethod(export))
    return calls


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def _values(path: Path) -> torch.Tensor:
    return torch.tensor([[float(v) for v in row] for row in _rows(path)[1:]])


def test_samples_held_at_once_do_not_grow_with_n(run: Path, tmp_path: Path, streaming_export: list[tuple[int, int]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    forwards: list[int] = []
    generator_cls = load_toys().MLPGenerator
    forward = generator_cls.forward

    def counting(self: Any, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor:
        forwards.append(len(z))
        return forward(self, z, cond)

    monkeypatch.setattr(generator_cls, "forward", counting)
    assert main(["generate", str(run), "-n", "300", "--batch-size", "16", "-o", str(tmp_path / "out"),
                 "--seed", "1"]) == 0
    assert max(forwards) == 16 and sum(forwards) == 300
    assert streaming_export == [(start, min(16, 300 - start)) for start in range(0, 300, 16)]
    rows = _rows(tmp_path / "out" / "samples.csv")
    assert rows[0] == ["a", "b"] and len(rows) == 301  # one header, every row once


def test_output_of_a_seed_does_not_depend_on_the_batch_size(run: Path, tmp_path: Path,
                                                            streaming_export: list[tuple[int, int]]) -> None:
    outputs = []
    for batch in ("7", "64", "500"):
        assert main(["generate", str(run), "-n", "150", "--batch-size", batch, "-o", str(tmp_path / batch),
                     "--seed", "3"]) == 0
        outputs.append(_values(tmp_path / batch / "samples.csv"))
    # the same noise; only the float rounding of different matrix sizes differs
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(outputs[0], outputs[2], rtol=1e-5, atol=1e-6)
    # up to one draw block, generate writes what Sampler.sample returns
    small = ganzoo.load(run).sample(DRAW_BLOCK, seed=3)
    assert main(["generate", str(run), "-n", str(DRAW_BLOCK), "-o", str(tmp_path / "s"), "--seed", "3"]) == 0
    torch.testing.assert_close(_values(tmp_path / "s" / "samples.csv"), small, rtol=1e-5, atol=1e-6)


def test_an_exporter_without_start_gets_everything_at_once_and_says_so(run: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(run), "-n", "100", "--batch-size", "8", "-o", str(tmp_path / "out")]) == 0
    assert len(_rows(tmp_path / "out" / "ring.csv")) == 100
    assert "Ring.export takes no start index, so all 100 samples are held in memory" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-n", "1000000000000"], f"-n 1000000000000: at most {MAX_SAMPLES:,} samples per call"),
        (["-n", "5", "--batch-size", "1000000000"], "--batch-size 1000000000: samples of shape (2,) would take"),
    ],
)
def test_absurd_sizes_are_refused_up_front(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           argv: list[str], message: str) -> None:
    assert main(["generate", str(run), "-o", str(tmp_path / "out"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "out").exists()


class _KeepLargestA:
    """A toy curator: of each block's candidates keep those with the largest first value."""

    oversample = 3

    def __init__(self) -> None:
        self.blocks: list[int] = []

    def choose(self, samples: torch.Tensor, n: int) -> torch.Tensor:
        self.blocks.append(len(samples))
        return samples[:, 0].argsort(descending=True)[:n]


def test_a_curating_dataset_chooses_among_oversampled_candidates(
        run: Path, tmp_path: Path, streaming_export: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch) -> None:
    curators: list[_KeepLargestA] = []

    def curator(cls: type, spec: DataSpec) -> _KeepLargestA:
        curators.append(_KeepLargestA())
        return curators[-1]

    monkeypatch.setattr(load_toys().Ring, "curator", classmethod(curator), raising=False)
    assert isinstance(ganzoo.load(run).curator(), _KeepLargestA)
    curators.clear()
    n = DRAW_BLOCK + 10
    assert main(["generate", str(run), "-n", str(n), "--batch-size", "7", "-o", str(tmp_path / "cur"),
                 "--seed", "1"]) == 0
    assert curators[0].blocks == [3 * DRAW_BLOCK, 3 * 10]  # oversample x each block, batch size aside
    assert streaming_export == [(0, DRAW_BLOCK), (DRAW_BLOCK, 10)]
    curated = _values(tmp_path / "cur" / "samples.csv")
    monkeypatch.delattr(load_toys().Ring, "curator")
    assert ganzoo.load(run).curator() is None
    assert main(["generate", str(run), "-n", str(n), "-o", str(tmp_path / "raw"), "--seed", "1"]) == 0
    raw = _values(tmp_path / "raw" / "samples.csv")
    assert len(curated) == len(raw) == n
    first = curated[:DRAW_BLOCK, 0]
    assert torch.all(first[:-1] >= first[1:])  # the curator's order: largest first
    assert curated[:, 0].mean() > raw[:, 0].mean()


def test_a_curator_that_miscounts_is_a_clear_error(run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Short(_KeepLargestA):
        def choose(self, samples: torch.Tensor, n: int) -> torch.Tensor:
            return torch.arange(n - 1)

    monkeypatch.setattr(load_toys().Ring, "curator", classmethod(lambda cls, spec: Short()), raising=False)
    sampler = ganzoo.load(run)
    with pytest.raises(ganzoo.ConfigError, match=r"curator chose \(9,\) samples, expected \(10,\)"):
        list(sampler.stream(10, None, seed=0))
    assert len(torch.cat([b.samples for b in sampler.stream(10, lambda s, c, r: None, seed=0)])) == 10
