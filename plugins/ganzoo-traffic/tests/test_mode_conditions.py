"""Conditioning on the modes (and gaps) of numeric columns: CTAB-GAN's conditional vector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from ganzoo_traffic.conditions import condition_vector, sample_conditions
from ganzoo_traffic.data.dataset import TableDataset, apply_conditions, decode

import ganzoo
from ganzoo.data.tabular import TableTransformer
from ganzoo.registry.errors import ConfigError


def _frame(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    year = rng.choice([1997, 1998, 1999, 2002], size=n, p=[0.6, 0.25, 0.1, 0.05])
    weight = np.where(rng.random(n) < 0.8, rng.normal(50, 5, n), rng.normal(400, 40, n)).round(1)
    score = rng.normal(0, 1, n).round(3)
    score[rng.random(n) < 0.1] = np.nan  # a numeric column with gaps
    kind = rng.choice(["a", "b"], size=n)
    return pd.DataFrame({"year": year, "weight": weight, "score": score, "kind": kind, "dead": year == 2002})


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> TableDataset:
    path = Path(tmp_path_factory.mktemp("modes")) / "rows.csv"
    _frame().to_csv(path, index=False)
    return ganzoo.create("dataset", "table-csv", path=str(path), target="dead", condition_on_modes=True,
                         val_fraction=0, test_fraction=0, max_fit_rows=600)


def test_transformer_reports_each_modes_centre_and_count() -> None:
    frame = _frame()
    transformer = TableTransformer().fit(frame)
    assert transformer.mode_centres("year") == [1997, 1998, 1999, 2002]  # one exact mode per year
    assert transformer.mode_counts("year") == frame["year"].value_counts().sort_index().tolist()
    counts = transformer.mode_counts("score")  # modes, then the gaps
    assert counts[-1] == frame["score"].isna().sum()
    assert sum(counts) == pytest.approx(len(frame), abs=len(counts))
    assert transformer.span_of("year", "mode").dim == 4
    rebuilt = TableTransformer.from_dict(transformer.to_dict())
    assert rebuilt.mode_counts("score") == counts


def test_numeric_columns_join_the_conditional_vector(table: TableDataset) -> None:
    columns = table.spec.meta["table"]["condition_columns"]
    assert columns == ["year", "weight", "score", "kind", "dead"]
    year, score = table.blocks[0], table.blocks[2]
    assert year.categories == [1997, 1998, 1999, 2002] and year.numeric
    assert score.categories[-1] is None  # its gaps can be asked for


def test_training_batches_hold_the_mode_or_gap_they_name(table: TableDataset) -> None:
    torch.manual_seed(0)
    batch = table.draw_batch(2000)
    assert torch.equal((batch["x"] * batch["cond_target"]).sum(1), torch.ones(2000))
    score = table.blocks[2]
    frame = decode(batch["x"], table.spec, conditions=batch["cond"])
    asked_gap = batch["cond"][:, score.offset + score.size - 1] == 1
    assert asked_gap.sum() > 0 and frame["score"][asked_gap.numpy()].isna().all()
    year = table.blocks[0]
    asked_2002 = batch["cond"][:, year.offset + 3] == 1
    assert (frame["year"][asked_2002.numpy()] == 2002).all()
    # log-frequency sampling: the rarest year is asked for far above its 5 % share
    asked = batch["cond"][:, year.offset : year.offset + year.size].sum(0)
    assert asked[3] / asked.sum() > 0.15


def test_generation_keeps_the_mode_frequencies(table: TableDataset) -> None:
    cond = sample_conditions(table.spec, 20000, seed=0)
    year = table.blocks[0]
    asked = cond[:, year.offset : year.offset + year.size].sum(0)
    shares = (asked / asked.sum()).numpy()
    assert shares == pytest.approx([0.6, 0.25, 0.1, 0.05], abs=0.03)


def test_condition_names_a_year_a_nearby_value_or_fails_clearly(table: TableDataset) -> None:
    cond = condition_vector(table.spec, "year=1999", 3)
    year = table.blocks[0]
    assert torch.equal(cond[:, year.offset + 2], torch.ones(3))
    weight = table.blocks[1]
    high = condition_vector(table.spec, "weight=390", 1)[0, weight.offset : weight.offset + weight.size]
    assert weight.categories[int(high.argmax())] > 200  # the heavy mode
    with pytest.raises(ConfigError, match="year.*2000"):
        condition_vector(table.spec, "year=2000", 1)


def test_conditions_are_applied_to_generated_rows(table: TableDataset) -> None:
    samples = torch.rand(4, table.spec.shape[0])
    score = table.blocks[2]
    cond = torch.zeros(4, table.spec.condition_dim)
    cond[:2, score.offset + score.size - 1] = 1.0  # ask for gaps
    cond[2:, score.offset] = 1.0  # ask for the first mode
    frame = decode(apply_conditions(samples, cond, table.spec), table.spec, conditions=cond)
    assert frame["score"][:2].isna().all() and frame["score"][2:].notna().all()
