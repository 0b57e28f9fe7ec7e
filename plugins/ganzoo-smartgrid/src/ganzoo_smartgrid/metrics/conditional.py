"""Does the generator obey its condition and keep the data's diversity? Pure functions on arrays.

Three questions a grid analyst asks before using synthetic curves per customer class:

* **class recovery and TSTR**: a classifier trained on real windows labels each class's
  synthetic windows (the share labelled with the class they were generated for: near 1 when the
  condition is obeyed, the real classifier's accuracy at best), and a classifier trained on
  synthetic windows is tested on real ones (train on synthetic, test on real), next to the same
  classifier trained on real windows;
* **per-class profiles**: per class, channel and step, the error of the synthetic mean and
  standard deviation, and the ratio of the sds (a collapsed generator has ratios far below 1);
* **coverage and density** (Naeem et al. 2020): the share of real windows that have a synthetic
  window within their k-nearest-neighbour radius (diversity: 1 = every real mode is reached), and
  how many real neighbourhoods a synthetic window falls in on average (fidelity: about 1 when
  the sets match).

Windows are ``(N, C, L)`` arrays on one common scale; classes are integer labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import NearestNeighbors

#: Trees of the random forests (enough for stable accuracies on a few hundred windows).
TREES = 200


def _flat(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1)


def class_classification(real: np.ndarray, real_y: np.ndarray, fake: np.ndarray, fake_y: np.ndarray,
                         names: list[str], *, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Class recovery (real-trained classifier on synthetic) and TSTR vs TRTR accuracy.

    The real windows are split in halves A and B (seeded, stratified by shuffling within each
    class). A forest trained on real A labels the synthetic windows generated for B's classes
    (recovery) and real B (its real accuracy); a forest trained on the synthetic windows of A's
    classes is tested on real B (TSTR), next to the real-A forest (TRTR). ``fake[i]`` must be
    generated for ``real_y[i]`` (what ``ganzoo evaluate`` does for conditional runs).
    """
    rng = np.random.default_rng(seed)
    half_a = np.zeros(len(real), dtype=bool)
    for c in np.unique(real_y):
        rows = rng.permutation(np.flatnonzero(real_y == c))
        half_a[rows[: (len(rows) + 1) // 2]] = True
    a, b = np.flatnonzero(half_a), np.flatnonzero(~half_a)
    if not len(b) or len(np.unique(real_y[a])) < 2:
        raise ValueError("class metrics need at least two classes with two real windows each")
    real_forest = RandomForestClassifier(TREES, random_state=seed, n_jobs=1).fit(_flat(real[a]), real_y[a])
    fake_forest = RandomForestClassifier(TREES, random_state=seed, n_jobs=1).fit(_flat(fake[a]), fake_y[a])
    on_fake = real_forest.predict(_flat(fake[b]))
    on_real = real_forest.predict(_flat(real[b]))
    tstr = fake_forest.predict(_flat(real[b]))
    per_class: dict[str, dict[str, float]] = {}
    for c in np.unique(real_y[b]):
        rows = real_y[b] == c
        per_class[names[int(c)]] = {
            "recovery": float((on_fake[fake_y[b] == c] == c).mean()) if (fake_y[b] == c).any() else float("nan"),
            "real_accuracy": float((on_real[rows] == c).mean()),
            "tstr_recall": float((tstr[rows] == c).mean()),
            "trtr_recall": float((on_real[rows] == c).mean()),
            "n_real": int(rows.sum()),
        }
    recovery = [v["recovery"] for v in per_class.values() if np.isfinite(v["recovery"])]
    protocol = {"classifier": f"random forest ({TREES} trees) on the flattened windows",
                "split": "held-out real windows halved per class: A trains, B tests", "n_a": len(a), "n_b": len(b)}
    return {
        "class_recovery": {"value": float(min(recovery)), "mean": float(np.mean(recovery)),
                           "real_accuracy": float((on_real == real_y[b]).mean()), "per_class": per_class,
                           "measure": "lowest share over classes of synthetic windows that a real-trained "
                                      "classifier assigns to the class they were generated for; higher is better",
                           "better": "higher", **protocol},
        "class_tstr_accuracy": {"value": float((tstr == real_y[b]).mean()), "trtr": float((on_real == real_y[b]).mean()),
                                "measure": "accuracy on real windows of a classifier trained on synthetic windows "
                                           "(trtr: trained on real); higher is better",
                                "better": "higher", **protocol},
    }


def class_profiles(real: np.ndarray, real_y: np.ndarray | None, fake: np.ndarray, fake_y: np.ndarray | None,
                   names: list[str] | None) -> dict[str, dict[str, Any]]:
    """Per class: RMSE of the per-step mean and sd profiles, and the sd ratio synthetic / real."""
    groups: list[tuple[str, np.ndarray, np.ndarray]] = [("all", np.ones(len(real), bool), np.ones(len(fake), bool))]
    if real_y is not None and fake_y is not None and names is not None:
        groups += [(names[int(c)], real_y == c, fake_y == c) for c in np.unique(real_y) if (fake_y == c).sum() > 1]
    per: dict[str, dict[str, float]] = {}
    for name, rows_r, rows_f in groups:
        r, f = np.asarray(real[rows_r], np.float64), np.asarray(fake[rows_f], np.float64)
        sd_r, sd_f = r.std(0), f.std(0)
        ratio = sd_f / np.maximum(sd_r, 1e-9)
        per[name] = {"mean_rmse": float(np.sqrt(((r.mean(0) - f.mean(0)) ** 2).mean())),
                     "sd_rmse": float(np.sqrt(((sd_r - sd_f) ** 2).mean())),
                     "sd_ratio": float(ratio.mean()), "sd_ratio_min": float(ratio.min()),
                     "sd_ratio_max": float(ratio.max()), "n_real": int(rows_r.sum()), "n_fake": int(rows_f.sum())}
    classes = [k for k in per if k != "all"] or ["all"]
    return {
        "profile_mean_error": {"value": float(np.mean([per[k]["mean_rmse"] for k in classes])), "per_class": per,
                               "measure": "mean over classes of the RMSE between real and synthetic per-step means "
                                          "(every channel and step); lower is better"},
        "profile_sd_error": {"value": float(np.mean([per[k]["sd_rmse"] for k in classes])),
                             "measure": "mean over classes of the RMSE between real and synthetic per-step sds; "
                                        "lower is better"},
        "spread_ratio_error": {"value": float(np.mean([abs(per[k]["sd_ratio"] - 1) for k in classes])),
                               "sd_ratio": {k: per[k]["sd_ratio"] for k in classes},
                               "measure": "mean over classes of |mean per-step sd ratio synthetic/real - 1| "
                                          "(0: same spread; near 1: collapsed); lower is better"},
    }


def coverage_density(real: np.ndarray, fake: np.ndarray, *, k: int = 5) -> dict[str, dict[str, Any]]:
    """Coverage and density of ``fake`` around ``real`` (Naeem et al. 2020), flattened windows."""
    r, f = _flat(real), _flat(fake)
    k = min(k, len(r) - 1)
    if k < 1:
        raise ValueError("coverage needs at least two real windows")
    radius = NearestNeighbors(n_neighbors=k + 1).fit(r).kneighbors(r)[0][:, -1]
    hits, covered = 0, np.zeros(len(r), dtype=bool)
    square_r = (r**2).sum(1)
    for start in range(0, len(f), 256):
        chunk = f[start : start + 256]
        dist = np.sqrt(np.maximum((chunk**2).sum(1)[:, None] + square_r[None, :] - 2 * chunk @ r.T, 0))
        within = dist < radius[None, :]
        hits += int(within.sum())
        covered |= within.any(axis=0)
    protocol = {"k": k, "space": "flattened windows", "reference": "Naeem et al. 2020, density and coverage"}
    return {
        "coverage": {"value": float(covered.mean()), "better": "higher",
                     "measure": "share of real windows with a synthetic one inside their k-NN radius "
                                "(diversity; 1 = every real mode reached)", **protocol},
        "density": {"value": hits / (k * len(f)),
                    "measure": "mean number of real k-NN balls a synthetic window falls in, over k "
                               "(fidelity; about 1 when the sets match)", **protocol},
    }
