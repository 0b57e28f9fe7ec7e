"""Fakes for metric tests: a sampler with a fixed behaviour and tiny in-memory datasets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from ganzoo.data.spec import DataSpec


class FakeSampler:
    """Stands in for ``ganzoo.load(run)``: ``make(n, condition, seed)`` gives the samples."""

    def __init__(self, spec: DataSpec, make: Callable[[int, torch.Tensor | None, int | None], torch.Tensor]) -> None:
        self.spec = spec
        self.make = make
        self.calls: list[tuple[int, int | None]] = []

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        self.calls.append((n, seed))
        return self.make(n, condition, seed)


class TensorDataset:
    """Map-style dataset over given tensors (``x`` and optional ``cond``)."""

    def __init__(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> None:
        self.x, self.cond = x, cond

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, Any]:
        item = {"x": self.x[i]}
        if self.cond is not None:
            item["cond"] = self.cond[i]
        return item


@pytest.fixture
def paired_ctx(paired_images: tuple[DataSpec, torch.Tensor, torch.Tensor]) -> Callable[..., Any]:
    """``paired_ctx(offset, **options)``: an EvalContext over ``paired_images`` whose generator
    returns each source's true target plus ``offset`` (a float or one value per pair)."""
    from ganzoo.metrics.context import EvalContext

    spec, source, target = paired_images
    index = {source[i].flatten()[:16].tolist().__repr__(): i for i in range(len(source))}

    def build(offset: float | torch.Tensor = 0.0, **options: Any) -> EvalContext:
        def make(n: int, cond: torch.Tensor | None, seed: int | None) -> torch.Tensor:
            assert cond is not None and len(cond) == n
            rows = [index[c.flatten()[:16].tolist().__repr__()] for c in cond]
            shift = offset[rows].view(-1, 1, 1, 1) if isinstance(offset, torch.Tensor) else offset
            return target[rows] + shift

        return EvalContext(FakeSampler(spec, make), TensorDataset(target, source), split="val", **options)

    return build


@pytest.fixture
def paired_images() -> tuple[DataSpec, torch.Tensor, torch.Tensor]:
    """12 (source, target) pairs of 3 x 32 x 32 images in [-1, 1]; targets stay within [-1, 0.6]."""
    gen = torch.Generator().manual_seed(1)
    source = torch.rand(12, 1, 32, 32, generator=gen) * 2 - 1
    target = torch.rand(12, 3, 32, 32, generator=gen) * 1.6 - 1
    spec = DataSpec("image", (3, 32, 32), condition="paired", condition_shape=(1, 32, 32))
    return spec, source, target
