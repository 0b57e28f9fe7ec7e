"""The reversible table transformer: layout, round trips, missing values, JSON state."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ganzoo.data.tabular import TableTransformer, infer_kinds
from ganzoo.registry.errors import DataError


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame(
        {
            "speed": np.concatenate([rng.normal(-5, 1, n // 2), rng.normal(10, 0.5, n // 2)]),
            "vehicles": rng.poisson(1.0, n) + 1,
            "weather": rng.choice(["fine", "rain", "snow"], n),
            "severity": rng.choice([1, 2, 3], n, p=[0.05, 0.2, 0.75]),
            "dark": rng.random(n) < 0.3,
            "when": pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
        }
    )
    frame.loc[rng.random(n) < 0.1, "speed"] = np.nan
    frame.loc[rng.random(n) < 0.1, "weather"] = None
    return frame


KINDS = {"severity": "categorical"}


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> TableTransformer:
    return TableTransformer(KINDS, max_fit_rows=600).fit(table)


def test_infer_kinds(table: pd.DataFrame) -> None:
    kinds = infer_kinds(table, categorical=["severity"])
    assert kinds == {
        "speed": "continuous",
        "vehicles": "integer",
        "weather": "categorical",
        "severity": "categorical",
        "dark": "boolean",
        "when": "datetime",
    }


def test_layout_covers_vector_with_bimodal_column(fitted: TableTransformer, table: pd.DataFrame) -> None:
    spans = fitted.output_info
    assert spans[0].start == 0 and spans[-1].stop == fitted.output_dim
    assert all(a.stop == b.start for a, b in zip(spans, spans[1:], strict=False))
    speed = {s.role: s for s in spans if s.column == "speed"}
    assert speed["value"].activation == "tanh" and speed["value"].dim == 1
    assert 2 <= speed["mode"].dim <= 10  # two clear modes found, at most max_modes kept
    assert speed["missing"].dim == 2  # speed has gaps -> indicator
    assert fitted.categories("weather")[-1] is None  # missing category appended
    assert fitted.categories("severity") == [1, 2, 3]
    assert fitted.discrete_columns == ["weather", "severity", "dark"]
    encoded = fitted.transform(table)
    assert encoded.shape == (len(table), fitted.output_dim) and encoded.dtype == np.float32
    assert encoded.min() >= -1.0 and encoded.max() <= 1.0
    for span in spans:
        if span.activation == "softmax":
            np.testing.assert_allclose(encoded[:, span.start : span.stop].sum(axis=1), 1.0)


def test_round_trip_through_json_state(fitted: TableTransformer, table: pd.DataFrame) -> None:
    state = json.loads(json.dumps(fitted.to_dict()))
    fresh = TableTransformer.from_dict(state)
    back = fresh.inverse_transform(fitted.transform(table))
    assert list(back.columns) == list(table.columns)
    np.testing.assert_allclose(back["speed"], table["speed"], atol=1e-4)
    assert back["speed"].isna().equals(table["speed"].isna())
    assert back["vehicles"].dtype == np.int64 and back["vehicles"].equals(table["vehicles"])
    assert back["severity"].dtype == np.int64 and back["severity"].equals(table["severity"])
    assert back["weather"].fillna("-").tolist() == table["weather"].fillna("-").tolist()
    assert back["dark"].dtype == bool and back["dark"].equals(table["dark"])
    assert (back["when"] - table["when"]).abs().max() <= pd.Timedelta(seconds=1)


def test_soft_outputs_decode_by_argmax_and_clip_to_range(fitted: TableTransformer) -> None:
    rng = np.random.default_rng(1)
    generated = rng.uniform(-1, 1, (50, fitted.output_dim))
    back = fitted.inverse_transform(generated)
    assert len(back) == 50
    assert set(back["severity"]) <= {1, 2, 3}
    assert back["vehicles"].min() >= 1
    observed = back["speed"].dropna()
    assert observed.min() >= -9 and observed.max() <= 12


def test_mask_policy_marks_gaps_instead_of_indicators(table: pd.DataFrame) -> None:
    transformer = TableTransformer(KINDS, missing="mask", max_fit_rows=600).fit(table)
    assert not any(s.role == "missing" for s in transformer.output_info)
    assert None not in transformer.categories("weather")
    data, mask = transformer.transform_with_mask(table)
    speed = [s for s in transformer.output_info if s.column == "speed"]
    cols = slice(speed[0].start, speed[-1].stop)
    gaps = table["speed"].isna().to_numpy()
    assert (mask[gaps, cols] == 0).all() and (data[gaps, cols] == 0).all()
    assert (mask[~gaps, cols] == 1).all()
    back = transformer.inverse_transform(data)
    assert back["speed"].isna().equals(table["speed"].isna())  # all-zero spans decode to gaps
    assert back["weather"].isna().equals(table["weather"].isna())
    rng = np.random.default_rng(2)
    generated = transformer.inverse_transform(rng.uniform(0, 1, data.shape))
    assert not generated.isna().any().any()  # a generator's soft outputs are never gaps


def test_category_lookup_accepts_strings(fitted: TableTransformer) -> None:
    assert fitted.category_index("severity", "1") == 0
    assert fitted.category_index("severity", 3) == 2
    assert fitted.category_index("dark", True) == 1
    with pytest.raises(DataError, match="severity"):
        fitted.category_index("severity", 7)
    with pytest.raises(DataError, match="speed"):
        fitted.category_index("speed", 1)


def test_unknown_category_and_bad_numbers_are_data_errors(fitted: TableTransformer, table: pd.DataFrame) -> None:
    bad = table.head(5).copy()
    bad["weather"] = "hail"
    with pytest.raises(DataError, match="weather"):
        fitted.transform(bad)
    bad = table.head(5).astype({"vehicles": object})
    bad.loc[0, "vehicles"] = "two"
    with pytest.raises(DataError, match="vehicles"):
        fitted.transform(bad)
    with pytest.raises(DataError, match="encoded values"):
        fitted.inverse_transform(np.zeros((2, 3)))


def test_mode_sampling_is_seeded(fitted: TableTransformer, table: pd.DataFrame) -> None:
    a = fitted.transform(table, seed=3)
    b = fitted.transform(table, seed=3)
    np.testing.assert_array_equal(a, b)


def test_invalid_state_is_a_data_error() -> None:
    with pytest.raises(DataError, match="invalid table transformer state"):
        TableTransformer.from_dict({"format": 1, "columns": []})


def test_object_column_of_booleans_decodes_to_booleans() -> None:
    frame = pd.DataFrame({"b": pd.Series([True, False, None, True] * 10, dtype=object), "x": [1.0, 2.0, 3.0, 4.0] * 10})
    transformer = TableTransformer().fit(frame)
    encoded = transformer.transform(frame)
    decoded = transformer.inverse_transform(encoded[0] if isinstance(encoded, tuple) else encoded)
    assert str(decoded["b"].dtype) == "boolean"
    assert decoded["b"].tolist()[:4] == [True, False, pd.NA, True]


def test_a_few_valued_integer_column_gets_one_exact_mode_per_value() -> None:
    rng = np.random.default_rng(1)
    years = pd.DataFrame({"year": rng.choice([1997, 1998, 1999, 2000, 2001, 2002], 300, p=[0.1, 0.1, 0.2, 0.2, 0.3, 0.1])})
    fitted = TableTransformer({"year": "integer"}).fit(years)
    mode = next(s for s in fitted.output_info if s.role == "mode")
    assert mode.dim == 6
    # any mode one-hot with any in-range scalar decodes to one of the six years, never between them
    encoded = np.zeros((12, fitted.output_dim))
    encoded[:, 0] = np.linspace(-1, 1, 12)
    encoded[np.arange(12), 1 + np.arange(12) % 6] = 1.0
    decoded = fitted.inverse_transform(encoded)["year"]
    assert list(decoded) == [1997 + i % 6 for i in range(12)]
    assert fitted.inverse_transform(fitted.transform(years))["year"].tolist() == years["year"].tolist()


def test_continuous_values_come_back_with_the_recorded_precision() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"kappa": np.round(rng.gamma(2, 0.7, 400), 2), "raw": rng.normal(0, 1, 400)})
    fitted = TableTransformer().fit(frame)
    noise = np.random.default_rng(3).random((50, fitted.output_dim)) * 2 - 1
    decoded = fitted.inverse_transform(noise)
    assert np.allclose(decoded["kappa"], decoded["kappa"].round(2)) and decoded["kappa"].nunique() > 5
    assert (decoded["raw"] != decoded["raw"].round(6)).any()  # full precision stays full
    state = fitted.to_dict()
    assert [c["decimals"] for c in state["columns"]] == [2, None]
    del state["columns"][0]["decimals"]  # a state saved before the field existed still loads
    assert (TableTransformer.from_dict(state).inverse_transform(noise)["kappa"] != decoded["kappa"]).any()
