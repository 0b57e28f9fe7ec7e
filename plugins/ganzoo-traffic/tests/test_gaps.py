"""Gaps at the real rate, per condition: the calibrated decoding threshold of ``indicator``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from ganzoo_traffic.conditions import condition_vector, sample_conditions
from ganzoo_traffic.configs import TableCSVConfig
from ganzoo_traffic.data.dataset import TableCSV, decode

from ganzoo.plugin import TableTransformer


def _patients(tmp_path: Path, n: int = 1000) -> Path:
    rng = np.random.default_rng(0)
    dead = rng.random(n) < 0.3
    frame = pd.DataFrame({
        "age": rng.integers(50, 100, n),
        "creatinine": np.where(rng.random(n) < np.where(dead, 0.4, 0.1), np.nan, rng.gamma(4, 0.3, n)),
        "death": dead.astype(int),
        "chapter": np.where(dead, rng.choice(["Circulatory", "Neoplasms"], n), None),  # a cause only if dead
    })
    path = tmp_path / "patients.csv"
    frame.to_csv(path, index=False)
    return path


def test_gap_rates_follow_the_condition_of_each_row(tmp_path: Path) -> None:
    spec = TableCSV(TableCSVConfig(path=_patients(tmp_path), target="death", val_fraction=0, test_fraction=0,
                                   max_fit_rows=1000)).describe()
    rates = spec.meta["table"]["gap_rates"]
    assert set(rates) == {"creatinine", "chapter"} and abs(rates["chapter"]["overall"] - 0.7) < 0.05
    noise = torch.rand(4000, spec.shape[0])  # any generated rows, whatever their gap outputs
    alive = decode(noise, spec, conditions=condition_vector(spec, "death=0", 4000))
    assert alive["chapter"].isna().all()  # no cause of death among the living
    assert abs(alive["creatinine"].isna().mean() - 0.1) < 0.03
    dead = decode(noise, spec, conditions=condition_vector(spec, "death=1", 4000))
    assert dead["chapter"].notna().all() and abs(dead["creatinine"].isna().mean() - 0.4) < 0.05
    mixed = decode(noise, spec, conditions=sample_conditions(spec, 4000, seed=0))
    assert abs(mixed["chapter"].isna().mean() - rates["chapter"]["overall"]) < 0.05
    overall = decode(noise, spec)  # no conditions: the overall rate
    assert abs(overall["creatinine"].isna().mean() - rates["creatinine"]["overall"]) < 0.01


def test_gaps_go_to_the_rows_the_generator_scores_highest(tmp_path: Path) -> None:
    spec = TableCSV(TableCSVConfig(path=_patients(tmp_path), val_fraction=0, test_fraction=0, conditional=False,
                                   max_fit_rows=1000)).describe()
    transformer = TableTransformer.from_dict(spec.meta["table"]["transformer"])
    span = next(s for s in transformer.output_info if s.column == "creatinine" and s.role == "missing")
    rows = torch.rand(100, spec.shape[0])
    rows[:, span.start] = 1.0  # observed ...
    rows[:, span.start + 1] = torch.linspace(0, 2, 100)  # the higher the missing score, the likelier a gap
    decoded = decode(rows, spec)
    count = decoded["creatinine"].isna().sum()
    assert 10 <= count <= 25 and decoded["creatinine"].isna().iloc[100 - count :].all()
