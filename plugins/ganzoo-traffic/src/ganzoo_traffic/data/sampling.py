"""CTGAN's training-by-sampling, over every condition column at once.

Each training row first draws the condition column it is matched on, then a category of that
column by log-frequency, then a real row holding that category (Xu et al. 2019). The tables of
all columns sit in padded tensors, so a batch takes a fixed handful of tensor operations: a loop
over the columns cost about 1 ms of a 21 ms CTGAN step on a CPU (RESULTS.md §11).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from ganzoo_traffic.conditions import ConditionBlock


class ConditionSampler:
    """Training rows grouped by (condition column, category), with log-frequency probabilities.

    Args:
        blocks: the conditional vector's blocks, one per condition column.
        row_categories: ``(rows, columns)`` category index of each training row, -1 where unobserved.
        shares: how often each column is the one drawn (``None``: every column equally often).
    """

    def __init__(self, blocks: Sequence[ConditionBlock], row_categories: np.ndarray,
                 shares: Sequence[float] | None) -> None:
        counts = [np.bincount(c[c >= 0], minlength=b.size) for b, c in zip(blocks, row_categories.T, strict=True)]
        usable = [j for j, c in enumerate(counts) if c.sum() > 0]  # columns with an observed category
        width = max((blocks[j].size for j in usable), default=0)
        self.counts = torch.zeros(len(usable), width, dtype=torch.long)
        self.starts = torch.zeros(len(usable), width, dtype=torch.long)
        # cumulative log-frequency shares (padding repeats the total) and the last drawable category
        self.cdf = torch.ones(len(usable), width, dtype=torch.float64)
        self.last = torch.zeros(len(usable), dtype=torch.long)
        orders, base = [], 0
        for k, j in enumerate(usable):
            categories = row_categories[:, j]
            order = np.argsort(categories, kind="stable")
            orders.append(order[categories[order] >= 0])
            size = blocks[j].size
            self.counts[k, :size] = torch.from_numpy(counts[j])
            self.starts[k, :size] = torch.from_numpy(base + np.concatenate([[0], np.cumsum(counts[j])[:-1]]))
            log_freq = np.log1p(counts[j].astype(float))
            self.cdf[k, :size] = torch.from_numpy(np.cumsum(log_freq) / log_freq.sum())
            self.last[k] = int(np.flatnonzero(counts[j])[-1])
            base += len(orders[-1])
        self.order = torch.from_numpy(np.concatenate(orders)) if orders else torch.zeros(0, dtype=torch.long)
        self.offsets = torch.tensor([blocks[j].offset for j in usable], dtype=torch.long)
        column_shares = torch.tensor([shares[j] for j in usable], dtype=torch.float64) if shares else None
        self.shares = column_shares if column_shares is not None and column_shares.sum() > 0 else None

    @property
    def usable(self) -> bool:
        """Whether any condition column has an observed category to draw."""
        return len(self.offsets) > 0

    def draw(self, n: int) -> tuple[Tensor, Tensor]:
        """``(rows, slots)``: ``n`` training-row indices and the conditional-vector slot each row
        was matched on (torch's global RNG, which the engine seeds per step)."""
        if self.shares is not None:
            column = torch.multinomial(self.shares, n, replacement=True)
        else:  # CTGAN: every condition column equally often
            column = torch.randint(len(self.offsets), (n,))
        # by inversion: the categories whose cumulative share is <= u (a per-row multinomial cost 5x
        # more); a category without rows adds nothing to the cdf, so it is never drawn
        u = torch.rand(n, 1, dtype=torch.float64)
        category = (self.cdf[column] <= u).sum(1).minimum(self.last[column])
        offset = (torch.rand(n) * self.counts[column, category]).long()
        rows = self.order[self.starts[column, category] + offset]
        return rows, self.offsets[column] + category
