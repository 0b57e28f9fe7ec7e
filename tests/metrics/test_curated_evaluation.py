"""Evaluation scores what ``ganzoo generate`` writes: curated samples when the run's dataset curates."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from ganzoo.data.spec import DataSpec
from ganzoo.metrics.context import CURATED, EvalContext

from .conftest import FakeSampler, TensorDataset

SPEC = DataSpec("table", (3,), (-1.0, 1.0), "label", (2,))


class CuratingSampler(FakeSampler):
    """``sample`` makes zeros; ``stream`` (the curated path) makes ones, once per call."""

    def __init__(self, curates: bool) -> None:
        super().__init__(SPEC, lambda n, cond, seed: torch.zeros(n, 3))
        self.curates = curates
        self.streamed: list[tuple[int, int | None]] = []

    def curator(self) -> object | None:
        return object() if self.curates else None

    def stream(self, n: int, source: object = None, seed: int | None = None) -> list[SimpleNamespace]:
        assert source is None
        self.streamed.append((n, seed))
        return [SimpleNamespace(samples=torch.ones(k, 3)) for k in (n // 2, n - n // 2)]


def _context(sampler: FakeSampler) -> EvalContext:
    held_out = TensorDataset(torch.zeros(6, 3), torch.eye(2)[[0, 1, 0, 1, 0, 1]])
    return EvalContext(sampler, held_out, split="val", n_samples=6, seed=7)


def test_a_curating_run_is_scored_on_its_curated_samples_and_says_so() -> None:
    sampler = CuratingSampler(curates=True)
    ctx = _context(sampler)
    assert ctx.curates
    assert torch.equal(ctx.generated(), torch.ones(6, 3))
    assert sampler.streamed == [(6, 7)] and sampler.calls == []  # the held-out rows' conditions are not used
    assert ctx.protocol()["generation"] == CURATED
    assert torch.equal(ctx.generate(4), torch.ones(4, 3))
    assert torch.equal(ctx.generate(2, torch.eye(2)), torch.zeros(2, 3))  # asked-for conditions: never curated


def test_other_runs_are_scored_on_the_held_out_conditions_as_before() -> None:
    sampler = CuratingSampler(curates=False)
    ctx = _context(sampler)
    assert not ctx.curates
    assert torch.equal(ctx.generated(), torch.zeros(6, 3))
    assert sampler.streamed == [] and sum(n for n, _ in sampler.calls) == 6
    assert "generation" not in ctx.protocol()
    assert not EvalContext(FakeSampler(SPEC, lambda n, c, s: torch.zeros(n, 3)), None).curates  # no curator method
