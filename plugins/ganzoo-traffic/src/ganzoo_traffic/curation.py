"""Generated rows with the training data's column frequencies: a curator for ``ganzoo generate``.

A GAN trained for a few thousand steps gets each column's frequencies only roughly right: a rare
category drawn at half its rate, a long tail cut short. Each such error is visible to anyone who
compares a histogram, and a real-vs-synthetic classifier learns it first. CTGAN's conditional
vector fixes the frequencies of one column per row; the others are left to the generator.

The curator fixes them after generation instead. When ``ganzoo generate`` draws the conditions
itself, the sampler makes ``oversample`` candidate rows per row it keeps, and the curator keeps,
one at a time, the candidate whose cells (its category of each categorical column, its decile of
each numeric column, its value of an integer column with few values) are furthest behind their
training frequencies over everything kept so far. Gaps count for nothing here: their rate is
calibrated when rows are decoded ([`ganzoo_traffic.data.gaps`][ganzoo_traffic.data.gaps]).

Every kept row is one the generator made, whole: the curator changes which rows are written, never a
value in them, so the relations between columns are the generator's. It uses only the training
frequencies stored in the DataSpec (no training rows), and rows asked for with ``--condition``
are never curated, since the condition already says what they must be.
"""

from __future__ import annotations

import numpy as np
import torch

from ganzoo.plugin import TableTransformer


class MarginalCurator:
    """Keeps, block by block, the candidates that bring every column's frequencies closest to
    training's (see the module docstring); one curator serves one ``generate`` call."""

    def __init__(self, transformer: TableTransformer, oversample: int) -> None:
        self.transformer = transformer
        self.oversample = oversample
        shares = transformer.cell_shares()
        if shares is None:
            raise ValueError("the table transformer stores no frequency tables (fitted by an older ganzoo)")
        self._offsets = np.concatenate([[0], np.cumsum([len(s) for s in shares])[:-1]]).astype(np.int64)
        # one more, never-wanted slot at the end: where a gap points
        self._target = np.concatenate([np.concatenate(shares), [0.0]])
        self._kept = np.zeros_like(self._target)
        self._count = 0

    def choose(self, samples: torch.Tensor, n: int) -> torch.Tensor:
        """Indices of the ``n`` candidates to keep, chosen greedily (see the module docstring)."""
        cells = self.transformer.cells(samples.detach().float().cpu().numpy())
        slots = np.where(cells >= 0, cells + self._offsets, len(self._target) - 1)
        remaining = list(range(len(slots)))
        chosen = []
        for _ in range(n):
            deficit = self._target * (self._count + 1) - self._kept
            deficit[-1] = 0.0
            best = int(np.argmax(deficit[slots[remaining]].sum(axis=1)))
            index = remaining.pop(best)
            chosen.append(index)
            self._kept[slots[index]] += 1.0
            self._count += 1
        return torch.tensor(chosen, dtype=torch.long)
