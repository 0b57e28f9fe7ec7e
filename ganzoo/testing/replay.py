"""A deliberately memorising stand-in generator, to check that privacy metrics catch copying.

[`ReplayingSampler`][ganzoo.testing.replay.ReplayingSampler] returns *training samples* plus a
little Gaussian noise: the worst generator for privacy, and a perfect one for most fidelity
metrics. Pass it to ``evaluate_run(run, sampler=...)`` (or build an
[`EvalContext`][ganzoo.metrics.context.EvalContext] with it) and the privacy metrics must flag it;
``benchmarks/privacy.py`` does so on every domain's bundled data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec


class ReplayingSampler:
    """A sampler (``spec``, ``sample(n, condition=None, seed=None)``) that replays training samples.

    Args:
        dataset: the training data (map-style, ``{"x", "cond"?}`` items, with ``describe()``).
        noise: standard deviation of the added noise, as a fraction of half the value range
            (0.01 on data in [-1, 1]: sd 0.01); samples are clipped to the value range.
        spec: the DataSpec of the samples; default: ``dataset.describe()``.

    Each sample is a training sample drawn uniformly (seeded by ``seed``). Given label
    conditions, a training sample with the same label vector is drawn where one exists; paired
    sources are ignored (a memorising translator returns training targets whatever its input).
    """

    def __init__(self, dataset: Any, *, noise: float = 0.01, spec: DataSpec | None = None) -> None:
        self.spec = spec if spec is not None else dataset.describe()
        items = [dataset[i] for i in range(len(dataset))]
        self.x = torch.stack([torch.as_tensor(item[SAMPLE_KEY]).float() for item in items])
        self.cond = (
            torch.stack([torch.as_tensor(item[CONDITION_KEY]).float() for item in items])
            if self.spec.condition == "label" else None
        )
        self.noise = float(noise)

    @classmethod
    def for_run(cls, run_dir: str | Path, *, noise: float = 0.01) -> ReplayingSampler:
        """Replay the training data of the run in ``run_dir`` (its dataset rebuilt from ``config.toml``)."""
        from ganzoo.metrics.evaluate import run_config, training_dataset
        from ganzoo.plugins.manager import get_registry

        build, _ = training_dataset(run_config(run_dir), get_registry())
        return cls(build(), noise=noise)

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        gen = torch.Generator().manual_seed(0 if seed is None else seed)
        index = torch.randint(len(self.x), (n,), generator=gen)
        if condition is not None and self.cond is not None:
            index = torch.stack([self._matching(c, int(i), gen) for c, i in zip(condition, index, strict=True)])
        low, high = self.spec.value_range
        noise = torch.randn((n, *self.x.shape[1:]), generator=gen) * self.noise * (high - low) / 2
        return (self.x[index] + noise).clamp(low, high)

    def _matching(self, cond: torch.Tensor, fallback: int, gen: torch.Generator) -> torch.Tensor:
        assert self.cond is not None
        rows = (self.cond == cond.float()).all(dim=1).nonzero().squeeze(1)
        if rows.numel() == 0:
            return torch.tensor(fallback)
        return rows[torch.randint(rows.numel(), (1,), generator=gen)[0]]
