"""Statistical fidelity of a synthetic table, as pure functions of two DataFrames.

Two complementary views (domains.md §1.1.2, §1.4):

* *hypothesis tests* per column: two-sample Kolmogorov-Smirnov for numeric columns, chi-squared
  on the 2 x K contingency table for categorical ones, with Holm's step-down correction so the
  claim "no column differs significantly" holds at the family-wise level ``alpha``;
* *similarity scores* in [0, 1] (1 = identical), as SDMetrics defines them: KS complement
  (1 - KS statistic), TV complement (1 - total variation distance), correlation similarity
  (1 - |rho_real - rho_syn| / 2, Pearson, numeric pairs) and contingency similarity
  (1 - total variation of the joint distribution, other pairs; numeric columns binned at the real
  data's quantiles).

Gaps are ignored column by column (each test sees the observed values of its column).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

NUMERIC_KINDS = ("continuous", "integer", "datetime")


def numeric_values(values: pd.Series) -> np.ndarray:
    """Observed values of a numeric or datetime column as floats."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.dropna()
        return ((stamps - pd.Timestamp(0, tz=stamps.dt.tz)) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
    return pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted.tolist()


def _frequencies(real: pd.Series, synth: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    r = real.dropna().astype(str).value_counts()
    s = synth.dropna().astype(str).value_counts()
    categories = sorted(set(r.index) | set(s.index))
    return (
        r.reindex(categories, fill_value=0).to_numpy(dtype=float),
        s.reindex(categories, fill_value=0).to_numpy(dtype=float),
    )


def column_test(real: pd.Series, synth: pd.Series, kind: str) -> dict[str, Any]:
    """KS (numeric) or chi-squared (categorical) two-sample test of one column."""
    if kind in NUMERIC_KINDS:
        a, b = numeric_values(real), numeric_values(synth)
        if len(a) == 0 or len(b) == 0:
            return {"test": "ks", "statistic": float("nan"), "pvalue": float("nan")}
        result = stats.ks_2samp(a, b)
        return {"test": "ks", "statistic": float(result.statistic), "pvalue": float(result.pvalue)}
    r, s = _frequencies(real, synth)
    table = np.stack([r, s])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return {"test": "chi2", "statistic": 0.0, "pvalue": 1.0}
    statistic, pvalue, _, _ = stats.chi2_contingency(table)
    return {"test": "chi2", "statistic": float(statistic), "pvalue": float(pvalue)}


def column_tests(
    real: pd.DataFrame, synth: pd.DataFrame, kinds: Mapping[str, str], alpha: float = 0.05
) -> dict[str, dict[str, Any]]:
    """Per-column tests with Holm-adjusted p-values and the verdict at level ``alpha``."""
    results = {column: column_test(real[column], synth[column], kinds[column]) for column in kinds}
    valid = [c for c, r in results.items() if np.isfinite(r["pvalue"])]
    for column, adjusted in zip(valid, holm([results[c]["pvalue"] for c in valid]), strict=True):
        results[column]["pvalue_holm"] = adjusted
        results[column]["different"] = bool(adjusted < alpha)
    return results


def ks_complement(real: pd.Series, synth: pd.Series) -> float:
    """1 - two-sample KS statistic of a numeric column."""
    a, b = numeric_values(real), numeric_values(synth)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    return 1.0 - float(stats.ks_2samp(a, b).statistic)


def tv_complement(real: pd.Series, synth: pd.Series) -> float:
    """1 - total variation distance between the category frequencies of a column."""
    r, s = _frequencies(real, synth)
    if r.sum() == 0 or s.sum() == 0:
        return float("nan")
    return 1.0 - 0.5 * float(np.abs(r / r.sum() - s / s.sum()).sum())


def column_shapes(real: pd.DataFrame, synth: pd.DataFrame, kinds: Mapping[str, str]) -> dict[str, float]:
    """KS complement (numeric) or TV complement (categorical) per column."""
    return {
        column: ks_complement(real[column], synth[column]) if kind in NUMERIC_KINDS else tv_complement(real[column], synth[column])
        for column, kind in kinds.items()
    }


def _binned(values: pd.Series, edges: np.ndarray | None) -> pd.Series:
    if edges is None:
        return values.astype(object).where(values.notna(), None).astype(str)
    numbers = pd.Series(np.nan, index=values.index)
    observed = values.notna()
    numbers[observed] = numeric_values(values)
    codes = np.searchsorted(edges, numbers.to_numpy(), side="right")
    return pd.Series(np.where(observed, codes.astype(str), "None"), index=values.index)


def pair_trends(
    real: pd.DataFrame, synth: pd.DataFrame, kinds: Mapping[str, str], bins: int = 10
) -> dict[str, dict[str, float]]:
    """Correlation similarity of numeric pairs and contingency similarity of the other pairs.

    Returns ``{"correlation": {"a|b": score}, "contingency": {"a|c": score}}``.
    """
    edges: dict[str, np.ndarray | None] = {}
    for column, kind in kinds.items():
        if kind in NUMERIC_KINDS:
            observed = numeric_values(real[column])
            edges[column] = np.unique(np.quantile(observed, np.linspace(0, 1, bins + 1)[1:-1])) if len(observed) else None
        else:
            edges[column] = None
    correlation: dict[str, float] = {}
    contingency: dict[str, float] = {}
    for a, b in combinations(list(kinds), 2):
        key = f"{a}|{b}"
        if kinds[a] in NUMERIC_KINDS and kinds[b] in NUMERIC_KINDS:
            rho_r = _pearson(real[a], real[b])
            rho_s = _pearson(synth[a], synth[b])
            if np.isfinite(rho_r) and np.isfinite(rho_s):
                correlation[key] = 1.0 - abs(rho_r - rho_s) / 2.0
            continue
        joint_r = pd.crosstab(_binned(real[a], edges[a]), _binned(real[b], edges[b]), normalize=True).stack()
        joint_s = pd.crosstab(_binned(synth[a], edges[a]), _binned(synth[b], edges[b]), normalize=True).stack()
        index = joint_r.index.union(joint_s.index)
        diff = joint_r.reindex(index, fill_value=0) - joint_s.reindex(index, fill_value=0)
        contingency[key] = 1.0 - 0.5 * float(diff.abs().sum())
    return {"correlation": correlation, "contingency": contingency}


def _pearson(a: pd.Series, b: pd.Series) -> float:
    both = a.notna() & b.notna()
    if both.sum() < 3:
        return float("nan")
    x = numeric_values(a[both])
    y = numeric_values(b[both])
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def fidelity_report(
    real: pd.DataFrame, synth: pd.DataFrame, kinds: Mapping[str, str], *, alpha: float = 0.05, bins: int = 10
) -> dict[str, Any]:
    """Every fidelity number at once (the ``table-fidelity`` metric's content)."""
    tests = column_tests(real, synth, kinds, alpha)
    shapes = column_shapes(real, synth, kinds)
    trends = pair_trends(real, synth, kinds, bins)
    ks = [v for c, v in shapes.items() if kinds[c] in NUMERIC_KINDS and np.isfinite(v)]
    tv = [v for c, v in shapes.items() if kinds[c] not in NUMERIC_KINDS and np.isfinite(v)]
    tested = [r for r in tests.values() if "different" in r]
    mean = lambda values: float(np.mean(values)) if values else float("nan")  # noqa: E731
    column_score = mean(ks + tv)
    pair_score = mean(list(trends["correlation"].values()) + list(trends["contingency"].values()))
    return {
        "columns_not_different": mean([0.0 if r["different"] else 1.0 for r in tested]),
        "ks_complement": mean(ks),
        "tv_complement": mean(tv),
        "column_shapes": column_score,
        "correlation_similarity": mean(list(trends["correlation"].values())),
        "contingency_similarity": mean(list(trends["contingency"].values())),
        "pair_trends": pair_score,
        "quality": mean([v for v in (column_score, pair_score) if np.isfinite(v)]),
        "tests": tests,
    }
