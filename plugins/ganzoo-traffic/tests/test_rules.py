"""Declared constraints: parsing, validation against the data, repair of generated rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from ganzoo_traffic.configs import TableCSVConfig
from ganzoo_traffic.data.dataset import TableCSV, decode_with_repairs
from ganzoo_traffic.rules import parse_rule
from pydantic import ValidationError

from ganzoo.registry.errors import DataError


@pytest.mark.parametrize(
    ("text", "left", "op", "right", "shift"),
    [
        ("yearVeh <= yearacc + 1", "yearVeh", "<=", "yearacc", 1.0),
        ("ageOFocc>=0", "ageOFocc", ">=", None, 0.0),
        ("a < b - 2.5", "a", "<", "b", -2.5),
        ("speed > -3", "speed", ">", None, -3.0),
        ("x.y <= 10 + 2", "x.y", "<=", None, 12.0),
    ],
)
def test_rules_parse(text: str, left: str, op: str, right: str | None, shift: float) -> None:
    rule = parse_rule(text)
    assert (rule.left, rule.op, rule.right, rule.shift) == (left, op, right, shift)


@pytest.mark.parametrize("text", ["a = b", "a <= a", "3 <= a", "a <=", "a <= b * 2"])
def test_bad_rules_are_config_errors(text: str) -> None:
    with pytest.raises(ValidationError, match="constraint"):
        TableCSVConfig(path=Path("x.csv"), constraints=[text])


def test_repair_moves_the_left_column_onto_the_boundary() -> None:
    frame = pd.DataFrame({"veh": [1990.0, 2003.0, np.nan, 2001.0], "acc": [2000.0, 2000.0, 2000.0, np.nan]})
    assert parse_rule("veh <= acc + 1").repair(frame, integer=True) == 1
    assert frame["veh"].tolist()[:2] == [1990.0, 2001.0]  # gaps on either side break nothing
    strict = pd.DataFrame({"a": [5.0, 0.5], "b": [5.0, 1.0]})
    assert parse_rule("a < b").repair(strict, integer=False) == 1
    assert strict["a"].iloc[0] < 5.0 and parse_rule("a < b").broken(strict).sum() == 0


def _crashes(tmp_path: Path, n: int = 400) -> Path:
    rng = np.random.default_rng(0)
    acc = rng.integers(1997, 2003, n)
    frame = pd.DataFrame({
        "yearacc": acc,
        "yearVeh": acc - rng.integers(-1, 25, n),
        "ageOFocc": rng.integers(16, 90, n),
        "dead": rng.choice(["alive", "dead"], n, p=[0.9, 0.1]),
    })
    path = tmp_path / "crashes.csv"
    frame.to_csv(path, index=False)
    return path


def test_generated_rows_keep_declared_rules_and_bounds(tmp_path: Path) -> None:
    config = TableCSVConfig(path=_crashes(tmp_path), target="dead", val_fraction=0, test_fraction=0,
                            constraints=["yearVeh <= yearacc + 1", "ageOFocc >= 18"], max_fit_rows=400)
    with pytest.raises(DataError, match=r"constraint 'ageOFocc >= 18': \d+ training rows break it \(first: row \d+"):
        TableCSV(config)
    spec = TableCSV(config.model_copy(update={"constraints": ["yearVeh <= yearacc + 1", "ageOFocc >= 0"]})).describe()
    assert spec.meta["table"]["constraints"] == ["yearVeh <= yearacc + 1", "ageOFocc >= 0"]
    noise = torch.rand(2000, spec.shape[0]) * 2 - 1  # any encoded row, however wrong
    frame, repaired = decode_with_repairs(noise, spec)
    assert repaired["yearVeh <= yearacc + 1"] > 0
    assert (frame["yearVeh"] <= frame["yearacc"] + 1).all() and (frame["ageOFocc"] >= 16).all()
    assert frame["ageOFocc"].max() <= 89 and set(frame["yearacc"]) <= set(range(1997, 2003))


def test_rules_must_name_numeric_columns(tmp_path: Path) -> None:
    path = _crashes(tmp_path)
    with pytest.raises(DataError, match=r"column 'dead' is categorical, not numeric"):
        TableCSV(TableCSVConfig(path=path, constraints=["dead >= 0"], test_fraction=0, val_fraction=0))
    with pytest.raises(DataError, match=r"not a column of the file: 'nope' \(from constraint 'nope >= 0'\)"):
        TableCSV(TableCSVConfig(path=path, constraints=["nope >= 0"], test_fraction=0, val_fraction=0))
