"""Generated rows with the training data's column frequencies: a curator for ``ganzoo generate``.

A GAN trained for a few thousand steps gets each column's frequencies only roughly right: a rare
category drawn at half its rate, a long tail cut short. Each such error is visible to anyone who
compares a histogram, and a real-vs-synthetic classifier learns it first. CTGAN's conditional
vector fixes the frequencies of one column per row; the others are left to the generator.

The curator fixes them after generation instead. When ``ganzoo generate`` draws the conditions
itself, the sampler makes ``oversample`` candidate rows per row it keeps, and the curator keeps,
one at a time, the candidate whose cells (its category of each categorical column, its decile of
each numeric column, its value of an integer column with few values, or its gap) are furthest
behind their training frequencies over everything kept so far. With an outcome column
(``target``) the frequencies are matched within each outcome class, so the curator cannot make
up a rare class with rows that carry the common class's values
([`cell_frequencies`][ganzoo_traffic.curation.cell_frequencies]). Gaps are cells with their real
share, so rows with gaps are not passed over; decoding then calibrates the gap rate per condition
([`ganzoo_traffic.data.gaps`][ganzoo_traffic.data.gaps]).

Every kept row is one the generator made, whole: the curator changes which rows are written, never a
value in them, so the relations between columns are the generator's. It uses only the training
frequency tables stored in the DataSpec (no training rows), and rows asked for with ``--condition``
are never curated, since the condition already says what they must be.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganzoo.plugin import TableTransformer


def cell_frequencies(transformer: TableTransformer, encoded: np.ndarray, target: str | None) -> dict[str, Any]:
    """The training frequency table the curator aims at, JSON-ready (stored in the DataSpec).

    ``joint[k][j][c]``: the share of training rows of outcome class ``k`` whose column ``j``
    falls in cell ``c`` (one class when there is no outcome column). Matching column
    frequencies *within each class*, not only overall, keeps what the outcome depends on: a
    candidate that makes up a rare class with the values of the common one fills no cell
    the class lacks.
    """
    cells = transformer.cells(encoded)
    shares = transformer.cell_shares()
    assert shares is not None  # cells() refused otherwise
    if target is not None and target in transformer.columns:
        j = transformer.columns.index(target)
        classes, n_classes = cells[:, j], len(shares[j])
    else:
        classes, n_classes = np.zeros(len(cells), dtype=np.int64), 1
    joint = []
    for k in range(n_classes):
        rows = cells[classes == k]
        joint.append([(np.bincount(rows[:, j][rows[:, j] >= 0], minlength=len(s)) / max(len(cells), 1)).tolist()
                      for j, s in enumerate(shares)])
    return {"target": target if n_classes > 1 else None, "joint": joint}


class MarginalCurator:
    """Keeps, block by block, the candidates that bring every column's frequencies (within each
    outcome class) closest to training's (see the module docstring); one per ``generate`` call."""

    def __init__(self, transformer: TableTransformer, oversample: int, frequencies: dict[str, Any]) -> None:
        self.transformer = transformer
        self.oversample = oversample
        joint = [np.concatenate(per_class) for per_class in frequencies["joint"]]
        sizes = [len(column) for column in frequencies["joint"][0]]
        self._offsets = np.array([[k * len(joint[0]) + o for o in np.cumsum([0, *sizes[:-1]])]
                                  for k in range(len(joint))], dtype=np.int64)
        self._class_column = (transformer.columns.index(frequencies["target"])
                              if frequencies["target"] is not None else None)
        # one more, never-wanted slot at the end: where a gap (or a row without a class) points
        self._target = np.concatenate([*joint, [0.0]])
        self._kept = np.zeros_like(self._target)
        self._count = 0

    def _slots(self, cells: np.ndarray) -> np.ndarray:
        """(rows, columns): each row's slot of the frequency table per column."""
        classes = cells[:, self._class_column] if self._class_column is not None else np.zeros(len(cells), np.int64)
        offsets = self._offsets[np.maximum(classes, 0)]
        return np.where((cells >= 0) & (classes[:, None] >= 0), cells + offsets, len(self._target) - 1)

    def choose(self, samples: torch.Tensor, n: int) -> torch.Tensor:
        """Indices of the ``n`` candidates to keep, chosen greedily (see the module docstring)."""
        slots = self._slots(self.transformer.cells(samples.detach().float().cpu().numpy()))
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
