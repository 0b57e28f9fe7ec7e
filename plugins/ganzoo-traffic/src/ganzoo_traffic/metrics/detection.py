"""Real-vs-synthetic detection: can a classifier tell the two tables apart?

A classifier is cross-validated (stratified folds) on real rows labelled 0 and as many synthetic
rows labelled 1; its ROC AUC is 0.5 when the tables are indistinguishable and 1 when every row
gives itself away. The score ``1 - (2 * max(AUC, 0.5) - 1)`` is SDMetrics' detection metric
(1 = indistinguishable). When the synthetic table has no gaps at all (masked training generates
complete rows) real rows with gaps are left out, otherwise the gaps alone would give the game away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from ganzoo_traffic.metrics.features import encode_pair


def detection(
    real: pd.DataFrame,
    synth: pd.DataFrame,
    kinds: Mapping[str, str],
    *,
    classifier: Literal["logistic", "gradient-boosting"] = "logistic",
    folds: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """Cross-validated detection AUC and score, with the row counts used."""
    columns = list(kinds)
    dropped = 0
    if not synth[columns].isna().any().any():
        complete = real[columns].notna().all(axis=1)
        dropped = int((~complete).sum())
        real = real[complete]
    n = min(len(real), len(synth))
    if n < folds * 2:
        raise ValueError(f"detection needs at least {folds * 2} rows of each table, got {n}")
    rng = np.random.default_rng(seed)
    real = real.iloc[rng.choice(len(real), n, replace=False)]
    synth = synth.iloc[rng.choice(len(synth), n, replace=False)]
    x_real, (x_synth,) = encode_pair(real, [synth], kinds)
    x = np.concatenate([x_real, x_synth])
    y = np.concatenate([np.zeros(n), np.ones(n)])
    model = (
        LogisticRegression(max_iter=1000)
        if classifier == "logistic"
        else HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    )
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    aucs = cross_val_score(model, x, y, cv=cv, scoring="roc_auc")
    auc = float(np.mean(aucs))
    return {
        "auc": auc,
        "auc_sd": float(np.std(aucs)),
        "score": 1.0 - (2.0 * max(auc, 0.5) - 1.0),
        "rows_per_class": n,
        "real_rows_with_gaps_left_out": dropped,
        "classifier": classifier,
        "folds": folds,
    }
