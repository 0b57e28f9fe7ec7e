"""Autocorrelation and daily-profile statistics of real vs synthetic load curves.

What a planner looks at first: is the average day right (when are the peaks), is the spread
around it right, is the daily energy distributed right, and does load persist from one step to
the next as it does in reality (autocorrelation, DoppelGANger's headline fidelity measure)?
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance


def mean_autocorrelation(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Average over samples of each window's autocorrelation at lags 1..max_lag, shape (max_lag,)."""
    x = np.asarray(series, dtype=np.float64)
    x = x - x.mean(axis=1, keepdims=True)
    var = (x**2).sum(axis=1)
    keep = var > 1e-12  # flat windows have no defined autocorrelation
    x, var = x[keep], var[keep]
    if not len(x):
        return np.full(max_lag, np.nan)
    acf = np.stack([(x[:, :-lag] * x[:, lag:]).sum(axis=1) / var for lag in range(1, max_lag + 1)], axis=1)
    return acf.mean(axis=0)


def autocorrelation_error(real: np.ndarray, fake: np.ndarray, max_lag: int) -> dict[str, Any]:
    """Mean absolute difference of the mean autocorrelation functions (lower is better)."""
    max_lag = min(max_lag, real.shape[1] - 1)
    acf_real, acf_fake = mean_autocorrelation(real, max_lag), mean_autocorrelation(fake, max_lag)
    return {
        "value": float(np.abs(acf_real - acf_fake).mean()),
        "measure": "mean |ACF_real - ACF_fake| over lags 1..max_lag (per-window ACF, averaged); lower is better",
        "max_lag": max_lag,
        "acf_real": acf_real.round(4).tolist(),
        "acf_fake": acf_fake.round(4).tolist(),
    }


def profile_statistics(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    steps_per_day: int,
    real_cond: np.ndarray | None = None,
    fake_cond: np.ndarray | None = None,
    condition_names: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Errors of the mean and spread of the daily profile, daily energy and peak timing.

    ``real``/``fake`` are (N, L) windows in original units (L a multiple of ``steps_per_day``);
    with conditions, the mean-profile error is also computed per condition entry (month=1,
    daytype=saturday, class=h25 ...) present in both sets.
    """
    days_real = _days(real, steps_per_day)
    days_fake = _days(fake, steps_per_day)
    scale = float(np.abs(days_real).mean()) or 1.0
    mean_err = np.sqrt(np.mean((days_real.mean(0) - days_fake.mean(0)) ** 2))
    std_err = np.sqrt(np.mean((days_real.std(0) - days_fake.std(0)) ** 2))
    peaks_real = np.bincount(days_real.argmax(1), minlength=steps_per_day) / len(days_real)
    peaks_fake = np.bincount(days_fake.argmax(1), minlength=steps_per_day) / len(days_fake)
    energy = wasserstein_distance(days_real.sum(1), days_fake.sum(1))
    results = {
        "profile_mean_rmse": {"value": float(mean_err), "relative": float(mean_err / scale),
                              "measure": "RMSE between the mean daily profiles (original units)"},
        "profile_std_rmse": {"value": float(std_err), "relative": float(std_err / scale),
                             "measure": "RMSE between the per-step standard deviations (original units)"},
        "daily_energy_wasserstein": {"value": float(energy), "relative": float(energy / (scale * steps_per_day)),
                                     "measure": "1-Wasserstein distance of daily sums (original units x steps)"},
        "peak_time_js": {"value": float(jensenshannon(peaks_real, peaks_fake, base=2) ** 2),
                         "measure": "JS divergence (base 2) of the distribution of the daily peak's step"},
        "load_factor_difference": _load_factor_difference(days_real, days_fake),
    }
    if real_cond is not None and fake_cond is not None:
        per = conditional_profile_errors(real, fake, real_cond, fake_cond, condition_names)
        if per:
            results["profile_mean_rmse_by_condition"] = {
                "value": float(np.mean(list(per.values()))),
                "measure": "mean over condition entries of the RMSE between mean window profiles",
                "per_condition": per,
            }
    return results


def conditional_profile_errors(
    real: np.ndarray, fake: np.ndarray, real_cond: np.ndarray, fake_cond: np.ndarray,
    names: list[str] | None = None,
) -> dict[str, float]:
    """RMSE of mean window profiles per condition entry present in both sets."""
    out = {}
    for j in range(real_cond.shape[1]):
        r, f = real[real_cond[:, j] > 0.5], fake[fake_cond[:, j] > 0.5]
        if len(r) and len(f):
            name = names[j] if names else str(j)
            out[name] = float(np.sqrt(np.mean((r.mean(0) - f.mean(0)) ** 2)))
    return out


def _load_factor_difference(days_real: np.ndarray, days_fake: np.ndarray) -> dict[str, Any]:
    """|load factor real - synthetic|, with both factors and the days that had no load."""
    (real, real_idle), (fake, fake_idle) = _load_factor(days_real), _load_factor(days_fake)
    return {"value": abs(real - fake), "load_factor_real": real, "load_factor_fake": fake,
            "days_without_load_real": real_idle, "days_without_load_fake": fake_idle,
            "measure": "|mean/peak ratio real - synthetic| of the consumption (negative readings as 0), "
                       "over days with a positive peak"}


def _load_factor(days: np.ndarray) -> tuple[float, int]:
    """Mean over days of mean / peak consumption, and the number of days without any.

    Negative readings count as 0 and days without a positive reading are left out: a generated
    day just below 0 everywhere made the ratio of one day -5e9 and the mean with it (a 200-meter
    file, 3 Dec 2026), where a load factor is not defined at all.
    """
    load = np.clip(days, 0.0, None)
    peak = load.max(1)
    some = peak > 0
    value = float(np.mean(load[some].mean(1) / peak[some])) if some.any() else float("nan")
    return value, int((~some).sum())


def _days(windows: np.ndarray, steps_per_day: int) -> np.ndarray:
    windows = np.asarray(windows, dtype=np.float64)
    if windows.shape[1] % steps_per_day:
        raise ValueError(f"windows of {windows.shape[1]} steps are not whole days of {steps_per_day}")
    return windows.reshape(-1, steps_per_day)
