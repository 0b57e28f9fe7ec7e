"""Train on synthetic, test on real: does a load forecaster learn as much from synthetic curves?

The same simple forecaster (ridge regression from the previous-day profile, plus the condition
labels when there are any) is trained once on real and once on synthetic windows and both are
tested on the same held-out real windows. Close errors mean the synthetic data carries the
structure forecasting relies on.

Task by window length: a window of two or more days predicts its last day from the day before
(day-ahead); a one-day window predicts its second half from its first half (intraday), because
a single synthetic day has no previous day. The model is fitted in the space the windows are
given in (ganzoo passes the model's normalised scale, where a household and a supermarket have
comparable magnitudes) and errors are computed after ``to_units`` maps values back to original
units (kW / kWh). MAPE skips near-zero actuals (below 1 % of the mean absolute actual), which
would otherwise dominate it, and WAPE (sum |error| / sum |actual|) is reported next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.linear_model import Ridge


def forecast_task(length: int, steps_per_day: int) -> tuple[int, int, str]:
    """``(history steps, horizon steps, description)`` for windows of ``length`` steps."""
    if length >= 2 * steps_per_day:
        return steps_per_day, steps_per_day, "day-ahead: previous day -> last day of the window"
    half = length // 2
    return half, length - half, "intraday: first half of the day -> second half"


def _design(series: np.ndarray, cond: np.ndarray | None, history: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    target = series[:, -horizon:]
    inputs = series[:, -horizon - history : -horizon]
    if cond is not None:
        inputs = np.concatenate([inputs, cond], axis=1)
    return inputs, target


def errors(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MAPE (%, near-zero actuals skipped), WAPE (%), RMSE and MAE."""
    err = predicted - actual
    scale = np.abs(actual).mean()
    mask = np.abs(actual) > 0.01 * scale
    mape = float(np.mean(np.abs(err[mask]) / np.abs(actual[mask])) * 100) if mask.any() else float("nan")
    return {
        "mape": mape,
        "wape": float(np.abs(err).sum() / max(np.abs(actual).sum(), 1e-12) * 100),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
    }


def tstr_forecast(
    real_train: np.ndarray,
    real_test: np.ndarray,
    synthetic: np.ndarray,
    *,
    steps_per_day: int,
    real_train_cond: np.ndarray | None = None,
    real_test_cond: np.ndarray | None = None,
    synthetic_cond: np.ndarray | None = None,
    alpha: float = 1.0,
    to_units: Callable[[np.ndarray], np.ndarray] | None = None,
) -> dict[str, dict[str, Any]]:
    """Errors on ``real_test`` of ridge models trained on ``synthetic`` (TSTR) and ``real_train`` (TRTR).

    All arrays are (N, L) windows in the same space; conditions (N, K) are optional but must be
    given for all three sets or none. ``to_units`` (default: identity) converts targets and
    predictions before the errors are computed.
    """
    conds = (real_train_cond, real_test_cond, synthetic_cond)
    if any(c is None for c in conds) and not all(c is None for c in conds):
        raise ValueError("give conditions for all of real_train, real_test and synthetic, or for none")
    length = real_test.shape[1]
    history, horizon, task = forecast_task(length, steps_per_day)
    x_test, y_test = _design(real_test, real_test_cond, history, horizon)
    results: dict[str, dict[str, Any]] = {}
    scores = {}
    for name, series, cond in (("tstr", synthetic, synthetic_cond), ("trtr", real_train, real_train_cond)):
        x, y = _design(series, cond, history, horizon)
        model = Ridge(alpha=alpha).fit(x, y)
        convert = to_units or (lambda values: values)
        scores[name] = errors(convert(y_test), convert(model.predict(x_test)))
    protocol = {
        "task": task,
        "model": f"ridge(alpha={alpha}) on the history profile" + (" + condition labels" if real_test_cond is not None else "")
        + (", fitted on the normalised scale" if to_units is not None else ""),
        "history_steps": history,
        "horizon_steps": horizon,
        "n_real_train": len(real_train),
        "n_real_test": len(real_test),
        "n_synthetic_train": len(synthetic),
        "tested_on": "held-out real windows",
    }
    for measure in ("mape", "rmse", "wape"):
        for name in ("tstr", "trtr"):
            results[f"forecast_{measure}_{name}"] = {"value": scores[name][measure], **protocol}
        tstr, trtr = scores["tstr"][measure], scores["trtr"][measure]
        results[f"forecast_{measure}_tstr"]["ratio_to_trtr"] = float(tstr / trtr) if trtr else None
    return results
