"""Stochastic customers on top of the BDEW standard load profiles.

A standard load profile is the *average* of many customers; one smart meter is far noisier. To get
realistic, varied training data without downloads, every synthetic meter draws

* an annual consumption (log-normal around a typical value for its class), which scales the
  profile (the BDEW profiles are given per 1,000 kWh/a);
* a personal time shift of up to +-30 minutes (early and late risers);

and every day of a meter gets

* a day-level factor (weather, occupancy), log-normal;
* multiplicative AR(1) noise over the quarter-hours (persistent deviations, not white noise);
* appliance spikes: a Poisson number of rectangular pulses (kettle, oven, washing machine)
  whose start times follow the profile's own shape and whose height scales with the meter's
  mean power.

Households (``h*``, ``p25``, ``s25``) are much noisier than commercial (``g*``) and farm (``l*``)
customers, as real smart-meter data show. Output is mean power in kW per quarter-hour.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from ganzoo_smartgrid.bdew import STEPS, year_curves


@dataclass(frozen=True)
class Variation:
    """Stochastic parameters of one customer family."""

    annual_kwh: float  # median annual consumption
    annual_sigma: float  # log-normal spread of annual consumption between meters
    day_sigma: float  # log-normal spread of whole days
    noise_sigma: float  # stationary std of the log AR(1) noise
    noise_phi: float  # AR(1) coefficient per quarter-hour
    spikes_per_day: float
    spike_height: float  # mean spike height, in multiples of the meter's mean power


FAMILIES: dict[str, Variation] = {
    "household": Variation(3000.0, 0.45, 0.12, 0.35, 0.85, 4.0, 4.0),
    "commercial": Variation(20000.0, 0.8, 0.08, 0.12, 0.9, 0.5, 0.8),
    "agricultural": Variation(10000.0, 0.6, 0.1, 0.2, 0.9, 1.0, 1.5),
}


def family(profile: str) -> Variation:
    """Variation parameters of a BDEW profile name (``g*`` commercial, ``l*`` farms, rest households)."""
    if profile.startswith("g"):
        return FAMILIES["commercial"]
    if profile.startswith("l"):
        return FAMILIES["agricultural"]
    return FAMILIES["household"]


@dataclass(frozen=True)
class Meters:
    """The synthetic customer population."""

    profile: np.ndarray  # (M,) profile name per meter
    annual_kwh: np.ndarray  # (M,)
    shift: np.ndarray  # (M,) time shift in quarter-hours


@dataclass(frozen=True)
class Days:
    """Generated windows: ``values`` (N, 96 * window_days) kW at 15-minute resolution."""

    values: np.ndarray
    start: list[dt.date]
    meter: np.ndarray  # (N,) meter index
    profile: list[str]


def draw_meters(profiles: tuple[str, ...], n_meters: int, rng: np.random.Generator) -> Meters:
    """Meters spread evenly over ``profiles`` (round robin), each with its own scale and shift."""
    names = np.asarray([profiles[i % len(profiles)] for i in range(n_meters)])
    medians = np.asarray([family(p).annual_kwh for p in names])
    sigmas = np.asarray([family(p).annual_sigma for p in names])
    annual = medians * np.exp(sigmas * rng.standard_normal(n_meters))
    shift = rng.integers(-2, 3, size=n_meters)
    return Meters(names, annual, shift)


def draw_days(
    meters: Meters, n_samples: int, year: int, window_days: int, rng: np.random.Generator
) -> Days:
    """``n_samples`` windows of ``window_days`` consecutive days from random meters and dates."""
    first = dt.date(year, 1, 1)
    n_days = (dt.date(year + 1, 1, 1) - first).days
    if window_days > n_days:
        raise ValueError(f"window_days={window_days} exceeds the {n_days} days of {year}")
    length = STEPS * window_days
    meter = rng.integers(0, len(meters.profile), size=n_samples)
    start = rng.integers(0, n_days - window_days + 1, size=n_samples)
    base = np.empty((n_samples, length))
    for profile in np.unique(meters.profile[meter]):
        rows = np.flatnonzero(meters.profile[meter] == profile)
        curves = year_curves(str(profile), year)
        index = start[rows, None] + np.arange(window_days)[None, :]
        base[rows] = curves[index].reshape(len(rows), length)
    for shift in np.unique(meters.shift[meter]):
        rows = np.flatnonzero(meters.shift[meter] == shift)
        base[rows] = np.roll(base[rows], int(shift), axis=1)
    base *= (meters.annual_kwh[meter] / 1000.0)[:, None]

    params = [family(str(p)) for p in meters.profile[meter]]
    day_sigma = np.asarray([v.day_sigma for v in params])
    noise_sigma = np.asarray([v.noise_sigma for v in params])
    phi = np.asarray([v.noise_phi for v in params])
    day_factor = np.exp(
        day_sigma[:, None] * rng.standard_normal((n_samples, window_days)) - day_sigma[:, None] ** 2 / 2
    )
    values = base * np.repeat(day_factor, STEPS, axis=1)
    values *= _ar1_lognormal(noise_sigma, phi, length, rng)
    values += _spikes(base, params, window_days, rng)
    days = [first + dt.timedelta(days=int(s)) for s in start]
    return Days(np.maximum(values, 0.0), days, meter, [str(p) for p in meters.profile[meter]])


def _ar1_lognormal(sigma: np.ndarray, phi: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """Mean-one multiplicative noise ``exp(y - sigma^2 / 2)`` with stationary AR(1) ``y``."""
    n = len(sigma)
    out = np.empty((n, length))
    eps = rng.standard_normal((n, length))
    for value in np.unique(phi):
        rows = np.flatnonzero(phi == value)
        innovations = eps[rows] * np.sqrt(1.0 - value**2)
        innovations[:, 0] = eps[rows, 0]  # start in the stationary distribution
        out[rows] = lfilter([1.0], [1.0, -value], innovations, axis=1)
    out *= sigma[:, None]
    return np.exp(out - sigma[:, None] ** 2 / 2)


def _spikes(base: np.ndarray, params: list[Variation], window_days: int, rng: np.random.Generator) -> np.ndarray:
    """Rectangular appliance pulses, more likely when the profile (people's activity) is high."""
    n, length = base.shape
    out = np.zeros_like(base)
    rates = np.asarray([v.spikes_per_day for v in params]) * window_days
    heights = np.asarray([v.spike_height for v in params]) * base.mean(axis=1)
    counts = rng.poisson(rates)
    for row in np.flatnonzero(counts):
        weights = base[row] / base[row].sum()
        starts = rng.choice(length, size=counts[row], p=weights)
        durations = rng.geometric(0.4, size=counts[row])  # mean 2.5 quarter-hours
        amplitudes = rng.exponential(heights[row], size=counts[row])
        for start, duration, amplitude in zip(starts, durations, amplitudes, strict=True):
            out[row, start : start + duration] += amplitude
    return out
