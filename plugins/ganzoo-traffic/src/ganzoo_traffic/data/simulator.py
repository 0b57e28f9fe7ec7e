"""A seeded STATS19-like road-accident table: realistic structure, no download, no licence.

No permissively licensed accident table ships in a wheel, so the default data is simulated. The
columns and integer codes follow the UK DfT STATS19 collision file (snake_case schema), and the
dependencies between them are the ones that make the data interesting for a tabular GAN:

* time: rush-hour peaks; darkness depends on hour *and* month (sunrise/sunset move over the year);
* place: urban accidents cluster around six city centres (multi-modal latitude/longitude, the
  case mode-specific normalisation exists for), rural ones spread over Great Britain;
* road: speed limits follow urban/rural, 70 mph means dual carriageway, roundabouts are junctions;
* weather -> road surface (rain -> wet, snow -> snow/ice, winter frost);
* severity (1 fatal, 2 serious, 3 slight) from a multinomial logit on speed, darkness, rural
  roads, bad weather and the number of vehicles, tuned to roughly 1.5 % / 20 % / 78 %: an
  imbalanced target for conditional generation and the augmentation test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Column -> kind, in table order (the categorical codes are STATS19's).
ACCIDENT_KINDS: dict[str, str] = {
    "accident_severity": "categorical",
    "number_of_vehicles": "integer",
    "number_of_casualties": "integer",
    "month": "categorical",
    "day_of_week": "categorical",
    "hour": "integer",
    "latitude": "continuous",
    "longitude": "continuous",
    "urban_or_rural_area": "categorical",
    "road_type": "categorical",
    "speed_limit": "categorical",
    "junction_detail": "categorical",
    "light_conditions": "categorical",
    "weather_conditions": "categorical",
    "road_surface_conditions": "categorical",
}

#: Columns that lose entries when missingness is injected and no list is given.
DEFAULT_MISSING_COLUMNS: tuple[str, ...] = (
    "latitude",
    "longitude",
    "junction_detail",
    "light_conditions",
    "weather_conditions",
    "road_surface_conditions",
    "speed_limit",
)

_CITIES = np.array(
    [  # lat, lon, share of urban accidents
        (51.507, -0.128, 0.40),  # London
        (52.486, -1.890, 0.15),  # Birmingham
        (53.480, -2.242, 0.15),  # Manchester
        (53.801, -1.549, 0.10),  # Leeds
        (55.864, -4.252, 0.10),  # Glasgow
        (51.454, -2.588, 0.10),  # Bristol
    ]
)


def _choice(rng: np.random.Generator, codes: list[int], probs: np.ndarray) -> np.ndarray:
    """One draw per row from row-specific probabilities ``probs`` (n, len(codes))."""
    probs = probs / probs.sum(axis=1, keepdims=True)
    u = rng.random(len(probs))[:, None]
    index = np.minimum((u > probs.cumsum(axis=1)).sum(axis=1), len(codes) - 1)
    return np.asarray(codes)[index]


def simulate_accidents(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` complete accident records (integer codes as in STATS19)."""
    rng = np.random.default_rng(seed)
    ones = np.ones((n, 1))

    month = rng.integers(1, 13, n)
    weekday_weights = np.array([0.11, 0.14, 0.15, 0.15, 0.15, 0.16, 0.14])  # Sunday = 1
    day_of_week = rng.choice(np.arange(1, 8), n, p=weekday_weights)
    peak = rng.random(n)
    hour = np.where(
        peak < 0.25,
        rng.normal(8.2, 1.0, n),
        np.where(peak < 0.6, rng.normal(17.0, 1.6, n), rng.uniform(0, 24, n)),
    )
    hour = np.mod(np.round(hour), 24).astype(int)

    urban = rng.random(n) < 0.65
    urban_or_rural = np.where(urban, 1, 2)
    city = rng.choice(len(_CITIES), n, p=_CITIES[:, 2])
    lat = np.where(urban, _CITIES[city, 0] + rng.normal(0, 0.06, n), rng.uniform(50.6, 56.5, n))
    lon = np.where(urban, _CITIES[city, 1] + rng.normal(0, 0.09, n), rng.uniform(-4.8, 1.5, n))
    lon = np.where(~urban & (lat > 55), np.minimum(lon, -1.8), lon)  # Scotland is west of 1.8 W

    speed_limit = np.where(
        urban,
        _choice(rng, [20, 30, 40, 50], np.array([0.12, 0.74, 0.10, 0.04]) * ones),
        _choice(rng, [30, 40, 50, 60, 70], np.array([0.12, 0.10, 0.08, 0.52, 0.18]) * ones),
    )
    road_codes = [1, 2, 3, 6, 7, 9]
    road_probs = np.array([0.07, 0.03, 0.12, 0.74, 0.02, 0.02]) * ones
    road_probs[speed_limit == 70] = [0.05, 0.0, 0.85, 0.05, 0.05, 0.0]
    road_type = _choice(rng, road_codes, road_probs)

    junction_codes = [0, 1, 2, 3, 5, 6, 7, 8, 9]
    junction_probs = np.where(
        urban[:, None],
        np.array([0.35, 0.06, 0.02, 0.32, 0.01, 0.11, 0.03, 0.04, 0.06]),
        np.array([0.58, 0.07, 0.01, 0.20, 0.03, 0.04, 0.01, 0.03, 0.03]),
    )
    junction_probs[road_type == 1] = [0, 1, 0, 0, 0, 0, 0, 0, 0]
    junction_detail = _choice(rng, junction_codes, junction_probs)

    season = np.cos(2 * np.pi * (month - 6.5) / 12)  # -1 in midsummer, +1 in midwinter
    sunrise = 6.0 + 1.8 * season
    sunset = 18.5 - 2.5 * season
    dark = (hour < sunrise) | (hour >= sunset)
    light_probs = np.where(
        urban[:, None],
        np.array([0.0, 0.88, 0.03, 0.04, 0.05]),
        np.array([0.0, 0.25, 0.03, 0.67, 0.05]),
    )
    light_probs[~dark] = [1.0, 0, 0, 0, 0]
    light_conditions = _choice(rng, [1, 4, 5, 6, 7], light_probs)

    winter = np.clip(season, 0, 1)[:, None]
    weather_base = np.array([0.79, 0.12, 0.0, 0.015, 0.015, 0.0, 0.005, 0.025, 0.03])
    weather_probs = weather_base * ones + winter * np.array([-0.06, 0.0, 0.03, 0.0, 0.0, 0.005, 0.02, 0.0, 0.005])
    weather_conditions = _choice(rng, list(range(1, 10)), np.clip(weather_probs, 0, None))

    surface_codes = [1, 2, 3, 4, 5, 9]
    surface_probs = np.zeros((n, 6))
    fine = np.isin(weather_conditions, [1, 4, 8, 9])
    surface_probs[fine] = [0.86, 0.12, 0.0, 0.01, 0.0, 0.01]
    surface_probs[fine & (winter[:, 0] > 0.5)] = [0.62, 0.26, 0.01, 0.10, 0.0, 0.01]
    surface_probs[np.isin(weather_conditions, [2, 5, 7])] = [0.05, 0.92, 0.0, 0.0, 0.02, 0.01]
    surface_probs[np.isin(weather_conditions, [3, 6])] = [0.02, 0.28, 0.45, 0.24, 0.0, 0.01]
    road_surface_conditions = _choice(rng, surface_codes, surface_probs)

    vehicles = 1 + rng.poisson(np.where(urban, 0.9, 0.7))
    vehicles = np.minimum(vehicles, 8)

    speed = (speed_limit - 30.0) / 10.0
    unlit = np.isin(light_conditions, [5, 6]).astype(float)
    bad_weather = np.isin(weather_conditions, [2, 3, 5, 6, 7]).astype(float)
    rural = (~urban).astype(float)
    single = (vehicles == 1).astype(float)
    risk = 0.35 * speed + 0.55 * unlit + 0.35 * rural + 0.15 * bad_weather + 0.3 * single
    logit_fatal = -5.65 + 1.7 * risk
    logit_serious = -1.93 + 0.75 * risk
    expo = np.exp(np.stack([logit_fatal, logit_serious, np.zeros(n)], axis=1))
    severity = _choice(rng, [1, 2, 3], expo)
    casualties = 1 + rng.poisson(0.25 + 0.1 * (vehicles - 1) + 0.35 * (severity < 3))
    casualties = np.minimum(casualties, 12)

    frame = pd.DataFrame(
        {
            "accident_severity": severity,
            "number_of_vehicles": vehicles,
            "number_of_casualties": casualties,
            "month": month,
            "day_of_week": day_of_week,
            "hour": hour,
            "latitude": np.round(lat, 6),
            "longitude": np.round(lon, 6),
            "urban_or_rural_area": urban_or_rural,
            "road_type": road_type,
            "speed_limit": speed_limit,
            "junction_detail": junction_detail,
            "light_conditions": light_conditions,
            "weather_conditions": weather_conditions,
            "road_surface_conditions": road_surface_conditions,
        }
    )
    return frame.astype({c: "int64" for c in frame.columns if c not in ("latitude", "longitude")})
