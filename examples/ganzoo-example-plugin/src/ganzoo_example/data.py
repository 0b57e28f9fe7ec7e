"""The rings dataset: a table whose true distribution is known, so mode collapse is visible.

Rows are drawn once, in ``__init__``, from a seeded generator (one stream per split), which
keeps ``__getitem__`` deterministic as ganzoo requires. The ring's geometry goes into
``DataSpec.meta``; that is all `Rings.export` and the ``ring-coverage`` metric need later,
in a fresh process, without the dataset.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import torch
from ganzoo import DataSpec

from ganzoo_example.configs import RingsConfig

COLUMNS = ("x", "y")
_SPLIT_OFFSET = {"train": 0, "val": 1, "test": 2}


def ring_centres(modes: int, radius: float) -> torch.Tensor:
    """``(modes, 2)`` centres evenly spaced on a circle."""
    angles = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)
    return (torch.stack([angles.cos(), angles.sin()], dim=1) * radius).float()


class Rings:
    """Rows ``(x, y)`` from ``modes`` Gaussians of width ``std`` on a ring of ``radius``."""

    def __init__(self, config: RingsConfig) -> None:
        self.modes, self.radius, self.std = config.modes, config.radius, config.std
        gen = torch.Generator().manual_seed(config.seed * 3 + _SPLIT_OFFSET[config.split])
        which = torch.randint(config.modes, (config.n_samples,), generator=gen)
        noise = torch.randn(config.n_samples, 2, generator=gen) * config.std
        self.rows = (ring_centres(config.modes, config.radius)[which] + noise).clamp(-1.0, 1.0)

    def describe(self) -> DataSpec:
        meta = {"columns": list(COLUMNS), "modes": self.modes, "radius": self.radius, "std": self.std}
        return DataSpec("table", (2,), value_range=(-1.0, 1.0), meta=meta)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"x": self.rows[index]}

    @classmethod
    def export(
        cls, samples: torch.Tensor, out_dir: Path, spec: DataSpec, conditions: torch.Tensor | None = None,
        start: int = 0,
    ) -> list[Path]:
        """Write generated rows as ``samples.csv`` with the column names saved in ``spec``.

        ``ganzoo generate`` calls this once per batch; ``start`` (the batch's first sample)
        says whether to begin the file with its header or append to it.
        """
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "samples.csv"
        with path.open("a" if start else "w", newline="") as fh:
            writer = csv.writer(fh)
            if not start:
                writer.writerow(spec.meta.get("columns", COLUMNS))
            writer.writerows(samples.detach().cpu().tolist())
        return [path]
