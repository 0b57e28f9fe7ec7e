"""The curator of generated rows: kept rows take the training data's column frequencies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from ganzoo_traffic.curation import MarginalCurator, cell_frequencies
from ganzoo_traffic.data.dataset import TableDataset

import ganzoo
from ganzoo.data.tabular import TableTransformer


def _table(n: int, rare_share: float, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "kind": np.where(rng.random(n) < rare_share, "rare", "common"),
        "speed": rng.normal(50 + shift, 10, n).round(1),
        "year": rng.choice([1997, 1998, 1999], n, p=[0.2, 0.3, 0.5]),
    })


def _distance(transformer: TableTransformer, encoded: np.ndarray) -> float:
    """Largest total-variation distance between a column's cell frequencies and training's."""
    cells, shares = transformer.cells(encoded), transformer.cell_shares()
    assert shares is not None
    worst = 0.0
    for j, target in enumerate(shares):
        got = np.bincount(cells[:, j][cells[:, j] >= 0], minlength=len(target)) / len(cells)
        worst = max(worst, 0.5 * float(np.abs(got - np.asarray(target)).sum()))
    return worst


def test_kept_rows_take_the_training_frequencies_block_after_block() -> None:
    training = _table(4000, rare_share=0.1, shift=0.0, seed=0)
    transformer = TableTransformer().fit(training)
    frequencies = cell_frequencies(transformer, transformer.transform(training), None)
    # candidates from a skewed generator: the rare class at 30 %, speeds 4 km/h too high
    candidates = transformer.transform(_table(2 * 640, rare_share=0.3, shift=4.0, seed=1))
    curator = MarginalCurator(transformer, 2, frequencies)
    kept = []
    for block in range(10):  # ten blocks of 64 kept rows, each chosen from 128 candidates
        rows = candidates[block * 128 : (block + 1) * 128]
        chosen = curator.choose(torch.from_numpy(rows), 64)
        assert chosen.shape == (64,) and len(set(chosen.tolist())) == 64
        kept.append(rows[chosen.numpy()])
    kept_rows = np.concatenate(kept)
    before, after = _distance(transformer, candidates), _distance(transformer, kept_rows)
    assert before > 0.15 and after < 0.05
    kinds = transformer.inverse_transform(kept_rows)["kind"]
    assert (kinds == "rare").mean() == pytest.approx(0.1, abs=0.02)


def _outcome_table(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """Rows from (dead, severity, count) groups."""
    return pd.DataFrame([(dead, severity) for dead, severity, count in rows for _ in range(count)],
                        columns=["dead", "severity"])


def test_within_each_outcome_class_the_kept_rows_keep_what_the_outcome_depends_on() -> None:
    # training: the dead are exactly the rows of severity 4
    training = _outcome_table([("no", s, 225) for s in range(4)] + [("yes", 4, 100)])
    transformer = TableTransformer(kinds={"dead": "categorical", "severity": "categorical"}).fit(training)
    # a generator that makes severity 4 too often among survivors and gives half its dead a
    # survivor's severity: column by column, the consistent dead rows look like surplus
    candidates = _outcome_table([("no", s, 150) for s in range(4)] + [("no", 4, 150), ("yes", 4, 50), ("yes", 1, 50)])
    encoded = transformer.transform(candidates.sample(frac=1.0, random_state=0))
    kept = {}
    for target in (None, "dead"):
        curator = MarginalCurator(transformer, 2, cell_frequencies(transformer, transformer.transform(training), target))
        chosen = curator.choose(torch.from_numpy(encoded), len(encoded) // 2)
        rows = transformer.inverse_transform(encoded[chosen.numpy()])
        kept[target] = rows[rows["dead"] == "yes"]["severity"]
    assert (kept["dead"] == 4).mean() > 0.9  # the dead kept are the consistent ones
    assert (kept[None] == 4).mean() < 0.8  # column by column, inconsistent dead rows fill the gap too


def test_the_dataset_curates_by_default_and_oversample_1_turns_it_off(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    _table(300, rare_share=0.1, shift=0.0, seed=0).to_csv(path, index=False)
    common = {"path": str(path), "val_fraction": 0, "test_fraction": 0}
    spec = ganzoo.create("dataset", "table-csv", **common).describe()
    curator = TableDataset.curator(spec)
    assert isinstance(curator, MarginalCurator) and curator.oversample == 4
    off = ganzoo.create("dataset", "table-csv", oversample=1, **common).describe()
    assert TableDataset.curator(off) is None
    # a run made before frequency tables were stored keeps every row
    del spec.meta["table"]["frequencies"]
    assert TableDataset.curator(spec) is None
