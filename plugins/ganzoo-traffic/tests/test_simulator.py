"""The accident simulator and the missingness injector."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ganzoo_traffic.data.missing import inject_missing
from ganzoo_traffic.data.simulator import ACCIDENT_KINDS, simulate_accidents

from ganzoo.registry.errors import DataError


def test_simulator_is_seeded_and_stats19_like() -> None:
    a, b = simulate_accidents(20_000, seed=3), simulate_accidents(20_000, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_accidents(20_000, seed=4))
    assert list(a.columns) == list(ACCIDENT_KINDS)
    shares = a["accident_severity"].value_counts(normalize=True)
    assert 0.008 < shares[1] < 0.03 and 0.15 < shares[2] < 0.26 and 0.72 < shares[3] < 0.84
    assert set(a["speed_limit"]) <= {20, 30, 40, 50, 60, 70}
    assert set(a["light_conditions"]) <= {1, 4, 5, 6, 7}
    assert a["hour"].between(0, 23).all()
    serious = a.groupby("speed_limit")["accident_severity"].apply(lambda s: (s < 3).mean())
    assert serious[70] > serious[30]  # the logit's speed effect
    night = a[a["hour"].isin([0, 1, 2, 3])]
    assert (night["light_conditions"] != 1).all()  # no daylight at 2 am
    rain = a[a["weather_conditions"] == 2]
    assert (rain["road_surface_conditions"] == 2).mean() > 0.8


@pytest.mark.parametrize("mechanism", ["mcar", "mar", "mnar"])
def test_injected_missing_rate(mechanism: str) -> None:
    frame = simulate_accidents(8000, seed=0)
    out = inject_missing(frame, ["weather_conditions", "latitude"], 0.2, mechanism, seed=1, driver="urban_or_rural_area")
    for column in ("weather_conditions", "latitude"):
        assert abs(out[column].isna().mean() - 0.2) < 0.03
    assert out["accident_severity"].notna().all() and out["urban_or_rural_area"].notna().all()
    assert frame["latitude"].notna().all()  # the input is not modified


def test_mar_depends_on_the_driver_and_mcar_does_not() -> None:
    frame = simulate_accidents(20_000, seed=0)
    rural = frame["urban_or_rural_area"] == 2
    mar = inject_missing(frame, ["weather_conditions"], 0.2, "mar", seed=1, driver="urban_or_rural_area")
    mcar = inject_missing(frame, ["weather_conditions"], 0.2, "mcar", seed=1)
    gaps = lambda f, m: f.loc[m, "weather_conditions"].isna().mean()  # noqa: E731
    assert gaps(mar, rural) > 1.5 * gaps(mar, ~rural)
    assert abs(gaps(mcar, rural) - gaps(mcar, ~rural)) < 0.03


def test_injector_rejects_unknown_columns() -> None:
    with pytest.raises(DataError, match="'nope'"):
        inject_missing(simulate_accidents(10), ["nope"], 0.1)
    assert np.isnan(inject_missing(simulate_accidents(50), ["latitude"], 0.5, seed=0)["latitude"]).any()
