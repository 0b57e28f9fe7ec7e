"""A deliberately memorising stand-in generator, to check that privacy metrics catch copying.

[`ReplayingSampler`][ganzoo.testing.replay.ReplayingSampler] returns *training samples* plus a
little Gaussian noise: the worst generator for privacy, and a perfect one for most fidelity
metrics. The noise is scaled by each channel's (or table column's) training standard deviation,
not by the value range: "a little" must mean the same on every data set, and min-max scaled
data with rare peaks (smart-meter curves: a kettle's spike sets the range) spread over a small
part of their range (sd 0.094 in [-1, 1] on ganzoo-smartgrid's simulated meter file), so noise of
a fixed share of the range would move a replayed curve as far as real days lie from their
closest training day. Pass it to ``evaluate_run(run, sampler=...)`` (or build an
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
        noise: standard deviation of the added noise, as a fraction of the training data's
            standard deviation per channel (images, series) or per column (table rows);
            samples are clipped to the value range.
        spec: the DataSpec of the samples; default: ``dataset.describe()``.

    Each sample is a training sample drawn uniformly (seeded by ``seed``). Given label
    conditions, a training sample with the same label vector is drawn where one exists; paired
    sources are ignored (a memorising translator returns training targets whatever its input).
    """

    def __init__(self, dataset: Any, *, noise: float = 0.02, spec: DataSpec | None = None) -> None:
        self.spec = spec if spec is not None else dataset.describe()
        items = [dataset[i] for i in range(len(dataset))]
        self.x = torch.stack([torch.as_tensor(item[SAMPLE_KEY]).float() for item in items])
        self.cond = (
            torch.stack([torch.as_tensor(item[CONDITION_KEY]).float() for item in items])
            if self.spec.condition == "label" else None
        )
        self.noise = float(noise)
        self.scale = _channel_sd(self.x)

    @classmethod
    def for_run(cls, run_dir: str | Path, *, noise: float = 0.02) -> ReplayingSampler:
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
        noise = torch.randn((n, *self.x.shape[1:]), generator=gen) * self.noise * self.scale
        return (self.x[index] + noise).clamp(low, high)

    def _matching(self, cond: torch.Tensor, fallback: int, gen: torch.Generator) -> torch.Tensor:
        assert self.cond is not None
        rows = (self.cond == cond.float()).all(dim=1).nonzero().squeeze(1)
        if rows.numel() == 0:
            return torch.tensor(fallback)
        return rows[torch.randint(rows.numel(), (1,), generator=gen)[0]]


def _channel_sd(x: torch.Tensor) -> torch.Tensor:
    """Standard deviation of each channel of ``(N, C, ...)`` samples, or of each column of
    ``(N, D)`` rows, shaped to broadcast over one sample (0 for a single sample)."""
    dims = [0, *range(2, x.ndim)]
    return x.std(dim=dims, keepdim=True) if len(x) > 1 else torch.zeros_like(x.mean(dim=dims, keepdim=True))
